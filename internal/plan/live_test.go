package plan

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// liveOf copies objects as refresh.Read returns them: state addresses for known keys.
func liveOf(objs ...*model.Object) *model.Graph {
	g := &model.Graph{}
	for _, o := range objs {
		g.Add(o.Clone())
	}
	return g
}

func unaddressed(o *model.Object) *model.Object {
	c := o.Clone()
	c.Address = ""
	return c
}

// importsOf renders changes as "action address import".
func importsOf(cs []Change) []string {
	var out []string
	for _, c := range cs {
		s := string(c.Action) + " " + c.Address
		if c.Import != "" {
			s += " " + string(c.Import)
		}
		out = append(out, s)
	}
	return out
}

func TestBuild(t *testing.T) {
	a, b, c := ent("entity.t.a", "a"), ent("entity.t.b", "b"), ent("entity.t.c", "c")
	tests := []struct {
		name     string
		in       Input
		drift    []string
		changes  []string
		imported int
		live     LiveStatus
		err      string
	}{
		{
			name:    "offline",
			in:      Input{Desired: graph(a, b), Prior: graph(a)},
			changes: []string{"create entity.t.b"},
			live:    LiveNotCompared,
		},
		{
			name: "drift: changed, deleted and created outside",
			in: Input{
				Desired: graph(a, b, c),
				Prior:   graph(a, b, c),
				Live:    liveOf(ent("entity.t.a", "a", "note", "by hand"), c, unaddressed(ent("", "x"))),
			},
			drift:   []string{"create ", "update entity.t.a", "delete entity.t.b"},
			changes: []string{"delete ", "update entity.t.a", "create entity.t.b"},
			live:    LiveCompared,
		},
		{
			name:     "lost state: live objects are imported, not created",
			in:       Input{Desired: graph(a, ent("entity.t.b", "b", "note", "new")), Live: liveOf(unaddressed(a), unaddressed(b))},
			drift:    []string{"create ", "create "},
			changes:  []string{"no-op entity.t.a exists_in_jupiterone", "update entity.t.b exists_in_jupiterone"},
			imported: 2,
			live:     LiveCompared,
		},
		{
			name:     "import block offline",
			in:       Input{Desired: graph(a, b), Prior: graph(a), Imports: []Import{{To: "entity.t.b", Key: "b", Found: unaddressed(b)}}},
			changes:  []string{"no-op entity.t.b import_block"},
			imported: 1,
			live:     LiveNotCompared,
		},
		{
			name: "import block of a key that does not exist",
			in:   Input{Desired: graph(a, b), Imports: []Import{{To: "entity.t.b", Key: "b"}}},
			err:  "JupiterOne has no entity with this _key",
		},
		{
			name: "import block to nothing",
			in:   Input{Desired: graph(a), Imports: []Import{{To: "entity.t.zz", Key: "zz"}}},
			err:  "the configuration has no object at entity.t.zz",
		},
		{
			name: "import block with another _key",
			in:   Input{Desired: graph(a, b), Live: liveOf(), Imports: []Import{{To: "entity.t.b", Key: "other"}}},
			err:  `entity.t.b has _key "b"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(tt.in)
			if tt.err != "" {
				var ie *ImportError
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Build = %v, want an ImportError with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := summaryOf(p.Drift); !reflect.DeepEqual(got, tt.drift) {
				t.Errorf("drift = %q, want %q", got, tt.drift)
			}
			if got := importsOf(p.Changes); !reflect.DeepEqual(got, tt.changes) {
				t.Errorf("changes = %q, want %q", got, tt.changes)
			}
			sum := p.Summary()
			if sum.Imported != tt.imported || p.Live != tt.live {
				t.Errorf("imported %d, live %q; want %d, %q", sum.Imported, p.Live, tt.imported, tt.live)
			}
			if sum.All.Add > 0 && tt.imported > 0 {
				t.Errorf("imports counted as creates: %+v", sum.All)
			}
		})
	}
}

// A refreshed plan with imports saves, verifies against the state, and leads to the live
// graph with the changes applied: objects deleted outside j1hcl leave the state.
func TestBuildSavedAndNext(t *testing.T) {
	a, b, gone := ent("entity.t.a", "a"), ent("entity.t.b", "b"), ent("entity.t.gone", "gone")
	prior := graph(a, gone)
	in := Input{
		Desired:   graph(ent("entity.t.a", "a", "note", "x"), b),
		Prior:     prior,
		PriorInfo: Prior{Exists: true, Lineage: "L", Serial: 2, Hash: model.HashGraph(prior)},
		Live:      liveOf(a, unaddressed(b)),
	}
	p, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	q, err := Decode(data, "p.j1plan")
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyFile(q, prior); err != nil {
		t.Fatalf("VerifyFile of a refreshed plan: %v", err)
	}
	if len(q.Drift) != 2 || q.Live != LiveCompared {
		t.Errorf("drift or live status lost: %+v %q", q.Drift, q.Live)
	}
	next := q.Next(prior)
	var got []string
	for _, o := range next.All() {
		got = append(got, o.Address+" "+o.Key())
	}
	if want := []string{"entity.t.a a", "entity.t.b b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("next state = %q, want %q", got, want)
	}
	// Dropping the drift makes the changes start from nothing the state records.
	q.Drift = nil
	if err := VerifyFile(q, prior); !errors.Is(err, ErrModified) {
		t.Errorf("VerifyFile without its drift = %v, want ErrModified", err)
	}
}

func TestReplacements(t *testing.T) {
	eng := ent("entity.team.eng", "p:team:eng", "name", "eng", "displayName", "eng")
	engineering := ent("entity.team.engineering", "p:team:engineering", "name", "eng", "displayName", "eng")
	engineering.DefaultKeyFrom = engineering.Address
	app := ent("entity.app.slack", "p:app:slack")
	relOld := rel("relationship.owns", "p:team:eng", "p:app:slack")
	relNew := rel("relationship.owns", "p:team:engineering", "p:app:slack")
	other := ent("entity.host.web", "p:host:web")
	tests := []struct {
		name      string
		desired   *model.Graph
		prior     *model.Graph
		defaulted func(string) bool
		want      []string
	}{
		{
			name:    "renamed block and its relationship",
			desired: graph(engineering, app, relNew),
			prior:   graph(eng, app, relOld),
			want:    []string{"entity.team.eng -> entity.team.engineering block_renamed", "relationship.owns -> relationship.owns endpoint_renamed"},
		},
		{
			name:      "pinned _key changed: no rename",
			desired:   graph(engineering, app),
			prior:     graph(eng, app),
			defaulted: func(string) bool { return false },
		},
		{
			name:    "pinned _key written in the block: no rename",
			desired: graph(ent("entity.team.engineering", "p:team:engineering", "name", "eng", "displayName", "eng"), app),
			prior:   graph(eng, app),
		},
		{
			name: "another block type: no rename",
			desired: graph(func() *model.Object {
				o := ent("entity.host.eng", "p:host:engineering", "name", "eng", "displayName", "eng")
				o.DefaultKeyFrom = o.Address
				return o
			}()),
			prior: graph(eng),
		},
		{
			name:    "other properties differ: no rename",
			desired: graph(ent("entity.team.engineering", "p:team:engineering", "name", "Engineering")),
			prior:   graph(eng),
		},
		{
			name:    "unrelated delete and create",
			desired: graph(other),
			prior:   graph(app),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(Input{Desired: tt.desired, Prior: tt.prior, KeyDefaulted: tt.defaulted})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range p.Replacements {
				got = append(got, r.From+" -> "+r.To+" "+string(r.Reason))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("replacements = %q, want %q", got, tt.want)
			}
			if s := p.Summary(); s.Replaced != len(tt.want) {
				t.Errorf("summary counts %d replacements", s.Replaced)
			}
		})
	}
}
