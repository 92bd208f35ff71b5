package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/model"
)

// pageSize is the number of results of one J1QL page, as on the platform.
const pageSize = 250

// j1qlQuery is a parsed query of the emulator's J1QL subset:
//
//	FIND sel [THAT verb [AS alias] sel]... [RETURN (TREE | item [, item]...)] [SKIP n] [LIMIT n]
//	sel:  (* | ClassName | type_name) [AS alias] [WITH prop = value [AND prop = value]...] [AS alias]
//	verb: RELATES TO (any relationship) or a relationship _class such as HAS, USES, IS
//	item: alias | alias.property
//
// Keywords are case-insensitive. A word whose first letter is upper-case and that holds no
// "_" names a class (Host, CodeRepo); any other word names a type (aws_instance,
// application_my-billing-acme, host). Values are single- or double-quoted strings (with
// backslash escapes), numbers, true, false, or null/undefined (which match a missing or
// null property). A list property matches when it contains the value; numbers compare by
// value. A traversal follows relationships in either direction.
type j1qlQuery struct {
	find selection
	hops []hop
	// ret is the RETURN clause; nil answers the entities of find that have a complete path.
	ret   *returnClause
	skip  int
	limit int // -1: no limit
	// base is the query's text without SKIP and LIMIT: queries that differ only there share
	// their computed results.
	base string
}

// selection selects entities: by class, by type or all, with conditions.
type selection struct {
	all   bool
	class string
	typ   string
	conds []condition
	alias string
}

// hop is one THAT step: relationships of a class (any when verb is "") to the entities of
// the selection.
type hop struct {
	verb  string
	alias string
	to    selection
}

type returnClause struct {
	tree  bool
	items []returnItem
}

// returnItem is one column of a table: an alias, or an alias's property.
type returnItem struct {
	name  string // as written, the column's key
	alias string
	prop  string // "" for the whole object
}

// simple reports whether the query is a plain FIND over entities, answered from the sorted
// entity list without materializing results.
func (q *j1qlQuery) simple() bool { return len(q.hops) == 0 && q.ret == nil }

type condition struct {
	prop  string
	value any // string, json.Number, bool or nil
}

// syntaxError is a J1QL error, answered in GraphQL's errors array.
type syntaxError struct {
	pos int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("J1QL syntax error at position %d: %s (the emulator supports FIND (* | Class | type) [AS a] [WITH prop = value [AND ...]] [THAT verb [AS r] (* | Class | type) ...] [RETURN TREE | a, a.prop, ...] [SKIP n] [LIMIT n])", e.pos, e.msg)
}

type j1qlParser struct {
	src string
	pos int
}

// maxHops bounds a traversal's length.
const maxHops = 8

func parseJ1QL(src string) (*j1qlQuery, error) {
	p := &j1qlParser{src: src}
	q := &j1qlQuery{limit: -1}
	if w := p.word(); !strings.EqualFold(w, "FIND") {
		return nil, p.errorf("expected FIND, found %s", quoteToken(w))
	}
	var err error
	if q.find, err = p.selection("FIND"); err != nil {
		return nil, err
	}
	aliases := map[string]bool{}
	if err := addAlias(aliases, q.find.alias, p); err != nil {
		return nil, err
	}
	for p.keyword("THAT") {
		if len(q.hops) == maxHops {
			return nil, p.errorf("more than %d THAT steps", maxHops)
		}
		var h hop
		p.space()
		start := p.pos
		verb := p.word()
		switch {
		case strings.EqualFold(verb, "RELATES"):
			if !p.keyword("TO") {
				return nil, p.errorf("expected TO after RELATES")
			}
		case verb == "" || isKeyword(verb):
			if p.peek() == '!' || p.peek() == '<' || p.peek() == '>' {
				return nil, p.errorf("negated and directed traversals are J1QL the emulator does not implement")
			}
			return nil, &syntaxError{start, fmt.Sprintf("expected a relationship verb such as HAS or RELATES TO after THAT, found %s", quoteToken(verb))}
		default:
			h.verb = strings.ToUpper(verb)
		}
		if p.keyword("AS") {
			if h.alias, err = p.alias(); err != nil {
				return nil, err
			}
			if err := addAlias(aliases, h.alias, p); err != nil {
				return nil, err
			}
		}
		if h.to, err = p.selection("THAT " + verb); err != nil {
			return nil, err
		}
		if err := addAlias(aliases, h.to.alias, p); err != nil {
			return nil, err
		}
		q.hops = append(q.hops, h)
	}
	if p.keyword("RETURN") {
		if q.ret, err = p.returnClause(aliases); err != nil {
			return nil, err
		}
	}
	baseEnd := p.pos
	for {
		switch {
		case p.keyword("SKIP"):
			if q.skip, err = p.count("SKIP"); err != nil {
				return nil, err
			}
			continue
		case p.keyword("LIMIT"):
			if q.limit, err = p.count("LIMIT"); err != nil {
				return nil, err
			}
			continue
		}
		break
	}
	q.base = strings.TrimSpace(src[:baseEnd])
	p.space()
	if p.pos < len(p.src) {
		rest := p.word()
		if rest == "" {
			rest = string(p.src[p.pos])
		} else if isUnsupportedKeyword(rest) {
			return nil, p.errorf("%s is J1QL the emulator does not implement", strings.ToUpper(rest))
		}
		return nil, p.errorf("unexpected %s", quoteToken(rest))
	}
	return q, nil
}

