package emulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const testKey = "test-key-0123456789"

// harness is an emulator behind httptest, with a client that speaks its API.
type harness struct {
	t   *testing.T
	s   *Server
	srv *httptest.Server
	key string
	// account is sent as JupiterOne-Account unless a request overrides it.
	account string
}

// newHarness starts an emulator. cfg.APIKey defaults to testKey.
func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return &harness{t: t, s: s, srv: srv, key: cfg.APIKey, account: cfg.Account}
}

// fixedIDs makes ids and timestamps deterministic for golden files.
func (h *harness) fixedIDs() {
	var n atomic.Int64
	h.s.newID = func() string { return fmt.Sprintf("id-%04d", n.Add(1)) }
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) errorCode() string {
	var b errorBody
	_ = json.Unmarshal(r.body, &b)
	return b.Error.Code
}

func (r response) errorMessage() string {
	var b errorBody
	_ = json.Unmarshal(r.body, &b)
	return b.Error.Message
}

func (r response) job(t *testing.T) Job {
	t.Helper()
	var b jobBody
	if err := json.Unmarshal(r.body, &b); err != nil || b.Job.ID == "" {
		t.Fatalf("not a job answer (%d): %s", r.status, r.body)
	}
	return b.Job
}

// request sends body (a string or []byte sent as is, anything else as JSON) with the key.
func (h *harness) request(method, path string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if h.key != "" {
		req.Header.Set("Authorization", "Bearer "+h.key)
	}
	if h.account != "" {
		req.Header.Set(headerAccount, h.account)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// must asserts a 200 and returns the job answered.
func (h *harness) must(r response) Job {
	h.t.Helper()
	if r.status != http.StatusOK {
		h.t.Fatalf("status %d: %s", r.status, r.body)
	}
	return r.job(h.t)
}

func (h *harness) startJob(body map[string]any) Job {
	h.t.Helper()
	return h.must(h.request("POST", jobsPath, body))
}

func (h *harness) startInstance(instance, mode string) Job {
	h.t.Helper()
	return h.startJob(map[string]any{"source": "integration-external", "integrationInstanceId": instance, "syncMode": mode})
}

func jobPath(id, route string) string {
	if route == "" {
		return jobsPath + "/" + id
	}
	return jobsPath + "/" + id + "/" + route
}

func (h *harness) upload(id string, entities, relationships []map[string]any) response {
	h.t.Helper()
	body := map[string]any{}
	if entities != nil {
		body["entities"] = entities
	}
	if relationships != nil {
		body["relationships"] = relationships
	}
	return h.request("POST", jobPath(id, "upload"), body)
}

func (h *harness) finalize(id string, body any) Job {
	h.t.Helper()
	return h.must(h.request("POST", jobPath(id, "finalize"), body))
}

func (h *harness) getJob(id string) Job {
	h.t.Helper()
	return h.must(h.request("GET", jobPath(id, ""), nil))
}

// sync runs a whole job: start, one upload, finalize; it returns the finished job.
func (h *harness) sync(instance, mode string, entities, relationships []map[string]any) Job {
	h.t.Helper()
	j := h.startInstance(instance, mode)
	if len(entities) > 0 || len(relationships) > 0 {
		h.must(h.upload(j.ID, entities, relationships))
	}
	done := h.finalize(j.ID, nil)
	if done.Status != StatusFinished {
		h.t.Fatalf("job %s: %s", j.ID, done.Status)
	}
	return done
}

// graph reads GET /_emulator/graph with the query.
func (h *harness) graph(query string) (entities, relationships []map[string]any) {
	h.t.Helper()
	r := h.request("GET", "/_emulator/graph"+query, nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("graph: %d %s", r.status, r.body)
	}
	var g struct {
		Entities      []map[string]any `json:"entities"`
		Relationships []map[string]any `json:"relationships"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(&g); err != nil {
		h.t.Fatalf("graph: %v: %s", err, r.body)
	}
	return g.Entities, g.Relationships
}

// byKey indexes read-back objects by _key.
func byKey(objs []map[string]any) map[string]map[string]any {
	m := make(map[string]map[string]any, len(objs))
	for _, o := range objs {
		m[o["_key"].(string)] = o
	}
	return m
}

// stripMeta removes the emulator's metadata, as other packages' tests do before comparing.
func stripMeta(o map[string]any) map[string]any {
	out := make(map[string]any, len(o))
	for k, v := range o {
		switch k {
		case "_key", "_type", "_class", "_fromEntityKey", "_toEntityKey", "_mapping":
			out[k] = v
		default:
			if !strings.HasPrefix(k, "_") {
				out[k] = v
			}
		}
	}
	return out
}

func entity(key string, extra ...any) map[string]any {
	e := map[string]any{"_key": key, "_type": "thing_test", "_class": "Resource", "name": key, "displayName": strings.ToUpper(key)}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == deleted {
			delete(e, extra[i].(string))
			continue
		}
		e[extra[i].(string)] = extra[i+1]
	}
	return e
}

// deleted, as an extra value of entity or rel, removes the property.
var deleted = &struct{}{}

func rel(key, from, to string, extra ...any) map[string]any {
	r := map[string]any{"_key": key, "_type": "thing_has_thing", "_class": "HAS", "_fromEntityKey": from, "_toEntityKey": to}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == deleted {
			delete(r, extra[i].(string))
			continue
		}
		r[extra[i].(string)] = extra[i+1]
	}
	return r
}

func mappedRel(key, source string, target map[string]any, filterKeys [][]string, skip bool) map[string]any {
	fk := make([]any, len(filterKeys))
	for i, set := range filterKeys {
		s := make([]any, len(set))
		for j, k := range set {
			s[j] = k
		}
		fk[i] = s
	}
	return map[string]any{
		"_key": key, "_type": "thing_uses_other", "_class": "USES",
		"_mapping": map[string]any{
			"sourceEntityKey": source, "relationshipDirection": "FORWARD",
			"targetFilterKeys": fk, "targetEntity": target, "skipTargetCreation": skip,
		},
	}
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkGolden compares got with testdata/name, rewriting it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
