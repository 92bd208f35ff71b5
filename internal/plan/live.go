package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
)

// ImportKind says how a plan adopts an object that JupiterOne holds and the state does not.
type ImportKind string

// Import kinds, as plan files and JSON plans spell them.
const (
	// ImportBlock: an import { to, key } block names the object.
	ImportBlock ImportKind = "import_block"
	// ImportAdopted: refresh found the configuration's object in JupiterOne.
	ImportAdopted ImportKind = "exists_in_jupiterone"
)

// LiveStatus says whether a plan was compared with the live graph.
type LiveStatus string

// Live statuses. A plan made by Compute alone says nothing (LiveUnknown).
const (
	LiveUnknown     LiveStatus = ""
	LiveCompared    LiveStatus = "compared"
	LiveNotCompared LiveStatus = "not_compared"
)

// ReplaceReason says why a plan destroys an object and creates one like it under a new _key.
type ReplaceReason string

// Replace reasons.
const (
	// ReasonRenamed: the block was renamed and its _key is derived from the labels.
	ReasonRenamed ReplaceReason = "block_renamed"
	// ReasonEndpointRenamed: a relationship whose default _key embeds an endpoint's _key, which
	// changes because that entity's block was renamed.
	ReasonEndpointRenamed ReplaceReason = "endpoint_renamed"
)

// Replacement pairs a Delete and a Create of the plan that are one object under a new _key.
// Both changes stay in Changes (and count as a destroy and an add, which is what the job
// does); renderers show them together, with the reason and the fix.
type Replacement struct {
	Kind model.Kind
	// From and To are the old and the new address.
	From, To       string
	OldKey, NewKey string
	Reason         ReplaceReason
}

// Import is an import { to, key } block of the configuration.
type Import struct {
	// To is the address of the configuration's object (a for_each instance included).
	To string
	// Key is the _key of the object in JupiterOne.
	Key string
	// Found is the live object with Key, which the caller reads when Input.Live is nil (the
	// plan was not refreshed); nil when JupiterOne has none. Ignored when Live is set.
	Found *model.Object
}

// Input is everything Build compares: plain graphs and plain records, no files or clients.
type Input struct {
	Desired *model.Graph
	// Prior is the state's graph; nil or empty when there is no state.
	Prior     *model.Graph
	PriorInfo Prior
	// Live is the target's whole graph as JupiterOne holds it, objects the state knows under
	// their state address (refresh.Read); nil when the plan is not refreshed.
	Live    *model.Graph
	Imports []Import
	// KeyDefaulted reports whether the configuration derived the _key of the object at an
	// address from its block's labels (so renaming the block changes it). Nil: the desired
	// objects' DefaultKeyFrom says.
	KeyDefaulted func(address string) bool
	Options      Options
}

// ImportError is an import block Build cannot honour.
type ImportError struct {
	Import Import
	Reason string
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("import of %q to %s: %s", e.Import.Key, e.Import.To, e.Reason)
}

