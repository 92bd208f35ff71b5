package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
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

const (
	testKey      = "apply-test-key-5c2e9a71"
	testInstance = "0f6c2a57-3f0e-4a53-8d4c-7a9b1e2c3d40"
)

var testTarget = state.Target{Source: state.SourceIntegrationExternal, IntegrationInstanceID: testInstance}

// fixedNow is the runner's clock in tests, so timestamps in states are predictable.
var fixedNow = time.Date(2026, 1, 8, 12, 0, 0, 0, time.UTC)

// env is an emulator on a loopback listener, a client for it, and a state path.
type env struct {
	t         testing.TB
	emu       *emulator.Server
	srv       *httptest.Server
	client    *syncapi.Client
	statePath string
	out       *bytes.Buffer
	// requests records every request the emulator got ("POST /persister/…/entities").
	requests *requestLog
	// wireBytes counts request bodies as sent (compressed when gzipped).
	wireBytes atomic.Int64
	// intercept, when set, may answer a request in the emulator's place; it returns false
	// to let the emulator answer.
	mu        sync.Mutex
	intercept func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool
}

type requestLog struct {
	mu   sync.Mutex
	list []string
}

func (l *requestLog) add(s string) {
	l.mu.Lock()
	l.list = append(l.list, s)
	l.mu.Unlock()
}

// count returns how many requests had a route ending in suffix ("" counts all).
func (l *requestLog) count(method, suffix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.list {
		m, path, _ := strings.Cut(s, " ")
		if (method == "" || m == method) && strings.HasSuffix(path, suffix) {
			n++
		}
	}
	return n
}

func (l *requestLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.list...)
}

