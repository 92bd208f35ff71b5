package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
)

func ent(addr, key string, props ...any) *model.Object {
	p := model.Properties{"_key": key, "_type": "team_x", "_class": "Team", "name": key, "displayName": key}
	for i := 0; i+1 < len(props); i += 2 {
		if props[i+1] == nil {
			delete(p, props[i].(string))
			continue
		}
		p[props[i].(string)] = props[i+1]
	}
	return &model.Object{Kind: model.KindEntity, Address: addr, Props: p}
}

func rel(addr, from, to string) *model.Object {
	return &model.Object{Kind: model.KindRelationship, Address: addr, Props: model.Properties{
		"_key": from + "|has|" + to, "_type": "team_x_has_team_x", "_class": "HAS", "_fromEntityKey": from, "_toEntityKey": to,
	}}
}

func graph(objs ...*model.Object) *model.Graph {
	g := &model.Graph{}
	for _, o := range objs {
		g.Add(o)
	}
	return g
}

// summaryOf renders changes as "action address[<-previous]" for comparison.
func summaryOf(cs []Change) []string {
	var out []string
	for _, c := range cs {
		s := string(c.Action) + " " + c.Address
		if c.PreviousAddress != "" {
			s += "<-" + c.PreviousAddress
		}
		out = append(out, s)
	}
	return out
}

