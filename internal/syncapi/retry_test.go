package syncapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
)

// uploadOne uploads a single entity: one request per attempt, the route that matters most.
func uploadOne(c *Client) error {
	return c.Upload(context.Background(), "job-1", Entities, []model.Properties{entity("a")}, UploadOptions{})
}

// Every retryable failure is retried with the same correlation id and the same body, after
// a full-jitter backoff (jitter fixed at 0.5: half the ceiling, which doubles per attempt).
func TestRetriesTransientFailures(t *testing.T) {
	failures := map[string]http.HandlerFunc{
		"429":              answerStatus(http.StatusTooManyRequests, ""),
		"500":              answerError(http.StatusInternalServerError, "INTERNAL", "boom"),
		"502":              answerStatus(http.StatusBadGateway, ""),
		"503":              answerStatus(http.StatusServiceUnavailable, ""),
		"504":              answerStatus(http.StatusGatewayTimeout, ""),
		"connection reset": resetConnection(t),
	}
	for name, fail := range failures {
		t.Run(name, func(t *testing.T) {
			rec := script(t, fail, fail, answerOK())
			c, clock := newTestClient(t, rec)
			if err := uploadOne(c); err != nil {
				t.Fatalf("Upload: %v", err)
			}
			reqs := rec.Requests()
			if len(reqs) != 3 {
				t.Fatalf("%d requests, want 3", len(reqs))
			}
			id := reqs[0].Header.Get("JupiterOne-Correlation-Id")
			for i, r := range reqs {
				if got := r.Header.Get("JupiterOne-Correlation-Id"); got != id {
					t.Errorf("attempt %d: correlation id %q, want %q as on the first", i+1, got, id)
				}
				// A reset connection may drop the body before the handler reads it whole.
				if name != "connection reset" && !bytes.Equal(r.Body, reqs[0].Body) {
					t.Errorf("attempt %d sent a different body", i+1)
				}
			}
			if !bytes.Equal(reqs[2].Body, reqs[0].Body) && name != "connection reset" {
				t.Error("the successful attempt's body differs from the first")
			}
			want := []time.Duration{125 * time.Millisecond, 250 * time.Millisecond}
			if got := clock.Sleeps(); !reflect.DeepEqual(got, want) {
				t.Errorf("slept %v, want %v", got, want)
			}
		})
	}
}

