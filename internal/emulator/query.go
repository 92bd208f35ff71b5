package emulator

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/j1hcl/j1hcl/internal/model"
)

// maxPaths bounds the paths one traversal may match, so that a broad query over a large
// graph is refused instead of taking the server's memory.
const maxPaths = 2_000_000

// Result types of queryV1, as the platform names them.
const (
	resultList     = "list"
	resultTable    = "table"
	resultTree     = "tree"
	resultDeferred = "deferred"
)

// resultSet is a query's complete result before paging: rows in a stable order (lists and
// tables), or the vertices and edges of a tree.
type resultSet struct {
	typ  string
	rows []row
	// items are the table's columns (typ table).
	items []returnItem
	// vertices and edges make a tree (typ tree).
	vertices, edges []*record
}

// row is one result: the entity of a list, or a table's record for each column.
type row struct {
	recs []*record
	// sortKey orders rows and identifies them for cursors: each record's _key and _id.
	sortKey string
}

// run computes the whole result of a query that is not simple: it finds every path of the
// traversal, then keeps what RETURN asks for, distinct and in a stable order. The caller
// holds the graph's read lock.
func (q *j1qlQuery) run(g *graph, account string) (*resultSet, error) {
	var paths [][]*record
	for _, e := range g.sortedEntities() {
		if q.find.matches(e, account) {
			paths = append(paths, []*record{e})
		}
	}
	for _, h := range q.hops {
		var next [][]*record
		for _, p := range paths {
			e := p[len(p)-1]
			for _, r := range e.rels {
				if h.verb != "" && !strings.EqualFold(relationshipClass(r), h.verb) {
					continue
				}
				other := r.from
				if other == e {
					other = r.to
				}
				if other == nil || !h.to.matches(other, account) {
					continue
				}
				if len(next) == maxPaths {
					return nil, fmt.Errorf("the query matches more than %d paths; narrow it with WITH conditions or a class or type", maxPaths)
				}
				np := make([]*record, len(p), len(p)+2)
				copy(np, p)
				next = append(next, append(np, r, other))
			}
		}
		paths = next
	}
	switch {
	case q.ret == nil:
		return distinctRows(resultList, paths, []int{0}, nil), nil
	case q.ret.tree:
		return treeOf(paths), nil
	}
	cols := make([]int, len(q.ret.items))
	for i, it := range q.ret.items {
		cols[i] = q.position(it.alias)
	}
	return distinctRows(resultTable, paths, cols, q.ret.items), nil
}

// position is where an alias's record stands in a path: entities at even positions,
// relationships at odd ones.
func (q *j1qlQuery) position(alias string) int {
	if q.find.alias == alias {
		return 0
	}
	for i, h := range q.hops {
		if h.alias == alias {
			return 2*i + 1
		}
		if h.to.alias == alias {
			return 2*i + 2
		}
	}
	return 0 // unreachable: the parser accepts only known aliases
}

func relationshipClass(r *record) string { s, _ := r.props[model.PropClass].(string); return s }

// distinctRows keeps, for each path, the records at cols, once per distinct combination,
// sorted by their (_key, _id).
func distinctRows(typ string, paths [][]*record, cols []int, items []returnItem) *resultSet {
	seen := make(map[string]struct{}, len(paths))
	rows := make([]row, 0, len(paths))
	var sb strings.Builder
	for _, p := range paths {
		sb.Reset()
		recs := make([]*record, len(cols))
		for i, c := range cols {
			recs[i] = p[c]
			if i > 0 {
				sb.WriteByte(1)
			}
			sb.WriteString(p[c].k)
			sb.WriteByte(0)
			sb.WriteString(p[c].id)
		}
		key := sb.String()
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		rows = append(rows, row{recs: recs, sortKey: key})
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.sortKey, b.sortKey) })
	return &resultSet{typ: typ, rows: rows, items: items}
}

// treeOf collects the distinct entities and relationships of every path.
func treeOf(paths [][]*record) *resultSet {
	seen := make(map[*record]bool)
	rs := &resultSet{typ: resultTree}
	for _, p := range paths {
		for i, r := range p {
			if seen[r] {
				continue
			}
			seen[r] = true
			if i%2 == 0 {
				rs.vertices = append(rs.vertices, r)
			} else {
				rs.edges = append(rs.edges, r)
			}
		}
	}
	slices.SortFunc(rs.vertices, compareRecords)
	slices.SortFunc(rs.edges, compareRecords)
	return rs
}