func TestCompute(t *testing.T) {
	n := json.Number("1")
	tests := []struct {
		name       string
		desired    *model.Graph
		prior      *model.Graph
		opts       Options
		changes    []string
		notApplied []string
		unchanged  int
		upload     int // entities + relationships in the payload
		err        string
	}{
		{
			name:    "create from empty",
			desired: graph(ent("entity.t.a", "a"), ent("entity.t.b", "b"), rel("relationship.ab", "a", "b")),
			changes: []string{"create entity.t.a", "create entity.t.b", "create relationship.ab"},
			upload:  3,
		},
		{
			name:      "no changes",
			desired:   graph(ent("entity.t.a", "a")),
			prior:     graph(ent("entity.t.a", "a")),
			unchanged: 1,
			upload:    1,
		},
		{
			name:    "update, move, delete",
			desired: graph(ent("entity.t.a", "a", "size", n), ent("entity.t.renamed", "b")),
			prior:   graph(ent("entity.t.a", "a"), ent("entity.t.b", "b"), ent("entity.t.c", "c"), rel("relationship.ac", "a", "c")),
			changes: []string{"update entity.t.a", "delete entity.t.c", "no-op entity.t.renamed<-entity.t.b", "delete relationship.ac"},
			upload:  2,
		},
		{
			name:    "a changed _class on the same key is an update",
			desired: graph(ent("entity.t.a", "a", "_class", "Group")),
			prior:   graph(ent("entity.t.a", "a")),
			changes: []string{"update entity.t.a"},
			upload:  1,
		},
		{
			name:       "PATCH defers deletes and relationships",
			desired:    graph(ent("entity.t.a", "a", "size", n), ent("entity.t.new", "new"), rel("relationship.anew", "a", "new")),
			prior:      graph(ent("entity.t.a", "a"), ent("entity.t.c", "c")),
			opts:       Options{Mode: ModePatch},
			changes:    []string{"update entity.t.a", "create entity.t.new"},
			notApplied: []string{"delete entity.t.c", "create relationship.anew"},
			upload:     2,
		},
		{
			name:      "PATCH targets",
			desired:   graph(ent("entity.t.a", "a", "size", n), ent("entity.t.b", "b", "size", n)),
			prior:     graph(ent("entity.t.a", "a"), ent("entity.t.b", "b")),
			opts:      Options{Mode: ModePatch, Targets: []string{"entity.t.b"}},
			changes:   []string{"update entity.t.b"},
			unchanged: 0,
			upload:    1,
		},
		{
			name:    "DIFF targets refused",
			desired: graph(ent("entity.t.a", "a")),
			opts:    Options{Targets: []string{"entity.t.a"}},
			err:     "cannot be used with sync mode DIFF",
		},
		{
			name:    "prevent_destroy",
			desired: graph(),
			prior:   graph(ent(`entity.t.all["a"]`, "a")),
			opts:    Options{Protected: func(a string) bool { return BlockAddress(a) == "entity.t.all" }},
			err:     `entity.t.all["a"]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compute(tt.desired, tt.prior, Prior{}, tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := summaryOf(p.Changes); !reflect.DeepEqual(got, tt.changes) {
				t.Errorf("changes = %q, want %q", got, tt.changes)
			}
			if got := summaryOf(p.NotApplied); !reflect.DeepEqual(got, tt.notApplied) {
				t.Errorf("not applied = %q, want %q", got, tt.notApplied)
			}
			if p.Unchanged != tt.unchanged {
				t.Errorf("unchanged = %d, want %d", p.Unchanged, tt.unchanged)
			}
			if got := len(p.Upload.Entities) + len(p.Upload.Relationships); got != tt.upload {
				t.Errorf("upload = %d objects, want %d", got, tt.upload)
			}
		})
	}
}

func TestPatchSendsRemovedPropertiesAsNull(t *testing.T) {
	p, err := Compute(graph(ent("entity.t.a", "a", "size", nil)), graph(ent("entity.t.a", "a", "size", json.Number("3"))), Prior{}, Options{Mode: ModePatch})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Upload.Entities) != 1 {
		t.Fatalf("upload = %v", p.Upload)
	}
	v, ok := p.Upload.Entities[0]["size"]
	if !ok || v != nil {
		t.Errorf("size in the PATCH payload = %v (present %v), want null", v, ok)
	}
	if _, ok := p.Changes[0].After["size"]; ok {
		t.Error("the change's After (what the state records) must not hold the null")
	}
}

func TestMassDelete(t *testing.T) {
	var prior []*model.Object
	for i := 0; i < 30; i++ {
		prior = append(prior, ent(fmt.Sprintf("entity.t.e%d", i), fmt.Sprintf("k%02d", i)))
	}
	tests := []struct {
		keep int
		want bool
	}{{30, false}, {16, false}, {14, true}, {0, true}}
	for _, tt := range tests {
		p, err := Compute(graph(prior[:tt.keep]...), graph(prior...), Prior{}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if (p.MassDelete != nil) != tt.want {
			t.Errorf("keep %d of 30: mass delete = %v, want %v", tt.keep, p.MassDelete, tt.want)
		}
	}
	// Small graphs: deleting 3 of 4 is not a mass delete, deleting everything is.
	small := prior[:4]
	if p, _ := Compute(graph(small[:1]...), graph(small...), Prior{}, Options{}); p.MassDelete != nil {
		t.Error("3 of 4 deleted flagged as a mass delete")
	}
	if p, _ := Compute(graph(), graph(small...), Prior{}, Options{}); p.MassDelete == nil || p.MassDelete.Deleting != 4 {
		t.Errorf("deleting everything: %v", p.MassDelete)
	}
	// PATCH never deletes.
	if p, _ := Compute(graph(), graph(prior...), Prior{}, Options{Mode: ModePatch}); p.MassDelete != nil {
		t.Error("PATCH plan flagged as a mass delete")
	}
}

func TestNext(t *testing.T) {
	prior := graph(ent("entity.t.a", "a"), ent("entity.t.b", "b"), ent("entity.t.c", "c"), rel("relationship.ac", "a", "c"))
	desired := graph(ent("entity.t.a", "a", "size", json.Number("2")), ent("entity.t.renamed", "b"), ent("entity.t.d", "d"))
	for _, mode := range []string{ModeDiff, ModePatch} {
		p, err := Compute(desired, prior, Prior{}, Options{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		next := p.Next(prior)
		var got []string
		for _, o := range next.All() {
			got = append(got, o.Address)
		}
		want := map[string][]string{
			ModeDiff:  {"entity.t.a", "entity.t.renamed", "entity.t.d"},
			ModePatch: {"entity.t.a", "entity.t.renamed", "entity.t.c", "entity.t.d", "relationship.ac"},
		}[mode]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: next = %v, want %v", mode, got, want)
		}
		if mode == ModeDiff && model.HashGraph(next) != model.HashGraph(desired) {
			t.Error("after a DIFF, the state must equal the desired graph")
		}
	}
}

func TestPlanFileRoundTrip(t *testing.T) {
	prior := graph(ent("entity.t.a", "a"), ent("entity.t.c", "c"))
	desired := graph(ent("entity.t.a", "a", "note", "<nil> & more"), ent("entity.t.b", "b"), rel("relationship.ab", "a", "b"))
	desired.Entities[1].Sensitive = map[string]bool{"name": true}
	target := state.Target{Source: "integration-external", IntegrationInstanceID: "i-1"}
	p, err := Compute(desired, prior, Prior{Exists: true, Lineage: "L", Serial: 4, Hash: model.HashGraph(prior)}, Options{Target: target, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.j1plan")
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "<nil> & more") {
		t.Error("plan file escapes HTML characters")
	}
	q, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(summaryOf(q.Changes), summaryOf(p.Changes)) || q.DesiredHash != p.DesiredHash || q.Prior != p.Prior || !q.Target.Equal(target) {
		t.Errorf("round trip differs:\n%+v\n%+v", q, p)
	}
	for i := range p.Changes {
		if !model.EqualProperties(p.Changes[i].After, q.Changes[i].After) || !model.EqualProperties(p.Changes[i].Before, q.Changes[i].Before) {
			t.Errorf("change %d properties differ", i)
		}
	}
	if !reflect.DeepEqual(q.Changes[1].Sensitive, []string{"name"}) {
		t.Errorf("sensitive list lost: %v", q.Changes[1].Sensitive)
	}
	if len(q.Upload.Entities) != 2 || len(q.Upload.Relationships) != 1 {
		t.Errorf("upload = %d entities, %d relationships", len(q.Upload.Entities), len(q.Upload.Relationships))
	}

	if err := q.CheckCurrent(q.Prior, target); err != nil {
		t.Errorf("current plan refused: %v", err)
	}
	stale := q.Prior
	stale.Serial++
	if err := q.CheckCurrent(stale, target); !errors.Is(err, ErrStale) {
		t.Errorf("stale plan: %v", err)
	}
	other := q.Prior
	other.Lineage = "M"
	if err := q.CheckCurrent(other, target); !errors.Is(err, ErrLineageMismatch) || !strings.Contains(err.Error(), "Saved plan does not match the given state") {
		t.Errorf("other lineage: %v", err)
	}
	if err := q.CheckCurrent(q.Prior, state.Target{Source: "api", Scope: "s"}); !errors.Is(err, ErrLineageMismatch) {
		t.Errorf("other target: %v", err)
	}

	for _, bad := range []string{`{`, `{"format_version": 99}`, `{"format_version": 1, "mode": "CROSS_SCOPE", "upload": {}}`, `{"format_version": 1, "surprise": true}`} {
		if _, err := Decode([]byte(bad), "bad.j1plan"); err == nil || !strings.Contains(err.Error(), "bad.j1plan") {
			t.Errorf("Decode(%s) = %v, want an error naming the file", bad, err)
		}
	}
}

func TestMatchTarget(t *testing.T) {
	tests := []struct {
		pattern, address, key string
		want                  bool
	}{
		{"entity.t.a", "entity.t.a", "k", true},
		{"entity.t.all", `entity.t.all["x"]`, "k", true},
		{"entity.t.*", "entity.t.a", "k", true},
		{"entity.u.*", "entity.t.a", "k", false},
		{"acme:host:*", "entity.h.all", "acme:host:1", true},
		{`entity.t.all["x"]`, `entity.t.all["x"]`, "k", true},
		{`entity.t.all["y"]`, `entity.t.all["x"]`, "k", false},
	}
	for _, tt := range tests {
		if got := MatchTarget(tt.pattern, tt.address, tt.key); got != tt.want {
			t.Errorf("MatchTarget(%q, %q, %q) = %v, want %v", tt.pattern, tt.address, tt.key, got, tt.want)
		}
	}
}

// TestSensitiveSurvivesTheState: a value recorded as sensitive stays hidden when the object
// is later updated or destroyed, and the next state records what is sensitive now.
func TestSensitiveSurvivesTheState(t *testing.T) {
	recorded := ent("entity.t.a", "a", "token", "s3cr3t")
	recorded.Sensitive = map[string]bool{"token": true}
	gone := ent("entity.t.b", "b", "token", "other")
	gone.Sensitive = map[string]bool{"token": true}
	prior := graph(recorded, gone)

	updated := ent("entity.t.a", "a", "token", nil, "note", "public") // token removed, nothing sensitive now
	p, err := Compute(graph(updated), prior, Prior{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range p.Changes {
		if !ch.IsSensitive("token") {
			t.Errorf("%s %s: the recorded secret is not hidden", ch.Action, ch.Address)
		}
	}
	next := p.Next(prior)
	if len(next.Entities) != 1 || next.Entities[0].Sensitive["token"] {
		t.Errorf("next state: %+v", next.Entities)
	}

	stillSecret := ent("entity.t.a", "a", "token", "n3w")
	stillSecret.Sensitive = map[string]bool{"token": true}
	p, _ = Compute(graph(stillSecret), prior, Prior{}, Options{})
	next = p.Next(prior)
	if !next.Entities[0].Sensitive["token"] {
		t.Error("the next state lost the sensitive mark")
	}
}
