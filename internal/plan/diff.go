package plan

import (
	"slices"
	"strings"
	"sync"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
)

// Compute plans the job that turns prior (the state's graph; empty when there is no state)
// into desired. desired is not modified; the plan shares its property maps.
func Compute(desired, prior *model.Graph, priorInfo Prior, opts Options) (*Plan, error) {
	if opts.Mode == "" {
		opts.Mode = ModeDiff
	}
	if err := CheckTargets(opts.Mode, opts.Targets); err != nil {
		return nil, err
	}
	if prior == nil {
		prior = &model.Graph{}
	}
	hash := make(chan model.Hash, 1)
	if opts.SkipHash || len(opts.Targets) > 0 {
		hash <- ""
	} else {
		crash.Go(func() { hash <- model.HashGraph(desired) }) // overlaps with the diff below
	}
	p := &Plan{
		ToolVersion: opts.ToolVersion,
		Mode:        opts.Mode,
		Target:      opts.Target,
		Prior:       priorInfo,
		Targets:     opts.Targets,
	}

	all, unchanged := diffGraphs(desired, prior)
	p.Unchanged += unchanged

	p.Changes = all[:0] // filtered in place: an element is written behind the one read
	for _, ch := range all {
		if len(opts.Targets) > 0 && !matchesAny(opts.Targets, ch) {
			continue
		}
		if opts.Mode == ModePatch && !patchApplies(ch) {
			p.NotApplied = append(p.NotApplied, ch)
			continue
		}
		p.Changes = append(p.Changes, ch)
	}
	sortChanges(p.Changes)
	sortChanges(p.NotApplied)

	if opts.Protected != nil {
		var protected []string
		for _, ch := range p.Changes {
			if ch.Action == Delete && opts.Protected(ch.Address) {
				protected = append(protected, ch.Address)
			}
		}
		if len(protected) > 0 {
			<-hash
			return nil, &ProtectedError{Addresses: protected}
		}
	}

	if opts.Mode == ModeDiff {
		deleting, total := 0, prior.Len()
		for _, ch := range p.Changes {
			if ch.Action == Delete {
				deleting++
			}
		}
		if (deleting > total/2 && deleting > 10) || (total > 0 && deleting == total) {
			p.MassDelete = &MassDelete{Deleting: deleting, Total: total}
		}
		// Declaration order: the API does not care, and the payload is deterministic anyway.
		p.Upload = model.PayloadOf(desired)
	} else {
		p.Upload = patchPayload(p.Changes)
	}
	p.DesiredHash = <-hash
	if len(opts.Targets) > 0 && !opts.SkipHash {
		// A targeted plan leads to the state's graph with the selected changes only.
		next, err := p.desiredGraph(prior)
		if err != nil {
			return nil, err
		}
		p.DesiredHash = model.HashSortedGraph(next)
	}
	return p, nil
}

// diffGraphs compares the entities, then the relationships, of desired and prior, each list
// by _key: an update or no-op for each desired object whose _key prior has, a create for each
// other desired object (in desired's order), then a delete for each prior object no desired
// object has (in prior's order); it also returns how many desired objects are unchanged.
// Each list is paired first (pairList), on two goroutines for large graphs; the changes then
// fill an array of the exact size, each list its own part of it: a plan that changes nothing
// allocates nothing for its million unchanged objects.
func diffGraphs(desired, prior *model.Graph) ([]Change, int) {
	parallel := len(desired.Relationships)+len(prior.Relationships) >= parallelDiffMin &&
		len(desired.Entities)+len(prior.Entities) >= parallelDiffMin
	// both runs the entities' step and the relationships' one, at once when parallel.
	both := func(entities, relationships func()) {
		if !parallel {
			entities()
			relationships()
			return
		}
		var wg sync.WaitGroup
		crash.GoWait(&wg, relationships)
		entities()
		wg.Wait()
	}
	var ents, rels *pairing
	both(func() { ents = pairList(desired.Entities, prior.Entities) },
		func() { rels = pairList(desired.Relationships, prior.Relationships) })
	n := ents.changes + rels.changes
	all := make([]Change, n)
	both(func() { ents.appendTo(all[:0:ents.changes]) },
		func() { rels.appendTo(all[ents.changes:ents.changes:n]) })
	return all, ents.unchanged + rels.unchanged
}

