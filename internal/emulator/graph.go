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
	k       string
	kind    model.Kind
	target  *target
	props   model.Properties
	source  string
	created int64 // epoch ms of the first version
	begin   int64 // epoch ms of the current version
	version int64
	// placeholder marks an entity the mapper created for a mapped relationship's target.
	placeholder bool
	// from and to are a relationship's endpoints. A mapped relationship waiting for its
	// target (skipTargetCreation and no match yet) has nil on the target's side.
	from, to *record
	// rels are the relationships that have this entity as an endpoint: the index that makes
	// the cascade of an entity's deletion proportional to its degree.
	rels map[*record]struct{}
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
	journal    []func()
	journaling bool

	// sorted lists every entity in (_key, _id) order for J1QL paging; nil when stale. It is
	// built lazily by readers holding the server's read lock, hence its own mutex.
	sortedMu sync.Mutex
	sorted   []*record

	// gen counts changes, so that cached query results know when they are stale.
	gen uint64
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

func (g *graph) remember(undo func()) {
	if g.journaling {
		g.journal = append(g.journal, undo)
	}
}

// begin starts recording changes for rollback.
func (g *graph) beginJournal() { g.journal, g.journaling = g.journal[:0], true }

// commit forgets the recorded changes.
func (g *graph) commit() { g.journal, g.journaling = nil, false }

// rollback undoes every change since beginJournal, newest first.
func (g *graph) rollback() {
	g.journaling = false
	for i := len(g.journal) - 1; i >= 0; i-- {
		g.journal[i]()
	}
	g.journal = nil
	g.invalidate()
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
	t, key := r.target, r.key()
	t.entities[key] = r
	g.byKey[key] = append(g.byKey[key], r)
	g.invalidate()
	g.remember(func() { g.unindexEntity(t, key, r) })
}

func (g *graph) unindexEntity(t *target, key string, r *record) {
	if t.entities[key] == r {
		delete(t.entities, key)
	}
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
	if r.target.entities[r.key()] != r {
		return // already gone (a placeholder collected by an earlier cascade)
	}
	if len(r.rels) > 0 {
		rels := make([]*record, 0, len(r.rels))
		for rel := range r.rels {
			rels = append(rels, rel)
		}
		for _, rel := range rels {
			g.dropRelationship(rel)
			if onRel != nil {
				onRel(rel)
			}
		}
	}
	t, key := r.target, r.key()
	g.unindexEntity(t, key, r)
	g.remember(func() {
		t.entities[key] = r
		g.byKey[key] = append(g.byKey[key], r)
	})
}

// setProps replaces an object's payload, starting a new version.
func (g *graph) setProps(r *record, props model.Properties, source string, now int64) {
	old := *r
	r.props, r.source, r.begin, r.version = props, source, now, r.version+1
	g.invalidate()
	g.remember(func() { r.props, r.source, r.begin, r.version = old.props, old.source, old.begin, old.version })
}

func (g *graph) putRelationship(r *record) {
	t, key := r.target, r.key()
	t.relationships[key] = r
	g.attach(r)
	g.remember(func() {
		g.detach(r)
		delete(t.relationships, key)
	})
}

// dropRelationship removes a relationship. A placeholder left without relationships goes
// with it: nothing else refers to it.
func (g *graph) dropRelationship(r *record) {
	t, key := r.target, r.key()
	if t.relationships[key] != r {
		return
	}
	delete(t.relationships, key)
	g.detach(r)
	g.remember(func() {
		t.relationships[key] = r
		g.attach(r)
	})
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
	oldFrom, oldTo := r.from, r.to
	g.detach(r)
	r.from, r.to = from, to
	g.attach(r)
	g.remember(func() {
		g.detach(r)
		r.from, r.to = oldFrom, oldTo
		g.attach(r)
	})
	// The old endpoints may have been placeholders only this relationship kept alive.
	for _, end := range [2]*record{oldFrom, oldTo} {
		if end != nil && end != from && end != to && end.placeholder && len(end.rels) == 0 {
			g.dropEntity(end, nil)
		}
	}
}

// attach adds r to its endpoints' indexes and to pending when it waits for a target.
// It records nothing: its callers do.
func (g *graph) attach(r *record) {
	for _, end := range [2]*record{r.from, r.to} {
		if end != nil {
			if end.rels == nil {
				end.rels = make(map[*record]struct{}, 1)
			}
			end.rels[r] = struct{}{}
		}
	}
	if r.kind == model.KindMappedRelationship && (r.from == nil || r.to == nil) {
		g.pending[r] = struct{}{}
	} else {
		delete(g.pending, r)
	}
}

func (g *graph) detach(r *record) {
	for _, end := range [2]*record{r.from, r.to} {
		if end != nil {
			delete(end.rels, r)
		}
	}
	delete(g.pending, r)
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
