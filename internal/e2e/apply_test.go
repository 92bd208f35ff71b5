package e2e_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/backend"
)

const (
	lifecycleInstance = "e2e00000-0000-4000-8000-000000000001"
	inventoryInstance = "e2e00000-0000-4000-8000-000000000002"
)

// TestLifecycle walks one configuration through create, update, rename, delete, and a PATCH
// followed by a DIFF, checking after every apply that the emulator's graph, the desired graph
// and the state hold the same objects.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, "--data", t.TempDir()+"/emulator.json")
	w := newWorkspace(t, emu)

	w.copyFixture("lifecycle/1-create.hcl", "main.hcl")
	r := w.must("apply", "-auto-approve")
	assertContains(t, r, r.stdout, "Plan: 6 to add, 0 to change, 0 to destroy.", ": 6 added, 0 changed, 0 destroyed.",
		"Entities:             3 uploaded, 3 created", "Relationships:        3 uploaded, 2 created", "Mapped relationships: 1 created")
	w.assertConverged(lifecycleInstance)
	if f := w.state(); f.Serial != 1 || f.LastJob == nil || f.LastJob.ID != jobID(t, r) || f.LastJob.Status != "FINISHED" {
		t.Errorf("state serial %d, last job %+v; want 1 and the job of\n%s", f.Serial, f.LastJob, r)
	}

	w.copyFixture("lifecycle/2-update.hcl", "main.hcl")
	r = w.must("apply", "-auto-approve")
	assertContains(t, r, r.stdout, "~ userCount", "10 -> 12", ": 0 added, 1 changed, 0 destroyed.", "3 uploaded, 0 created, 1 updated")
	w.assertConverged(lifecycleInstance)

	w.copyFixture("lifecycle/3-rename.hcl", "main.hcl")
	before := emu.startJobs()
	r = w.must("apply", "-auto-approve")
	assertContains(t, r, r.stdout, "has moved to", "no job was needed")
	if n := emu.startJobs() - before; n != 0 {
		t.Errorf("a rename started %d jobs", n)
	}
	w.assertConverged(lifecycleInstance)
	if f := w.state(); f.Serial != 3 || f.Entities[0].Address != "entity.application.docs" {
		t.Errorf("after the rename: serial %d, first entity at %s", f.Serial, f.Entities[0].Address)
	}

	w.copyFixture("lifecycle/4-delete.hcl", "main.hcl")
	r = w.must("apply", "-auto-approve")
	assertContains(t, r, r.stdout, "# entity.host.web will be destroyed", ": 0 added, 0 changed, 2 destroyed.", "1 deleted")
	w.assertConverged(lifecycleInstance)

	// PATCH: the team changes; the application and its relationships, gone from the
	// configuration, stay in the graph and in the state.
	w.copyFixture("lifecycle/5-remove.hcl", "main.hcl")
	r = w.must("apply", "-auto-approve", "-mode=PATCH")
	assertContains(t, r, r.stdout, "Not applied in PATCH mode", ": 0 added, 1 changed, 0 destroyed.")
	remote := emu.graph(t, lifecycleInstance)
	assertSame(t, "state", canonical(w.state().Graph()), "emulator graph", remote)
	desired := w.desired()
	for k, v := range desired {
		if remote[k] != v {
			t.Errorf("after PATCH, %s is %s in the emulator, want %s", k, remote[k], v)
		}
	}
	if extra := len(remote) - len(desired); extra != 3 {
		t.Errorf("after PATCH the emulator holds %d objects beyond the configuration, want the 3 removed ones", extra)
	}

	r = w.must("apply", "-auto-approve", "-mode=DIFF")
	assertContains(t, r, r.stdout, ": 0 added, 0 changed, 3 destroyed.")
	w.assertConverged(lifecycleInstance)

	r = w.must("apply", "-auto-approve")
	assertContains(t, r, r.stdout, "No changes.")
	if f := w.state(); f.Serial != 6 {
		t.Errorf("final serial %d, want 6 (one per apply that changed something)", f.Serial)
	}
}