// parallelDiffMin is the list size from which diffGraphs compares entities and relationships
// at once.
const parallelDiffMin = 4096

// patchApplies reports whether a PATCH job can make the change: it adds and updates entities
// and never deletes; it does not accept relationships. A pure move only touches the state.
func patchApplies(ch Change) bool {
	if ch.Action == NoOp {
		return true
	}
	return ch.Kind == model.KindEntity && ch.Action != Delete
}

// patchPayload uploads created and changed entities; a property the configuration no longer
// sets is sent as null, which is how PATCH clears it.
func patchPayload(changes []Change) model.Payload {
	var p model.Payload
	for _, ch := range changes {
		if ch.Action != Create && ch.Action != Update {
			continue
		}
		obj := ch.After
		if ch.Action == Update {
			removed := false
			for k := range ch.Before {
				if _, ok := ch.After[k]; !ok {
					removed = true
					break
				}
			}
			if removed {
				obj = model.CloneProperties(ch.After)
				for k := range ch.Before {
					if _, ok := obj[k]; !ok {
						obj[k] = nil
					}
				}
			}
		}
		p.Entities = append(p.Entities, obj)
	}
	return p
}

func matchesAny(targets []string, ch Change) bool {
	for _, t := range targets {
		if MatchTarget(t, ch.Address, ch.Key) || (ch.PreviousAddress != "" && MatchTarget(t, ch.PreviousAddress, ch.Key)) {
			return true
		}
	}
	return false
}

// pairing is how one list of desired objects pairs with prior's by _key, before any change
// is made of it: for each desired object its _key, the prior object it is compared with (nil:
// none) and whether it is unchanged; the prior objects no desired object has, in prior's
// order, with their _keys; and how many changes all that makes.
type pairing struct {
	desired            []*model.Object
	dKeys              []string
	match              []*model.Object
	same               []bool
	gone               []*model.Object
	goneKeys           []string
	changes, unchanged int
}

func newPairing(desired []*model.Object) *pairing {
	return &pairing{desired: desired, match: make([]*model.Object, len(desired)), same: make([]bool, len(desired))}
}

// finish compares each desired object with its match and counts the changes.
func (p *pairing) finish() *pairing {
	for i, d := range p.desired {
		old := p.match[i]
		p.same[i] = old != nil && old.Address == d.Address && old.Kind == d.Kind && model.EqualProperties(old.Props, d.Props)
		if p.same[i] {
			p.unchanged++
		}
	}
	p.changes = len(p.desired) - p.unchanged + len(p.gone)
	return p
}

// appendTo appends the changes of the pairing, in diffGraphs' order.
func (p *pairing) appendTo(out []Change) []Change {
	for i, d := range p.desired {
		if !p.same[i] {
			out = appendChange(out, d, p.dKeys[i], p.match[i])
		}
	}
	for j, o := range p.gone {
		out = appendDelete(out, o, p.goneKeys[j])
	}
	return out
}

// pairList pairs two lists by merging when prior is in _key order without a _key twice (a
// state and a live graph are) and desired is made of long runs in _key order (a configuration
// is: each block's instances are in key order, and so, mostly, are the keys made of them); by
// an index of prior otherwise. Both ways pair alike (see pairIndexed).
func pairList(desired, prior []*model.Object) *pairing {
	pKeys, pRuns := keyRuns(prior)
	if len(pRuns) > 1 {
		return pairIndexed(desired, prior)
	}
	dKeys, runs := keyRuns(desired)
	if len(runs) > 1 && len(runs)*minMergedRun > len(desired) {
		return pairIndexed(desired, prior)
	}
	p := newPairing(desired)
	p.dKeys = dKeys
	matched := make([]bool, len(prior))
	for r, lo := range runs {
		hi := len(desired)
		if r+1 < len(runs) {
			hi = runs[r+1]
		}
		j := 0
		for i := lo; i < hi && j < len(pKeys); i++ {
			j = model.SeekKey(pKeys, j, dKeys[i])
			if j < len(pKeys) && pKeys[j] == dKeys[i] {
				// A _key an earlier run matched is created again, as through the index.
				if !matched[j] {
					p.match[i], matched[j] = prior[j], true
				}
				j++ // the run's next key is greater: most often the very next one
			}
		}
	}
	for j, o := range prior {
		if !matched[j] {
			p.gone = append(p.gone, o)
			p.goneKeys = append(p.goneKeys, pKeys[j])
		}
	}
	return p.finish()
}

