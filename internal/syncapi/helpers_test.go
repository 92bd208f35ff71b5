package syncapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
)

// testKey is the API key of every test client. Tests that check redaction search for it.
const testKey = "j1-test-key-7f3a9c2e51d04b8f"

// fakeClock is a clock whose Sleep returns at once and moves time forward, recording every
// requested duration.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 8, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return nil
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// request is what a test server saw of one request, body decompressed.
type request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// JSON decodes the body generically, numbers as json.Number.
func (r request) JSON(t *testing.T) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v\n%s", r.Method, r.Path, err, r.Body)
	}
	return v
}

// readRequest reads a request, gunzipping the body when Content-Encoding says so.
func readRequest(r *http.Request) (request, error) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return request{}, fmt.Errorf("gzip: %w", err)
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return request{}, err
	}
	return request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: b}, nil
}

// recorder is an http.Handler that records requests and answers each with the next
// function of a script (the last one repeats).
type recorder struct {
	t      *testing.T
	mu     sync.Mutex
	reqs   []request
	script []http.HandlerFunc
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(r)
	if err != nil {
		rec.t.Errorf("read request: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rec.mu.Lock()
	n := len(rec.reqs)
	rec.reqs = append(rec.reqs, req)
	h := rec.script[min(n, len(rec.script)-1)]
	rec.mu.Unlock()
	h(w, r)
}

func (rec *recorder) Requests() []request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]request(nil), rec.reqs...)
}

// newTestClient starts a loopback server with handler and returns a client for it, with a
// fake clock and jitter fixed at one half.
func newTestClient(t *testing.T, handler http.Handler, configure ...func(*Config)) (*Client, *fakeClock) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	clock := newFakeClock()
	cfg := Config{
		BaseURL:    srv.URL,
		APIKey:     testKey,
		Account:    "acct-1",
		HTTPClient: srv.Client(),
		Sleep:      clock.Sleep,
		Now:        clock.Now,
		Random:     func() float64 { return 0.5 },
	}
	for _, f := range configure {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, clock
}

// script returns a recorder answering with the given handlers in turn.
func script(t *testing.T, handlers ...http.HandlerFunc) *recorder {
	return &recorder{t: t, script: handlers}
}

// answerJob answers {"job": {"id": id, "status": status}}.
func answerJob(id string, status JobStatus) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"job":{"id":%q,"status":%q,"done":%t}}`, id, status, status.Terminal())
	}
}

// answerOK answers an empty job, as the upload routes do.
func answerOK() http.HandlerFunc { return answerJob("job-1", StatusAwaitingUploads) }

// answerError answers the API's error document.
func answerError(status int, code, message string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, message)
	}
}

// answerStatus answers a bare status, optionally with Retry-After.
func answerStatus(status int, retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(status)
	}
}

// resetConnection drops the connection without an answer (an RST where the OS allows it).
func resetConnection(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	}
}

// entity returns a small entity payload with the given key.
func entity(key string) model.Properties {
	return model.Properties{
		"_key":        key,
		"_type":       "acme_application",
		"_class":      "Application",
		"name":        key,
		"displayName": strings.ToUpper(key),
	}
}

// sizedEntity returns an entity whose canonical JSON is exactly size bytes.
func sizedEntity(t testing.TB, key string, size int) model.Properties {
	t.Helper()
	p := model.Properties{"_key": key, "pad": ""}
	base := len(model.MarshalObject(p))
	if size < base {
		t.Fatalf("sizedEntity: %d bytes is below the minimum %d", size, base)
	}
	p["pad"] = strings.Repeat("x", size-base)
	if got := len(model.MarshalObject(p)); got != size {
		t.Fatalf("sizedEntity: got %d bytes, want %d", got, size)
	}
	return p
}

// uploadedKeys returns the _key values of an upload body's list, in order.
func uploadedKeys(t *testing.T, r request, kind UploadKind) []string {
	t.Helper()
	var body map[string][]map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("upload body: %v\n%s", err, r.Body)
	}
	list, ok := body[string(kind)]
	if !ok || len(body) != 1 {
		t.Fatalf("upload body should hold only %q: %s", kind, r.Body)
	}
	keys := make([]string, len(list))
	for i, o := range list {
		keys[i], _ = o["_key"].(string)
	}
	return keys
}
