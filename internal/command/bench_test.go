package command

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/benchfixture"
)

// benchEnv is an Env for in-process runs: no terminal, output discarded.
func benchEnv() *Env {
	return &Env{
		Stdout:  io.Discard,
		Stderr:  io.Discard,
		Stdin:   strings.NewReader(""),
		Getenv:  func(string) string { return "" },
		Environ: func() []string { return nil },
	}
}

// benchPlan runs the whole `plan` command (load, validate, state, diff, render) in process.
func benchPlan(b *testing.B, dir string, args ...string) {
	b.Helper()
	b.ReportAllocs()
	var stderr bytes.Buffer
	env := benchEnv()
	env.Stderr = &stderr
	for b.Loop() {
		stderr.Reset()
		code := Main(env, append([]string{"j1hcl", "-chdir=" + dir, "plan", "-lock=false"}, args...))
		if code != ExitOK {
			b.Fatalf("plan exited %d: %s", code, stderr.String())
		}
	}
}

func chdirBack(b *testing.B) {
	wd, _ := os.Getwd()
	b.Cleanup(func() { os.Chdir(wd) })
}

// planWorkloads are the rows of the README's performance table: a configuration generator
// and the state the plan runs against (percent of objects changed; -1 for no state).
var planWorkloads = []struct {
	name    string
	write   func(dir string, n int) error
	changed int
}{
	{"CSV/empty", benchfixture.CSVInventory, -1},
	{"CSV/no-change", benchfixture.CSVInventory, 0},
	{"CSV/1pct-changed", benchfixture.CSVInventory, 1},
	{"Blocks/empty", benchfixture.Blocks, -1},
	{"Blocks/no-change", benchfixture.Blocks, 0},
	{"JSON/empty", benchfixture.JSONInventory, -1},
}

// benchSizes are the numbers of entities of each workload: 10,000 and 100,000, and
// 1,000,000 when J1HCL_BENCH_LARGE is set (make bench-large; each needs several GB).
func benchSizes() []int {
	if os.Getenv("J1HCL_BENCH_LARGE") != "" {
		return []int{1_000_000}
	}
	return []int{10_000, 100_000}
}

// BenchmarkPlan runs `plan -compact` on every workload of the README's performance table
// (targets: CSV 100k+100k under 2 s, 100,000 blocks under 4 s, 10,000 under 0.5 s; CSV
// 1M+1M under 25 s). The configuration and state are written before the timer starts.
func BenchmarkPlan(b *testing.B) {
	for _, w := range planWorkloads {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("%s/%dk", w.name, n/1000), func(b *testing.B) {
				chdirBack(b)
				dir := b.TempDir()
				if err := w.write(dir, n); err != nil {
					b.Fatal(err)
				}
				if w.changed >= 0 {
					if err := benchfixture.ChangedState(dir, filepath.Join(dir, DefaultStateFile), w.changed); err != nil {
						b.Fatal(err)
					}
				}
				benchPlan(b, dir, "-compact")
			})
		}
	}
}

// BenchmarkPlanRenamedBlocks plans the blocks workload after every block was renamed, so
// that each entity and relationship is a replacement (its default _key comes from its
// labels), in the full text view and in markdown: pairing the replacements, and finding each
// change's, once took time quadratic in their number (minutes at 100k).
func BenchmarkPlanRenamedBlocks(b *testing.B) {
	for _, format := range []string{"text", "markdown"} {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("%s/%dk", format, n/1000), func(b *testing.B) {
				chdirBack(b)
				dir := b.TempDir()
				if err := benchfixture.Blocks(dir, n); err != nil {
					b.Fatal(err)
				}
				if err := benchfixture.ChangedState(dir, filepath.Join(dir, DefaultStateFile), 0); err != nil {
					b.Fatal(err)
				}
				files, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
				for _, f := range files {
					src, err := os.ReadFile(f)
					if err != nil {
						b.Fatal(err)
					}
					src = bytes.ReplaceAll(src, []byte(`"app_`), []byte(`"svc_`))
					src = bytes.ReplaceAll(src, []byte("entity.application.app_"), []byte("entity.application.svc_"))
					if err := os.WriteFile(f, src, 0o644); err != nil {
						b.Fatal(err)
					}
				}
				// Once, untimed: the plan must see the renames as replacements.
				var out bytes.Buffer
				env := benchEnv()
				env.Stdout = &out
				if code := Main(env, []string{"j1hcl", "-chdir=" + dir, "plan", "-lock=false", "-format=" + format}); code != ExitOK || !strings.Contains(out.String(), "replaced") {
					b.Fatalf("plan exited %d without replacements:\n%.2000s", code, out.String())
				}
				benchPlan(b, dir, "-format="+format)
			})
		}
	}
}
