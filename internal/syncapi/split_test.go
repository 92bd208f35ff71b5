package syncapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// tooLargeOver answers 413 to an upload of more than max objects, or of any object whose
// _key is in huge, and accepts the rest, recording the keys it accepted.
type tooLargeOver struct {
	t        *testing.T
	max      int
	huge     string
	mu       sync.Mutex
	accepted []string
	sizes    []int
}

func (s *tooLargeOver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(r)
	if err != nil {
		s.t.Error(err)
		return
	}
	keys := uploadedKeys(s.t, req, Entities)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sizes = append(s.sizes, len(keys))
	if len(keys) > s.max || slices.Contains(keys, s.huge) {
		answerError(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "request body too large")(w, r)
		return
	}
	s.accepted = append(s.accepted, keys...)
	answerOK()(w, r)
}

func TestUploadSplitsBatchesRefusedAsTooLarge(t *testing.T) {
	objects := make([]model.Properties, 10)
	want := make([]string, len(objects))
	for i := range objects {
		want[i] = fmt.Sprintf("k%02d", i)
		objects[i] = entity(want[i])
	}
	srv := &tooLargeOver{t: t, max: 3}
	c, clock := newTestClient(t, srv)
	var progress []int
	err := c.Upload(context.Background(), "job-1", Entities, objects, UploadOptions{
		BatchSize: 10, Parallelism: 1, Progress: func(done, _ int) { progress = append(progress, done) },
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(srv.accepted)
	if !reflect.DeepEqual(srv.accepted, want) {
		t.Errorf("accepted %v, want each object once: %v", srv.accepted, want)
	}
	// 10 → 5 + 5 → (2 + 3) + (2 + 3): each refusal halves, nothing is sent twice once it fit.
	if wantSizes := []int{10, 5, 2, 3, 5, 2, 3}; !reflect.DeepEqual(srv.sizes, wantSizes) {
		t.Errorf("request sizes %v, want %v", srv.sizes, wantSizes)
	}
	if progress[len(progress)-1] != 10 {
		t.Errorf("progress %v, want it to end at 10", progress)
	}
	if len(clock.Sleeps()) != 0 {
		t.Errorf("slept %v: a 413 is split at once, not retried after a backoff", clock.Sleeps())
	}
}

func TestUploadNamesTheObjectTooLargeAlone(t *testing.T) {
	objects := []model.Properties{entity("a"), entity("b"), entity("huge"), entity("c")}
	srv := &tooLargeOver{t: t, max: 4, huge: "huge"}
	c, _ := newTestClient(t, srv)
	err := c.Upload(context.Background(), "job-1", Entities, objects, UploadOptions{Parallelism: 1})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`entities[2] with _key "huge" is too large for the API even alone`, "HTTP 413", "PAYLOAD_TOO_LARGE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if StatusOf(err) != http.StatusRequestEntityTooLarge {
		t.Errorf("StatusOf = %d, want 413", StatusOf(err))
	}
}

// A GraphQL answer that is HTTP 200 with a rate-limit error is retried like a 429; other
// GraphQL errors are not.
func TestGraphQLRateLimitErrorsAreRetried(t *testing.T) {
	rateLimited := func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": "Rate limit exceeded (429): slow down"}}})
	}
	rec := script(t, rateLimited, rateLimited, answerPage([]string{"a"}, ""))
	c, clock := newTestClient(t, rec)
	rows, err := c.Query(context.Background(), "FIND acme_user")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || len(rec.Requests()) != 3 || len(clock.Sleeps()) != 2 {
		t.Errorf("%d rows after %d requests and sleeps %v; want 1 row after 3 requests, 2 sleeps", len(rows), len(rec.Requests()), clock.Sleeps())
	}

	always := script(t, rateLimited)
	c, _ = newTestClient(t, always)
	_, err = c.Query(context.Background(), "FIND acme_user")
	var exhausted *RetriesExhaustedError
	if !errors.As(err, &exhausted) || !strings.Contains(err.Error(), "Rate limit exceeded") {
		t.Errorf("err = %v, want retries exhausted naming the rate limit", err)
	}
}

// Finalize may be sent again (the SDK retries it): the API answers the job as it is, and the
// client takes that answer.
func TestFinalizeIsSafeToRetry(t *testing.T) {
	rec := script(t, answerStatus(http.StatusBadGateway, ""), answerJob("job-1", StatusFinished))
	c, _ := newTestClient(t, rec)
	job, err := c.FinalizeJob(context.Background(), "job-1", FinalizeOptions{})
	if err != nil || job.Status != StatusFinished {
		t.Fatalf("FinalizeJob = %v, %v; want the job FINISHED", job, err)
	}
	reqs := rec.Requests()
	if len(reqs) != 2 || reqs[0].Path != reqs[1].Path || reqs[0].Header.Get(headerCorrelationID) != reqs[1].Header.Get(headerCorrelationID) {
		t.Errorf("requests %v: want finalize sent twice under one correlation id", reqs)
	}
}
