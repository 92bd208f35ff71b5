package emulator

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/j1hcl/j1hcl/internal/model"
)

// targetKind says who owns a part of the graph.
type targetKind uint8

const (
	// targetInstance: jobs of an integration source, by integration instance id.
	targetInstance targetKind = iota + 1
	// targetScope: jobs of source "api", by scope.
	targetScope
	// targetMapper: placeholder entities the mapper created for mapped relationships.
	targetMapper
)

// sourceMapper is the _source of placeholder entities, as on the platform.
const sourceMapper = "system-mapper"

// targetID names the part of the graph a job owns: what a DIFF finalize replaces.
type targetID struct {
	kind targetKind
	name string
}

var mapperTargetID = targetID{kind: targetMapper}

// target holds one owner's objects by _key. Entities and relationships have separate
// namespaces, as on the platform; a job refuses the same _key for both anyway.
type target struct {
	id            targetID
	entities      map[string]*record
	relationships map[string]*record
}

// record is one stored object: the payload exactly as last uploaded plus the metadata the
// platform keeps beside it.
type record struct {
	id string
	// k is the _key, fixed for the record's life (updates find the record by it), kept
	// beside props because every index lookup needs it.
	k    string
	kind model.Kind
	// placeholder marks an entity the mapper created for a mapped relationship's target.
	placeholder bool
	// stored says whether the record is in the graph (in its target and, an entity, in
	// byKey): a cascade, or an index a finalize built, tells a record dropped meanwhile
	// without a map lookup.
	stored  bool
	target  *target
	props   model.Properties
	source  string
	created int64 // epoch ms of the first version
	begin   int64 // epoch ms of the current version
	version int64
	// from and to are a relationship's endpoints. A mapped relationship waiting for its
	// target (skipTargetCreation and no match yet) has nil on the target's side.
	from, to *record
	// fromPos and toPos are where a relationship stands in from.rels and to.rels, so that
	// it leaves either list in O(1). A relationship from an entity to itself is listed once,
	// at fromPos. They keep their values while the relationship is detached, for the undo
	// that puts it back (see reattach). int32 keeps records in a smaller size class; no
	// entity in memory has two billion relationships.
	fromPos, toPos int32
	// rels lists, once each and in no meaningful order, the relationships that have this
	// entity as an endpoint: the index that makes the cascade of an entity's deletion
	// proportional to its degree. A slice rather than a set: a million entities with one
	// relationship each would otherwise hold a million small maps.
	rels []*record
}

func (r *record) key() string { return r.k }

// keyOf returns a payload's _key ("" when it has none; uploads always have one).
func keyOf(p model.Properties) string { s, _ := p[model.PropKey].(string); return s }

func (r *record) typ() string { s, _ := r.props[model.PropType].(string); return s }

// graph is the emulator's whole graph. It is not safe for concurrent use: the Server guards
// it with a RWMutex (finalize writes, reads share).
type graph struct {
	targets map[targetID]*target
	// byKey holds every entity by _key across targets, for endpoint and mapper lookups.
	byKey map[string][]*record
	// pending holds mapped relationships still waiting for a target entity.
	pending map[*record]struct{}

	// journal records how to undo each change while journaling is on, so a finalize whose
	// data file cannot be written leaves memory exactly as it was.
	journal    []undo
	journaling bool

	// sorted lists every entity in (_key, _id) order for J1QL paging; nil when stale. It is
	// built lazily by readers holding the server's read lock, hence its own mutex.
	sortedMu sync.Mutex
	sorted   []*record

	// gen counts changes, so that cached query results know when they are stale.
	gen uint64
	// entityEpoch counts the entities indexed and unindexed: endpoints resolved while it
	// stays the same still resolve alike (see applier.endpointHints).
	entityEpoch uint64
}

func newGraph() *graph {
	return &graph{
		targets: make(map[targetID]*target),
		byKey:   make(map[string][]*record),
		pending: make(map[*record]struct{}),
	}
}

// target returns the target with the given id, creating it when create is set.
func (g *graph) target(id targetID, create bool) *target {
	t := g.targets[id]
	if t == nil && create {
		t = &target{id: id, entities: make(map[string]*record), relationships: make(map[string]*record)}
		g.targets[id] = t
	}
	return t
}

// undoOp names the change a journal entry takes back.
type undoOp uint8

const (
	undoPutEntity undoOp = iota + 1
	undoDropEntity
	undoSetProps
	undoPutRelationship
	undoDropRelationship
	undoLink
)

// undo is a journal entry: one change to the graph, as a value rather than a closure, so
// that journaling a million changes costs no allocation per change.
type undo struct {
	op undoOp
	r  *record
	// was is a copy of r as it was before a setProps or a link, for the fields they change.
	was *record
}