// TestSavedPlan applies a saved plan, and refuses one made against another state or a state
// that changed since.
func TestSavedPlan(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t)
	w := newWorkspace(t, emu)
	w.copyFixture("lifecycle/1-create.hcl", "main.hcl")

	w.must("plan", "-out=create.plan")
	r := w.must("apply", "create.plan")
	assertContains(t, r, r.stdout, ": 6 added, 0 changed, 0 destroyed.")
	w.assertConverged(lifecycleInstance)

	// Stale: the state moved on after the plan was made.
	w.copyFixture("lifecycle/2-update.hcl", "main.hcl")
	w.must("plan", "-out=update.plan")
	w.copyFixture("lifecycle/4-delete.hcl", "main.hcl")
	w.must("apply", "-auto-approve")
	before, jobs := w.stateBytes(), emu.startJobs()
	r = w.run("apply", "update.plan")
	if r.code != 1 {
		t.Fatalf("stale plan: %s", r)
	}
	assertContains(t, r, r.stderr, "Saved plan is stale")
	if !bytes.Equal(w.stateBytes(), before) || emu.startJobs() != jobs {
		t.Error("a stale plan changed the state or started a job")
	}

	// Another lineage: a plan made against a different state file of the same target.
	w.must("plan", "-out=other.plan", "-state=other.state.json")
	r = w.run("apply", "other.plan")
	if r.code != 1 {
		t.Fatalf("plan of another state: %s", r)
	}
	assertContains(t, r, r.stderr, "Saved plan does not match the given state")

	// A saved plan fixes its inputs.
	r = w.run("apply", "-var=x=1", "update.plan")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot be used with a saved plan") {
		t.Errorf("-var with a saved plan: %s", r)
	}
	if emu.startJobs() != jobs {
		t.Error("a refused saved plan started a job")
	}
}

// TestLockHeld refuses to apply while another process holds the state lock.
func TestLockHeld(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t)
	w := newWorkspace(t, emu)
	w.copyFixture("lifecycle/1-create.hcl", "main.hcl")
	lock, err := backend.Acquire(t.Context(), backend.NewLocal(w.path("j1hcl.state.json")), "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock(t.Context())
	r := w.run("apply", "-auto-approve")
	if r.code != 1 {
		t.Fatalf("apply under a held lock: %s", r)
	}
	assertContains(t, r, r.stderr, "the state is locked", lock.Info().ID, "force-unlock")
	if emu.startJobs() != 0 || w.stateBytes() != nil {
		t.Error("apply under a held lock started a job or wrote a state")
	}
}

// TestWithoutTerminal refuses an apply that cannot ask for confirmation: nothing is sent.
func TestWithoutTerminal(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t)
	w := newWorkspace(t, emu)
	w.copyFixture("lifecycle/1-create.hcl", "main.hcl")
	r := w.run("apply")
	if r.code != 1 {
		t.Fatalf("apply without a terminal: %s", r)
	}
	assertContains(t, r, r.stderr, "standard input is not a terminal", "-auto-approve")
	assertContains(t, r, r.stdout, "Plan: 6 to add")
	if n := emu.startJobs(); n != 0 {
		t.Errorf("%d jobs started", n)
	}
	if g := emu.graph(t, lifecycleInstance); len(g) != 0 {
		t.Errorf("the emulator holds %d objects", len(g))
	}
	if w.stateBytes() != nil {
		t.Error("a state file was written")
	}
}

// writeInventory writes the inventory configuration with n hosts.
func writeInventory(w *workspace, n int) {
	w.copyFixture("inventory/main.hcl", "main.hcl")
	var b strings.Builder
	b.WriteString("id,hostname,ip,rack\n")
	for i := range n {
		fmt.Fprintf(&b, "h%05d,host-%05d.example.com,10.%d.%d.%d,r%02d\n", i, i, i>>16&255, i>>8&255, i&255, i%20)
	}
	w.write("hosts.csv", []byte(b.String()))
}