func TestBackoffIsCappedFullJitter(t *testing.T) {
	var r float64
	c, _ := newTestClient(t, script(t, answerOK()), func(cfg *Config) { cfg.Random = func() float64 { return r } })
	for _, tt := range []struct {
		attempt int
		random  float64
		want    time.Duration
	}{
		{1, 0, 0},
		{1, 0.999, 249750 * time.Microsecond},
		{2, 0.5, 250 * time.Millisecond},
		{4, 1, 2 * time.Second},
		{6, 1, 8 * time.Second},
		{7, 1, 10 * time.Second},
		{100, 1, 10 * time.Second},
	} {
		r = tt.random
		if got := c.backoff(tt.attempt, -1); got != tt.want {
			t.Errorf("backoff(attempt %d, random %v) = %v, want %v", tt.attempt, tt.random, got, tt.want)
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	clockStart := newFakeClock().Now()
	tests := []struct {
		name       string
		status     int
		retryAfter string
		want       time.Duration
	}{
		{"seconds", http.StatusTooManyRequests, "7", 7 * time.Second},
		{"zero", http.StatusTooManyRequests, "0", 0},
		{"HTTP date", http.StatusServiceUnavailable, clockStart.Add(9 * time.Second).Format(http.TimeFormat), 9 * time.Second},
		{"date in the past", http.StatusServiceUnavailable, clockStart.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"absurd value is bounded", http.StatusTooManyRequests, "86400", maxRetryAfter},
		{"unreadable falls back to backoff", http.StatusTooManyRequests, "soon", 125 * time.Millisecond},
		{"RateLimit-Reset", http.StatusTooManyRequests, "reset:12", 12 * time.Second},
		{"Retry-After wins over RateLimit-Reset", http.StatusTooManyRequests, "3 reset:12", 3 * time.Second},
		{"RateLimit-Reset bounded", http.StatusTooManyRequests, "reset:86400", maxRetryAfter},
		{"RateLimit-Reset unreadable", http.StatusTooManyRequests, "reset:soon", 125 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// "A reset:B" sends Retry-After A and RateLimit-Reset B.
			retryAfter, reset, _ := strings.Cut(tt.retryAfter, "reset:")
			retryAfter = strings.TrimSpace(retryAfter)
			answer := func(w http.ResponseWriter, r *http.Request) {
				if reset != "" {
					w.Header().Set("RateLimit-Reset", reset)
				}
				answerStatus(tt.status, retryAfter)(w, r)
			}
			rec := script(t, answer, answerOK())
			c, clock := newTestClient(t, rec)
			if err := uploadOne(c); err != nil {
				t.Fatal(err)
			}
			if got := clock.Sleeps(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("slept %v, want [%v]", got, tt.want)
			}
		})
	}
}

// Other 4xx answers are bugs or bad data: reported at once with the API's code and message.
func TestNoRetryOnClientErrors(t *testing.T) {
	tests := []struct {
		name    string
		answer  http.HandlerFunc
		status  int
		code    string
		message string
	}{
		{"400", answerError(400, "INVALID_ENTITY", "entities[0] (_key \"a\"): J1P002 _class is missing"), 400, "INVALID_ENTITY", "J1P002"},
		{"401", answerError(401, "UNAUTHORIZED", "missing or wrong API key"), 401, "UNAUTHORIZED", "wrong API key"},
		{"404", answerError(404, "JOB_NOT_FOUND", "no job job-1"), 404, "JOB_NOT_FOUND", "no job job-1"},
		{"413", answerStatus(413, ""), 413, "", "Request Entity Too Large"},
		{"not awaiting uploads", answerError(400, CodeJobNotAwaitingUploads, "job job-1 is FINALIZE_PENDING"), 400, CodeJobNotAwaitingUploads, "FINALIZE_PENDING"},
		{"redirect is not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://elsewhere.example.com/steal", http.StatusTemporaryRedirect)
		}, 307, "", "does not follow redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := script(t, tt.answer, answerOK())
			c, clock := newTestClient(t, rec)
			err := uploadOne(c)
			if err == nil {
				t.Fatal("no error")
			}
			if n := len(rec.Requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if len(clock.Sleeps()) != 0 {
				t.Errorf("slept %v before giving up", clock.Sleeps())
			}
			var api *APIError
			if !errors.As(err, &api) {
				t.Fatalf("%T %v is not an *APIError", err, err)
			}
			if api.Status != tt.status || api.Code != tt.code || !strings.Contains(api.Message, tt.message) ||
				api.JobID != "job-1" || api.Route != "POST /persister/synchronization/jobs/job-1/entities" || api.CorrelationID == "" {
				t.Errorf("APIError %+v", *api)
			}
			for _, want := range []string{"job job-1", fmt.Sprintf("HTTP %d", tt.status), tt.code, tt.message, "entities 1-1 of 1"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			if IsRetryable(err) {
				t.Error("IsRetryable is true")
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	rec := script(t, answerError(http.StatusServiceUnavailable, "UNAVAILABLE", "try later"))
	c, clock := newTestClient(t, rec)
	err := uploadOne(c)
	if n := len(rec.Requests()); n != MaxAttempts {
		t.Errorf("%d requests, want %d", n, MaxAttempts)
	}
	if n := len(clock.Sleeps()); n != MaxAttempts-1 {
		t.Errorf("%d sleeps, want %d", n, MaxAttempts-1)
	}
	var exhausted *RetriesExhaustedError
	if !errors.As(err, &exhausted) || exhausted.Attempts != MaxAttempts {
		t.Fatalf("err = %v, want a RetriesExhaustedError after %d attempts", err, MaxAttempts)
	}
	if StatusOf(err) != 503 || !IsRetryable(err) {
		t.Errorf("the last failure should be the 503: status %d", StatusOf(err))
	}
	for _, want := range []string{"gave up after 5 attempts", "HTTP 503", "UNAVAILABLE", "try later", "job job-1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestRetriesExhaustedByNetworkErrors(t *testing.T) {
	rec := script(t, resetConnection(t))
	c, _ := newTestClient(t, rec)
	err := uploadOne(c)
	var exhausted *RetriesExhaustedError
	if !errors.As(err, &exhausted) || !strings.Contains(err.Error(), "gave up after 5 attempts, the last one failing with a network error") {
		t.Fatalf("err = %v", err)
	}
}

// A retried finalize whose first attempt got through is refused the second time; the client
// then reads the job and reports the finalize as done.
func TestFinalizeRecoversFromLostAnswer(t *testing.T) {
	rec := script(t,
		answerStatus(http.StatusBadGateway, ""),
		answerError(400, CodeJobNotAwaitingUploads, "job is FINALIZE_PENDING"),
		answerJob("job-1", StatusFinalizingEntities),
	)
	c, _ := newTestClient(t, rec)
	job, err := c.FinalizeJob(context.Background(), "job-1", FinalizeOptions{})
	if err != nil {
		t.Fatalf("FinalizeJob: %v", err)
	}
	if job.Status != StatusFinalizingEntities {
		t.Errorf("status %s", job.Status)
	}
	if reqs := rec.Requests(); len(reqs) != 3 || reqs[2].Method != "GET" {
		t.Errorf("requests %d, want finalize, finalize, GET", len(reqs))
	}

	// Refused on the first attempt: a real refusal, reported as such.
	rec = script(t, answerError(400, CodeJobNotAwaitingUploads, "job is ABORTED"), answerJob("job-1", StatusFinished))
	c, _ = newTestClient(t, rec)
	if _, err := c.FinalizeJob(context.Background(), "job-1", FinalizeOptions{}); !HasCode(err, CodeJobNotAwaitingUploads) {
		t.Errorf("err = %v, want JOB_NOT_AWAITING_UPLOADS", err)
	}
	if n := len(rec.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestAbortRecoversFromLostAnswer(t *testing.T) {
	rec := script(t,
		answerStatus(http.StatusGatewayTimeout, ""),
		answerError(400, "JOB_NOT_ABORTABLE", "already aborted"),
		answerJob("job-1", StatusAborted),
	)
	c, _ := newTestClient(t, rec)
	job, err := c.AbortJob(context.Background(), "job-1", "interrupted")
	if err != nil || job.Status != StatusAborted {
		t.Fatalf("AbortJob = %v, %v", job, err)
	}
}

func TestErrorBodies(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		name string
		body string
		want string
	}{
		{"html", "<html><body>Bad Request</body></html>", `: "<html><body>Bad Request</body></html>"`},
		{"long text is cut", long, `"` + strings.Repeat("é", 100) + `"…`},
		{"error as a string", `{"error":"bad things"}`, "HTTP 400: bad things"},
		{"empty", "", "HTTP 400: Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, script(t, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(400)
				fmt.Fprint(w, tt.body)
			}))
			_, err := c.GetJob(context.Background(), "job-1")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %s", err, tt.want)
			}
		})
	}
}

func TestUndecodableSuccessIsAnError(t *testing.T) {
	rec := script(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<html>maintenance</html>") })
	c, _ := newTestClient(t, rec)
	_, err := c.GetJob(context.Background(), "job-1")
	if err == nil || !strings.Contains(err.Error(), "decode the answer") || !strings.Contains(err.Error(), "maintenance") {
		t.Fatalf("err = %v", err)
	}
	if n := len(rec.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// Cancelling the context stops a request in flight and a backoff in progress at once.
func TestContextCancellationStopsPromptly(t *testing.T) {
	t.Run("request in flight", func(t *testing.T) {
		arrived := make(chan struct{}, 1)
		c, _ := newTestClient(t, script(t, func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			<-r.Context().Done()
		}))
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-arrived; cancel() }()
		err := c.Upload(ctx, "job-1", Entities, []model.Properties{entity("a")}, UploadOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("waiting to retry", func(t *testing.T) {
		rec := script(t, answerStatus(http.StatusTooManyRequests, "60"))
		ctx, cancel := context.WithCancel(context.Background())
		// The real sleep, cancelled once the client waits to retry (not at a fixed time,
		// which a loaded machine can reach before the 429 is even read): a client that
		// ignored the context would wait a minute per attempt.
		c, _ := newTestClient(t, rec, func(cfg *Config) {
			cfg.Sleep = func(ctx context.Context, d time.Duration) error {
				time.AfterFunc(20*time.Millisecond, cancel)
				return sleepTimer(ctx, d)
			}
		})
		start := time.Now()
		err := c.Upload(ctx, "job-1", Entities, []model.Properties{entity("a")}, UploadOptions{})
		if !errors.Is(err, context.Canceled) || StatusOf(err) != 429 {
			t.Fatalf("err = %v, want context.Canceled wrapping the 429", err)
		}
		if elapsed := time.Since(start); elapsed > 30*time.Second {
			t.Errorf("returned after %v", elapsed)
		}
		if n := len(rec.Requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}
