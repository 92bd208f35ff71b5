package refresh

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/j1hcl/j1hcl/internal/emulator"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

const (
	testKey      = "refresh-test-key-8d1f"
	testInstance = "4b0c1f7e-2d3a-4e5f-8a9b-0c1d2e3f4a5b"
)

var (
	instanceTarget = state.Target{Source: state.SourceIntegrationExternal, IntegrationInstanceID: testInstance}
	scopeTarget    = state.Target{Source: state.SourceAPI, Scope: "asset-inventory"}
)

// newEmulator starts an in-process emulator and a client for it. wrap, when given, stands
// between the two.
func newEmulator(t testing.TB, wrap ...func(http.Handler) http.Handler) (*emulator.Server, *syncapi.Client) {
	t.Helper()
	emu, err := emulator.New(emulator.Config{APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	h := emu.Handler()
	for _, w := range wrap {
		h = w(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	c, err := syncapi.New(syncapi.Config{BaseURL: srv.URL, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	return emu, c
}

// upload runs one job of mode for target with g's payload, and checks that it finished.
func upload(t testing.TB, c *syncapi.Client, target state.Target, mode syncapi.SyncMode, g *model.Graph) {
	t.Helper()
	ctx := context.Background()
	job, err := c.StartJob(ctx, syncapi.JobSpec{Source: syncapi.Source(target.Source), IntegrationInstanceID: target.IntegrationInstanceID, Scope: target.Scope, SyncMode: mode})
	if err != nil {
		t.Fatal(err)
	}
	p := model.PayloadOf(g)
	if err := c.Upload(ctx, job.ID, syncapi.Entities, p.Entities, syncapi.UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Upload(ctx, job.ID, syncapi.Relationships, p.Relationships, syncapi.UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FinalizeJob(ctx, job.ID, syncapi.FinalizeOptions{}); err != nil {
		t.Fatal(err)
	}
	final, err := c.WaitForJob(ctx, job.ID, 0, 0)
	if err != nil || !final.Succeeded() {
		t.Fatalf("job %v: %v", final, err)
	}
}

// decode reads a graph from payload JSON, with addresses derived from the keys.
func decode(t testing.TB, payload string) *model.Graph {
	t.Helper()
	g, err := model.DecodePayload([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range g.All() {
		o.Address = o.Kind.String() + "." + strings.NewReplacer(":", "_", "|", "_").Replace(o.Key())
	}
	g.SortByKey()
	return g
}

// roundTrip is what j1hcl uploads in every shape the state can record: _class as a string,
// a list and a one-element list, numbers spelled two ways, lists, booleans, tags,
// relationships with properties, and a mapped relationship.
const roundTrip = `{
  "entities": [
    {"_key": "acme:team:eng", "_type": "acme_team", "_class": "Team", "name": "eng", "displayName": "Engineering",
     "email": "eng@example.com", "headcount": 12, "budget": 1420.50, "active": true, "tag.Env": "prod",
     "aliases": ["engineering", "dev"], "createdOn": 1730419200000},
    {"_key": "acme:app:billing", "_type": "acme_application", "_class": ["Application", "Service"], "name": "billing",
     "displayName": "billing", "url": "https://billing.example.com"},
    {"_key": "acme:app:portal", "_type": "acme_application", "_class": ["Application"], "name": "portal", "displayName": "portal"}
  ],
  "relationships": [
    {"_key": "acme:team:eng|owns|acme:app:billing", "_type": "acme_team_owns_application", "_class": "OWNS",
     "_fromEntityKey": "acme:team:eng", "_toEntityKey": "acme:app:billing", "since": 2021, "primary": true},
    {"_key": "acme:team:eng|owns|acme:app:portal", "_type": "acme_team_owns_application", "_class": "OWNS",
     "_fromEntityKey": "acme:team:eng", "_toEntityKey": "acme:app:portal"},
    {"_key": "acme:team:eng|has|github_user:octocat", "_type": "acme_team_has_github_user", "_class": "HAS",
     "_mapping": {"sourceEntityKey": "acme:team:eng", "relationshipDirection": "FORWARD",
       "targetFilterKeys": [["_type", "login"]],
       "targetEntity": {"_type": "github_user", "_class": "User", "login": "octocat"}}}
  ]
}`

// A graph uploaded by j1hcl and read back compares equal to the state that records it: no
// drift, the same content hash, the same addresses.
func TestReadBackEqualsTheState(t *testing.T) {
	for _, tc := range []struct {
		target   state.Target
		deferred bool
	}{{instanceTarget, false}, {scopeTarget, false}, {instanceTarget, true}} {
		target := tc.target
		t.Run(fmt.Sprintf("%s deferred %t", target, tc.deferred), func(t *testing.T) {
			_, c := newEmulator(t)
			g := decode(t, roundTrip)
			upload(t, c, target, syncapi.SyncModeDiff, g)
			f := state.New(target, "test")
			f.SetObjects(g)
			recorded := f.Graph()

			live, err := Read(context.Background(), c, target, recorded, Options{Deferred: tc.deferred})
			if err != nil {
				t.Fatal(err)
			}
			assertSameGraph(t, live, recorded)
			if got, want := model.HashGraph(live), f.Hash(); got != want {
				t.Errorf("live hash %s, state hash %s", got, want)
			}
			drift, err := plan.Compute(live, recorded, plan.Prior{Exists: true}, plan.Options{Target: target})
			if err != nil {
				t.Fatal(err)
			}
			if drift.HasChanges() {
				t.Errorf("drift between a graph and its own read-back: %+v", drift.Changes)
			}
		})
	}
}

// assertSameGraph compares two graphs object by object: kind, address and canonical JSON.
func assertSameGraph(t *testing.T, got, want *model.Graph) {
	t.Helper()
	describe := func(g *model.Graph) map[string]string {
		out := map[string]string{}
		for _, o := range g.All() {
			out[o.Key()] = o.Kind.String() + " " + o.Address + " " + string(model.MarshalObject(o.Props))
		}
		return out
	}
	g, w := describe(got), describe(want)
	for k, v := range w {
		if g[k] != v {
			t.Errorf("%s:\n got %s\nwant %s", k, g[k], v)
		}
	}
	for k, v := range g {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: read back but not in the state: %s", k, v)
		}
	}
}

func TestReadSeesChangesOutsideJ1hcl(t *testing.T) {
	_, c := newEmulator(t)
	g := decode(t, roundTrip)
	upload(t, c, instanceTarget, syncapi.SyncModeDiff, g)
	f := state.New(instanceTarget, "test")
	f.SetObjects(g)
	// Another client's PATCH job: a property changed and an entity created outside j1hcl.
	upload(t, c, instanceTarget, syncapi.SyncModePatch, decode(t, `{"entities": [
		{"_key": "acme:team:eng", "_type": "acme_team", "_class": "Team", "name": "eng", "displayName": "Engineering", "headcount": 13},
		{"_key": "acme:team:ops", "_type": "acme_team", "_class": "Team", "name": "ops", "displayName": "ops"}]}`))

	live, err := Read(context.Background(), c, instanceTarget, f.Graph(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	drift, err := plan.Compute(live, f.Graph(), plan.Prior{Exists: true}, plan.Options{Target: instanceTarget})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, ch := range drift.Changes {
		got[ch.Key] = string(ch.Action)
	}
	want := map[string]string{"acme:team:eng": string(plan.Update), "acme:team:ops": string(plan.Create)}
	if len(got) != len(want) || got["acme:team:eng"] != want["acme:team:eng"] || got["acme:team:ops"] != want["acme:team:ops"] {
		t.Errorf("drift %v, want %v", got, want)
	}
	for _, ch := range drift.Changes {
		if ch.Key == "acme:team:eng" {
			if ch.Address != "entity.acme_team_eng" {
				t.Errorf("changed entity shown at %q, want its state address", ch.Address)
			}
			if n, _ := ch.After["headcount"].(json.Number); n != "13" {
				t.Errorf("live headcount %v, want 13", ch.After["headcount"])
			}
		}
	}
}

// A read that fails on any page returns an error and no graph: a partial graph taken as the
// truth would show the missing objects as deleted outside j1hcl.
func TestAFailureMidReadReturnsNoGraph(t *testing.T) {
	for _, failAt := range []int64{1, 2, 3} {
		t.Run(fmt.Sprintf("query request %d fails", failAt), func(t *testing.T) {
			var queries atomic.Int64
			_, c := newEmulator(t, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/graphql" && queries.Add(1) == failAt {
						w.WriteHeader(http.StatusBadRequest)
						return
					}
					next.ServeHTTP(w, r)
				})
			})
			// 300 entities: two pages of entities, then the relationships.
			var b strings.Builder
			b.WriteString(`{"entities": [`)
			for i := range 300 {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"_key": "acme:host:%03d", "_type": "acme_host", "_class": "Host", "name": "h%03d", "displayName": "h%03d"}`, i, i, i)
			}
			b.WriteString(`]}`)
			upload(t, c, instanceTarget, syncapi.SyncModeDiff, decode(t, b.String()))
			live, err := Read(context.Background(), c, instanceTarget, nil, Options{})
			if live != nil || err == nil || !strings.Contains(err.Error(), "HTTP 400") {
				t.Fatalf("Read = %v, %v; want no graph and the failure", live, err)
			}
			// Entities and relationships are read at once, each a page ahead: after the
			// failure, only requests already in flight may complete.
			if n := queries.Load(); n > failAt+2 {
				t.Errorf("%d queries, want the read to stop soon after the failing one (%d)", n, failAt)
			}
		})
	}
}

// A relationship another target uploaded to one of this target's entities is that target's,
// not drift of this one.
func TestReadKeepsOnlyTheTargetsRelationships(t *testing.T) {
	_, c := newEmulator(t)
	upload(t, c, instanceTarget, syncapi.SyncModeDiff, decode(t, roundTrip))
	upload(t, c, scopeTarget, syncapi.SyncModeDiff, decode(t, `{
	  "entities": [{"_key": "other:app:x", "_type": "other_app", "_class": "Application", "name": "x", "displayName": "x"}],
	  "relationships": [{"_key": "other:app:x|uses|acme:app:billing", "_type": "other_app_uses_application", "_class": "USES",
	    "_fromEntityKey": "other:app:x", "_toEntityKey": "acme:app:billing"}]}`))
	live, err := Read(context.Background(), c, instanceTarget, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range live.Relationships {
		if strings.HasPrefix(o.Key(), "other:") {
			t.Errorf("the instance's graph holds the scope's relationship %s", o.Key())
		}
	}
	if len(live.Entities) != 3 || len(live.Relationships) != 3 {
		t.Errorf("read %d entities and %d relationships, want 3 and 3", len(live.Entities), len(live.Relationships))
	}
	scoped, err := Read(context.Background(), c, scopeTarget, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(scoped.Relationships) != 1 || scoped.Relationships[0].Key() != "other:app:x|uses|acme:app:billing" {
		t.Errorf("the scope's relationships: %v", scoped.Relationships)
	}
}

func TestQueries(t *testing.T) {
	tests := []struct {
		target        state.Target
		entities, rel string
		wantErr       string
	}{
		{target: instanceTarget,
			entities: "FIND * WITH _integrationInstanceId = '" + testInstance + "'",
			rel:      "FIND * WITH _integrationInstanceId = '" + testInstance + "' AS a THAT RELATES TO AS r * RETURN r"},
		{target: scopeTarget,
			entities: "FIND * WITH _source = 'api' AND _scope = 'asset-inventory'",
			rel:      "FIND * WITH _source = 'api' AND _scope = 'asset-inventory' AS a THAT RELATES TO AS r * RETURN r"},
		{target: state.Target{Source: state.SourceAPI, Scope: "it's"},
			entities: `FIND * WITH _source = 'api' AND _scope = "it's"`,
			rel:      `FIND * WITH _source = 'api' AND _scope = "it's" AS a THAT RELATES TO AS r * RETURN r`},
		{target: state.Target{Source: state.SourceAPI, Scope: `it's "x"`}, wantErr: "both quote characters"},
	}
	for _, tt := range tests {
		e, r, err := Queries(tt.target)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Queries(%s) = %v, want an error containing %q", tt.target, err, tt.wantErr)
			}
			continue
		}
		if err != nil || e != tt.entities || r != tt.rel {
			t.Errorf("Queries(%s) = %q, %q, %v", tt.target, e, r, err)
		}
	}
}