// minMergedRun is the average length of desired's runs in _key order below which pairList
// takes the index: each run starts with a binary search of prior.
const minMergedRun = 16

// keyRuns returns the _keys of objs and where each run of strictly increasing keys starts.
func keyRuns(objs []*model.Object) (keys []string, runs []int) {
	keys = make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key()
		if i == 0 || keys[i] <= keys[i-1] {
			runs = append(runs, i)
		}
	}
	return keys, runs
}

// pairIndexed pairs through an index of prior, for lists out of _key order or where a _key
// appears twice: the first prior object of a _key is the one compared, and a desired object
// whose _key an earlier desired object already matched is created.
func pairIndexed(desired, prior []*model.Object) *pairing {
	byKey := model.NewIndex(prior)
	p := newPairing(desired)
	p.dKeys = make([]string, len(desired))
	for i, d := range desired {
		key := d.Key()
		p.dKeys[i] = key
		if old, ok := byKey[key]; ok {
			p.match[i] = old
			delete(byKey, key) // what stays in byKey is what the configuration no longer has
		}
	}
	for _, o := range prior {
		if key := o.Key(); byKey[key] == o {
			p.gone = append(p.gone, o)
			p.goneKeys = append(p.goneKeys, key)
		}
	}
	return p.finish()
}

// appendChange appends the change from old (nil: none) to d, whose _key is key: d is not
// unchanged (see pairing).
func appendChange(out []Change, d *model.Object, key string, old *model.Object) []Change {
	ch := Change{Address: d.Address, Kind: d.Kind, Key: key, Type: d.Type(), After: d.Props, Sensitive: sensitiveList(d)}
	switch {
	case old == nil:
		ch.Action = Create
	case old.Kind != d.Kind || !model.EqualProperties(old.Props, d.Props):
		ch.Action = Update
		ch.Before = old.Props
		// A value that was sensitive when recorded stays hidden on its way out.
		ch.Sensitive = sensitiveList(d, old)
	default:
		ch.Action = NoOp
		ch.Before = old.Props
	}
	if old != nil && old.Address != d.Address {
		ch.PreviousAddress = old.Address
	}
	return append(out, ch)
}

// appendDelete appends the deletion of o, whose _key is key.
func appendDelete(out []Change, o *model.Object, key string) []Change {
	return append(out, Change{Address: o.Address, Kind: o.Kind, Key: key, Type: o.Type(), Action: Delete, Before: o.Props, Sensitive: sensitiveList(o)})
}

// sensitiveList names, sorted, the properties any of objs marks sensitive.
func sensitiveList(objs ...*model.Object) []string {
	if len(objs) == 1 {
		return model.SensitiveNames(objs[0].Sensitive)
	}
	union := map[string]bool{}
	for _, o := range objs {
		for name, on := range o.Sensitive {
			union[name] = union[name] || on
		}
	}
	return model.SensitiveNames(union)
}