// Build plans the job for in. With Live, it first records the drift (Compute of the live
// graph against the state: changed, deleted and created outside j1hcl) and then plans
// against the live graph, so the changes and counts are what the job will do. Objects of the
// configuration that exist live but not in the state are imported (Change.Import), never
// created; an import block whose object does not exist, or whose address names nothing of
// the configuration, is an *ImportError. Deletes and creates that are one renamed object are
// paired in Replacements.
func Build(in Input) (*Plan, error) {
	prior := in.Prior
	if prior == nil {
		prior = &model.Graph{}
	}
	base := prior
	var drift []Change
	var driftDone sync.WaitGroup
	if in.Live != nil {
		// The drift (state vs live) and the plan (configuration vs live) are two independent
		// comparisons of the whole graph: they run side by side.
		crash.GoWait(&driftDone, func() { drift = Drift(prior, in.Live) })
		base = in.Live
	}
	defer driftDone.Wait() // every return waits: the goroutine never outlives Build
	explicit := map[objectID]bool{}
	if len(in.Imports) > 0 {
		byAddress := make(map[string]*model.Object, in.Desired.Len())
		for _, o := range in.Desired.All() {
			byAddress[o.Address] = o
		}
		ents, rels := model.NewIndex(base.Entities), model.NewIndex(base.Relationships)
		var found []*model.Object
		for _, imp := range in.Imports {
			o := byAddress[imp.To]
			if o == nil {
				return nil, &ImportError{imp, "the configuration has no object at " + imp.To + "; point to at an entity or relationship block (a for_each instance with its key)"}
			}
			if o.Key() != imp.Key {
				return nil, &ImportError{imp, fmt.Sprintf("%s has _key %q; an object keeps its _key, so set _key = %q in the block to adopt this one", imp.To, o.Key(), imp.Key)}
			}
			idx := ents
			if o.Kind.IsRelationship() {
				idx = rels
			}
			live := imp.Found
			if in.Live != nil {
				live = idx[imp.Key]
			}
			if live == nil {
				return nil, &ImportError{imp, "JupiterOne has no " + o.Kind.String() + " with this _key in the target; check the key (j1hcl import-remote lists what exists)"}
			}
			explicit[identity(o.Kind, imp.Key)] = true
			if idx[imp.Key] == nil {
				found = append(found, live)
			}
		}
		if len(found) > 0 {
			base = &model.Graph{Entities: append([]*model.Object(nil), base.Entities...), Relationships: append([]*model.Object(nil), base.Relationships...)}
			for _, o := range found {
				base.Add(o)
			}
		}
	}
	p, err := computeAdopting(in.Desired, base, prior, in.PriorInfo, in.Options, explicit)
	if err != nil {
		return nil, err
	}
	driftDone.Wait()
	p.Drift = drift
	p.Live = LiveNotCompared
	if in.Live != nil {
		p.Live = LiveCompared
	}
	defaulted := in.KeyDefaulted
	if defaulted == nil {
		// Asked only when the plan deletes something: a table of a million addresses is not
		// built for a plan that only creates.
		derived := sync.OnceValue(func() map[string]bool {
			m := map[string]bool{}
			for _, o := range in.Desired.Entities {
				if o.DefaultKeyFrom != "" {
					m[o.Address] = true
				}
			}
			return m
		})
		defaulted = func(address string) bool { return derived()[address] }
	}
	p.Replacements = replacements(p.Changes, defaulted)
	return p, nil
}

// objectID identifies an object of a graph: entities and relationships have _keys of their
// own.
type objectID struct {
	relationship bool
	key          string
}

func identity(k model.Kind, key string) objectID {
	return objectID{k.IsRelationship(), key}
}

// computeAdopting is Compute of desired against base, where objects of base that prior (the
// state) does not record are imported: changes to them are marked, and those that match the
// configuration already become no-op imports instead of unchanged objects.
func computeAdopting(desired, base, prior *model.Graph, priorInfo Prior, opts Options, explicit map[objectID]bool) (*Plan, error) {
	p, err := Compute(desired, base, priorInfo, opts)
	if err != nil || base == prior {
		return p, err
	}
	known := make(map[objectID]bool, prior.Len())
	for _, o := range prior.All() {
		known[identity(o.Kind, o.Key())] = true
	}
	inBase := map[objectID]*model.Object{}
	for _, o := range base.All() {
		if id := identity(o.Kind, o.Key()); !known[id] {
			inBase[id] = o
		}
	}
	if len(inBase) == 0 {
		return p, nil
	}
	kind := func(id objectID) ImportKind {
		if explicit[id] {
			return ImportBlock
		}
		return ImportAdopted
	}
	changed := map[objectID]bool{}
	for _, list := range [][]Change{p.Changes, p.NotApplied} {
		for i := range list {
			ch := &list[i]
			id := identity(ch.Kind, ch.Key)
			changed[id] = true
			if inBase[id] != nil && ch.Action != Create && ch.Action != Delete {
				ch.Import = kind(id)
			}
		}
	}
	added := false
	for _, d := range desired.All() {
		id := identity(d.Kind, d.Key())
		if inBase[id] == nil || changed[id] {
			continue
		}
		ch := Change{Address: d.Address, Kind: d.Kind, Key: d.Key(), Type: d.Type(), Action: NoOp, Before: inBase[id].Props, After: d.Props, Sensitive: sensitiveList(d), Import: kind(id)}
		if len(opts.Targets) > 0 && !matchesAny(opts.Targets, ch) {
			continue
		}
		p.Changes = append(p.Changes, ch)
		p.Unchanged--
		added = true
	}
	if added {
		sortChanges(p.Changes)
	}
	return p, nil
}

