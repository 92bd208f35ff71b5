package plan

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// TestDiffListMergeMatchesIndex compares diffList's merge of key-ordered lists with the
// general indexed comparison on lists mixing every kind of change: same changes in the same
// order, same count of unchanged objects.
func TestDiffListMergeMatchesIndex(t *testing.T) {
	mk := func(addr, key string, kind model.Kind, v any, sensitive ...string) *model.Object {
		o := &model.Object{Kind: kind, Address: addr, Props: model.Properties{"_key": key, "_type": "t", "_class": "C", "v": v}}
		if len(sensitive) > 0 {
			o.Sensitive = model.SensitiveSet(sensitive)
		}
		return o
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var desired, prior []*model.Object
		for i := range 60 {
			key := fmt.Sprintf("k%03d", i)
			addr := "entity.a.x[\"" + key + "\"]"
			switch rng.IntN(8) {
			case 0: // created
				desired = append(desired, mk(addr, key, model.KindEntity, json.Number("1")))
			case 1: // deleted
				prior = append(prior, mk(addr, key, model.KindEntity, "old", "v"))
			case 2: // updated, sensitive before
				desired = append(desired, mk(addr, key, model.KindEntity, "new"))
				prior = append(prior, mk(addr, key, model.KindEntity, "old", "v"))
			case 3: // moved
				desired = append(desired, mk(addr, key, model.KindEntity, nil))
				prior = append(prior, mk("entity.a.old[\""+key+"\"]", key, model.KindEntity, nil))
			case 4: // kind changed
				desired = append(desired, mk(addr, key, model.KindMappedRelationship, true))
				prior = append(prior, mk(addr, key, model.KindRelationship, true))
			case 5: // unchanged, sensitive now
				desired = append(desired, mk(addr, key, model.KindEntity, []any{"a"}, "v"))
				prior = append(prior, mk(addr, key, model.KindEntity, []any{"a"}))
			default: // unchanged
				desired = append(desired, mk(addr, key, model.KindEntity, "same"))
				prior = append(prior, mk(addr, key, model.KindEntity, "same"))
			}
		}
		switch {
		case round%2 == 1: // the configuration's declaration order is not _key order
			rng.Shuffle(len(desired), func(i, j int) { desired[i], desired[j] = desired[j], desired[i] })
		case round%4 == 2: // blocks, each in _key order: runs, some _keys in two of them
			half := len(desired) / 2
			var again []*model.Object
			for _, o := range desired {
				if rng.IntN(4) == 0 {
					again = append(again, mk("entity.a.again"+o.Address[len("entity.a.x"):], o.Key(), model.KindEntity, "again"))
				}
			}
			desired = append(append(slices.Clone(desired[half:]), desired[:half]...), again...)
		}
		if round%3 == 2 { // nor, in a hand-made state, the state's
			rng.Shuffle(len(prior), func(i, j int) { prior[i], prior[j] = prior[j], prior[i] })
		}
		got, gotUnchanged := diffList(nil, desired, prior)
		want, wantUnchanged := diffListIndexed(nil, desired, prior)
		if gotUnchanged != wantUnchanged || !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: merge gives %d unchanged and\n%+v\nindex gives %d unchanged and\n%+v", round, gotUnchanged, got, wantUnchanged, want)
		}
	}
}

// TestDiffListDuplicateKeys: a _key twice in a list (which validation refuses, but a hand-made
// state may hold) takes the indexed comparison, whose first object of a _key counts.
func TestDiffListDuplicateKeys(t *testing.T) {
	a1 := ent("entity.a.one", "k", "v", "1")
	a2 := ent("entity.a.two", "k", "v", "2")
	b := ent("entity.a.b", "m")
	for _, tt := range []struct {
		name           string
		desired, prior []*model.Object
		want           []string
	}{
		{"twice in the configuration", []*model.Object{a1, a2, b}, []*model.Object{a1}, []string{"create entity.a.b", "create entity.a.two"}},
		{"twice in the state", []*model.Object{b}, []*model.Object{a2, a1}, []string{"create entity.a.b", "delete entity.a.two"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := diffList(nil, tt.desired, tt.prior)
			sortChanges(got)
			if s := summaryOf(got); !reflect.DeepEqual(s, tt.want) {
				t.Errorf("changes %q, want %q", s, tt.want)
			}
		})
	}
}

