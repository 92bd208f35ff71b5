package e2e_test

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/state"
)

// TestKilledApply kills apply with SIGKILL at 20 points spread over its run (planning,
// uploads, the pending record, finalize, polling, the final state write), each time on a new
// generation of the inventory. Whatever the instant, the state file must parse and hold the
// old objects or the new ones, or the old ones with the new ones recorded as a pending job;
// and the next apply must converge.
func TestKilledApply(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, "--latency", "2ms", "--finalize-delay", "300ms")
	w := newWorkspace(t, emu)
	writeInventory(w, 1500)
	statePath := w.path("j1hcl.state.json")

	start := time.Now()
	w.must("apply", "-auto-approve", "-compact", "-var=generation=0")
	span := time.Since(start)
	prev := w.desired("-var=generation=0")

	seed := uint64(time.Now().UnixNano())
	t.Logf("an apply takes %s; kill offsets drawn with seed %d", span.Round(time.Millisecond), seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	outcomes := map[string]int{}
	const kills = 20
	for i := 1; i <= kills; i++ {
		genVar := fmt.Sprintf("-var=generation=%d", i)
		next := w.desired(genVar)

		cmd := w.command(nil, "apply", "-auto-approve", "-compact", genVar)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		// One offset in each twentieth of the run, so every phase gets its kills.
		offset := time.Duration((float64(i-1) + rng.Float64()) / kills * float64(span))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(offset)
		kill(cmd)

		f, err := state.Read(statePath)
		if err != nil {
			t.Fatalf("kill %d at %s: the state does not parse: %v\noutput:\n%s", i, offset, err, out.String())
		}
		got := canonical(f.Graph())
		switch {
		case f.PendingJob != nil:
			outcomes["pending"]++
			assertSame(t, "state", got, "previous graph", prev)
			assertSame(t, "pending job's graph", canonical(f.PendingJob.Graph()), "new graph", next)
		case maps.Equal(got, prev):
			outcomes["old"]++
		case maps.Equal(got, next):
			outcomes["new"]++
		default:
			t.Fatalf("kill %d at %s: the state holds neither the old nor the new objects\noutput:\n%s", i, offset, out.String())
		}
		if info, err := backend.NewLocal(statePath).LockHolder(t.Context()); err == nil {
			// A killed process cannot release its lock: the user's way out.
			outcomes["lock left"]++
			w.must("force-unlock", "-force", info.ID)
		}

		r := w.must("apply", "-auto-approve", "-compact", genVar)
		if f.PendingJob != nil && !bytes.Contains([]byte(r.stderr), []byte(f.PendingJob.ID)) {
			t.Errorf("kill %d: the next apply did not report resolving pending job %s\n%s", i, f.PendingJob.ID, r)
		}
		assertSame(t, "emulator graph", emu.graph(t, inventoryInstance), "desired graph", next)
		after := w.state()
		if after.PendingJob != nil {
			t.Errorf("kill %d: the state still records job %s as pending", i, after.PendingJob.ID)
		}
		assertSame(t, "state", canonical(after.Graph()), "desired graph", next)
		if t.Failed() {
			t.Fatalf("kill %d at %s; killed apply's output:\n%s\nnext apply: %s", i, offset, out.String(), r)
		}
		prev = next
	}
	t.Logf("states found after the kills: %v", outcomes)
}
