package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
)

// change is everything a finalize needs from its job, taken from the job when it leaves
// AWAITING_UPLOADS (the job accepts no uploads after that, so nothing else touches it).
type change struct {
	jobID   string
	source  string
	mode    string
	target  targetID
	uploads *uploads
	// partialTypes are the _types a DIFF leaves alone (partialDatasets.types).
	partialTypes map[string]bool
	// deleteEntities and deleteRelationships are applied before the upload.
	deleteEntities, deleteRelationships []deleteRef
}

// partial reports whether a stored object's _type is one the DIFF leaves alone.
func (c *change) partial(r *record) bool { return len(c.partialTypes) > 0 && c.partialTypes[r.typ()] }

// uploaded reports whether the job uploaded an object of the kind's list under key.
func (c *change) uploaded(key string, relationship bool) bool {
	at, ok := c.uploads.find(key)
	return ok && at.relationship == relationship
}

// applier applies one change to the graph and counts what it does.
type applier struct {
	g        *graph
	c        *change
	t        *target
	now      int64
	newID    func() string
	counters Counters
	mapper   mapper
	// byID indexes entities by _id, built when an endpoint or a delete names one.
	byID map[string]*record
}

// apply runs a finalize on the graph. DIFF: entities are created, replaced or deleted, then
// relationships, so a relationship can point at an entity of the same job; deleting an
// entity deletes every relationship attached to it, whatever its target. PATCH: entities
// are created or merged, nothing is deleted. Either way the mapper then retries mapped
// relationships still waiting for a target, since this job may have created it.
func (g *graph) apply(c *change, now int64, newID func() string) Counters {
	g.gen++ // relationships change without invalidating the sorted entities
	a := &applier{g: g, c: c, t: g.target(c.target, true), now: now, newID: newID}
	a.mapper = mapper{g: g, newID: newID, now: now}
	a.reserve()
	a.deletes()
	if c.mode == ModePatch {
		a.patchEntities()
	} else {
		a.diffEntities()
		a.diffRelationships()
	}
	a.mapper.retryPending()
	return a.counters
}

// reserve sizes the target's and the graph's tables for the job's objects when they are still
// empty: a first import of a million objects would otherwise rehash each of them some twenty
// times on the way.
func (a *applier) reserve() {
	entities, relationships := len(a.c.uploads.entities), len(a.c.uploads.relationships)
	if len(a.t.entities) == 0 && entities > 0 {
		a.t.entities = make(map[string]*record, entities)
	}
	if len(a.t.relationships) == 0 && relationships > 0 {
		a.t.relationships = make(map[string]*record, relationships)
	}
	if len(a.g.byKey) == 0 && entities > 0 {
		a.g.byKey = make(map[string][]*record, entities)
	}
}

func (a *applier) newRecord(kind model.Kind, key string, props model.Properties) *record {
	return &record{
		id: a.newID(), k: key, kind: kind, target: a.t, props: props, source: a.c.source,
		created: a.now, begin: a.now, version: 1,
	}
}

func (a *applier) diffEntities() {
	stored, matched := len(a.t.entities), 0
	found := storedObjects(a.c.uploads.entities, a.t.entities)
	for i, u := range a.c.uploads.entities {
		if u == nil {
			continue // replaced by a relationship (ignoreDuplicates)
		}
		key := u.Key()
		var r *record
		switch {
		case stored == 0:
			// A first import: nothing to find (see storedObjects).
		case found != nil:
			r = found[i]
		default:
			r = a.t.entities[key]
		}
		if r != nil {
			matched++
			if !model.EqualProperties(r.props, u.Props) {
				a.g.setProps(r, u.Props, a.c.source, a.now)
				a.counters.NumEntitiesUpdated++
			}
			continue
		}
		a.g.putEntity(a.newRecord(model.KindEntity, key, u.Props))
		a.counters.NumEntitiesCreated++
	}
	if matched == stored {
		// Every entity stored before was uploaded again (uploaded _keys are distinct, so
		// each match is another one): none is gone.
		return
	}
	var gone []*record
	for key, r := range a.t.entities {
		if !a.c.uploaded(key, false) && !a.c.partial(r) {
			gone = append(gone, r)
		}
	}
	for _, r := range gone {
		a.g.dropEntity(r, a.countRelationshipDelete)
		a.counters.NumEntitiesDeleted++
	}
}