// TestNextMergeMatchesIndex compares Next's merge with the indexed path on plans with every
// kind of change, sensitive values kept and dropped, in PATCH mode (changes left pending) and
// with a configuration declared out of _key order.
func TestNextMergeMatchesIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 40 {
		var desired, prior []*model.Object
		if round == 0 { // everything deleted: empty lists, as the indexed path leaves them
			p, err := Compute(&model.Graph{}, graph(ent("entity.a.a", "a"), rel("relationship.r", "a", "a")), Prior{}, Options{SkipHash: true, Mode: ModeDiff})
			if err != nil {
				t.Fatal(err)
			}
			prior := graph(ent("entity.a.a", "a"), rel("relationship.r", "a", "a"))
			if got, want := p.Next(prior), p.nextIndexed(prior); !reflect.DeepEqual(got, want) {
				t.Fatalf("all deleted: merge gives %#v, index gives %#v", got, want)
			}
			continue
		}
		for i := range 50 {
			key := fmt.Sprintf("k%03d", i)
			addr := "entity.a.x[\"" + key + "\"]"
			o := ent(addr, key, "v", json.Number(fmt.Sprint(i)), "s", "secret")
			switch rng.IntN(6) {
			case 0:
				o.Sensitive = model.SensitiveSet([]string{"s"})
				desired = append(desired, o)
			case 1:
				prior = append(prior, o)
			case 2:
				old := ent(addr, key, "v", "old", "gone", "x")
				old.Sensitive = model.SensitiveSet([]string{"gone", "v"})
				desired, prior = append(desired, o), append(prior, old)
			case 3:
				desired, prior = append(desired, o), append(prior, ent("entity.a.old[\""+key+"\"]", key, "v", json.Number(fmt.Sprint(i)), "s", "secret"))
			default:
				desired, prior = append(desired, o), append(prior, ent(addr, key, "v", json.Number(fmt.Sprint(i)), "s", "secret"))
			}
			if i%5 == 0 {
				r := rel(fmt.Sprintf("relationship.r[%d]", i), key, "k000")
				if rng.IntN(2) == 0 {
					desired = append(desired, r)
				} else {
					prior = append(prior, r)
				}
			}
		}
		if round%2 == 1 {
			rng.Shuffle(len(desired), func(i, j int) { desired[i], desired[j] = desired[j], desired[i] })
		}
		priorGraph := graph(prior...)
		priorGraph.SortByKey()
		mode := ModeDiff
		if round%4 == 2 {
			mode = ModePatch
		}
		p, err := Compute(graph(desired...), priorGraph, Prior{}, Options{Mode: mode, SkipHash: true})
		if err != nil {
			t.Fatal(err)
		}
		got, want := p.Next(priorGraph), p.nextIndexed(priorGraph)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: merge gives\n%s\nindex gives\n%s", round, dumpGraph(got), dumpGraph(want))
		}
	}
}

// TestNextUnorderedPrior: a prior graph not in _key order takes the indexed path, whose
// result is in _key order.
func TestNextUnorderedPrior(t *testing.T) {
	prior := graph(ent("entity.a.b", "b"), ent("entity.a.a", "a"))
	p, err := Compute(graph(ent("entity.a.c", "c"), ent("entity.a.a", "a")), prior, Prior{}, Options{SkipHash: true})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range p.Next(prior).Entities {
		keys = append(keys, o.Key())
	}
	if want := []string{"a", "c"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("next holds %q, want %q", keys, want)
	}
}

func dumpGraph(g *model.Graph) string {
	var b []byte
	for _, o := range g.All() {
		b = fmt.Appendf(b, "%s %s %v %v\n", o.Address, o.Kind, o.Props, o.Sensitive)
	}
	return string(b)
}