// remember records a change to r for rollback, when journaling. It is called before the
// change, so that it can copy what setProps and link replace.
func (g *graph) remember(op undoOp, r *record) {
	if !g.journaling {
		return
	}
	u := undo{op: op, r: r}
	if op == undoSetProps || op == undoLink {
		was := *r
		u.was = &was
	}
	if len(g.journal) == cap(g.journal) {
		// Double it: append grows a large slice by a quarter, which for the millions of
		// changes of a first import copies five times the journal's final size, not once.
		g.journal = slices.Grow(g.journal, len(g.journal)+1)
	}
	g.journal = append(g.journal, u)
}

// begin starts recording changes for rollback.
func (g *graph) beginJournal() { g.journal, g.journaling = g.journal[:0], true }

// commit forgets the recorded changes.
func (g *graph) commit() { g.journal, g.journaling = nil, false }

// rollback undoes every change since beginJournal, newest first: each undo then finds the
// graph as its change left it, which is what lets it restore positions in rels exactly.
func (g *graph) rollback() {
	g.journaling = false
	for i := len(g.journal) - 1; i >= 0; i-- {
		g.journal[i].revert(g)
	}
	g.journal = nil
	g.invalidate()
}

// revert takes the change back. The graph must be as the change left it.
func (u undo) revert(g *graph) {
	r, was := u.r, u.was
	switch u.op {
	case undoPutEntity:
		g.unindexEntity(r)
	case undoDropEntity:
		g.indexEntity(r)
	case undoSetProps:
		r.props, r.source, r.begin, r.version = was.props, was.source, was.begin, was.version
	case undoPutRelationship:
		g.detach(r)
		delete(r.target.relationships, r.k)
		r.stored = false
	case undoDropRelationship:
		r.target.relationships[r.k] = r
		r.stored = true
		g.reattach(r)
	case undoLink:
		g.detach(r)
		r.from, r.to, r.fromPos, r.toPos = was.from, was.to, was.fromPos, was.toPos
		g.reattach(r)
	}
}

func (g *graph) invalidate() { g.sorted, g.gen = nil, g.gen+1 }

// entityFor resolves an endpoint key: the job's own target first, then any entity of the
// graph when exactly one holds that key. An ambiguous or unknown key resolves to nil.
func (g *graph) entityFor(t *target, key string) *record {
	if r := t.entities[key]; r != nil {
		return r
	}
	if c := g.byKey[key]; len(c) == 1 {
		return c[0]
	}
	return nil
}

func (g *graph) putEntity(r *record) {
	g.remember(undoPutEntity, r)
	g.indexEntity(r)
}

// indexEntity adds an entity to its target and to byKey.
func (g *graph) indexEntity(r *record) {
	r.target.entities[r.k] = r
	g.byKey[r.k] = append(g.byKey[r.k], r)
	g.entityEpoch++
	r.stored = true
	g.invalidate()
}

// unindexEntity removes a stored entity from its target and from byKey.
func (g *graph) unindexEntity(r *record) {
	key := r.k
	delete(r.target.entities, key)
	g.entityEpoch++
	r.stored = false
	list := g.byKey[key]
	if i := slices.Index(list, r); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	if len(list) == 0 {
		delete(g.byKey, key)
	} else {
		g.byKey[key] = list
	}
	g.invalidate()
}

// dropEntity removes an entity and, first, every relationship that has it as an endpoint,
// in any target. onRel is called for each relationship removed this way.
func (g *graph) dropEntity(r *record, onRel func(*record)) {
	if !r.stored {
		return // already gone (a placeholder collected by an earlier cascade)
	}
	// Every relationship r lists is stored, so each drop takes one off r.rels: the last,
	// which leaves without moving another.
	for len(r.rels) > 0 {
		rel := r.rels[len(r.rels)-1]
		g.dropRelationship(rel)
		if onRel != nil {
			onRel(rel)
		}
	}
	if !r.stored {
		return // a placeholder, collected with its last relationship just now
	}
	g.remember(undoDropEntity, r)
	g.unindexEntity(r)
}

// setProps replaces an object's payload, starting a new version.
func (g *graph) setProps(r *record, props model.Properties, source string, now int64) {
	g.remember(undoSetProps, r)
	r.props, r.source, r.begin, r.version = props, source, now, r.version+1
	g.invalidate()
}

func (g *graph) putRelationship(r *record) {
	g.remember(undoPutRelationship, r)
	r.target.relationships[r.k] = r
	r.stored = true
	g.attach(r)
}