func (a *applier) countRelationshipDelete(r *record) {
	if r.kind == model.KindMappedRelationship {
		a.counters.NumMappedRelationshipsDeleted++
	} else {
		a.counters.NumRelationshipsDeleted++
	}
}

func (a *applier) diffRelationships() {
	stored, matched := len(a.t.relationships), 0
	found := storedObjects(a.c.uploads.relationships, a.t.relationships)
	hints, epoch := a.endpointHints(), a.g.entityEpoch
	for i, u := range a.c.uploads.relationships {
		if u == nil {
			continue // replaced by an entity (ignoreDuplicates)
		}
		var from, to *record
		var ok bool
		if hints != nil && hints[i].set && a.g.entityEpoch == epoch {
			from, to = hints[i].from, hints[i].to
			ok = from != nil && to != nil
		} else {
			from, to, ok = a.endpoints(u)
		}
		key := u.Key()
		var existing *record
		switch {
		case stored == 0:
			// A first import: nothing to find (see storedObjects).
		case found != nil:
			existing = found[i]
		default:
			existing = a.t.relationships[key]
		}
		if existing != nil {
			matched++
		}
		mapped := u.Kind == model.KindMappedRelationship
		switch {
		case !ok && existing == nil && mapped:
			a.counters.NumMappedRelationshipCreateErrors++
		case !ok && existing == nil:
			a.counters.NumRelationshipCreateErrors++
		case !ok && mapped:
			a.counters.NumMappedRelationshipUpdateErrors++
		case !ok:
			a.counters.NumRelationshipUpdateErrors++
		case existing == nil:
			a.createRelationship(u, key, from, to)
		case existing.kind != u.Kind:
			// A direct relationship became mapped or the reverse: it is a new object under
			// an old key. Dropping the old one may collect a placeholder, so the endpoints
			// are resolved again.
			a.g.dropRelationship(existing)
			a.countRelationshipDelete(existing)
			if from, to, ok = a.endpoints(u); ok {
				a.createRelationship(u, key, from, to)
			} else if mapped {
				a.counters.NumMappedRelationshipCreateErrors++
			} else {
				a.counters.NumRelationshipCreateErrors++
			}
		case !model.EqualProperties(existing.props, u.Props) || existing.from != from || existing.to != to:
			a.g.setProps(existing, u.Props, a.c.source, a.now)
			a.g.link(existing, from, to)
			if u.Kind == model.KindMappedRelationship {
				a.counters.NumMappedRelationshipsUpdated++
			} else {
				a.counters.NumRelationshipsUpdated++
			}
		}
	}
	if matched == stored {
		return // every relationship stored before was uploaded again: none is gone
	}
	var gone []*record
	for key, r := range a.t.relationships {
		if !a.c.uploaded(key, true) && !a.c.partial(r) {
			gone = append(gone, r)
		}
	}
	for _, r := range gone {
		a.g.dropRelationship(r)
		a.countRelationshipDelete(r)
	}
}

// createRelationship stores an uploaded relationship between its resolved endpoints.
func (a *applier) createRelationship(u *model.Object, key string, from, to *record) {
	r := a.newRecord(u.Kind, key, u.Props)
	r.from, r.to = from, to
	a.g.putRelationship(r)
	if u.Kind == model.KindMappedRelationship {
		a.counters.NumMappedRelationshipsCreated++
	} else {
		a.counters.NumRelationshipsCreated++
	}
}

// storedObjects returns, for each of a large job's uploaded objects of one list, the object
// table (the target's entities or relationships) holds under the same _key (nil for none),
// looked up on all CPUs; nil for a small job or an empty table. The lookups hold while
// diffEntities or diffRelationships runs: each only adds objects under _keys it has looked
// up already (a job's uploaded objects have distinct _keys) and replaces payloads. For the
// same reason an empty table finds nothing all along.
func storedObjects(uploaded []*model.Object, table map[string]*record) []*record {
	if len(uploaded) < lookAheadFrom || len(table) == 0 {
		return nil // a target's first import finds nothing, at no cost
	}
	found := make([]*record, len(uploaded))
	inParallel(len(uploaded), func(i int) {
		if u := uploaded[i]; u != nil {
			found[i] = table[u.Key()]
		}
	})
	return found
}