// TestFaultsConverge applies through injected faults. With a rate limit, the client's
// retries (honouring Retry-After) carry every request through. With 503s on 30% of requests
// (half of them after the request took effect), a request can still fail all of its 5
// attempts (p = 0.3^5 per request), which aborts the apply: re-running apply must then
// converge, and every failed run must have left the state as it was.
func TestFaultsConverge(t *testing.T) {
	t.Parallel()
	t.Run("rate limit", func(t *testing.T) {
		t.Parallel()
		emu := startEmulator(t, "--rate-limit", "20")
		w := newWorkspace(t, emu)
		writeInventory(w, 300)
		r := w.must("apply", "-auto-approve", "-batch-size=25", "-var=generation=1")
		assertContains(t, r, r.stdout, ": 601 added, 0 changed, 0 destroyed.",
			"Entities:             301 uploaded, 301 created, 0 updated, 0 deleted",
			"Relationships:        300 uploaded, 300 created, 0 updated, 0 deleted")
		w.assertConverged(inventoryInstance, "-var=generation=1")
		if !strings.Contains(emu.stderr.String(), "status=429") {
			t.Error("the emulator answered no 429: the test proves nothing")
		}
	})
	t.Run("fail rate", func(t *testing.T) {
		t.Parallel()
		emu := startEmulator(t, "--fail-rate", "0.3")
		w := newWorkspace(t, emu)
		writeInventory(w, 300)
		steps := []struct {
			generation string
			want       []string
		}{
			{"1", []string{": 601 added, 0 changed, 0 destroyed.",
				"Entities:             301 uploaded, 301 created, 0 updated, 0 deleted",
				"Relationships:        300 uploaded, 300 created, 0 updated, 0 deleted"}},
			{"2", []string{": 0 added, 300 changed, 0 destroyed.",
				"Entities:             301 uploaded, 0 created, 300 updated, 0 deleted",
				"Relationships:        300 uploaded, 0 created, 0 updated, 0 deleted"}},
		}
		for _, step := range steps {
			genVar := "-var=generation=" + step.generation
			if r, first := applyThroughFaults(t, w, "-batch-size=50", genVar); first {
				assertContains(t, r, r.stdout, step.want...)
			}
			w.assertConverged(inventoryInstance, genVar)
		}
		if !strings.Contains(emu.stderr.String(), "status=503") {
			t.Error("the emulator injected no 503: the test proves nothing")
		}
	})
}

// applyThroughFaults runs apply until it succeeds, at most 4 times. Every failed run must
// have given up on exhausted retries and left the state as it was, or recorded a pending job.
// It returns the successful run, and whether it made the job itself (rather than finding an
// earlier run's pending job done), in which case its counts are the plan's.
func applyThroughFaults(t *testing.T, w *workspace, args ...string) (result, bool) {
	t.Helper()
	first := true
	for run := 1; run <= 4; run++ {
		before := w.stateBytes()
		r := w.run(append([]string{"apply", "-auto-approve"}, args...)...)
		if r.code == 0 {
			return r, first
		}
		if !strings.Contains(r.stderr, "gave up after 5 attempts") {
			t.Fatalf("apply failed for another reason than exhausted retries: %s", r)
		}
		if f := w.state(); f != nil && f.PendingJob != nil {
			first = false
		} else if !bytes.Equal(w.stateBytes(), before) {
			t.Fatalf("a failed apply changed the state: %s", r)
		}
		t.Logf("apply run %d gave up on a request, as 0.3^5 allows; running it again", run)
	}
	t.Fatalf("apply did not succeed in 4 runs")
	return result{}, false
}