// newEnv starts an emulator with cfg (the test key is added) behind a real loopback
// listener.
func newEnv(t testing.TB, cfg emulator.Config) *env {
	t.Helper()
	cfg.APIKey = testKey
	emu, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, emu: emu, requests: &requestLog{}, out: &bytes.Buffer{}}
	e.statePath = filepath.Join(t.TempDir(), "j1hcl.state.json")
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.add(r.Method + " " + r.URL.Path)
		if r.ContentLength > 0 {
			e.wireBytes.Add(r.ContentLength)
		}
		e.mu.Lock()
		intercept := e.intercept
		e.mu.Unlock()
		if intercept != nil && intercept(w, r, emu.Handler()) {
			return
		}
		emu.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		e.srv.Close()
		emu.Close()
	})
	e.client, err = syncapi.New(syncapi.Config{
		BaseURL: e.srv.URL,
		APIKey:  testKey,
		// Retries and polls wait a little, not the production backoff.
		Sleep: func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(min(d, 5*time.Millisecond))
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) setIntercept(f func(w http.ResponseWriter, r *http.Request, emu http.Handler) bool) {
	e.mu.Lock()
	e.intercept = f
	e.mu.Unlock()
}

// backend is the local backend of the test's state file.
func (e *env) backend() backend.Backend { return backend.NewLocal(e.statePath) }

func (e *env) runner() *Runner {
	return &Runner{Client: e.client, Out: e.out, Now: func() time.Time { return fixedNow }, ToolVersion: "test"}
}

// readState reads the state file, nil when there is none.
func (e *env) readState() *state.File {
	e.t.Helper()
	f, err := backend.ReadState(context.Background(), e.backend())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// stateBytes returns the state file's content, nil when there is none.
func (e *env) stateBytes() []byte {
	e.t.Helper()
	b, err := os.ReadFile(e.statePath)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// plan computes the plan from the current state file to desired.
func (e *env) plan(desired *model.Graph, mode string) (*plan.Plan, *state.File) {
	e.t.Helper()
	prior := e.readState()
	var pg *model.Graph
	var info plan.Prior
	if prior != nil {
		pg = prior.Graph()
		info = plan.Prior{Exists: true, Lineage: prior.Lineage, Serial: prior.Serial, Hash: prior.Hash()}
	}
	p, err := plan.Compute(desired, pg, info, plan.Options{Mode: mode, Target: testTarget, ToolVersion: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return p, prior
}

// apply plans desired against the state file and applies it.
func (e *env) apply(desired *model.Graph, mode string, opts Options) (*Result, error) {
	e.t.Helper()
	p, prior := e.plan(desired, mode)
	return e.runner().Apply(context.Background(), p, prior, e.backend(), opts)
}

// remote returns the emulator's graph of the test instance, metadata stripped, as canonical
// JSON per _key.
func (e *env) remote() map[string]string {
	snap := e.emu.Graph(emulator.Filter{Instance: testInstance})
	out := map[string]string{}
	for _, list := range [][]model.Properties{snap.Entities, snap.Relationships} {
		for _, p := range list {
			out[p[model.PropKey].(string)] = string(model.MarshalObject(stripMeta(p)))
		}
	}
	return out
}

// stripMeta removes the platform metadata the emulator adds on read-back.
func stripMeta(p model.Properties) model.Properties {
	out := model.Properties{}
	for k, v := range p {
		switch k {
		case model.PropKey, model.PropType, model.PropClass, model.PropFromKey, model.PropToKey, model.PropMapping:
		default:
			if strings.HasPrefix(k, "_") {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// canonical returns a graph as canonical JSON per _key.
func canonical(g *model.Graph) map[string]string {
	out := map[string]string{}
	for _, o := range g.All() {
		out[o.Key()] = string(model.MarshalObject(o.Props))
	}
	return out
}

// assertConverged checks that the emulator and the state both hold exactly want.
func (e *env) assertConverged(want *model.Graph) {
	e.t.Helper()
	w := canonical(want)
	if got := e.remote(); !maps.Equal(got, w) {
		e.t.Errorf("emulator graph differs from the desired graph:\n%s", mapDiff(got, w))
	}
	f := e.readState()
	if f == nil {
		e.t.Fatal("no state file")
	}
	if f.PendingJob != nil {
		e.t.Errorf("state still records pending job %s", f.PendingJob.ID)
	}
	if got := canonical(f.Graph()); !maps.Equal(got, w) {
		e.t.Errorf("state differs from the desired graph:\n%s", mapDiff(got, w))
	}
}

func mapDiff(got, want map[string]string) string {
	var b strings.Builder
	for k, v := range want {
		if g, ok := got[k]; !ok {
			fmt.Fprintf(&b, "  missing %s\n", k)
		} else if g != v {
			fmt.Fprintf(&b, "  %s:\n    got  %s\n    want %s\n", k, g, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "  extra %s\n", k)
		}
	}
	return b.String()
}

// entity returns an entity of the test graph.
func entity(name string, props ...any) *model.Object {
	p := model.Properties{
		"_key":        "test:host:" + name,
		"_type":       "test_host",
		"_class":      "Host",
		"name":        name,
		"displayName": name,
	}
	for i := 0; i+1 < len(props); i += 2 {
		k := props[i].(string)
		if props[i+1] == nil {
			delete(p, k)
			continue
		}
		p[k] = props[i+1]
	}
	return &model.Object{Kind: model.KindEntity, Address: `entity.host.all["` + name + `"]`, Props: p}
}

// relationship returns a HAS relationship between two entities of the test graph.
func relationship(from, to string) *model.Object {
	return &model.Object{Kind: model.KindRelationship, Address: "relationship." + from + "_has_" + to, Props: model.Properties{
		"_key":           "test:host:" + from + "|has|test:host:" + to,
		"_type":          "test_host_has_host",
		"_class":         "HAS",
		"_fromEntityKey": "test:host:" + from,
		"_toEntityKey":   "test:host:" + to,
	}}
}

func graphOf(objs ...*model.Object) *model.Graph {
	g := &model.Graph{}
	for _, o := range objs {
		g.Add(o)
	}
	g.SortByKey()
	return g
}

// bigGraph returns n hosts, each with a relationship to the next.
func bigGraph(n int, generation string) *model.Graph {
	g := &model.Graph{}
	for i := range n {
		g.Add(entity(fmt.Sprintf("h%05d", i), "generation", generation, "cpus", json.Number(fmt.Sprint(i%8+1))))
		g.Add(relationship(fmt.Sprintf("h%05d", i), fmt.Sprintf("h%05d", (i+1)%n)))
	}
	g.SortByKey()
	return g
}