// dropRelationship removes a relationship. A placeholder left without relationships goes
// with it: nothing else refers to it.
func (g *graph) dropRelationship(r *record) {
	if !r.stored {
		return
	}
	g.remember(undoDropRelationship, r)
	delete(r.target.relationships, r.k)
	r.stored = false
	g.detach(r)
	for _, end := range [2]*record{r.from, r.to} {
		if end != nil && end.placeholder && len(end.rels) == 0 {
			g.dropEntity(end, nil)
		}
	}
}

// link points a stored relationship at new endpoints.
func (g *graph) link(r *record, from, to *record) {
	if r.from == from && r.to == to {
		return
	}
	g.remember(undoLink, r)
	oldFrom, oldTo := r.from, r.to
	g.detach(r)
	r.from, r.to = from, to
	g.attach(r)
	// The old endpoints may have been placeholders only this relationship kept alive.
	for _, end := range [2]*record{oldFrom, oldTo} {
		if end != nil && end != from && end != to && end.placeholder && len(end.rels) == 0 {
			g.dropEntity(end, nil)
		}
	}
}

// attach lists r at the end of its endpoints' rels, and in pending when it waits for a
// target. It records nothing: its callers do.
func (g *graph) attach(r *record) {
	if r.from != nil {
		r.fromPos = int32(len(r.from.rels))
		r.from.rels = append(r.from.rels, r)
	}
	if r.to != nil && r.to != r.from {
		r.toPos = int32(len(r.to.rels))
		r.to.rels = append(r.to.rels, r)
	}
	g.updatePending(r)
}

// detach takes r off its endpoints' rels and off pending. r keeps fromPos and toPos, for
// reattach.
func (g *graph) detach(r *record) {
	if r.from != nil {
		r.from.removeRel(r.fromPos)
	}
	if r.to != nil && r.to != r.from {
		r.to.removeRel(r.toPos)
	}
	delete(g.pending, r)
}

// reattach undoes the detach that left the graph as it is: r goes back to the positions it
// held, and the relationships that filled them go back to the ends of the lists.
func (g *graph) reattach(r *record) {
	if r.from != nil {
		r.from.insertRel(r, r.fromPos)
	}
	if r.to != nil && r.to != r.from {
		r.to.insertRel(r, r.toPos)
	}
	g.updatePending(r)
}

// updatePending lists an attached relationship in pending when it is mapped and waits for a
// target, and takes it off otherwise.
func (g *graph) updatePending(r *record) {
	if r.kind == model.KindMappedRelationship && (r.from == nil || r.to == nil) {
		g.pending[r] = struct{}{}
	} else {
		delete(g.pending, r)
	}
}

// removeRel takes the relationship at pos off the entity's rels, moving the last one into
// its place.
func (e *record) removeRel(pos int32) {
	last := len(e.rels) - 1
	if moved := e.rels[last]; int(pos) != last {
		e.rels[pos] = moved
		moved.setPosIn(e, pos)
	}
	e.rels[last] = nil // the backing array must not keep the relationship alive
	e.rels = e.rels[:last]
}

// insertRel is the inverse of removeRel(pos): r goes back to pos, and the relationship
// that removeRel moved there goes back to the end.
func (e *record) insertRel(r *record, pos int32) {
	if int(pos) == len(e.rels) {
		e.rels = append(e.rels, r)
		return
	}
	moved := e.rels[pos]
	moved.setPosIn(e, int32(len(e.rels)))
	e.rels = append(e.rels, moved)
	e.rels[pos] = r
}

// setPosIn records where this relationship stands in the rels of its endpoint e.
func (r *record) setPosIn(e *record, pos int32) {
	if r.from == e {
		r.fromPos = pos
	} else {
		r.toPos = pos
	}
}

// relationshipsByID indexes every relationship by _id.
func (g *graph) relationshipsByID() map[string]*record {
	m := make(map[string]*record)
	for _, t := range g.targets {
		for _, r := range t.relationships {
			m[r.id] = r
		}
	}
	return m
}

// sortedEntities returns every entity in (_key, _id) order. The caller holds the server's
// read lock, so the graph does not change underneath.
func (g *graph) sortedEntities() []*record {
	g.sortedMu.Lock()
	defer g.sortedMu.Unlock()
	if g.sorted == nil {
		n := 0
		for _, list := range g.byKey {
			n += len(list)
		}
		all := make([]*record, 0, n)
		for _, list := range g.byKey {
			all = append(all, list...)
		}
		slices.SortFunc(all, compareRecords)
		g.sorted = all
	}
	return g.sorted
}

