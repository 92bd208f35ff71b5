package syncapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of parallel uploads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A full exchange, with retries and errors, logged at debug level: the key reaches the
// server, and appears in no log record and no error. The server is hostile: its error
// answers echo the Authorization header back.
func TestKeyNeverInLogsOrErrors(t *testing.T) {
	var calls atomic.Int32
	echo := func(w http.ResponseWriter, r *http.Request, status int) {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"code":"ECHO_%s","message":"you sent %s"}}`,
			strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), r.Header.Get("Authorization"))
	}
	var keySeen atomic.Bool
	var mu sync.Mutex
	attempts := map[string]int{} // by correlation id
	handler := func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+testKey {
			keySeen.Store(true)
		}
		calls.Add(1)
		mu.Lock()
		attempts[r.Header.Get("JupiterOne-Correlation-Id")]++
		attempt := attempts[r.Header.Get("JupiterOne-Correlation-Id")]
		mu.Unlock()
		switch {
		case r.URL.Path == "/persister/synchronization/jobs":
			answerJob("job-1", StatusAwaitingUploads)(w, r)
		case strings.HasSuffix(r.URL.Path, "/entities") && attempt == 1:
			w.Header().Set("Retry-After", "0")
			echo(w, r, http.StatusServiceUnavailable)
		case strings.HasSuffix(r.URL.Path, "/entities") && attempt == 2:
			resetConnection(t)(w, r)
		case strings.HasSuffix(r.URL.Path, "/entities"):
			answerOK()(w, r)
		case strings.HasSuffix(r.URL.Path, "/relationships"):
			echo(w, r, http.StatusBadRequest)
		case strings.HasSuffix(r.URL.Path, "/finalize"):
			echo(w, r, http.StatusServiceUnavailable) // exhausts the retries
		case strings.HasSuffix(r.URL.Path, "/abort"):
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "<html>denied for %s</html>", r.Header.Get("Authorization"))
		case r.URL.Path == "/graphql":
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{
				{"message": "bad token " + testKey, "extensions": map[string]any{"code": testKey}},
			}})
		case r.Method == "GET":
			w.Write([]byte("not json " + testKey))
		default:
			echo(w, r, http.StatusNotFound)
		}
	}
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := newTestClient(t, http.HandlerFunc(handler), func(cfg *Config) { cfg.Logger = logger })

	ctx := context.Background()
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	_, err := c.StartJob(ctx, JobSpec{Source: SourceIntegrationExternal, IntegrationInstanceID: "inst-1"})
	keep(err)
	objects := make([]model.Properties, 30)
	for i := range objects {
		objects[i] = entity(fmt.Sprint(i))
	}
	keep(c.Upload(ctx, "job-1", Entities, objects, UploadOptions{BatchSize: 5}))
	keep(c.Upload(ctx, "job-1", Relationships, objects[:1], UploadOptions{}))
	_, err = c.FinalizeJob(ctx, "job-1", FinalizeOptions{})
	keep(err)
	_, err = c.AbortJob(ctx, "job-1", "test")
	keep(err)
	_, err = c.Query(ctx, "FIND *")
	keep(err)
	_, err = c.GetJob(ctx, "job-1")
	keep(err)
	keep(c.PublishEvents(ctx, "job-1", Event{Name: "n", Description: "d"}))

	if !keySeen.Load() {
		t.Fatal("the server never received the key: the test proves nothing")
	}
	if len(errs) != 6 {
		t.Errorf("%d errors, want 6 (relationships, finalize, abort, query, get, events): %v", len(errs), errs)
	}
	for _, err := range errs {
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(text, testKey) {
				t.Errorf("an error reveals the key: %s", text)
			}
		}
	}
	if len(errs) > 0 && !strings.Contains(errs[0].Error(), "[REDACTED]") {
		t.Errorf("the echoed key should show as [REDACTED]: %v", errs[0])
	}

	out := logs.String()
	if strings.Contains(out, testKey) {
		t.Errorf("the log reveals the key:\n%s", out)
	}
	if strings.Contains(strings.ToLower(out), "authorization") {
		t.Errorf("the log mentions the Authorization header:\n%s", out)
	}
	// The log is still useful: one record per attempt with what a reader needs.
	var requests, retries int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		switch rec["msg"] {
		case "sync api request":
			requests++
			for _, field := range []string{"method", "path", "status", "duration", "attempt", "correlation_id"} {
				if _, ok := rec[field]; !ok {
					t.Errorf("request record without %q: %s", field, line)
				}
			}
		case "sync api retry":
			retries++
		}
	}
	if got := int(calls.Load()); requests != got {
		t.Errorf("%d request records for %d requests", requests, got)
	}
	if retries == 0 {
		t.Error("no retry was logged")
	}
}
