package plan

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// TestReplacementsMatchScan compares replacements' fingerprint queues with the plain pairing
// they replace (each create scans the deletes for the first one not yet taken that equalBut
// accepts) on random plans: renamed blocks, endpoints renamed or not, numbers written two
// ways, nested values, values model.Equal never finds equal, and changes that almost match.
func TestReplacementsMatchScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	values := []any{
		"a", "b", json.Number("1"), json.Number("1.0"), json.Number("2"), json.Number("1e999999999"),
		true, false, nil, []any{"a", json.Number("1")}, []any{"a", json.Number("1.00")},
		map[string]any{"x": "a"}, map[string]any{"x": json.Number("3")}, 1.5,
	}
	props := func() model.Properties {
		p := model.Properties{}
		for range 1 + rng.IntN(3) {
			p[[]string{"name", "size", "tags"}[rng.IntN(3)]] = values[rng.IntN(len(values))]
		}
		return p
	}
	reasons := map[ReplaceReason]int{}
	for round := range 300 {
		// A few payloads per round, so that deletes and creates often match.
		pool := []model.Properties{props(), props(), props()}
		respell := map[json.Number]json.Number{"1": "1.0", "1.0": "1"}
		pick := func(key string) model.Properties {
			p := maps.Clone(pool[rng.IntN(len(pool))])
			for name, v := range p {
				if n, ok := v.(json.Number); ok && respell[n] != "" && rng.IntN(2) == 0 {
					other := respell[n]
					p[name] = other // equal to model.Equal, written otherwise
				}
			}
			p[model.PropKey] = key
			return p
		}
		var changes []Change
		var created, deleted []string
		for i := range 4 + rng.IntN(12) {
			block := []string{"entity.team", "entity.host"}[rng.IntN(2)]
			key := fmt.Sprintf("k%d", i)
			action := []Action{Create, Create, Delete, Delete, Update}[rng.IntN(5)]
			c := Change{Action: action, Kind: model.KindEntity, Address: fmt.Sprintf("%s.n%d", block, rng.IntN(6)), Key: key}
			if action == Delete {
				c.Before = pick(key)
				deleted = append(deleted, key)
			} else {
				c.After = pick(key)
				created = append(created, key)
			}
			changes = append(changes, c)
		}
		if len(created) == 0 || len(deleted) == 0 {
			continue
		}
		for i := range rng.IntN(8) {
			// A relationship from a deleted entity, and one like it from a created one.
			to := []string{created[rng.IntN(len(created))], deleted[rng.IntN(len(deleted))], "elsewhere"}[rng.IntN(3)]
			old, now := pick(fmt.Sprintf("r%d-old", i)), pick(fmt.Sprintf("r%d-new", i))
			old[model.PropFromKey], old[model.PropToKey] = deleted[rng.IntN(len(deleted))], to
			now[model.PropFromKey], now[model.PropToKey] = created[rng.IntN(len(created))], to
			switch rng.IntN(4) {
			case 0:
				now[model.PropToKey] = "other"
			case 1: // the same endpoints: not a rename, whatever else was renamed
				now[model.PropFromKey] = old[model.PropFromKey]
			}
			changes = append(changes,
				Change{Action: Delete, Kind: model.KindRelationship, Address: fmt.Sprintf("relationship.r%d", i), Key: old[model.PropKey].(string), Before: old},
				Change{Action: Create, Kind: model.KindRelationship, Address: fmt.Sprintf("relationship.s%d", i), Key: now[model.PropKey].(string), After: now})
		}
		defaulted := func(addr string) bool { return len(addr)%3 != 0 }
		got, want := replacements(changes, defaulted), replacementsByScan(changes, defaulted)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: fingerprints pair\n%+v\nthe scan pairs\n%+v", round, got, want)
		}
		for _, r := range want {
			reasons[r.Reason]++
		}
		p := &Plan{Changes: changes, Replacements: got}
		lookup := p.ReplacementLookup()
		for i := range changes {
			if a, b := lookup(&changes[i]), replacementByScan(p, &changes[i]); a != b {
				t.Fatalf("round %d: change %d (%s %s): the lookup gives %+v, the scan %+v", round, i, changes[i].Action, changes[i].Key, a, b)
			}
		}
	}
	t.Logf("replacements compared: %v", reasons)
	if reasons[ReasonRenamed] < 50 || reasons[ReasonEndpointRenamed] < 10 {
		t.Fatalf("the random plans made too few replacements to compare: %v", reasons)
	}
}

// replacementsByScan is how replacements paired before the fingerprints: quadratic, and the
// definition they must agree with.
func replacementsByScan(changes []Change, defaulted func(string) bool) []Replacement {
	deletes := deletesOf(changes)
	if len(deletes) == 0 {
		return nil
	}
	used := map[*Change]bool{}
	var out []Replacement
	renamed := map[string]string{}
	for i := range changes {
		c := &changes[i]
		if c.Action != Create || c.Kind != model.KindEntity || !defaulted(c.Address) {
			continue
		}
		for _, d := range deletes {
			if used[d] || d.Kind != model.KindEntity || blockType(d.Address) != blockType(c.Address) || !equalBut(d.Before, c.After, nil) {
				continue
			}
			used[d] = true
			renamed[d.Key] = c.Key
			out = append(out, Replacement{Kind: c.Kind, From: d.Address, To: c.Address, OldKey: d.Key, NewKey: c.Key, Reason: ReasonRenamed})
			break
		}
	}
	if len(renamed) == 0 {
		return out
	}
	for i := range changes {
		c := &changes[i]
		if c.Action != Create || c.Kind != model.KindRelationship {
			continue
		}
		for _, d := range deletes {
			if used[d] || d.Kind != model.KindRelationship || !equalBut(d.Before, c.After, renamed) {
				continue
			}
			used[d] = true
			out = append(out, Replacement{Kind: c.Kind, From: d.Address, To: c.Address, OldKey: d.Key, NewKey: c.Key, Reason: ReasonEndpointRenamed})
			break
		}
	}
	return out
}

