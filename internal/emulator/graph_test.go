package emulator

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// TestRollbackOfDeletedPlaceholder: deleting a placeholder by _id collects it with its last
// relationship, inside its own deletion; a rolled-back finalize must still restore it once,
// so that its _key resolves and J1QL finds it once.
func TestRollbackOfDeletedPlaceholder(t *testing.T) {
	h := newHarness(t, Config{DataFile: filepath.Join(t.TempDir(), "graph.json")})
	person := map[string]any{"_type": "person", "_key": "p"}
	h.sync("inst", "DIFF", []map[string]any{entity("a")},
		[]map[string]any{mappedRel("a|is|p", "a", person, [][]string{{"_type", "_key"}}, false)})
	ents, _ := h.graph("")
	pid := byKey(ents)["p"]["_id"]
	if pid == nil {
		t.Fatalf("no placeholder: %v", ents)
	}

	write := h.s.persist
	h.s.persist = func(*graph) error { return errors.New("disk full") }
	j := h.startInstance("inst", "DIFF")
	h.must(h.request("POST", jobPath(j.ID, "upload"), map[string]any{
		"entities":       []map[string]any{entity("a")},
		"relationships":  []map[string]any{mappedRel("a|is|p", "a", person, [][]string{{"_type", "_key"}}, false)},
		"deleteEntities": []map[string]any{{"_id": pid}},
	}))
	if failed := h.finalize(j.ID, nil); failed.Status != StatusErrorUnexpected {
		t.Fatalf("finalize: %s", failed.Status)
	}
	h.s.persist = write

	if keys, _ := h.queryAll("FIND person"); !reflect.DeepEqual(keys, []string{"p"}) {
		t.Errorf("FIND person after the rollback: %v, want [p]", keys)
	}
	done := h.sync("inst", "DIFF", []map[string]any{entity("a")}, []map[string]any{rel("a-p", "a", "p")})
	if done.NumRelationshipsCreated != 1 || done.NumRelationshipCreateErrors != 0 {
		t.Errorf("a relationship to the restored placeholder's _key: %+v", done.Counters)
	}
}

// checkRels checks the endpoint index against the relationships: every stored relationship
// is listed once in each of its distinct endpoints' rels, at the position it records; every
// listed relationship is stored and has the entity as an endpoint; pending holds exactly
// the stored mapped relationships that wait for a target.
func checkRels(t *testing.T, g *graph) {
	t.Helper()
	listed := 0
	for _, list := range g.byKey {
		for _, e := range list {
			for i, r := range e.rels {
				listed++
				switch {
				case !r.stored:
					t.Fatalf("%s lists %s, which is not stored", e.k, r.k)
				case r.from == e && r.fromPos != int32(i), r.from != e && r.to == e && r.toPos != int32(i):
					t.Fatalf("%s lists %s at %d, which records %d/%d", e.k, r.k, i, r.fromPos, r.toPos)
				case r.from != e && r.to != e:
					t.Fatalf("%s lists %s, which does not end there", e.k, r.k)
				}
			}
		}
	}
	ends := 0
	for _, tg := range g.targets {
		for key, r := range tg.relationships {
			if !r.stored || r.k != key {
				t.Fatalf("relationship %s is in its target but not stored", key)
			}
			for _, end := range []*record{r.from, r.to} {
				if end != nil && !end.stored {
					t.Fatalf("relationship %s ends at %s, which is not stored", key, end.k)
				}
			}
			if r.from != nil {
				ends++
			}
			if r.to != nil && r.to != r.from {
				ends++
			}
			_, waiting := g.pending[r]
			if want := r.kind == model.KindMappedRelationship && (r.from == nil || r.to == nil); waiting != want {
				t.Fatalf("relationship %s: pending %v, want %v", key, waiting, want)
			}
		}
	}
	if listed != ends {
		t.Fatalf("the entities list %d relationship ends, the relationships have %d", listed, ends)
	}
	for r := range g.pending {
		if !r.stored {
			t.Fatalf("pending holds %s, which is not stored", r.k)
		}
	}
}

// graphState is everything a rollback must restore, rels in their order.
type graphState struct {
	entities, relationships map[string]*record
	byKey                   map[string][]*record
	pending                 map[*record]bool
	records                 map[*record]record
}

func stateOf(g *graph, all []*record) graphState {
	s := graphState{entities: map[string]*record{}, relationships: map[string]*record{}, byKey: map[string][]*record{},
		pending: map[*record]bool{}, records: map[*record]record{}}
	for _, tg := range g.targets {
		for k, r := range tg.entities {
			s.entities[tg.id.name+"/"+k] = r
		}
		for k, r := range tg.relationships {
			s.relationships[tg.id.name+"/"+k] = r
		}
	}
	for k, list := range g.byKey {
		// The order of entities under one _key means nothing (every reader picks by other
		// criteria), so it is compared as a set.
		sorted := slices.Clone(list)
		slices.SortFunc(sorted, compareRecords)
		s.byKey[k] = sorted
	}
	for r := range g.pending {
		s.pending[r] = true
	}
	for _, r := range all {
		c := *r
		c.rels = append([]*record(nil), r.rels...) // nil and empty alike

		s.records[r] = c
	}
	return s
}