func addAlias(seen map[string]bool, alias string, p *j1qlParser) error {
	if alias == "" {
		return nil
	}
	if seen[alias] {
		return p.errorf("alias %s is used twice", alias)
	}
	seen[alias] = true
	return nil
}

// keyword consumes the next word when it is kw (in any case).
func (p *j1qlParser) keyword(kw string) bool {
	save := p.pos
	if w := p.word(); strings.EqualFold(w, kw) {
		return true
	}
	p.pos = save
	return false
}

// selection reads (* | Class | type) [AS alias] [WITH conditions] [AS alias].
func (p *j1qlParser) selection(after string) (selection, error) {
	var sel selection
	p.space()
	if p.peek() == '*' {
		p.pos++
		sel.all = true
	} else {
		start := p.pos
		w := p.word()
		if w == "" || isKeyword(w) {
			return sel, &syntaxError{start, fmt.Sprintf("expected *, a class or a type after %s, found %s", after, quoteToken(w))}
		}
		if isClassName(w) {
			sel.class = w
		} else {
			sel.typ = w
		}
	}
	var err error
	if p.keyword("AS") {
		if sel.alias, err = p.alias(); err != nil {
			return sel, err
		}
	}
	if p.keyword("WITH") {
		for {
			c, err := p.condition()
			if err != nil {
				return sel, err
			}
			sel.conds = append(sel.conds, c)
			if !p.keyword("AND") {
				break
			}
		}
	}
	if sel.alias == "" && p.keyword("AS") {
		if sel.alias, err = p.alias(); err != nil {
			return sel, err
		}
	}
	return sel, nil
}

func (p *j1qlParser) alias() (string, error) {
	p.space()
	start := p.pos
	w := p.word()
	if w == "" || isKeyword(w) || strings.ContainsAny(w, ".:/@-") {
		return "", &syntaxError{start, fmt.Sprintf("expected an alias name after AS, found %s", quoteToken(w))}
	}
	return w, nil
}

// returnClause reads TREE or a comma-separated list of aliases and alias properties.
func (p *j1qlParser) returnClause(aliases map[string]bool) (*returnClause, error) {
	if p.keyword("TREE") {
		return &returnClause{tree: true}, nil
	}
	rc := &returnClause{}
	for {
		p.space()
		start := p.pos
		w := p.word()
		alias, prop, _ := strings.Cut(w, ".")
		if w == "" || isKeyword(w) {
			return nil, &syntaxError{start, fmt.Sprintf("expected an alias or alias.property to RETURN, found %s", quoteToken(w))}
		}
		if !aliases[alias] {
			return nil, &syntaxError{start, fmt.Sprintf("RETURN names %s, which is not an alias of this query (give one with AS)", quoteToken(alias))}
		}
		if strings.HasSuffix(w, ".") || prop == "*" {
			return nil, &syntaxError{start, fmt.Sprintf("expected a property name after %s.", alias)}
		}
		rc.items = append(rc.items, returnItem{name: w, alias: alias, prop: prop})
		p.space()
		if p.peek() != ',' {
			return rc, nil
		}
		p.pos++
	}
}