// replacements pairs deletes and creates that are one object whose _key changed because its
// block, or an endpoint's block, was renamed: each create, in order, takes the first delete
// not yet taken that it matches. An entity matches a delete of the same block type whose
// properties are equal but for _key; a relationship, once entities are paired, a delete whose
// properties are equal but for _key and endpoint keys that were renamed (one at least).
// Deletes are queued by a fingerprint of what must match, so pairing costs one lookup per
// create, not a scan of every delete.
func replacements(changes []Change, defaulted func(string) bool) []Replacement {
	deletes := deletesOf(changes)
	if len(deletes) == 0 {
		return nil
	}
	var out []Replacement
	entities := queueDeletes(deletes, func(d *Change) ([]byte, bool) {
		if d.Kind != model.KindEntity {
			return nil, false
		}
		return fingerprint(blockType(d.Address), d.Before, nil)
	})
	renamed := map[string]string{} // old entity _key -> new
	for i := range changes {
		c := &changes[i]
		if c.Action != Create || c.Kind != model.KindEntity || !defaulted(c.Address) {
			continue
		}
		if d := entities.take(fingerprint(blockType(c.Address), c.After, nil)); d != nil {
			renamed[d.Key] = c.Key
			out = append(out, Replacement{Kind: c.Kind, From: d.Address, To: c.Address, OldKey: d.Key, NewKey: c.Key, Reason: ReasonRenamed})
		}
	}
	if len(renamed) == 0 {
		return out
	}
	relationships := queueDeletes(deletes, func(d *Change) ([]byte, bool) {
		if d.Kind != model.KindRelationship || entities.taken[d] {
			return nil, false
		}
		return fingerprint("", d.Before, renamed)
	})
	for i := range changes {
		c := &changes[i]
		if c.Action != Create || c.Kind != model.KindRelationship {
			continue
		}
		if d := relationships.take(fingerprint("", c.After, nil)); d != nil {
			out = append(out, Replacement{Kind: c.Kind, From: d.Address, To: c.Address, OldKey: d.Key, NewKey: c.Key, Reason: ReasonEndpointRenamed})
		}
	}
	return out
}

// deletesOf returns the deletes among changes, in order.
func deletesOf(changes []Change) []*Change {
	var deletes []*Change
	for i := range changes {
		if changes[i].Action == Delete {
			deletes = append(deletes, &changes[i])
		}
	}
	return deletes
}

// deleteQueues holds deletes by fingerprint, each queue in the deletes' order.
type deleteQueues struct {
	queues map[string][]*Change
	taken  map[*Change]bool
}

// queueDeletes queues each delete that fingerprintOf gives a fingerprint under it.
func queueDeletes(deletes []*Change, fingerprintOf func(*Change) ([]byte, bool)) *deleteQueues {
	q := &deleteQueues{queues: map[string][]*Change{}, taken: map[*Change]bool{}}
	for _, d := range deletes {
		if p, ok := fingerprintOf(d); ok {
			q.queues[string(p)] = append(q.queues[string(p)], d)
		}
	}
	return q
}

// take removes and returns the first delete queued under the fingerprint, or nil.
func (q *deleteQueues) take(p []byte, ok bool) *Change {
	if !ok {
		return nil
	}
	list := q.queues[string(p)]
	if len(list) == 0 {
		return nil
	}
	q.queues[string(p)] = list[1:]
	q.taken[list[0]] = true
	return list[0]
}

