package emulator

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Hashes for tests: every _key collides, or most do.
var (
	constantHash = func(maphash.Seed, string) uint64 { return 7 }
	twoBitHash   = func(seed maphash.Seed, key string) uint64 { return maphash.String(seed, key) & 3 }
)

// TestUploadsIndex holds random objects under a few _keys, replacing entities by
// relationships and back, and checks after each step that every _key finds the object last
// held under it, that each list holds exactly those objects, and that a _key never held
// finds nothing: with the real hash and with hashes that make _keys collide.
func TestUploadsIndex(t *testing.T) {
	hashes := map[string]func(maphash.Seed, string) uint64{"maphash": maphash.String, "constant": constantHash, "two bits": twoBitHash}
	for name, hash := range hashes {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			u := newUploads()
			u.hash = hash
			want := map[string]*model.Object{}
			for step := range 2000 {
				key := fmt.Sprintf("k%d", rng.IntN(40))
				kind := model.KindEntity
				if rng.IntN(2) == 0 {
					kind = model.KindRelationship
				}
				o := &model.Object{Kind: kind, Props: model.Properties{"_key": key, "step": step}}
				prev, replaced := u.hold(key, o)
				if old := want[key]; replaced != (old != nil) || replaced && prev.relationship != old.Kind.IsRelationship() {
					t.Fatalf("step %d: hold(%s) replaced %v %+v, want the held %v", step, key, replaced, prev, old)
				}
				want[key] = o
				checkUploads(t, u, want)
			}
			if u.get("never") != nil {
				t.Error("a _key never held finds an object")
			}
		})
	}
}

func checkUploads(t *testing.T, u *uploads, want map[string]*model.Object) {
	t.Helper()
	held := map[string]*model.Object{}
	for _, relationship := range []bool{false, true} {
		for slot, o := range u.list(relationship) {
			if o == nil {
				continue
			}
			if o.Kind.IsRelationship() != relationship {
				t.Fatalf("%s in the wrong list", o.Key())
			}
			if at, ok := u.find(o.Key()); !ok || at != (heldObject{int32(slot), relationship}) {
				t.Fatalf("find(%s) = %+v %v, want slot %d of its list", o.Key(), at, ok, slot)
			}
			held[o.Key()] = o
		}
	}
	if !reflect.DeepEqual(held, want) {
		t.Fatalf("the lists hold %v, want %v", held, want)
	}
	for key, o := range want {
		if u.get(key) != o {
			t.Fatalf("get(%s) is not the object last held", key)
		}
	}
}

// TestUploadsCollidingKeys runs jobs whose every _key has the same hash: duplicates are
// still told apart from new _keys, and a DIFF still finds what it must delete.
func TestUploadsCollidingKeys(t *testing.T) {
	h := newHarness(t, Config{})
	collide := func(j Job) { h.s.job(j.ID).uploads.hash = constantHash }

	first := h.startInstance("inst", "DIFF")
	collide(first)
	h.must(h.upload(first.ID, []map[string]any{entity("a"), entity("b"), entity("c")}, []map[string]any{rel("a-b", "a", "b")}))
	h.must(h.upload(first.ID, []map[string]any{entity("a")}, nil)) // a retry: accepted, not counted
	if r := h.upload(first.ID, []map[string]any{entity("b", "v", 2)}, nil); r.errorCode() != CodeDuplicateKey {
		t.Errorf("a different b: %d %s", r.status, r.body)
	}
	if j := h.finalize(first.ID, nil); j.NumEntitiesUploaded != 3 || j.NumEntitiesCreated != 3 || j.NumRelationshipsCreated != 1 {
		t.Fatalf("first: %+v", j.Counters)
	}

	second := h.startInstance("inst", "DIFF")
	collide(second)
	h.must(h.upload(second.ID, []map[string]any{entity("a"), entity("c"), entity("d")}, []map[string]any{rel("c-d", "c", "d")}))
	want := Counters{NumEntitiesUploaded: 3, NumEntitiesCreated: 1, NumEntitiesDeleted: 1,
		NumRelationshipsUploaded: 1, NumRelationshipsCreated: 1, NumRelationshipsDeleted: 1}
	if j := h.finalize(second.ID, nil); j.Counters != want {
		t.Errorf("second: %+v, want %+v", j.Counters, want)
	}
	ents, rels := h.graph("?instance=inst")
	if got := keysOf(ents); !reflect.DeepEqual(got, []string{"a", "c", "d"}) || len(rels) != 1 || rels[0]["_key"] != "c-d" {
		t.Errorf("graph: %v %v", got, keysOf(rels))
	}
}
