package syncapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// stall returns a handler that, after writing what first writes (nothing when nil), holds the
// request until the client gives up or the test ends.
func stall(t *testing.T, first func(w http.ResponseWriter)) http.HandlerFunc {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) }) // runs before the server closes, which waits for handlers
	return func(w http.ResponseWriter, r *http.Request) {
		if first != nil {
			first(w)
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}
}

// headersThenHalfABody sends a 200 and the start of a job document.
func headersThenHalfABody(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{"job":{"id":"job-1","sta`))
}

func TestEveryAttemptHasADeadlineCoveringHeadersAndBody(t *testing.T) {
	const timeout = 100 * time.Millisecond
	tests := []struct {
		name  string
		first func(http.ResponseWriter)
	}{
		{"no headers", nil},
		{"headers then a stalled body", headersThenHalfABody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := script(t, stall(t, tt.first))
			c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.RequestTimeout = timeout })
			start := time.Now()
			_, err := c.StartJob(context.Background(), JobSpec{Source: SourceAPI, Scope: "s", SyncMode: SyncModeDiff})
			elapsed := time.Since(start)
			var exhausted *RetriesExhaustedError
			if !errors.As(err, &exhausted) || exhausted.Attempts != maxTimeouts {
				t.Fatalf("err = %v, want the request given up after %d timed-out attempts", err, maxTimeouts)
			}
			if !strings.Contains(err.Error(), "no complete answer within 100ms") {
				t.Errorf("err = %v, want it to name the request timeout", err)
			}
			if n := len(rec.Requests()); n != maxTimeouts {
				t.Errorf("%d attempts, want %d", n, maxTimeouts)
			}
			if elapsed > 5*time.Second {
				t.Errorf("gave up after %s, want about %s", elapsed, maxTimeouts*timeout)
			}
		})
	}
}

func TestAStalledAttemptIsRetried(t *testing.T) {
	rec := script(t, stall(t, headersThenHalfABody), answerJob("job-1", StatusFinalizePending))
	// Long enough for the second answer on a loaded machine; the first stalls past it.
	c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.RequestTimeout = time.Second })
	job, err := c.GetJob(context.Background(), "job-1")
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != StatusFinalizePending {
		t.Errorf("status %s", job.Status)
	}
}

func TestWaitForJobTimeoutCoversAStalledStatusAnswer(t *testing.T) {
	tests := []struct {
		name       string
		handlers   []http.HandlerFunc
		wantStatus JobStatus
		wantJob    bool
	}{
		{"stalls at once", nil, "", false},
		{"stalls after a first answer", []http.HandlerFunc{answerJob("job-1", StatusFinalizingEntities)}, StatusFinalizingEntities, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := script(t, append(tt.handlers, stall(t, headersThenHalfABody))...)
			// The request timeout alone would hold the wait for a minute: the wait's own
			// timeout must end it.
			c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.RequestTimeout = time.Minute })
			start := time.Now()
			job, err := c.WaitForJob(context.Background(), "job-1", 0, time.Second)
			if elapsed := time.Since(start); elapsed > 20*time.Second {
				t.Errorf("waited %s, want about 1s", elapsed)
			}
			var timeout *WaitTimeoutError
			if !errors.As(err, &timeout) {
				t.Fatalf("err = %v, want a *WaitTimeoutError", err)
			}
			if timeout.Status != tt.wantStatus || (job != nil) != tt.wantJob {
				t.Errorf("status %q, job %v; want %q, job returned %t", timeout.Status, job, tt.wantStatus, tt.wantJob)
			}
			if !strings.Contains(err.Error(), "job-1") {
				t.Errorf("err = %v, want it to name the job", err)
			}
		})
	}
}
