package apply

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/emulator"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// TestLifecycle applies a sequence of configurations to one emulator and state, checking
// after each that the graph and the state both hold the desired graph, and that the
// result's counts and the state's serial move as they should.
func TestLifecycle(t *testing.T) {
	e := newEnv(t, emulator.Config{})
	web := entity("web", "cpus", json.Number("2"), "owner", "platform")
	db := entity("db", "cpus", json.Number("8"))
	steps := []struct {
		name       string
		desired    *model.Graph
		mode       string
		want       plan.Counts
		wantSerial uint64
		// remote is what the emulator and the state hold afterwards; nil means desired.
		remote *model.Graph
	}{
		{
			name:       "create",
			desired:    graphOf(web, db, relationship("web", "db")),
			want:       plan.Counts{Add: 3},
			wantSerial: 1,
		},
		{
			name:       "update a property",
			desired:    graphOf(entity("web", "cpus", json.Number("4"), "owner", "platform"), db, relationship("web", "db")),
			want:       plan.Counts{Change: 1},
			wantSerial: 2,
		},
		{
			name:       "delete an entity and its relationship",
			desired:    graphOf(entity("web", "cpus", json.Number("4"), "owner", "platform")),
			want:       plan.Counts{Destroy: 2},
			wantSerial: 3,
		},
		{
			name:       "PATCH creates and clears a property, never deletes",
			desired:    graphOf(entity("web", "cpus", json.Number("4")), entity("cache")),
			mode:       plan.ModePatch,
			want:       plan.Counts{Add: 1, Change: 1},
			wantSerial: 4,
		},
		{
			name:       "PATCH leaves a removed entity in place",
			desired:    graphOf(entity("web", "cpus", json.Number("4"))),
			mode:       plan.ModePatch,
			wantSerial: 4,
			remote:     graphOf(entity("web", "cpus", json.Number("4")), entity("cache")),
		},
		{
			name:       "DIFF deletes it",
			desired:    graphOf(entity("web", "cpus", json.Number("4"))),
			want:       plan.Counts{Destroy: 1},
			wantSerial: 5,
		},
	}
	for _, step := range steps {
		mode := step.mode
		if mode == "" {
			mode = plan.ModeDiff
		}
		before := e.requests.count("POST", "/persister/synchronization/jobs")
		res, err := e.apply(step.desired, mode, Options{})
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if res.Counts != step.want {
			t.Errorf("%s: counts %+v, want %+v", step.name, res.Counts, step.want)
		}
		started := e.requests.count("POST", "/persister/synchronization/jobs") - before
		if step.want.Total() == 0 {
			if res.Job != nil || started != 0 {
				t.Errorf("%s: a plan without changes started %d jobs", step.name, started)
			}
		} else {
			if res.Job == nil || res.Job.Status != syncapi.StatusFinished {
				t.Fatalf("%s: job %+v, want FINISHED", step.name, res.Job)
			}
			f := e.readState()
			if f.LastJob == nil || f.LastJob.ID != res.Job.ID || f.LastJob.Status != "FINISHED" || f.LastJob.SyncMode != mode || f.LastJob.FinishedAt != "2026-01-08T12:00:00Z" {
				t.Errorf("%s: last_job %+v, want job %s FINISHED %s", step.name, f.LastJob, res.Job.ID, mode)
			}
		}
		if f := e.readState(); f.Serial != step.wantSerial {
			t.Errorf("%s: serial %d, want %d", step.name, f.Serial, step.wantSerial)
		}
		want := step.remote
		if want == nil {
			want = step.desired
		}
		e.assertConverged(want)
	}
}