// fingerprint encodes what a replacement must match of props: every property but _key, numbers
// normalized as model.Equal compares them, and, with renamed set, the endpoint keys renamed
// (false when neither endpoint is: such a relationship matches nothing). Two payloads have
// the same fingerprint exactly when they match; false also when a value is of a
// type model.Equal never finds equal.
func fingerprint(prefix string, props model.Properties, renamed map[string]string) ([]byte, bool) {
	b := append([]byte(prefix), 0)
	b = strconv.AppendInt(b, int64(len(props)), 10)
	names := make([]string, 0, len(props))
	for name := range props {
		if name != model.PropKey {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	moved := false
	for _, name := range names {
		v := props[name]
		if renamed != nil && (name == model.PropFromKey || name == model.PropToKey) {
			if k, ok := v.(string); ok && renamed[k] != "" {
				v, moved = renamed[k], true
			}
		}
		b = appendFingerprintString(b, name)
		var ok bool
		if b, ok = appendFingerprintValue(b, v); !ok {
			return nil, false
		}
	}
	if renamed != nil && !moved {
		return nil, false
	}
	return b, true
}

func appendFingerprintString(b []byte, s string) []byte {
	b = strconv.AppendInt(append(b, 's'), int64(len(s)), 10)
	return append(append(b, ':'), s...)
}

func appendFingerprintValue(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, 'z'), true
	case string:
		return appendFingerprintString(b, x), true
	case bool:
		if x {
			return append(b, 't'), true
		}
		return append(b, 'f'), true
	case json.Number:
		if n, err := model.NormalizeNumber(x); err == nil {
			return appendFingerprintString(append(b, 'n'), string(n)), true
		}
		return appendFingerprintString(append(b, 'r'), string(x)), true
	case []any:
		b = strconv.AppendInt(append(b, '['), int64(len(x)), 10)
		for _, e := range x {
			var ok bool
			if b, ok = appendFingerprintValue(b, e); !ok {
				return nil, false
			}
		}
		return b, true
	case map[string]any:
		b = strconv.AppendInt(append(b, '{'), int64(len(x)), 10)
		names := make([]string, 0, len(x))
		for name := range x {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			b = appendFingerprintString(b, name)
			var ok bool
			if b, ok = appendFingerprintValue(b, x[name]); !ok {
				return nil, false
			}
		}
		return b, true
	}
	return nil, false
}

// blockType is an address's block type: entity.team.eng -> entity.team.
func blockType(address string) string {
	a := BlockAddress(address)
	if i := strings.LastIndexByte(a, '.'); i >= 0 {
		return a[:i]
	}
	return a
}

// base rebuilds the graph a saved plan was computed against: prior with the drift applied
// (the live graph, when the plan was refreshed), and the live objects imported changes start
// from.
func (p *Plan) base(prior *model.Graph) (*model.Graph, error) {
	if len(p.Drift) == 0 && !p.hasImports() {
		return prior, nil
	}
	ents, rels := model.NewIndex(prior.Entities), model.NewIndex(prior.Relationships)
	for i := range p.Drift {
		ch := &p.Drift[i]
		idx := ents
		if ch.Kind.IsRelationship() {
			idx = rels
		}
		old, exists := idx[ch.Key]
		switch ch.Action {
		case Create:
			if exists {
				return nil, fmt.Errorf("drift[%d] says %q was created outside j1hcl, but the state records it", i, ch.Key)
			}
			idx[ch.Key] = &model.Object{Kind: ch.Kind, Address: ch.Address, Props: ch.After, Sensitive: model.SensitiveSet(ch.Sensitive)}
		case Update, Delete:
			if !exists || !model.EqualProperties(old.Props, ch.Before) {
				return nil, fmt.Errorf("drift[%d] (%s) does not start from what the state records for _key %q", i, ch.Address, ch.Key)
			}
			if ch.Action == Delete {
				delete(idx, ch.Key)
			} else {
				idx[ch.Key] = &model.Object{Kind: ch.Kind, Address: old.Address, Props: ch.After, Sensitive: old.Sensitive}
			}
		default:
			return nil, fmt.Errorf("drift[%d] has action %s", i, ch.Action)
		}
	}
	for _, list := range [][]Change{p.Changes, p.NotApplied} {
		for i := range list {
			ch := &list[i]
			if ch.Import == "" {
				continue
			}
			idx := ents
			if ch.Kind.IsRelationship() {
				idx = rels
			}
			if _, ok := idx[ch.Key]; !ok {
				idx[ch.Key] = &model.Object{Kind: ch.Kind, Props: ch.Before}
			}
		}
	}
	out := model.GraphOf(ents, rels)
	return out, nil
}

func (p *Plan) hasImports() bool {
	for _, list := range [][]Change{p.Changes, p.NotApplied} {
		for i := range list {
			if list[i].Import != "" {
				return true
			}
		}
	}
	return false
}
