package state

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"unsafe"

	"github.com/j1hcl/j1hcl/internal/model"
)

// TestDecodeShared checks that a state decoded against a graph is the state Decode reads, and
// that exactly the recorded objects equal to the graph's share its properties and, when
// recorded at the same address, its address. Lists long enough to be parsed on several
// goroutines are included.
func TestDecodeShared(t *testing.T) {
	for _, size := range []int{3, 10000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			recorded, desired := sharingGraphs(size)
			f := New(Target{Source: SourceAPI, Scope: "inventory"}, "test")
			f.Commit(recorded, Job{ID: "j", SyncMode: "DIFF", Status: JobFinished})
			data, err := f.Encode()
			if err != nil {
				t.Fatal(err)
			}
			want, err := Decode(data, "state.json")
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeShared(data, "state.json", desired)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatal("DecodeShared and Decode read different states")
			}
			byKey := func(objs []*model.Object) map[string]*model.Object {
				m := map[string]*model.Object{}
				for _, o := range objs {
					m[o.Key()] = o
				}
				return m
			}
			check := func(entries []Entry, objs []*model.Object) (shared int) {
				d := byKey(objs)
				for _, e := range entries {
					key := e.Object[model.PropKey].(string)
					o := d[key]
					equal := o != nil && reflect.DeepEqual(map[string]any(o.Props), map[string]any(e.Object))
					isShared := o != nil && reflect.ValueOf(o.Props).UnsafePointer() == reflect.ValueOf(e.Object).UnsafePointer()
					if equal != isShared {
						t.Errorf("%s: equal to the graph's %v, shares its properties %v", key, equal, isShared)
					}
					sameAddress := isShared && e.Address == o.Address
					if addressShared := o != nil && unsafe.StringData(e.Address) == unsafe.StringData(o.Address); sameAddress != addressShared {
						t.Errorf("%s: address %q, the graph's %q, shared %v", key, e.Address, o.Address, addressShared)
					}
					if isShared {
						shared++
					}
				}
				return shared
			}
			shared := check(got.Entities, desired.Entities) + check(got.Relationships, desired.Relationships)
			if want := recorded.Len() - 5; shared != want {
				t.Errorf("%d objects shared, want %d (all but two changed, two removed and one spelled otherwise)", shared, want)
			}
		})
	}
}

// sharingGraphs returns a recorded graph of n hosts, each with a mapped relationship, and the
// desired graph that changes the first host and the last relationship, drops the second host
// and its relationship, moves the third host to another address, spells a number of the last
// host otherwise (equal, but not as written) and adds a host.
func sharingGraphs(n int) (recorded, desired *model.Graph) {
	host := func(i int) *model.Object {
		return &model.Object{Kind: model.KindEntity, Address: fmt.Sprintf(`entity.host.all["h%d"]`, i), Props: model.Properties{
			"_key": fmt.Sprintf("host:%06d", i), "_type": "host", "_class": []any{"Host", "Device"},
			"name": fmt.Sprintf("host \"%d\"", i), "cpus": json.Number(fmt.Sprint(i % 64)), "load": json.Number("0.5"),
			"isManaged": i%2 == 0, "owner": nil,
		}}
	}
	rel := func(i int) *model.Object {
		return &model.Object{Kind: model.KindMappedRelationship, Address: fmt.Sprintf(`mapped_relationship.owner["h%d"]`, i), Props: model.Properties{
			"_key": fmt.Sprintf("host:%06d|owner", i), "_type": "host_has_user", "_class": "HAS",
			"_mapping": map[string]any{"sourceEntityKey": fmt.Sprintf("host:%06d", i), "relationshipDirection": "FORWARD",
				"targetFilterKeys": []any{[]any{"_type", "email"}}, "targetEntity": map[string]any{"_type": "user", "email": "a@b"}},
		}}
	}
	recorded, desired = &model.Graph{}, &model.Graph{}
	for i := range n {
		recorded.Add(host(i))
		recorded.Add(rel(i))
		d := host(i)
		switch i {
		case 0:
			d.Props["cpus"] = json.Number("99") // changed
		case 1:
			continue // removed
		case 2:
			d.Address = `entity.host.moved["h2"]` // shared properties, its own address
		}
		desired.Add(d)
		if i != n-1 {
			desired.Add(rel(i))
		} else {
			r := rel(i)
			r.Props["_mapping"].(map[string]any)["relationshipDirection"] = "REVERSE"
			desired.Add(r)
		}
	}
	// Equal to what is recorded, but not as a state spells it (which decoding would give):
	// compared, not shared.
	desired.Entities[len(desired.Entities)-1].Props["load"] = json.Number("0.50")
	desired.Add(host(n)) // added
	return recorded, desired
}