// TestRelsIndexUnderRandomChanges applies random changes to a small graph, placeholders and
// waiting mapped relationships included, checking the endpoint index after each, and rolls
// back a journaled run of them now and then: the graph must come back exactly, each entity's
// relationships in their order.
func TestRelsIndexUnderRandomChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	g := newGraph()
	inst := g.target(targetID{kind: targetInstance, name: "i"}, true)
	mapperT := g.target(mapperTargetID, true)
	var all []*record
	n := 0
	newRecord := func(kind model.Kind, tg *target) *record {
		n++
		key := fmt.Sprintf("k%d", n)
		r := &record{id: fmt.Sprintf("id-%04d", n), k: key, kind: kind, target: tg, props: model.Properties{"_key": key}, version: 1}
		all = append(all, r)
		return r
	}
	stored := func(relationships bool) []*record {
		var out []*record
		for _, r := range all {
			if r.stored && r.kind.IsRelationship() == relationships {
				out = append(out, r)
			}
		}
		return out
	}
	pick := func(list []*record) *record {
		if len(list) == 0 {
			return nil
		}
		return list[rng.IntN(len(list))]
	}
	for range 4 {
		g.putEntity(newRecord(model.KindEntity, inst))
	}
	step := func() {
		ents := stored(false)
		switch op := rng.IntN(10); {
		case op < 2 || len(ents) < 3:
			var e *record
			if rng.IntN(4) == 0 {
				e = newRecord(model.KindEntity, mapperT)
				e.placeholder = true
			} else {
				e = newRecord(model.KindEntity, inst)
			}
			g.putEntity(e)
		case op < 5:
			kind := model.KindRelationship
			from, to := pick(ents), pick(ents)
			if rng.IntN(3) == 0 {
				kind = model.KindMappedRelationship
				if rng.IntN(2) == 0 {
					to = nil
				}
			}
			r := newRecord(kind, inst)
			r.from, r.to = from, to
			g.putRelationship(r)
		case op < 7:
			if r := pick(stored(true)); r != nil {
				g.dropRelationship(r)
			}
		case op < 8:
			if e := pick(ents); e != nil {
				g.dropEntity(e, nil)
			}
		case op < 9:
			if r := pick(stored(true)); r != nil {
				to := pick(ents)
				if r.kind == model.KindMappedRelationship && rng.IntN(2) == 0 {
					to = nil
				}
				g.link(r, pick(ents), to)
			}
		default:
			if r := pick(append(ents, stored(true)...)); r != nil {
				g.setProps(r, model.Properties{"_key": r.k, "v": rng.Int()}, "api", 2)
			}
		}
		checkRels(t, g)
	}
	for round := range 300 {
		if round%3 == 0 {
			for range 10 {
				step()
			}
			continue
		}
		before := stateOf(g, all)
		known := len(all)
		g.beginJournal()
		for range 10 {
			step()
		}
		if round%3 == 1 {
			g.commit()
			continue
		}
		g.rollback()
		checkRels(t, g)
		after := stateOf(g, all[:known])
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("round %d: the rollback did not restore the graph exactly", round)
		}
		for _, r := range all[known:] {
			if r.stored {
				t.Fatalf("round %d: %s, created in the rolled-back run, is still stored", round, r.k)
			}
		}
		all = all[:known]
	}
	if len(stored(true)) == 0 {
		t.Fatal("the run ended without relationships: it tested little")
	}
}

// hubGraph stores, in instance "a", a hub and n hosts that each relate to it, and in
// instance "b", m entities that relate to it as well. It returns the uploads of "a".
func hubGraph(h *harness, n, m int) (entities, relationships []map[string]any) {
	entities = []map[string]any{entity("hub")}
	for i := range n {
		host := fmt.Sprintf("host-%03d", i)
		entities = append(entities, entity(host))
		relationships = append(relationships, rel(host+"|has|hub", host, "hub"))
	}
	h.sync("a", "DIFF", entities, relationships)
	var bEntities, bRelationships []map[string]any
	for i := range m {
		key := fmt.Sprintf("b-%03d", i)
		bEntities = append(bEntities, entity(key))
		bRelationships = append(bRelationships, rel(key+"|has|hub", key, "hub"))
	}
	h.sync("b", "DIFF", bEntities, bRelationships)
	return entities, relationships
}

// hubRelationships returns the _keys of the relationships J1QL finds at the hub.
func hubRelationships(h *harness) []string {
	h.t.Helper()
	rows, _ := h.tableRows("FIND * WITH _key = 'hub' THAT HAS AS r * RETURN r")
	var keys []string
	for _, row := range rows {
		keys = append(keys, row["r"].(map[string]any)["_key"].(string))
	}
	slices.Sort(keys)
	return keys
}