// inParallel runs do(i) for every i below n, in chunks of 1,024, on all CPUs (crash.Each),
// and returns when all are done.
func inParallel(n int, do func(i int)) {
	const chunk = 1024
	crash.Each((n+chunk-1)/chunk, func() func(int) {
		return func(c int) {
			for i := c * chunk; i < min((c+1)*chunk, n); i++ {
				do(i)
			}
		}
	})
}

// endpointHint is a direct relationship's endpoints as endpoints resolved them before the
// relationships were applied; set is false where there is no hint.
type endpointHint struct {
	from, to *record
	set      bool
}

// lookAheadFrom is the number of uploaded entities, or relationships, from which a finalize
// looks up what it needs for them ahead, on all CPUs (storedObjects, endpointHints); a
// variable for tests.
var lookAheadFrom = 4096

// endpointHints resolves, on all CPUs, the endpoints of the job's direct relationships that
// name both ends by _key alone (nearly every one), in upload order; nil for a small job.
// Each is two lookups in tables of every entity, a cache miss each in a graph of millions,
// and independent of the others; applying the relationships one by one then mostly links
// records. A hint holds while graph.entityEpoch has not moved: applying a relationship can
// index or collect a placeholder entity (mapped relationships, kinds that change), after
// which the rest resolve as they are applied. Nothing writes the tables while this runs:
// the finalize holds the graph.
func (a *applier) endpointHints() []endpointHint {
	rels := a.c.uploads.relationships
	if len(rels) < lookAheadFrom {
		return nil
	}
	hints := make([]endpointHint, len(rels))
	inParallel(len(rels), func(i int) {
		u := rels[i]
		if u == nil || u.Kind == model.KindMappedRelationship {
			return
		}
		from, to := refOf(u.Props, endpointSides[0]), refOf(u.Props, endpointSides[1])
		if from.id != "" || from.source != "" || to.id != "" || to.source != "" {
			return
		}
		hints[i] = endpointHint{from: a.g.entityFor(a.t, from.key), to: a.g.entityFor(a.t, to.key), set: true}
	})
	return hints
}

// endpoints resolves an uploaded relationship's endpoints. ok is false when it cannot be
// stored: a direct relationship's endpoint, or a mapped relationship's source, is unknown.
// A mapped relationship whose target is neither found nor created waits with a nil end.
func (a *applier) endpoints(u *model.Object) (from, to *record, ok bool) {
	if u.Kind != model.KindMappedRelationship {
		from, to = a.resolve(refOf(u.Props, endpointSides[0])), a.resolve(refOf(u.Props, endpointSides[1]))
		return from, to, from != nil && to != nil
	}
	m := parseMapping(u.Props)
	source := a.g.entityFor(a.t, m.sourceKey)
	if source == nil {
		return nil, nil, false
	}
	other := a.mapper.resolve(m)
	if m.reverse {
		return other, source, true
	}
	return source, other, true
}

// deletes applies the job's deleteEntities and deleteRelationships: an entity goes with
// its relationships. A reference that matches nothing counts as a delete error.
func (a *applier) deletes() {
	for _, ref := range a.c.deleteEntities {
		e := a.deletedEntity(ref)
		if e == nil {
			a.counters.NumEntityDeleteErrors++
			continue
		}
		a.g.dropEntity(e, a.countRelationshipDelete)
		a.counters.NumEntitiesDeleted++
	}
	var relsByID map[string]*record
	for _, ref := range a.c.deleteRelationships {
		var r *record
		if ref.id != "" {
			if relsByID == nil {
				relsByID = a.g.relationshipsByID()
			}
			r = relsByID[ref.id]
		} else {
			r = a.deletedRelationship(ref)
		}
		if r == nil || !r.stored {
			a.counters.NumRelationshipDeleteErrors++
			continue
		}
		a.g.dropRelationship(r)
		a.countRelationshipDelete(r)
	}
}

