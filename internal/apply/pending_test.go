package apply

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/emulator"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// TestResolvePending records a pending job in a state, brings the job into each situation a
// dead apply can leave it in, and checks what resolution makes of it.
func TestResolvePending(t *testing.T) {
	before := graphOf(entity("a"))
	after := graphOf(entity("a", "owner", "x"), entity("b"))
	cases := []struct {
		name string
		cfg  emulator.Config
		// job brings the job into its situation; it returns the id to record as pending.
		job  func(t *testing.T, e *env, id string) string
		wait time.Duration
		// want is the state's graph afterwards; nil means the state file is unchanged and
		// resolution fails with a *PendingError mentioning wantErr.
		want       *model.Graph
		wantSerial uint64
		wantStatus string // status of the job on the emulator afterwards
		wantOut    string
		wantErr    string
	}{
		{
			name:       "finished",
			job:        func(t *testing.T, e *env, id string) string { finalize(t, e, id); return id },
			want:       after,
			wantSerial: 8,
			wantStatus: emulator.StatusFinished,
			wantOut:    "FINISHED: the state now records its result (serial 8)",
		},
		{
			name: "aborted",
			job: func(t *testing.T, e *env, id string) string {
				if _, err := e.client.AbortJob(context.Background(), id, "test"); err != nil {
					t.Fatal(err)
				}
				return id
			},
			want:       before,
			wantSerial: 7,
			wantStatus: emulator.StatusAborted,
			wantOut:    "ended ABORTED: the pending record was cleared",
		},
		{
			name:       "never finalized",
			job:        func(t *testing.T, e *env, id string) string { return id },
			want:       before,
			wantSerial: 7,
			wantStatus: emulator.StatusAborted,
			wantOut:    "ended ABORTED: the pending record was cleared",
		},
		{
			name:       "still finalizing, finishes within the wait",
			cfg:        emulator.Config{FinalizeDelay: 150 * time.Millisecond},
			job:        func(t *testing.T, e *env, id string) string { finalize(t, e, id); return id },
			wait:       10 * time.Second,
			want:       after,
			wantSerial: 8,
			wantStatus: emulator.StatusFinished,
			wantOut:    "Waiting up to 10s",
		},
		{
			name:       "still finalizing after the wait",
			cfg:        emulator.Config{FinalizeDelay: 3 * time.Second},
			job:        func(t *testing.T, e *env, id string) string { finalize(t, e, id); return id },
			wait:       30 * time.Millisecond,
			wantStatus: emulator.StatusFinalizePending,
			wantErr:    "is still FINALIZE_PENDING after 30ms",
		},
		{
			name:       "unknown to the API",
			job:        func(t *testing.T, e *env, id string) string { return "5d1a0000-0000-4000-8000-000000000000" },
			want:       before,
			wantSerial: 7,
			wantStatus: emulator.StatusAwaitingUploads,
			wantOut:    "the API does not know it (JOB_NOT_FOUND)",
		},
		{
			name:       "not a job id",
			job:        func(t *testing.T, e *env, id string) string { return "../" + id },
			want:       before,
			wantSerial: 7,
			wantStatus: emulator.StatusAwaitingUploads,
			wantOut:    "is not a Sync API job id",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.cfg)
			ctx := context.Background()
			job, err := e.client.StartJob(ctx, syncapi.JobSpec{Source: syncapi.SourceIntegrationExternal, IntegrationInstanceID: testInstance, SyncMode: syncapi.SyncModeDiff})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.client.Upload(ctx, job.ID, syncapi.Entities, model.PayloadOf(after).Entities, syncapi.UploadOptions{}); err != nil {
				t.Fatal(err)
			}
			pendingID := tc.job(t, e, job.ID)

			f := state.New(testTarget, "old")
			f.Serial = 7
			f.SetObjects(before)
			f.RecordPending(pendingID, "DIFF", after, fixedNow)
			if err := backend.WriteState(context.Background(), e.backend(), f); err != nil {
				t.Fatal(err)
			}
			written := e.stateBytes()

			got, err := e.runner().ResolvePending(ctx, f, e.backend(), tc.wait)
			if tc.want == nil {
				var pe *PendingError
				if !errors.As(err, &pe) || pe.JobID != pendingID || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "run the command again") {
					t.Fatalf("err = %v, want a *PendingError for %s mentioning %q", err, pendingID, tc.wantErr)
				}
				if !bytes.Equal(e.stateBytes(), written) {
					t.Error("an unresolved pending job changed the state file")
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				onDisk := e.readState()
				for _, s := range []*state.File{got, onDisk} {
					if s.PendingJob != nil || s.Serial != tc.wantSerial || !maps.Equal(canonical(s.Graph()), canonical(tc.want)) {
						t.Errorf("state: pending %v, serial %d (want %d), objects %v", s.PendingJob, s.Serial, tc.wantSerial, canonical(s.Graph()))
					}
				}
				if tc.wantSerial == 8 && (onDisk.LastJob == nil || onDisk.LastJob.ID != pendingID || onDisk.LastJob.Status != "FINISHED") {
					t.Errorf("last_job %+v, want %s FINISHED", onDisk.LastJob, pendingID)
				}
				if f.PendingJob == nil {
					t.Error("ResolvePending modified its argument")
				}
			}
			if !strings.Contains(e.out.String(), tc.wantOut) {
				t.Errorf("output %q does not mention %q", e.out.String(), tc.wantOut)
			}
			if j, _ := e.emu.Job(job.ID); j.Status != tc.wantStatus {
				t.Errorf("job status %s, want %s", j.Status, tc.wantStatus)
			}
		})
	}
}

func finalize(t *testing.T, e *env, id string) {
	t.Helper()
	if _, err := e.client.FinalizeJob(context.Background(), id, syncapi.FinalizeOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestResolvePendingAPIError keeps the pending record when the API refuses to answer.
func TestResolvePendingAPIError(t *testing.T) {
	e := newEnv(t, emulator.Config{})
	bad, err := syncapi.New(syncapi.Config{BaseURL: e.srv.URL, APIKey: "wrong-key"})
	if err != nil {
		t.Fatal(err)
	}
	f := state.New(testTarget, "old")
	f.RecordPending("job-1", "DIFF", graphOf(entity("a")), fixedNow)
	if err := backend.WriteState(context.Background(), e.backend(), f); err != nil {
		t.Fatal(err)
	}
	written := e.stateBytes()
	r := &Runner{Client: bad}
	_, err = r.ResolvePending(context.Background(), f, e.backend(), 0)
	var pe *PendingError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "HTTP 401") || strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("err = %v, want a *PendingError naming HTTP 401 without the key", err)
	}
	if !bytes.Equal(e.stateBytes(), written) {
		t.Error("the state changed")
	}
}

// TestResolvePendingWithoutPendingJob returns the state as is, asking nothing.
func TestResolvePendingWithoutPendingJob(t *testing.T) {
	e := newEnv(t, emulator.Config{})
	f := state.New(testTarget, "old")
	got, err := e.runner().ResolvePending(context.Background(), f, e.backend(), 0)
	if err != nil || got != f || len(e.requests.all()) != 0 || e.stateBytes() != nil {
		t.Errorf("got %p (want %p), err %v, requests %v", got, f, err, e.requests.all())
	}
}