// TestPatchUploadsOnlyChangedEntities checks what a PATCH job sends: changed entities with a
// removed property as null, and no relationships.
func TestPatchUploadsOnlyChangedEntities(t *testing.T) {
	e := newEnv(t, emulator.Config{})
	if _, err := e.apply(graphOf(entity("a", "owner", "x"), entity("b"), relationship("a", "b")), plan.ModeDiff, Options{}); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	e.setIntercept(func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool {
		if strings.HasSuffix(r.URL.Path, "/entities") || strings.HasSuffix(r.URL.Path, "/relationships") {
			body := readBody(t, r)
			bodies = append(bodies, r.URL.Path[strings.LastIndex(r.URL.Path, "/"):]+" "+body)
			r.Body = io.NopCloser(strings.NewReader(body))
			r.ContentLength = int64(len(body))
			r.Header.Del("Content-Encoding")
		}
		return false
	})
	res, err := e.apply(graphOf(entity("a"), entity("b"), entity("c")), plan.ModePatch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts != (plan.Counts{Add: 1, Change: 1}) {
		t.Errorf("counts %+v", res.Counts)
	}
	want := []string{`/entities {"entities":[` +
		`{"_key":"test:host:a","_type":"test_host","_class":"Host","name":"a","displayName":"a","owner":null},` +
		`{"_key":"test:host:c","_type":"test_host","_class":"Host","name":"c","displayName":"c"}]}`}
	if strings.Join(bodies, "\n") != strings.Join(want, "\n") {
		t.Errorf("uploads:\n%s\nwant:\n%s", strings.Join(bodies, "\n"), strings.Join(want, "\n"))
	}
	// The relationship stays: PATCH cannot delete, and the state keeps it for the next DIFF.
	e.assertConverged(graphOf(entity("a"), entity("b"), entity("c"), relationship("a", "b")))
}

func readBody(t *testing.T, r *http.Request) string {
	t.Helper()
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNothingSent covers the plans Apply runs without starting a job.
func TestNothingSent(t *testing.T) {
	t.Run("no changes", func(t *testing.T) {
		e := newEnv(t, emulator.Config{})
		g := graphOf(entity("a"), entity("b"))
		if _, err := e.apply(g, plan.ModeDiff, Options{}); err != nil {
			t.Fatal(err)
		}
		before, n := e.stateBytes(), len(e.requests.all())
		res, err := e.apply(g, plan.ModeDiff, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Job != nil || res.StateChanged || len(e.requests.all()) != n {
			t.Errorf("no-change apply: job %v, state changed %v, requests %v", res.Job, res.StateChanged, e.requests.all()[n:])
		}
		if !bytes.Equal(e.stateBytes(), before) {
			t.Error("no-change apply rewrote the state")
		}
	})
	t.Run("moves only", func(t *testing.T) {
		e := newEnv(t, emulator.Config{})
		a := entity("a")
		if _, err := e.apply(graphOf(a), plan.ModeDiff, Options{}); err != nil {
			t.Fatal(err)
		}
		n := len(e.requests.all())
		moved := a.Clone()
		moved.Address = "entity.host.renamed"
		res, err := e.apply(graphOf(moved), plan.ModeDiff, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Job != nil || len(e.requests.all()) != n {
			t.Errorf("a move sent requests: %v", e.requests.all()[n:])
		}
		f := e.readState()
		if res.Moved != 1 || !res.StateChanged || f.Serial != 2 || f.Entities[0].Address != "entity.host.renamed" {
			t.Errorf("moved %d, changed %v, serial %d, address %s", res.Moved, res.StateChanged, f.Serial, f.Entities[0].Address)
		}
	})
	t.Run("mass delete refused", func(t *testing.T) {
		e := newEnv(t, emulator.Config{})
		g := bigGraph(12, "1")
		if _, err := e.apply(g, plan.ModeDiff, Options{}); err != nil {
			t.Fatal(err)
		}
		before, n := e.stateBytes(), len(e.requests.all())
		_, err := e.apply(graphOf(), plan.ModeDiff, Options{})
		var md *MassDeleteError
		if !errors.As(err, &md) || md.Deleting != 24 || md.Total != 24 || !strings.Contains(err.Error(), "-allow-mass-delete") {
			t.Fatalf("err = %v, want a MassDeleteError for 24 of 24 naming -allow-mass-delete", err)
		}
		if len(e.requests.all()) != n || !bytes.Equal(e.stateBytes(), before) {
			t.Error("a refused mass delete sent requests or changed the state")
		}
		res, err := e.apply(graphOf(), plan.ModeDiff, Options{AllowMassDelete: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Counts.Destroy != 24 {
			t.Errorf("destroyed %d, want 24", res.Counts.Destroy)
		}
		e.assertConverged(graphOf())
	})
}

// TestFailureBeforeFinalizeAborts covers failures during the upload: the job is aborted
// (never finalized), the error names the job and the API's answer, and the state file and
// the graph are exactly as before.
func TestFailureBeforeFinalizeAborts(t *testing.T) {
	long := strings.Repeat("x", 5000)
	cases := []struct {
		name    string
		cfg     emulator.Config
		desired *model.Graph
		opts    Options
		want    []string
	}{
		{
			// Batches over the limit are split until they fit; one object over it alone fails.
			name:    "object too large for the API",
			cfg:     emulator.Config{MaxBody: 2000},
			desired: withEntity(bigGraph(40, "2"), entity("huge", "notes", strings.Repeat("x", 3000))),
			want:    []string{"HTTP 413", "PAYLOAD_TOO_LARGE", `_key "test:host:huge" is too large for the API even alone`, "make the object the message names smaller"},
		},
		{
			name:    "object the API refuses",
			desired: graphOf(entity("a"), entity("b", "notes", long)),
			want:    []string{"HTTP 400", "INVALID_ENTITY", "J1P004", "fix the objects"},
		},
		{
			name:    "relationship the API refuses",
			desired: graphOf(entity("a"), &model.Object{Kind: model.KindRelationship, Address: "relationship.bad", Props: model.Properties{"_key": "bad", "_type": "t", "_class": "HAS", "_fromEntityKey": "test:host:a"}}),
			want:    []string{"HTTP 400", "INVALID_RELATIONSHIP"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.cfg)
			// A previous state, so "unchanged" means a file, not its absence.
			if _, err := e.apply(bigGraph(3, "1"), plan.ModeDiff, Options{}); err != nil {
				t.Fatal(err)
			}
			before, remote := e.stateBytes(), e.remote()
			tc.opts.AllowMassDelete = true
			_, err := e.apply(tc.desired, plan.ModeDiff, tc.opts)
			var ae *Error
			if !errors.As(err, &ae) || ae.JobID == "" {
				t.Fatalf("err = %v, want an *Error naming the job", err)
			}
			msg := err.Error()
			for _, w := range append(tc.want, ae.JobID, "was aborted", "the state is unchanged") {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not mention %q:\n%s", w, msg)
				}
			}
			if job, _ := e.emu.Job(ae.JobID); job.Status != emulator.StatusAborted {
				t.Errorf("job status %s, want ABORTED", job.Status)
			}
			if n := e.requests.count("POST", "/finalize"); n != 1 {
				t.Errorf("%d finalize requests, want only the first apply's", n)
			}
			if !bytes.Equal(e.stateBytes(), before) {
				t.Error("the state file changed")
			}
			if !maps.Equal(e.remote(), remote) {
				t.Error("the graph changed")
			}
		})
	}
}

// TestInterruptAborts cancels the apply's context during the upload, as SIGINT does.
func TestInterruptAborts(t *testing.T) {
	e := newEnv(t, emulator.Config{})
	p, prior := e.plan(bigGraph(200, "1"), plan.ModeDiff)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	progress := &recordingProgress{onUpdate: func(done, total int) {
		if done > 0 {
			cancel(errors.New("interrupt signal received"))
		}
	}}
	_, err := e.runner().Apply(ctx, p, prior, e.backend(), Options{BatchSize: 10, Parallelism: 1, Progress: progress})
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *Error", err)
	}
	for _, w := range []string{"interrupted", "interrupt signal received", ae.JobID, "was aborted", "Run apply again"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q: %s", w, err)
		}
	}
	if job, _ := e.emu.Job(ae.JobID); job.Status != emulator.StatusAborted {
		t.Errorf("job status %s, want ABORTED", job.Status)
	}
	if e.stateBytes() != nil {
		t.Error("an interrupted first apply created a state file")
	}
	if e.requests.count("POST", "/finalize") != 0 {
		t.Error("an interrupted apply finalized")
	}
	if progress.finished != "failed" {
		t.Errorf("progress finished %q, want failed", progress.finished)
	}
}

type recordingProgress struct {
	onUpdate func(done, total int)
	updates  []int
	total    int
	finished string
}

func (p *recordingProgress) Start(total int) { p.total = total }
func (p *recordingProgress) Update(done, total int) {
	p.updates = append(p.updates, done)
	if p.onUpdate != nil {
		p.onUpdate(done, total)
	}
}

func (p *recordingProgress) Finish(ok bool) {
	p.finished = map[bool]string{true: "ok", false: "failed"}[ok]
}

// TestProgressCountsEveryObject checks that progress covers entities then relationships.
func TestProgressCountsEveryObject(t *testing.T) {
	e := newEnv(t, emulator.Config{})
	progress := &recordingProgress{}
	if _, err := e.apply(bigGraph(30, "1"), plan.ModeDiff, Options{BatchSize: 10, Parallelism: 1, Progress: progress}); err != nil {
		t.Fatal(err)
	}
	want := []int{10, 20, 30, 40, 50, 60}
	if progress.total != 60 || progress.finished != "ok" || !equalInts(progress.updates, want) {
		t.Errorf("progress total %d, updates %v, finished %q; want 60, %v, ok", progress.total, progress.updates, progress.finished, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFinalizeOutcomes covers what happens from finalize on.
func TestFinalizeOutcomes(t *testing.T) {
	finalizePath := func(r *http.Request) bool { return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/finalize") }

	t.Run("job fails on the server", func(t *testing.T) {
		e := newEnv(t, emulator.Config{})
		if _, err := e.apply(bigGraph(2, "1"), plan.ModeDiff, Options{}); err != nil {
			t.Fatal(err)
		}
		before, remote := e.stateBytes(), e.remote()
		// The platform ends the job in ERROR_BAD_DATA instead of finishing it.
		e.setIntercept(func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool {
			if !finalizePath(r) {
				return false
			}
			r.URL.Path = strings.TrimSuffix(r.URL.Path, "/finalize") + "/abort"
			r.Body = io.NopCloser(strings.NewReader(`{"reason":"bad data","terminalStatus":"ERROR_BAD_DATA"}`))
			r.ContentLength = -1
			emu.ServeHTTP(w, r)
			return true
		})
		_, err := e.apply(bigGraph(2, "2"), plan.ModeDiff, Options{})
		var ae *Error
		if !errors.As(err, &ae) || ae.Pending || !strings.Contains(err.Error(), "ERROR_BAD_DATA") {
			t.Fatalf("err = %v, want an *Error naming ERROR_BAD_DATA and not pending", err)
		}
		if !bytes.Equal(e.stateBytes(), before) {
			t.Error("the state changed after a failed job")
		}
		if !maps.Equal(e.remote(), remote) {
			t.Error("the graph changed after a failed job")
		}
	})

	t.Run("finalize answers lost but applied", func(t *testing.T) {
		e := newEnv(t, emulator.Config{})
		e.setIntercept(func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool {
			if !finalizePath(r) {
				return false
			}
			emu.ServeHTTP(discard{w.Header()}, r)
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		})
		desired := bigGraph(3, "1")
		res, err := e.apply(desired, plan.ModeDiff, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Job.Status != syncapi.StatusFinished {
			t.Errorf("status %s", res.Job.Status)
		}
		e.assertConverged(desired)
	})

	t.Run("finalize never reaches the API", func(t *testing.T) {
		e := newEnv(t, emulator.Config{})
		e.setIntercept(func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool {
			if !finalizePath(r) {
				return false
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		})
		_, err := e.apply(bigGraph(3, "1"), plan.ModeDiff, Options{})
		var ae *Error
		if !errors.As(err, &ae) || ae.Pending || !strings.Contains(err.Error(), "was aborted") || !strings.Contains(err.Error(), "HTTP 503") {
			t.Fatalf("err = %v, want an aborted *Error naming HTTP 503", err)
		}
		if job, _ := e.emu.Job(ae.JobID); job.Status != emulator.StatusAborted {
			t.Errorf("job %s, want ABORTED", job.Status)
		}
		if e.stateBytes() != nil {
			t.Error("the state file of a first apply was left behind")
		}
	})

	t.Run("API unreachable after finalize", func(t *testing.T) {
		e := newEnv(t, emulator.Config{})
		var down atomic.Bool
		e.setIntercept(func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool {
			if finalizePath(r) {
				down.Store(true)
			}
			if !down.Load() {
				return false
			}
			w.WriteHeader(http.StatusBadGateway)
			return true
		})
		desired := bigGraph(3, "1")
		_, err := e.apply(desired, plan.ModeDiff, Options{})
		var ae *Error
		if !errors.As(err, &ae) || !ae.Pending {
			t.Fatalf("err = %v, want a pending *Error", err)
		}
		f := e.readState()
		if f.PendingJob == nil || f.PendingJob.ID != ae.JobID || len(f.Entities) != 0 || len(f.PendingJob.Entities) != 3 {
			t.Fatalf("state %+v, want job %s pending with 3 entities, none recorded", f, ae.JobID)
		}
		// The API comes back; the job never got its finalize, so resolution aborts it.
		e.setIntercept(nil)
		got, err := e.runner().ResolvePending(context.Background(), f, e.backend(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.PendingJob != nil || len(got.Entities) != 0 {
			t.Errorf("resolved state %+v, want cleared and empty", got)
		}
		if job, _ := e.emu.Job(ae.JobID); job.Status != emulator.StatusAborted {
			t.Errorf("job %s, want ABORTED", job.Status)
		}
		if _, err := e.apply(desired, plan.ModeDiff, Options{}); err != nil {
			t.Fatal(err)
		}
		e.assertConverged(desired)
	})

	t.Run("finalize outlasts the timeout", func(t *testing.T) {
		e := newEnv(t, emulator.Config{FinalizeDelay: 600 * time.Millisecond})
		desired := bigGraph(3, "1")
		_, err := e.apply(desired, plan.ModeDiff, Options{FinalizeTimeout: 50 * time.Millisecond, PollInterval: 10 * time.Millisecond})
		var ae *Error
		if !errors.As(err, &ae) || !ae.Pending || !strings.Contains(err.Error(), "records it as pending") {
			t.Fatalf("err = %v, want a pending *Error", err)
		}
		f := e.readState()
		if f.PendingJob == nil || f.PendingJob.SyncMode != "DIFF" || f.PendingJob.RecordedAt != "2026-01-08T12:00:00Z" {
			t.Fatalf("pending job %+v", f.PendingJob)
		}
		got, err := e.runner().ResolvePending(context.Background(), f, e.backend(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got.Serial != 1 || got.LastJob == nil || got.LastJob.ID != ae.JobID {
			t.Errorf("resolved serial %d, last job %+v", got.Serial, got.LastJob)
		}
		e.assertConverged(desired)
	})
}

// TestFinalizeTimeoutBoundsAStalledStatusAnswer: a status answer whose headers arrive and
// whose body never does cannot hold the apply past -finalize-timeout.
func TestFinalizeTimeoutBoundsAStalledStatusAnswer(t *testing.T) {
	e := newEnv(t, emulator.Config{FinalizeDelay: time.Minute})
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	var finalized atomic.Bool
	e.setIntercept(func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool {
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/finalize") {
			finalized.Store(true)
			return false
		}
		if r.Method != "GET" || !finalized.Load() {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"job":{"id":`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
		return true
	})
	start := time.Now()
	_, err := e.apply(bigGraph(2, "1"), plan.ModeDiff, Options{FinalizeTimeout: 300 * time.Millisecond, PollInterval: 10 * time.Millisecond})
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("apply took %s with a 300ms finalize timeout", elapsed)
	}
	var ae *Error
	if !errors.As(err, &ae) || !ae.Pending || !strings.Contains(err.Error(), "records it as pending") {
		t.Fatalf("err = %v, want a pending *Error", err)
	}
	if f := e.readState(); f.PendingJob == nil || f.PendingJob.ID != ae.JobID {
		t.Fatalf("state does not record job %s as pending", ae.JobID)
	}
}

// withEntity returns g with o added, in key order.
func withEntity(g *model.Graph, o *model.Object) *model.Graph {
	g.Add(o)
	g.SortByKey()
	return g
}

// TestBatchesTooLargeAreSplit: a batch the API refuses as too large is sent again in halves
// until each part fits, and the apply converges.
func TestBatchesTooLargeAreSplit(t *testing.T) {
	e := newEnv(t, emulator.Config{MaxBody: 2000})
	desired := bigGraph(40, "1")
	if _, err := e.apply(desired, plan.ModeDiff, Options{}); err != nil {
		t.Fatal(err)
	}
	e.assertConverged(desired)
	if n := e.requests.count("POST", "/entities"); n <= 1 {
		t.Errorf("%d entity upload requests: the batch was not split", n)
	}
}

type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// TestWarnings reports the job's error counters: a relationship to an entity that does not
// exist is not created.
func TestWarnings(t *testing.T) {
	e := newEnv(t, emulator.Config{})
	dangling := relationship("a", "ghost")
	res, err := e.apply(graphOf(entity("a"), dangling), plan.ModeDiff, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := res.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "numRelationshipCreateErrors = 1") || !strings.Contains(w[0], res.Job.ID) {
		t.Errorf("warnings %q, want one naming numRelationshipCreateErrors = 1 and the job", w)
	}
}

// TestWarningsForEveryErrorCounter: mapped relationships' error counters are reported like
// the others, each with what to check.
func TestWarningsForEveryErrorCounter(t *testing.T) {
	tests := []struct {
		job  syncapi.Job
		want []string
	}{
		{syncapi.Job{NumMappedRelationshipCreateErrors: 2}, []string{"numMappedRelationshipCreateErrors = 2", "targetFilterKeys"}},
		{syncapi.Job{NumMappedRelationshipUpdateErrors: 1}, []string{"numMappedRelationshipUpdateErrors = 1", "targetFilterKeys"}},
		{syncapi.Job{NumMappedRelationshipDeleteErrors: 3}, []string{"numMappedRelationshipDeleteErrors = 3", "retries the deletion"}},
		{syncapi.Job{NumEntityCreateErrors: 1}, []string{"numEntityCreateErrors = 1", "refused some entities"}},
	}
	for _, tt := range tests {
		job := tt.job
		job.ID, job.Status = "job-9", syncapi.StatusFinished
		w := (&Result{Job: &job}).Warnings()
		if len(w) != 1 {
			t.Errorf("%+v: warnings %q, want one", tt.job, w)
			continue
		}
		for _, want := range append(tt.want, "job-9") {
			if !strings.Contains(w[0], want) {
				t.Errorf("warning %q does not mention %q", w[0], want)
			}
		}
	}
}

// TestFaultsConverge applies through injected 503s and a rate limit: the client's retries
// make the apply converge, counters and all. The faults are drawn from a seeded source and
// the batches sent one at a time, so every run meets the same faults: drawn afresh, a
// request fails all of its 5 attempts once in about 400 at this rate, and with some 18
// requests that may fail, one run in about twenty would.
func TestFaultsConverge(t *testing.T) {
	e := newEnv(t, emulator.Config{FailRate: 0.3, RateLimit: 200, Rand: rand.New(rand.NewPCG(1, 2))})
	desired := bigGraph(150, "1")
	res, err := e.apply(desired, plan.ModeDiff, Options{BatchSize: 20, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	// 8 batches of entities and 8 of relationships: more requests than that were retries.
	if n := e.requests.count("POST", "/entities") + e.requests.count("POST", "/relationships"); n <= 16 {
		t.Errorf("%d upload requests for 16 batches: no fault was injected", n)
	}
	j := res.Job
	if res.Counts.Add != 300 || j.NumEntitiesCreated != 150 || j.NumRelationshipsCreated != 150 || j.NumEntitiesUploaded != 150 || j.NumRelationshipsUploaded != 150 {
		t.Errorf("counts %+v, job %+v", res.Counts, j)
	}
	e.assertConverged(desired)
}

// TestApplyRefusesAPendingState guards the contract that pending jobs are resolved first.
func TestApplyRefusesAPendingState(t *testing.T) {
	e := newEnv(t, emulator.Config{})
	f := state.New(testTarget, "test")
	f.RecordPending("job-1", "DIFF", graphOf(entity("a")), fixedNow)
	p, err := plan.Compute(graphOf(entity("a")), f.Graph(), plan.Prior{Exists: true, Lineage: f.Lineage}, plan.Options{Target: testTarget})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.runner().Apply(context.Background(), p, f, e.backend(), Options{}); err == nil || !strings.Contains(err.Error(), "job-1") {
		t.Errorf("err = %v, want a refusal naming the pending job", err)
	}
	if len(e.requests.all()) != 0 {
		t.Errorf("requests sent: %v", e.requests.all())
	}
}

// TestStateWriteFailures covers a state that cannot be written: before finalize the job is
// aborted; after a finished job the error says the job is pending.
func TestStateWriteFailures(t *testing.T) {
	t.Run("pending record", func(t *testing.T) {
		e := newEnv(t, emulator.Config{})
		// A directory where the state file should be: every write fails.
		if err := os.MkdirAll(e.statePath, 0o755); err != nil {
			t.Fatal(err)
		}
		p, err := plan.Compute(graphOf(entity("a")), nil, plan.Prior{}, plan.Options{Target: testTarget})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.runner().Apply(context.Background(), p, nil, e.backend(), Options{})
		var ae *Error
		if !errors.As(err, &ae) || ae.Pending || !strings.Contains(err.Error(), "record job "+ae.JobID+" as pending") || !strings.Contains(err.Error(), "was aborted") {
			t.Fatalf("err = %v, want an aborted, not pending *Error about the pending record", err)
		}
		if job, _ := e.emu.Job(ae.JobID); job.Status != emulator.StatusAborted {
			t.Errorf("job %s, want ABORTED", job.Status)
		}
		if info, err := os.Stat(e.statePath); err != nil || !info.IsDir() {
			t.Errorf("the directory in the state's place is gone: %v", err)
		}
	})
	t.Run("commit", func(t *testing.T) {
		e := newEnv(t, emulator.Config{})
		e.setIntercept(func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool {
			if strings.HasSuffix(r.URL.Path, "/finalize") {
				// The state file turns into a directory while the job finalizes.
				if err := os.Remove(e.statePath); err != nil {
					t.Error(err)
				}
				if err := os.MkdirAll(filepath.Join(e.statePath, "x"), 0o755); err != nil {
					t.Error(err)
				}
			}
			return false
		})
		_, err := e.apply(graphOf(entity("a")), plan.ModeDiff, Options{})
		var ae *Error
		if !errors.As(err, &ae) || !ae.Pending || !strings.Contains(err.Error(), "FINISHED, but the state could not be written") {
			t.Fatalf("err = %v, want a pending *Error about the state write", err)
		}
		if job, _ := e.emu.Job(ae.JobID); job.Status != emulator.StatusFinished {
			t.Errorf("job %s, want FINISHED", job.Status)
		}
	})
}

type recordingWaiter struct {
	recordingProgress
	mu      sync.Mutex
	elapsed []time.Duration
	done    int
}

func (w *recordingWaiter) Wait(_ string, elapsed time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.elapsed = append(w.elapsed, elapsed)
}

func (w *recordingWaiter) Done() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done++
}

// While the job finishes after finalize, the progress hears the elapsed time every second,
// growing, and then that the wait is over.
func TestTheWaitAfterFinalizeIsReported(t *testing.T) {
	e := newEnv(t, emulator.Config{FinalizeDelay: 2500 * time.Millisecond})
	w := &recordingWaiter{}
	if _, err := e.apply(bigGraph(3, "1"), plan.ModeDiff, Options{Progress: w, PollInterval: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.elapsed) < 2 || w.done != 1 {
		t.Fatalf("wait reports %v, done %d times; want at least 2 reports and done once", w.elapsed, w.done)
	}
	for i := 1; i < len(w.elapsed); i++ {
		if w.elapsed[i] <= w.elapsed[i-1] {
			t.Errorf("elapsed times do not grow: %v", w.elapsed)
		}
	}
}

// TestPendingRecordedDuringUploads: the pending record is written while the uploads run, not
// after them, and an upload that fails after it was written leaves the state as it was.
func TestPendingRecordedDuringUploads(t *testing.T) {
	relationshipsPath := func(r *http.Request) bool {
		return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/relationships")
	}
	// waitForPending holds a request until the state records a pending job, for up to 10 s.
	waitForPending := func(e *env) bool {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if f, err := backend.ReadState(context.Background(), e.backend()); err == nil && f.PendingJob != nil {
				return true
			}
		}
		return false
	}

	t.Run("written before the last batch", func(t *testing.T) {
		e := newEnv(t, emulator.Config{})
		var asked, seen atomic.Bool
		e.setIntercept(func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool {
			if relationshipsPath(r) && asked.CompareAndSwap(false, true) {
				seen.Store(waitForPending(e))
			}
			return false
		})
		desired := bigGraph(50, "1")
		if _, err := e.apply(desired, plan.ModeDiff, Options{BatchSize: 10, Parallelism: 1}); err != nil {
			t.Fatal(err)
		}
		if !seen.Load() {
			t.Error("no pending record in the state while the relationships were uploading")
		}
		if f := e.readState(); f.PendingJob != nil || len(f.Entities) != 50 {
			t.Errorf("final state: pending %v, %d entities; want no pending job and 50", f.PendingJob, len(f.Entities))
		}
		e.assertConverged(desired)
	})

	for _, first := range []bool{true, false} {
		name := map[bool]string{true: "a first apply fails after the record: no state", false: "a later apply fails after the record: the state as it was"}[first]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, emulator.Config{})
			if !first {
				if _, err := e.apply(bigGraph(3, "1"), plan.ModeDiff, Options{}); err != nil {
					t.Fatal(err)
				}
			}
			before, remote := e.stateBytes(), e.remote()
			var recorded atomic.Bool
			e.setIntercept(func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool {
				if !relationshipsPath(r) {
					return false
				}
				recorded.Store(waitForPending(e))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"error":{"code":"INVALID_RELATIONSHIP","message":"refused by the test"}}`)
				return true
			})
			_, err := e.apply(bigGraph(20, "2"), plan.ModeDiff, Options{BatchSize: 10, Parallelism: 1, AllowMassDelete: true})
			var ae *Error
			if !errors.As(err, &ae) || ae.Pending || !strings.Contains(err.Error(), "was aborted") || !strings.Contains(err.Error(), "the state is unchanged") {
				t.Fatalf("err = %v, want an aborted, not pending *Error saying the state is unchanged", err)
			}
			if !recorded.Load() {
				t.Fatal("the pending record was not written while the uploads ran")
			}
			if job, _ := e.emu.Job(ae.JobID); job.Status != emulator.StatusAborted {
				t.Errorf("job %s, want ABORTED", job.Status)
			}
			if got := e.stateBytes(); !bytes.Equal(got, before) {
				t.Errorf("state after the failed apply:\n%s\nwant:\n%s", got, before)
			}
			if !maps.Equal(e.remote(), remote) {
				t.Error("the graph changed")
			}
		})
	}
}