// page returns the rows of one page and the cursor of the next, nil on the last page. A
// cursor is the sort key of the last row given, so pages stay stable while the graph
// changes; SKIP applies to the first page only.
func (rs *resultSet) page(q *j1qlQuery, after *cursor) ([]row, *cursor) {
	start, given := q.skip, 0
	if after != nil {
		given = after.N
		start, _ = slices.BinarySearchFunc(rs.rows, after.Key, func(r row, k string) int { return strings.Compare(r.sortKey, k) })
		if start < len(rs.rows) && rs.rows[start].sortKey == after.Key {
			start++
		}
	}
	start = min(start, len(rs.rows))
	want := pageSize
	if q.limit >= 0 {
		want = max(0, min(want, q.limit-given))
	}
	end := min(start+want, len(rs.rows))
	out := rs.rows[start:end]
	if len(out) == 0 || end == len(rs.rows) || (q.limit >= 0 && given+len(out) >= q.limit) {
		return out, nil
	}
	return out, &cursor{Key: out[len(out)-1].sortKey, N: given + len(out)}
}

// queryCache keeps the complete results of the last few traversal queries, so that paging
// through one costs one traversal, not one per page. An entry is valid for the graph
// generation it was computed on.
type queryCache struct {
	mu      sync.Mutex
	entries []cachedResult
}

type cachedResult struct {
	base string
	gen  uint64
	rs   *resultSet
}

// queryCacheSize is how many results the cache keeps.
const queryCacheSize = 4

func (c *queryCache) get(base string, gen uint64) *resultSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.base == base && e.gen == gen {
			return e.rs
		}
	}
	return nil
}

func (c *queryCache) put(base string, gen uint64, rs *resultSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = slices.DeleteFunc(c.entries, func(e cachedResult) bool { return e.base == base || e.gen != gen })
	if len(c.entries) == queryCacheSize {
		c.entries = c.entries[1:]
	}
	c.entries = append(c.entries, cachedResult{base, gen, rs})
}

// appendFlat appends a record as a table column shows it: the payload and its metadata
// flattened into one object. A relationship also carries its endpoints' _keys when it was
// not uploaded with them (mapped relationships and endpoints given by _id).
func (r *record) appendFlat(buf []byte, account string) []byte {
	if r.kind == model.KindEntity {
		return r.appendReadBack(buf, account)
	}
	fields := make([]metaField, 0, len(r.props)+12)
	for k, v := range r.props {
		fields = append(fields, metaField{k, v})
	}
	for _, f := range r.appendMeta(fields[len(fields):], account) {
		if _, uploaded := r.props[f.name]; !uploaded {
			fields = append(fields, f)
		}
	}
	if _, ok := r.props[model.PropFromKey]; !ok && r.from != nil {
		fields = append(fields, metaField{model.PropFromKey, r.from.k})
	}
	if _, ok := r.props[model.PropToKey]; !ok && r.to != nil {
		fields = append(fields, metaField{model.PropToKey, r.to.k})
	}
	return appendSortedFields(buf, fields)
}

// appendRows appends a page of rows as the result type shows them.
func (rs *resultSet) appendRows(buf []byte, rows []row, account string) []byte {
	buf = append(buf, '[')
	for i, rw := range rows {
		if i > 0 {
			buf = append(buf, ',')
		}
		if rs.typ == resultList {
			buf = rw.recs[0].appendResult(buf, account)
			continue
		}
		buf = append(buf, '{')
		for j, it := range rs.items {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = model.AppendValueJSON(buf, it.name)
			buf = append(buf, ':')
			r := rw.recs[j]
			if it.prop == "" {
				buf = r.appendFlat(buf, account)
				continue
			}
			v, _ := r.property(it.prop, account)
			buf = model.AppendValueJSON(buf, v)
		}
		buf = append(buf, '}')
	}
	return append(buf, ']')
}

// appendTree appends a tree's data: {"vertices": [...], "edges": [...]}.
func (rs *resultSet) appendTree(buf []byte, account string) []byte {
	buf = append(buf, `{"vertices":[`...)
	for i, v := range rs.vertices {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = v.appendResult(buf, account)
	}
	buf = append(buf, `],"edges":[`...)
	for i, e := range rs.edges {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"id":`...)
		buf = model.AppendValueJSON(buf, e.id)
		buf = append(buf, `,"fromVertexId":`...)
		buf = model.AppendValueJSON(buf, endID(e.from))
		buf = append(buf, `,"toVertexId":`...)
		buf = model.AppendValueJSON(buf, endID(e.to))
		buf = append(buf, `,"relationship":`...)
		buf = e.appendFlat(buf, account)
		props := make(map[string]any, len(e.props))
		for k, v := range e.props {
			if !strings.HasPrefix(k, "_") {
				props[k] = v
			}
		}
		buf = append(buf, `,"properties":`...)
		buf = model.AppendValueJSON(buf, props)
		buf = append(buf, '}')
	}
	return append(buf, "]}"...)
}

func endID(r *record) any {
	if r == nil {
		return nil
	}
	return r.id
}