// equalBut reports whether old and new differ only in _key, and, for a relationship with
// renamed endpoints (renamed non-nil), in endpoint keys that map from old to new: at least
// one endpoint must be renamed then.
func equalBut(old, new model.Properties, renamed map[string]string) bool {
	if len(old) != len(new) {
		return false
	}
	o := maps.Clone(old)
	delete(o, model.PropKey)
	n := maps.Clone(new)
	delete(n, model.PropKey)
	if renamed != nil {
		moved := false
		for _, end := range []string{model.PropFromKey, model.PropToKey} {
			if k, ok := o[end].(string); ok && renamed[k] != "" {
				o[end] = renamed[k]
				moved = true
			}
		}
		if !moved {
			return false
		}
	}
	return model.EqualProperties(o, n)
}

// BenchmarkReplacementsRenamedBlock: a block of 100,000 instances renamed, so that every
// entity and relationship is a delete and a create paired as a replacement (the scan this
// replaced compared each create with every delete: 0.22 s at 4,000 instances, over two
// minutes at this size, hours at a million).
func BenchmarkReplacementsRenamedBlock(b *testing.B) {
	const n = 100_000
	changes := make([]Change, 0, 4*n)
	for i := range n {
		props := func(key string) model.Properties {
			return model.Properties{model.PropKey: key, "name": fmt.Sprintf("host-%d", i), "size": json.Number(fmt.Sprint(i % 7))}
		}
		old, now := fmt.Sprintf("p:host:old-%d", i), fmt.Sprintf("p:host:new-%d", i)
		changes = append(changes,
			Change{Action: Create, Kind: model.KindEntity, Address: fmt.Sprintf("entity.host.new[%d]", i), Key: now, After: props(now)},
			Change{Action: Delete, Kind: model.KindEntity, Address: fmt.Sprintf("entity.host.old[%d]", i), Key: old, Before: props(old)})
	}
	for i := range n {
		rel := func(key, from string) model.Properties {
			return model.Properties{model.PropKey: key, model.PropFromKey: from, model.PropToKey: "p:team:eng"}
		}
		changes = append(changes,
			Change{Action: Create, Kind: model.KindRelationship, Address: fmt.Sprintf("relationship.r[%d]", i), Key: fmt.Sprintf("new-%d", i), After: rel(fmt.Sprintf("new-%d", i), fmt.Sprintf("p:host:new-%d", i))},
			Change{Action: Delete, Kind: model.KindRelationship, Address: fmt.Sprintf("relationship.r[%d]", i), Key: fmt.Sprintf("old-%d", i), Before: rel(fmt.Sprintf("old-%d", i), fmt.Sprintf("p:host:old-%d", i))})
	}
	sortChanges(changes)
	b.ResetTimer()
	for range b.N {
		if got := replacements(changes, func(string) bool { return true }); len(got) != 2*n {
			b.Fatalf("%d replacements, want %d", len(got), 2*n)
		}
	}
}

// TestReplacementLookupFirstWins: where two replacements name the same key (a hand-made plan
// file may), the lookup answers with the first, as the scan does.
func TestReplacementLookupFirstWins(t *testing.T) {
	p := &Plan{Replacements: []Replacement{
		{Kind: model.KindEntity, OldKey: "a", NewKey: "b", From: "first"},
		{Kind: model.KindEntity, OldKey: "a", NewKey: "b", From: "second"},
		{Kind: model.KindRelationship, OldKey: "a", NewKey: "b", From: "relationship"},
	}}
	lookup := p.ReplacementLookup()
	for _, ch := range []Change{
		{Action: Delete, Kind: model.KindEntity, Key: "a"},
		{Action: Create, Kind: model.KindEntity, Key: "b"},
		{Action: Delete, Kind: model.KindRelationship, Key: "a"},
		{Action: Create, Kind: model.KindMappedRelationship, Key: "b"},
		{Action: Update, Kind: model.KindEntity, Key: "a"},
		{Action: Create, Kind: model.KindEntity, Key: "a"},
	} {
		if got, want := lookup(&ch), replacementByScan(p, &ch); got != want {
			t.Errorf("%s %s %s: the lookup gives %+v, the scan %+v", ch.Action, ch.Kind, ch.Key, got, want)
		}
	}
	if r := lookup(&Change{Action: Delete, Kind: model.KindEntity, Key: "a"}); r == nil || r.From != "first" {
		t.Errorf("lookup gives %+v, want the first replacement", r)
	}
}

// replacementByScan is the replacement ch takes part in, found by scanning them all: what
// Plan.ReplacementLookup answered before it indexed them, kept as its oracle.
func replacementByScan(p *Plan, ch *Change) *Replacement {
	for i := range p.Replacements {
		r := &p.Replacements[i]
		if r.Kind.IsRelationship() != ch.Kind.IsRelationship() {
			continue
		}
		if (ch.Action == Delete && r.OldKey == ch.Key) || (ch.Action == Create && r.NewKey == ch.Key) {
			return r
		}
	}
	return nil
}