// Next returns the graph the state records once the plan's job has FINISHED: prior with this
// plan's changes applied. NotApplied changes are not applied, so they stay pending. Objects
// the plan does not change are prior's own: neither graph may be modified while the other is
// in use.
func (p *Plan) Next(prior *model.Graph) *model.Graph {
	if prior == nil {
		prior = &model.Graph{}
	}
	if base, err := p.base(prior); err == nil {
		prior = base // the live graph the changes start from, when the plan was refreshed
	}
	var entChanges, relChanges []*Change
	for i := range p.Changes {
		if ch := &p.Changes[i]; ch.Kind.IsRelationship() {
			relChanges = append(relChanges, ch)
		} else {
			entChanges = append(entChanges, ch)
		}
	}
	ents, entsOK := mergeNext(prior.Entities, entChanges)
	rels, relsOK := mergeNext(prior.Relationships, relChanges)
	if entsOK && relsOK {
		return &model.Graph{Entities: ents, Relationships: rels}
	}
	return p.nextIndexed(prior)
}

// mergeNext applies changes to prior, one list of a graph, by merging the two in _key order,
// and returns the list in that order. It reports false, leaving the work to nextIndexed, when
// prior is not in _key order or a _key appears twice (in prior, or among the changes).
func mergeNext(prior []*model.Object, changes []*Change) ([]*model.Object, bool) {
	for i := 1; i < len(prior); i++ {
		if prior[i-1].Key() >= prior[i].Key() {
			return nil, false
		}
	}
	if !slices.IsSortedFunc(changes, func(a, b *Change) int { return strings.Compare(a.Key, b.Key) }) {
		changes = slices.Clone(changes)
		slices.SortFunc(changes, func(a, b *Change) int { return strings.Compare(a.Key, b.Key) })
	}
	for i := 1; i < len(changes); i++ {
		if changes[i-1].Key == changes[i].Key {
			return nil, false
		}
	}
	out := make([]*model.Object, 0, len(prior)+len(changes))
	made := make([]model.Object, 0, len(changes)) // one allocation for the objects changes make
	i, j := 0, 0
	for i < len(prior) || j < len(changes) {
		var old *model.Object
		var ch *Change
		switch {
		case j == len(changes):
			old = prior[i]
			i++
		case i == len(prior):
			ch = changes[j]
			j++
		default:
			switch c := strings.Compare(prior[i].Key(), changes[j].Key); {
			case c < 0:
				old = prior[i]
				i++
			case c > 0:
				ch = changes[j]
				j++
			default:
				old, ch = prior[i], changes[j]
				i++
				j++
			}
		}
		if ch == nil {
			out = append(out, old)
			continue
		}
		if ch.Action == Delete {
			continue
		}
		made = append(made, nextObject(ch, old))
		out = append(out, &made[len(made)-1])
	}
	if len(out) == 0 {
		return nil, true // as model.GraphOf leaves an empty list
	}
	return out, true
}

// nextObject is the object the state records for ch once applied, old being the object of
// the same _key before (nil when none). ch is not a Delete.
func nextObject(ch *Change, old *model.Object) model.Object {
	if ch.Action == NoOp {
		moved := model.Object{Kind: ch.Kind, Props: ch.After, Sensitive: model.SensitiveSet(ch.Sensitive)}
		if old != nil {
			moved = *old
		}
		moved.Address = ch.Address
		return moved
	}
	// The state records as sensitive every property the change hides that is still present:
	// what the configuration marks now, and what was marked before (once hidden, a value is
	// never shown later). A saved plan carries only this union.
	var kept []string
	for _, name := range ch.Sensitive {
		if _, ok := ch.After[name]; ok {
			kept = append(kept, name)
		}
	}
	return model.Object{Kind: ch.Kind, Address: ch.Address, Props: ch.After, Sensitive: model.SensitiveSet(kept)}
}

// nextIndexed is Next through indexes by _key, for graphs where a _key appears twice: the
// first object of a _key in prior, and the last change of a _key, count.
func (p *Plan) nextIndexed(prior *model.Graph) *model.Graph {
	ents, rels := model.NewIndex(prior.Entities), model.NewIndex(prior.Relationships)
	for i := range p.Changes {
		ch := &p.Changes[i]
		idx := ents
		if ch.Kind.IsRelationship() {
			idx = rels
		}
		if ch.Action == Delete {
			delete(idx, ch.Key)
			continue
		}
		o := nextObject(ch, idx[ch.Key])
		idx[ch.Key] = &o
	}
	return model.GraphOf(ents, rels)
}