// count reads the non-negative whole number after SKIP or LIMIT.
func (p *j1qlParser) count(kw string) (int, error) {
	p.space()
	start := p.pos
	n, err := strconv.Atoi(p.word())
	if err != nil || n < 0 {
		return 0, &syntaxError{start, kw + " needs a non-negative whole number"}
	}
	return n, nil
}

func (p *j1qlParser) errorf(format string, args ...any) error {
	return &syntaxError{p.pos, fmt.Sprintf(format, args...)}
}

func quoteToken(t string) string {
	if t == "" {
		return "the end of the query"
	}
	return strconv.Quote(t)
}

func isKeyword(w string) bool {
	switch strings.ToUpper(w) {
	case "FIND", "WITH", "AND", "LIMIT", "SKIP", "THAT", "RETURN", "AS", "TO", "RELATES", "TREE":
		return true
	}
	return isUnsupportedKeyword(w)
}

func isUnsupportedKeyword(w string) bool {
	switch strings.ToUpper(w) {
	case "OR", "ORDER", "BY", "WHERE", "NOT":
		return true
	}
	return false
}

// isClassName applies the class-or-type rule: upper-case first letter and no underscore.
func isClassName(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r) && !strings.Contains(w, "_")
}

func (p *j1qlParser) space() {
	for p.pos < len(p.src) && unicode.IsSpace(rune(p.src[p.pos])) {
		p.pos++
	}
}

func (p *j1qlParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == ':' || c == '/' || c == '@' || c >= utf8.RuneSelf
}

// word skips spaces and reads the next run of word characters ("" when there is none).
func (p *j1qlParser) word() string {
	p.space()
	start := p.pos
	for p.pos < len(p.src) && isWordByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *j1qlParser) condition() (condition, error) {
	p.space()
	start := p.pos
	prop := p.word()
	if prop == "" { // any word may name a property: = follows it
		return condition{}, &syntaxError{start, fmt.Sprintf("expected a property name, found %s", quoteToken(prop))}
	}
	p.space()
	if p.peek() != '=' {
		if rest := p.src[p.pos:]; strings.HasPrefix(rest, "!=") || strings.HasPrefix(rest, ">") || strings.HasPrefix(rest, "<") || strings.HasPrefix(rest, "~=") {
			return condition{}, p.errorf("only = comparisons are supported")
		}
		return condition{}, p.errorf("expected = after %s", prop)
	}
	p.pos++
	p.space()
	v, err := p.value()
	if err != nil {
		return condition{}, err
	}
	return condition{prop: prop, value: v}, nil
}

func (p *j1qlParser) value() (any, error) {
	start := p.pos
	switch q := p.peek(); q {
	case '\'', '"':
		var b strings.Builder
		for p.pos++; p.pos < len(p.src); p.pos++ {
			c := p.src[p.pos]
			switch {
			case c == q:
				p.pos++
				return b.String(), nil
			case c == '\\' && p.pos+1 < len(p.src):
				p.pos++
				switch e := p.src[p.pos]; e {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(e)
				}
			default:
				b.WriteByte(c)
			}
		}
		return nil, &syntaxError{start, "unterminated string"}
	}
	w := p.word()
	switch strings.ToLower(w) {
	case "":
		return nil, &syntaxError{start, "expected a value"}
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null", "undefined":
		return nil, nil
	}
	if looksNumeric(w) {
		n, err := model.NormalizeNumber(json.Number(w))
		if err == nil {
			return n, nil
		}
	}
	return nil, &syntaxError{start, fmt.Sprintf("value %s must be quoted", quoteToken(w))}
}

// looksNumeric reports whether a word is a JSON number (strconv alone would take "Inf").
func looksNumeric(w string) bool {
	var n json.Number
	return json.Unmarshal([]byte(w), &n) == nil && n != ""
}

// matches reports whether an entity satisfies the selection.
func (q *selection) matches(r *record, account string) bool {
	switch {
	case q.class != "":
		if !valueMatches(r.props[model.PropClass], q.class) {
			return false
		}
	case q.typ != "":
		if r.typ() != q.typ {
			return false
		}
	}
	for _, c := range q.conds {
		have, ok := r.property(c.prop, account)
		if c.value == nil {
			if ok && have != nil {
				return false
			}
			continue
		}
		if !ok || !valueMatches(have, c.value) {
			return false
		}
	}
	return true
}

