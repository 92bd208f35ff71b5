package apply

import (
	"context"
	"os"
	"testing"

	"github.com/j1hcl/j1hcl/internal/emulator"
	"github.com/j1hcl/j1hcl/internal/plan"
)

// BenchmarkApply measures a whole first apply of 100,000 entities and 100,000 relationships
// to the emulator over loopback: start, uploads, pending record, finalize, poll and the final
// state write (README §5: under 15 s on 2 cores). The emulator runs in process, so its work
// (decoding, validating, finalizing) is part of the figure.
func BenchmarkApply(b *testing.B) {
	desired := bigGraph(100_000, "1")
	for _, gz := range []bool{true, false} {
		name := map[bool]string{true: "gzip", false: "plain"}[gz]
		b.Run(name, func(b *testing.B) {
			var requests, wire int64
			for range b.N {
				b.StopTimer()
				e := newEnv(b, emulator.Config{})
				p, prior := e.plan(desired, plan.ModeDiff)
				b.StartTimer()
				res, err := e.runner().Apply(context.Background(), p, prior, e.backend(), Options{DisableGzip: !gz})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if res.Counts.Add != 200_000 {
					b.Fatalf("added %d", res.Counts.Add)
				}
				requests += int64(len(e.requests.all()))
				wire += e.wireBytes.Load()
				if info, err := os.Stat(e.statePath); err == nil && b.N == 1 {
					b.ReportMetric(float64(info.Size()), "state-bytes")
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(wire)/float64(b.N), "wire-bytes/op")
		})
	}
}