// deletedEntity finds the entity a delete names: by _id, or by _key and _type in the job's
// target first, then anywhere when exactly one entity matches.
func (a *applier) deletedEntity(ref deleteRef) *record {
	if ref.id != "" {
		return a.entityByID(ref.id)
	}
	if e := a.t.entities[ref.key]; e != nil && e.typ() == ref.typ {
		return e
	}
	var found *record
	for _, e := range a.g.byKey[ref.key] {
		if e.typ() == ref.typ {
			if found != nil {
				return nil
			}
			found = e
		}
	}
	return found
}

// deletedRelationship finds a relationship by _key and _type: in the job's target first,
// then in any target when exactly one matches.
func (a *applier) deletedRelationship(ref deleteRef) *record {
	if r := a.t.relationships[ref.key]; r != nil && r.typ() == ref.typ {
		return r
	}
	var found *record
	for _, t := range a.g.targets {
		if r := t.relationships[ref.key]; r != nil && r.typ() == ref.typ {
			if found != nil {
				return nil
			}
			found = r
		}
	}
	return found
}

// patchEntities merges each uploaded entity into the stored one: present properties are
// written, a null removes the property, absent properties stay. A new entity is stored
// exactly as uploaded.
func (a *applier) patchEntities() {
	for _, u := range a.c.uploads.entities {
		if u == nil {
			continue // replaced by a relationship (ignoreDuplicates)
		}
		key := u.Key()
		r := a.t.entities[key]
		if r == nil {
			a.g.putEntity(a.newRecord(model.KindEntity, key, u.Props))
			a.counters.NumEntitiesCreated++
			continue
		}
		merged := make(model.Properties, len(r.props)+len(u.Props))
		for k, v := range r.props {
			merged[k] = v
		}
		for k, v := range u.Props {
			if v == nil {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
		if !model.EqualProperties(r.props, merged) {
			a.g.setProps(r, merged, a.c.source, a.now)
			a.counters.NumEntitiesUpdated++
		}
	}
}

// mapping is the part of a mapped relationship's _mapping the mapper reads.
type mapping struct {
	sourceKey  string
	reverse    bool
	filterKeys [][]string
	target     map[string]any
	skip       bool
}

func parseMapping(p model.Properties) mapping {
	raw, _ := p[model.PropMapping].(map[string]any)
	m := mapping{}
	m.sourceKey, _ = raw[model.MappingSourceEntityKey].(string)
	dir, _ := raw[model.MappingRelationshipDirection].(string)
	m.reverse = dir == model.DirectionReverse
	m.target, _ = raw[model.MappingTargetEntity].(map[string]any)
	m.skip, _ = raw[model.MappingSkipTargetCreation].(bool)
	sets, _ := raw[model.MappingTargetFilterKeys].([]any)
	for _, s := range sets {
		list, _ := s.([]any)
		var set []string
		for _, k := range list {
			if name, ok := k.(string); ok && name != "" {
				set = append(set, name)
			}
		}
		if len(set) > 0 {
			m.filterKeys = append(m.filterKeys, set)
		}
	}
	return m
}

// mapper is a small model of the platform's mapper: it links a mapped relationship to the
// entity its target filter selects, creating a placeholder entity when none matches (unless
// skipTargetCreation). A target matches a filter key set when every key of the set is
// equal (a list property matches when it contains the wanted scalar); sets are tried in
// order, and among several matches a real entity beats a placeholder, then the smallest
// _id wins.
type mapper struct {
	g     *graph
	newID func() string
	now   int64
	// byProp indexes every entity by one property's value, built on first use in a finalize
	// for filter sets without _key; sets with _key use the graph's key index.
	byProp map[string]map[string][]*record
}

func (m *mapper) resolve(mp mapping) *record {
	if r := m.find(mp); r != nil {
		return r
	}
	if mp.skip || mp.target == nil {
		return nil
	}
	return m.placeholder(mp.target)
}

func (m *mapper) find(mp mapping) *record {
	for _, set := range mp.filterKeys {
		var candidates []*record
		if k, ok := mp.target[model.PropKey].(string); ok && slices.Contains(set, model.PropKey) {
			candidates = m.g.byKey[k]
		} else {
			want, present := mp.target[set[0]]
			if !present {
				continue
			}
			candidates = m.index(set[0])[valueKey(want)]
		}
		var best *record
		for _, c := range candidates {
			if !c.stored {
				continue // collected since the index was built
			}
			if matches(c, mp.target, set) && (best == nil || preferred(c, best)) {
				best = c
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}

// preferred orders candidate targets: real entities before placeholders, then by _id.
func preferred(a, b *record) bool {
	if a.placeholder != b.placeholder {
		return !a.placeholder
	}
	return a.id < b.id
}

func valueKey(v any) string { return string(model.AppendValueJSON(nil, v)) }

func matches(e *record, want map[string]any, set []string) bool {
	for _, k := range set {
		w, present := want[k]
		if !present || !valueMatches(e.props[k], w) {
			return false
		}
	}
	return true
}

// valueMatches compares a stored value with a wanted one; a list matches any scalar it
// contains, as J1QL and the mapper compare list properties.
func valueMatches(have, want any) bool {
	if model.Equal(have, want) {
		return true
	}
	if list, ok := have.([]any); ok && model.IsScalar(want) {
		for _, e := range list {
			if model.Equal(e, want) {
				return true
			}
		}
	}
	return false
}

func (m *mapper) index(prop string) map[string][]*record {
	if idx, ok := m.byProp[prop]; ok {
		return idx
	}
	if m.byProp == nil {
		m.byProp = make(map[string]map[string][]*record)
	}
	idx := make(map[string][]*record)
	for _, list := range m.g.byKey {
		for _, e := range list {
			indexValue(idx, e, prop)
		}
	}
	m.byProp[prop] = idx
	return idx
}

func indexValue(idx map[string][]*record, e *record, prop string) {
	v, ok := e.props[prop]
	if !ok {
		return
	}
	idx[valueKey(v)] = append(idx[valueKey(v)], e)
	if list, isList := v.([]any); isList {
		for _, x := range list {
			idx[valueKey(x)] = append(idx[valueKey(x)], e)
		}
	}
}

// placeholder creates the entity a mapped relationship's target describes, owned by the
// mapper (_source "system-mapper", _placeholder true). Its _key is the target's _key when
// that is free among placeholders, else derived from the target's content, so the same
// target always yields the same placeholder.
func (m *mapper) placeholder(want map[string]any) *record {
	t := m.g.target(mapperTargetID, true)
	props := make(model.Properties, len(want)+1)
	for k, v := range want {
		if strings.HasPrefix(k, "_") && k != model.PropKey && k != model.PropType && k != model.PropClass {
			continue // metadata names are the platform's to set
		}
		props[k] = model.CloneValue(v)
	}
	key, _ := props[model.PropKey].(string)
	if key == "" || t.entities[key] != nil {
		sum := sha256.Sum256(model.MarshalObject(want))
		key = "j1hcl-emulator:placeholder:" + hex.EncodeToString(sum[:12])
		if r := t.entities[key]; r != nil {
			return r
		}
		props[model.PropKey] = key
	}
	r := &record{
		id: m.newID(), k: key, kind: model.KindEntity, target: t, props: props, source: sourceMapper,
		created: m.now, begin: m.now, version: 1, placeholder: true,
	}
	m.g.putEntity(r)
	for prop, idx := range m.byProp {
		indexValue(idx, r, prop)
	}
	return r
}

// retryPending links mapped relationships that were waiting for a target which now exists.
func (m *mapper) retryPending() {
	if len(m.g.pending) == 0 {
		return
	}
	waiting := make([]*record, 0, len(m.g.pending))
	for r := range m.g.pending {
		waiting = append(waiting, r)
	}
	for _, r := range waiting {
		mp := parseMapping(r.props)
		target := m.find(mp)
		if target == nil {
			continue
		}
		if mp.reverse {
			m.g.link(r, target, r.to)
		} else {
			m.g.link(r, r.from, target)
		}
	}
}