// property returns a property for J1QL: platform metadata by its name, else the payload's.
func (r *record) property(name, account string) (any, bool) {
	switch name {
	case metaID:
		return r.id, true
	case metaSource:
		return r.source, true
	case metaInstance:
		return r.target.id.name, r.target.id.kind == targetInstance
	case metaScope:
		return r.target.id.name, r.target.id.kind == targetScope && r.target.id.name != ""
	case metaAccount:
		return account, account != ""
	case metaCreatedOn:
		return msNumber(r.created), true
	case metaBeginOn:
		return msNumber(r.begin), true
	case metaVersion:
		return msNumber(r.version), true
	case metaPlaceholder:
		return r.placeholder, r.placeholder
	case metaFromEntityID:
		if r.from != nil {
			return r.from.id, true
		}
	case metaToEntityID:
		if r.to != nil {
			return r.to.id, true
		}
	}
	v, ok := r.props[name]
	return v, ok
}

// cursor is where the next page starts: after the entity (key, id), with n results given.
type cursor struct {
	Key string `json:"k"`
	ID  string `json:"i"`
	N   int    `json:"n"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.N < 0 {
		return cursor{}, fmt.Errorf("invalid cursor %q: pass back the cursor of the previous page unchanged", s)
	}
	return c, nil
}

// page runs a query for one page over the entities in (_key, _id) order. Paging by position
// in that order keeps pages stable while the graph changes between them. The returned cursor
// is nil on the last page: the page is looked past for one more match before a cursor is
// given, so a full last page does not lead to an empty one.
func (q *j1qlQuery) page(all []*record, after *cursor, account string) ([]*record, *cursor) {
	start, given := 0, 0
	if after != nil {
		given = after.N
		start, _ = slices.BinarySearchFunc(all, *after, func(r *record, c cursor) int {
			if k := strings.Compare(r.key(), c.Key); k != 0 {
				return k
			}
			return strings.Compare(r.id, c.ID)
		})
		if start < len(all) && all[start].key() == after.Key && all[start].id == after.ID {
			start++
		}
	}
	want := pageSize
	if q.limit >= 0 {
		want = min(want, q.limit-given)
	}
	var out []*record
	i := start
	if after == nil {
		for skipped := 0; i < len(all) && skipped < q.skip; i++ {
			if q.find.matches(all[i], account) {
				skipped++
			}
		}
	}
	for ; i < len(all) && len(out) < want; i++ {
		if q.find.matches(all[i], account) {
			out = append(out, all[i])
		}
	}
	if len(out) == 0 || (q.limit >= 0 && given+len(out) >= q.limit) {
		return out, nil
	}
	for ; i < len(all); i++ {
		if q.find.matches(all[i], account) {
			last := out[len(out)-1]
			return out, &cursor{Key: last.key(), ID: last.id, N: given + len(out)}
		}
	}
	return out, nil
}

// appendResult appends one J1QL result as the platform shapes it: the entity's metadata,
// _type and _class as lists and displayName under "entity"; every other uploaded property
// under "properties".
//
// Both parts are written straight from the record, members sorted by name: a whole-graph
// read answers hundreds of such pages, and building a map per part to write it cost more
// than the rest of the answer.
func (r *record) appendResult(buf []byte, account string) []byte {
	fields := make([]metaField, 0, len(r.props)+12)
	fields = append(fields, metaField{model.PropKey, r.key()}, metaField{model.PropType, []any{r.typ()}})
	switch c := r.props[model.PropClass].(type) {
	case string:
		fields = append(fields, metaField{model.PropClass, []any{c}})
	case []any:
		fields = append(fields, metaField{model.PropClass, c})
	}
	if dn, ok := r.props[model.PropDisplayName]; ok {
		fields = append(fields, metaField{model.PropDisplayName, dn})
	}
	for _, f := range r.appendMeta(fields[len(fields):], account) {
		if f.name != metaFromEntityID && f.name != metaToEntityID {
			fields = append(fields, f) // _id among them
		}
	}
	buf = append(buf, `{"id":`...)
	buf = model.AppendStringJSON(buf, r.id)
	buf = append(buf, `,"entity":`...)
	buf = appendSortedFields(buf, fields)
	fields = fields[:0]
	for k, v := range r.props {
		if !strings.HasPrefix(k, "_") && k != model.PropDisplayName {
			fields = append(fields, metaField{k, v})
		}
	}
	buf = append(buf, `,"properties":`...)
	buf = appendSortedFields(buf, fields)
	return append(buf, '}')
}
