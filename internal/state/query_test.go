package state

import (
	"reflect"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// queryFile has an entity and a relationship sharing one _key, which only an address tells
// apart, and a for_each address with brackets.
func queryFile() *File {
	f := New(sampleTarget(), "")
	f.SetObjects(&model.Graph{
		Entities: []*model.Object{
			entity("entity.host.all[\"web-1\"]", model.Properties{"_key": "host/web-1"}),
			entity("entity.host.all[\"web-2\"]", model.Properties{"_key": "host/web-2"}),
			entity("entity.team.eng", model.Properties{"_key": "shared"}),
		},
		Relationships: []*model.Object{
			relationship("relationship.eng_owns_web", model.Properties{"_key": "shared", "_class": "OWNS"}),
			relationship("mapped_relationship.web_uses_role", model.Properties{"_key": "web|uses|role", "_mapping": map[string]any{}}),
		},
	})
	return f
}

func addresses(list []Entry) []string {
	out := []string{}
	for _, e := range list {
		out = append(out, e.Address)
	}
	return out
}

func TestLookup(t *testing.T) {
	tests := []struct {
		ref         string
		wantAddress string
		wantKind    model.Kind
		wantErr     string
	}{
		{"host/web-1", `entity.host.all["web-1"]`, model.KindEntity, ""},
		{`entity.host.all["web-2"]`, `entity.host.all["web-2"]`, model.KindEntity, ""},
		{"web|uses|role", "mapped_relationship.web_uses_role", model.KindMappedRelationship, ""},
		{"entity.team.eng", "entity.team.eng", model.KindEntity, ""}, // an address wins over the shared _key
		{"relationship.eng_owns_web", "relationship.eng_owns_web", model.KindRelationship, ""},
		{"mapped_relationship.web_uses_role", "mapped_relationship.web_uses_role", model.KindMappedRelationship, ""},
		{"shared", "", 0, `"shared" names 2 objects in the state (entity entity.team.eng, relationship relationship.eng_owns_web): use an address`},
		{"nope", "", 0, `no object in the state has the address or _key "nope" (` + "`j1hcl state list`"},
	}
	f := queryFile()
	for _, tt := range tests {
		e, kind, err := f.Lookup(tt.ref)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Lookup(%q) error = %v, want %q", tt.ref, err, tt.wantErr)
			}
			continue
		}
		if err != nil || e.Address != tt.wantAddress || kind != tt.wantKind {
			t.Errorf("Lookup(%q) = %q, %v, %v; want %q, %v", tt.ref, e.Address, kind, err, tt.wantAddress, tt.wantKind)
		}
	}
}

func TestRemove(t *testing.T) {
	tests := []struct {
		name            string
		refs            []string
		wantRemoved     []string
		wantErr         []string
		wantEntities    int
		wantRelationshp int
	}{
		{"by address and key", []string{"host/web-2", `entity.host.all["web-1"]`, "relationship.eng_owns_web"},
			[]string{`entity.host.all["web-1"]`, `entity.host.all["web-2"]`, "relationship.eng_owns_web"}, nil, 1, 1},
		{"same object twice", []string{"host/web-1", `entity.host.all["web-1"]`}, []string{`entity.host.all["web-1"]`}, nil, 2, 2},
		{"nothing", nil, nil, nil, 3, 2},
		{"unknown ref removes nothing", []string{"host/web-1", "ghost", "phantom"}, nil,
			[]string{`address or _key "ghost"`, `address or _key "phantom"`}, 3, 2},
		{"ambiguous ref removes nothing", []string{"shared"}, nil, []string{`"shared" names 2 objects`}, 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := queryFile()
			removed, err := f.Remove(tt.refs)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("Remove succeeded")
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("Remove error %q does not contain %q", err, want)
					}
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := addresses(removed); len(removed) > 0 || len(tt.wantRemoved) > 0 {
				if !reflect.DeepEqual(got, tt.wantRemoved) {
					t.Errorf("removed %v, want %v", got, tt.wantRemoved)
				}
			}
			if len(f.Entities) != tt.wantEntities || len(f.Relationships) != tt.wantRelationshp {
				t.Errorf("left %d entities, %d relationships; want %d, %d", len(f.Entities), len(f.Relationships), tt.wantEntities, tt.wantRelationshp)
			}
			if f.Serial != 0 {
				t.Errorf("Remove changed Serial")
			}
		})
	}
}

func TestList(t *testing.T) {
	all := []string{`entity.host.all["web-1"]`, `entity.host.all["web-2"]`, "entity.team.eng", "mapped_relationship.web_uses_role", "relationship.eng_owns_web"}
	tests := []struct {
		pattern string
		want    []string
	}{
		{"", all},
		{"*", all},
		{"entity.host.*", []string{`entity.host.all["web-1"]`, `entity.host.all["web-2"]`}},
		{`entity.host.all["web-1"]`, []string{`entity.host.all["web-1"]`}}, // not a valid glob: matched literally
		{"host/*", []string{`entity.host.all["web-1"]`, `entity.host.all["web-2"]`}},
		{"shared", []string{"entity.team.eng", "relationship.eng_owns_web"}},
		{"*relationship.*", []string{"mapped_relationship.web_uses_role", "relationship.eng_owns_web"}},
		{"nothing.*", []string{}},
	}
	f := queryFile()
	for _, tt := range tests {
		if got := addresses(f.List(tt.pattern)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("List(%q) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}