// TestHubRelationships: relationships leave a hub's list from its middle, the others stay;
// deleting the hub deletes every relationship it has, in its own instance and in others.
func TestHubRelationships(t *testing.T) {
	h := newHarness(t, Config{})
	ents, rels := hubGraph(h, 300, 50)
	checkRels(t, h.s.graph)
	if got := hubRelationships(h); len(got) != 350 {
		t.Fatalf("the hub has %d relationships, want 350", len(got))
	}

	kept := append(slices.Clone(rels[:100]), rels[200:]...)
	j := h.sync("a", "DIFF", ents, kept)
	if j.NumRelationshipsDeleted != 100 || j.NumRelationshipsCreated+j.NumRelationshipsUpdated+j.NumEntitiesDeleted != 0 {
		t.Errorf("dropping 100 from the middle: %+v", j.Counters)
	}
	checkRels(t, h.s.graph)
	var want []string
	for _, r := range kept {
		want = append(want, r["_key"].(string))
	}
	for i := range 50 {
		want = append(want, fmt.Sprintf("b-%03d|has|hub", i))
	}
	slices.Sort(want)
	if got := hubRelationships(h); !reflect.DeepEqual(got, want) {
		t.Errorf("after dropping 100: the hub has %d relationships, want %d", len(got), len(want))
	}

	j = h.sync("a", "DIFF", ents[1:], nil)
	if j.NumEntitiesDeleted != 1 || j.NumRelationshipsDeleted != 250 {
		t.Errorf("deleting the hub: %+v, want 1 entity and its 250 relationships deleted", j.Counters)
	}
	checkRels(t, h.s.graph)
	if _, rels := h.graph(""); len(rels) != 0 {
		t.Errorf("relationships outlived the hub: %v", keysOf(rels))
	}
	for _, list := range h.s.graph.byKey {
		for _, e := range list {
			if len(e.rels) != 0 {
				t.Errorf("%s still lists %d relationships", e.k, len(e.rels))
			}
		}
	}
}

// relsOrder is, for every entity, the _keys of its relationships in the order it lists them.
func relsOrder(g *graph) map[string][]string {
	out := map[string][]string{}
	for _, list := range g.byKey {
		for _, e := range list {
			for _, r := range e.rels {
				out[e.id] = append(out[e.id], r.k)
			}
		}
	}
	return out
}

// TestRollbackRestoresRelationshipLists: a finalize that cannot be written leaves every
// entity's list of relationships as it was, in its order, after dropping relationships
// from the middle of a hub's list, adding others, relinking some and deleting an entity.
func TestRollbackRestoresRelationshipLists(t *testing.T) {
	h := newHarness(t, Config{DataFile: filepath.Join(t.TempDir(), "graph.json")})
	ents, rels := hubGraph(h, 40, 10)
	// Churn, so that the lists are not in upload order.
	h.sync("a", "DIFF", ents, append(slices.Clone(rels[:10]), rels[20:]...))
	h.sync("a", "DIFF", ents, rels)
	before, graphBefore := relsOrder(h.s.graph), h.s.Graph(Filter{})

	write := h.s.persist
	h.s.persist = func(*graph) error { return errors.New("disk full") }
	changed := slices.Clone(rels[25:37])
	for i := range 5 {
		host := fmt.Sprintf("host-%03d", i)
		changed = append(changed, rel(host+"|has|hub", host, fmt.Sprintf("host-%03d", i+1))) // relinked
	}
	changed = append(changed, rel("host-010|has|host-011", "host-010", "host-011"))
	change := func() Job {
		j := h.startInstance("a", "DIFF")
		h.must(h.upload(j.ID, ents[:len(ents)-3], changed)) // and host-037 to 039 deleted
		return h.finalize(j.ID, nil)
	}
	if failed := change(); failed.Status != StatusErrorUnexpected {
		t.Fatalf("finalize: %s", failed.Status)
	}
	h.s.persist = write

	checkRels(t, h.s.graph)
	if after := relsOrder(h.s.graph); !reflect.DeepEqual(after, before) {
		t.Errorf("relationship lists after the rollback:\n%v\nwant\n%v", after, before)
	}
	if graphAfter := h.s.Graph(Filter{}); !reflect.DeepEqual(graphAfter, graphBefore) {
		t.Error("the graph after the rollback is not the one before")
	}
	// The change the rollback took back, applied for real: it did all it should test.
	want := Counters{NumEntitiesUploaded: 38, NumEntitiesDeleted: 3, NumRelationshipsUploaded: 18,
		NumRelationshipsCreated: 1, NumRelationshipsUpdated: 5, NumRelationshipsDeleted: 23}
	if done := change(); done.Counters != want {
		t.Errorf("the change applied: %+v, want %+v", done.Counters, want)
	}
	checkRels(t, h.s.graph)
}