// TestPermanentFailure: a batch over the emulator's body limit is split in halves until the
// parts fit, and the apply converges; an object over the limit on its own is refused for good
// (413): the job is aborted, apply exits 1 naming the job, the object and the API's answer,
// and neither the state file nor the graph changes.
func TestPermanentFailure(t *testing.T) {
	t.Parallel()
	t.Run("batches are split until they fit", func(t *testing.T) {
		t.Parallel()
		emu := startEmulator(t, "--max-body", "20000")
		w := newWorkspace(t, emu)
		writeInventory(w, 400)
		w.must("apply", "-auto-approve", "-var=generation=1")
		if !strings.Contains(emu.stderr.String(), "status=413") {
			t.Error("the emulator answered no 413: the test proves nothing")
		}
		w.assertConverged(inventoryInstance, "-var=generation=1")
	})
	t.Run("an object too large alone", func(t *testing.T) {
		t.Parallel()
		emu := startEmulator(t, "--max-body", "2500")
		w := newWorkspace(t, emu)
		// Small enough for every other request (the abort's included), too large alone.
		w.write("main.hcl", []byte(`integration {
  type        = "e2e-inventory"
  instance_id = "`+inventoryInstance+`"
  key_prefix  = "inv"
}

entity "team" "ops" {
  _class = "Team"
  name   = "ops"
  email  = "ops@example.com"
}

entity "team" "big" {
  _class = "Team"
  name   = "big"
  email  = "big@example.com"
  notes  = join("", [for i in range(300) : "0123456789"])
}
`))
		r := w.run("apply", "-auto-approve")
		if r.code != 1 {
			t.Fatalf("apply of an object over the body limit: %s", r)
		}
		assertContains(t, r, r.stderr, "HTTP 413", "PAYLOAD_TOO_LARGE", "was aborted", "too large for the API even alone", "make the object the message names smaller")
		_, rest, _ := strings.Cut(r.stdout, "Started DIFF job ")
		id, _, _ := strings.Cut(rest, " ")
		if id == "" || !strings.Contains(r.stderr, "job "+id) {
			t.Fatalf("the error does not name the job %q:\n%s", id, r)
		}
		if s := emu.jobStatus(t, id); s != "ABORTED" {
			t.Errorf("job %s is %s, want ABORTED", id, s)
		}
		if n := strings.Count(emu.stderr.String(), "/finalize status="); n != 0 {
			t.Errorf("%d finalize requests, want none", n)
		}
		if b := w.stateBytes(); b != nil {
			t.Errorf("a state file was written: %s", b)
		}
		if g := emu.graph(t, inventoryInstance); len(g) != 0 {
			t.Errorf("the graph holds %d objects, want none", len(g))
		}
	})
}

// TestAPIKeyIsNeverWritten runs commands with debug logging, successful and failing, and
// looks for the API key in everything they printed and wrote.
func TestAPIKeyIsNeverWritten(t *testing.T) {
	t.Parallel()
	dataFile := t.TempDir() + "/emulator.json"
	emu := startEmulator(t, "--data", dataFile)
	w := newWorkspace(t, emu)
	w.env = append(w.env, "J1HCL_LOG=debug")
	w.copyFixture("lifecycle/1-create.hcl", "main.hcl")
	w.must("plan", "-out=create.plan")
	w.must("apply", "create.plan")
	w.copyFixture("lifecycle/2-update.hcl", "main.hcl")
	w.must("apply", "-auto-approve", "-json")
	w.must("show")
	w.must("show", "create.plan")
	w.must("state", "list")
	w.must("export", "-out=export.json")
	// Failures print errors with requests in them.
	w.copyFixture("lifecycle/4-delete.hcl", "main.hcl")
	if r := w.runEnv([]string{"JUPITERONE_API_KEY=wrong-" + apiKey[:6]}, "apply", "-auto-approve"); r.code != 1 || !strings.Contains(r.stderr, "HTTP 401") {
		t.Errorf("apply with a wrong key: %s", r)
	}
	if r := w.runEnv([]string{"JUPITERONE_API_BASE=http://127.0.0.1:1"}, "apply", "-auto-approve"); r.code != 1 {
		t.Errorf("apply to a closed port: %s", r)
	}

	if !strings.Contains(strings.Join(w.outputs, ""), "level=DEBUG") {
		t.Fatal("no debug log was written: the test proves nothing")
	}
	for i, out := range append(w.outputs, emu.stdout.String(), emu.stderr.String()) {
		if strings.Contains(out, apiKey) {
			t.Errorf("output %d holds the API key:\n%s", i, out)
		}
	}
	entries, err := os.ReadDir(w.dir)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{dataFile}
	for _, e := range entries {
		files = append(files, w.path(e.Name()))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(apiKey)) {
			t.Errorf("%s holds the API key", f)
		}
	}
	for _, want := range []string{"j1hcl.state.json", "j1hcl.state.json.backup", "create.plan", "export.json"} {
		if _, err := os.Stat(w.path(want)); err != nil {
			t.Errorf("expected %s to be checked: %v", want, err)
		}
	}
}