// TestSortChanges compares sortChanges with a plain stable sort on lists made of runs already
// in order (as blocks produce them), reversed lists, random ones and the edge cases.
func TestSortChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	change := func() Change {
		return Change{
			Kind:    model.Kind(rng.IntN(2)),
			Address: fmt.Sprintf("entity.b%d.all[%q]", rng.IntN(4), fmt.Sprint(rng.IntN(50))),
			Key:     fmt.Sprint(rng.IntN(3)),
			Type:    fmt.Sprint(rng.IntN(1000)), // not compared: tells equal changes apart
		}
	}
	lists := [][]Change{nil, {change()}}
	for round := range 60 {
		var cs []Change
		switch round % 3 {
		case 0: // runs in order, concatenated
			for range 1 + rng.IntN(6) {
				run := make([]Change, rng.IntN(40))
				for i := range run {
					run[i] = change()
				}
				slices.SortStableFunc(run, func(a, b Change) int { return compareChanges(&a, &b) })
				cs = append(cs, run...)
			}
		case 1: // reversed
			for range rng.IntN(100) {
				cs = append(cs, change())
			}
			slices.SortStableFunc(cs, func(a, b Change) int { return -compareChanges(&a, &b) })
		default:
			for range rng.IntN(200) {
				cs = append(cs, change())
			}
		}
		lists = append(lists, cs)
	}
	for n, cs := range lists {
		want := slices.Clone(cs)
		slices.SortStableFunc(want, func(a, b Change) int { return compareChanges(&a, &b) })
		got := slices.Clone(cs)
		sortChanges(got)
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("list %d (%d changes): sortChanges gives\n%v\nwant\n%v", n, len(cs), got, want)
		}
	}
}

// TestDiffGraphsInParallel: graphs large enough for entities and relationships to be compared
// at once give the changes of comparing them one after the other, whichever side is longer.
func TestDiffGraphsInParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	build := func(n int, version string) *model.Graph {
		g := &model.Graph{}
		for i := range n {
			if rng.IntN(10) == 0 {
				continue // absent on this side: a create or a delete
			}
			v := "1"
			if rng.IntN(10) == 0 {
				v = version // an update
			}
			g.Add(ent(fmt.Sprintf("entity.a.all[%q]", fmt.Sprint(i)), fmt.Sprintf("k%d", rng.IntN(2*n)), "v", v))
			g.Add(rel(fmt.Sprintf("relationship.r[%q]", fmt.Sprint(i)), fmt.Sprintf("k%d", i), fmt.Sprintf("k%d", rng.IntN(n))))
		}
		return g
	}
	for _, tt := range []struct{ desired, prior int }{{9000, 8000}, {5000, 0}, {0, 6000}, {100, 9000}, {9000, 100}} {
		desired, prior := build(tt.desired, "2"), build(tt.prior, "3")
		got, gotUnchanged := diffGraphs(desired, prior)
		want, entUnchanged := diffList(nil, desired.Entities, prior.Entities)
		want, relUnchanged := diffList(want, desired.Relationships, prior.Relationships)
		if gotUnchanged != entUnchanged+relUnchanged || len(got) != len(want) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%d desired, %d prior: %d changes, %d unchanged; want %d, %d", tt.desired, tt.prior, len(got), gotUnchanged, len(want), entUnchanged+relUnchanged)
		}
		if len(got) == 0 {
			t.Fatalf("%d desired, %d prior: no changes to compare", tt.desired, tt.prior)
		}
	}
}

// diffList is diffGraphs for one list: pairList's pairing, its changes appended to out.
func diffList(out []Change, desired, prior []*model.Object) ([]Change, int) {
	p := pairList(desired, prior)
	return p.appendTo(out), p.unchanged
}

// diffListIndexed is diffList through pairIndexed, whatever the order of the lists.
func diffListIndexed(out []Change, desired, prior []*model.Object) ([]Change, int) {
	p := pairIndexed(desired, prior)
	return p.appendTo(out), p.unchanged
}