func compareRecords(a, b *record) int {
	if c := cmp.Compare(a.key(), b.key()); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// Filter selects part of the graph. The zero Filter selects everything, placeholders
// included.
type Filter struct {
	// Instance selects the objects of one integration instance.
	Instance string
	// Scope selects the objects of source "api" with this scope.
	Scope string
}

// selection returns the entities and relationships a filter selects, sorted by _key (then
// _id, as keys may repeat across targets). Instance takes precedence over Scope.
func (g *graph) selection(f Filter) (entities, relationships []*record) {
	var targets []*target
	switch {
	case f.Instance != "":
		targets = append(targets, g.targets[targetID{kind: targetInstance, name: f.Instance}])
	case f.Scope != "":
		targets = append(targets, g.targets[targetID{kind: targetScope, name: f.Scope}])
	default:
		for _, t := range g.targets {
			targets = append(targets, t)
		}
	}
	for _, t := range targets {
		if t == nil {
			continue
		}
		for _, r := range t.entities {
			entities = append(entities, r)
		}
		for _, r := range t.relationships {
			relationships = append(relationships, r)
		}
	}
	slices.SortFunc(entities, compareRecords)
	slices.SortFunc(relationships, compareRecords)
	return entities, relationships
}

// Metadata property names the emulator adds to every object it reads back. Uploads cannot
// carry them (J1P003), so they never hide an uploaded property.
const (
	metaID           = "_id"
	metaSource       = "_source"
	metaScope        = "_scope"
	metaInstance     = "_integrationInstanceId"
	metaAccount      = "_accountId"
	metaCreatedOn    = "_createdOn"
	metaBeginOn      = "_beginOn"
	metaVersion      = "_version"
	metaFromEntityID = "_fromEntityId"
	metaToEntityID   = "_toEntityId"
	metaPlaceholder  = "_placeholder"
)

// meta returns the record's platform metadata, in a fixed order.
func (r *record) meta(account string) []metaField {
	return r.appendMeta(make([]metaField, 0, 10), account)
}

// appendMeta appends the record's metadata fields to m.
func (r *record) appendMeta(m []metaField, account string) []metaField {
	m = append(m, metaField{metaID, r.id}, metaField{metaSource, r.source})
	switch r.target.id.kind {
	case targetInstance:
		m = append(m, metaField{metaInstance, r.target.id.name})
	case targetScope:
		if r.target.id.name != "" {
			m = append(m, metaField{metaScope, r.target.id.name})
		}
	}
	if account != "" {
		m = append(m, metaField{metaAccount, account})
	}
	m = append(m,
		metaField{metaCreatedOn, msNumber(r.created)},
		metaField{metaBeginOn, msNumber(r.begin)},
		metaField{metaVersion, msNumber(r.version)})
	if r.from != nil {
		m = append(m, metaField{metaFromEntityID, r.from.id})
	}
	if r.to != nil {
		m = append(m, metaField{metaToEntityID, r.to.id})
	}
	if r.placeholder {
		m = append(m, metaField{metaPlaceholder, true})
	}
	return m
}

type metaField struct {
	name  string
	value any
}

// appendSortedFields appends fields as a JSON object with its members sorted by name, as
// model.AppendValueJSON writes a map, without building the map. Names must be distinct.
func appendSortedFields(buf []byte, fields []metaField) []byte {
	slices.SortFunc(fields, func(a, b metaField) int { return strings.Compare(a.name, b.name) })
	buf = append(buf, '{')
	for i, f := range fields {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = model.AppendStringJSON(buf, f.name)
		buf = append(buf, ':')
		buf = model.AppendValueJSON(buf, f.value)
	}
	return append(buf, '}')
}

func msNumber(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

// appendReadBack appends the object as read back: the canonical payload with the metadata
// fields added after it.
func (r *record) appendReadBack(buf []byte, account string) []byte {
	start := len(buf)
	buf = model.AppendObjectJSON(buf, r.props)
	buf = buf[:len(buf)-1] // reopen the object
	first := len(buf) == start+1
	for _, f := range r.meta(account) {
		if _, uploaded := r.props[f.name]; uploaded {
			// Never so: uploads cannot carry metadata names (J1P003) and placeholders drop
			// them. Skipping keeps the object valid JSON, without a name written twice.
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = model.AppendValueJSON(buf, f.name)
		buf = append(buf, ':')
		buf = model.AppendValueJSON(buf, f.value)
	}
	return append(buf, '}')
}

// readBack returns a deep copy of the object as read back: payload plus metadata.
func (r *record) readBack(account string) model.Properties {
	p := model.CloneProperties(r.props)
	for _, f := range r.meta(account) {
		if _, uploaded := p[f.name]; !uploaded {
			p[f.name] = f.value
		}
	}
	return p
}
