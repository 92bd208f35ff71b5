package datamodel

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Keyword names the rule a Problem breaks: a JSON Schema keyword, or one of j1hcl's own
// (abstract).
type Keyword string

// The keywords Check reports.
const (
	KeywordRequired      Keyword = "required"      // a required property is missing
	KeywordType          Keyword = "type"          // wrong type, or none of the alternatives' types
	KeywordFormat        Keyword = "format"        // not an email, uri, ip, hostname, …
	KeywordPattern       Keyword = "pattern"       // does not match the class's pattern
	KeywordEnum          Keyword = "enum"          // not one of the enumerated values
	KeywordConst         Keyword = "const"         // not the one allowed value
	KeywordMinimum       Keyword = "minimum"       // number too small
	KeywordMaximum       Keyword = "maximum"       // number too large
	KeywordMinLength     Keyword = "minLength"     // string too short (e.g. _key under 10 characters)
	KeywordMinItems      Keyword = "minItems"      // list too short
	KeywordUniqueItems   Keyword = "uniqueItems"   // list repeats a value
	KeywordOneOf         Keyword = "oneOf"         // value fits more than one exclusive alternative
	KeywordPropertyNames Keyword = "propertyNames" // property name outside ^(_|tag\.)?[A-Za-z0-9. -]+$
	KeywordDeprecated    Keyword = "deprecated"    // a deprecated property is used (advisory)
	KeywordAbstract      Keyword = "abstract"      // an abstract base class is used as _class (advisory)
)

// Advisory reports whether the keyword flags something the package's validator accepts:
// a deprecated property or an abstract class. Every other keyword is a schema violation.
func (k Keyword) Advisory() bool { return k == KeywordDeprecated || k == KeywordAbstract }

// Problem is one way an entity departs from its classes' schemas.
type Problem struct {
	Keyword Keyword
	// Property is the property concerned: the missing one for required, "_class" for
	// abstract.
	Property string
	// Class is the class whose schema states the rule (for inherited rules, the ancestor:
	// name is required by Entity).
	Class string
	// Value is the property's value; nil when it is missing.
	Value any
	// Message says what is wrong without naming the property or class, e.g.
	// `must be a list of unique email addresses, or null, not the string "a@example.com"`.
	Message string
	// Expect says in words what is valid; "" for required, propertyNames and abstract.
	Expect string
	// Description is the class's description of the property, "" if it has none.
	Description string
	// Replacement is the property to use instead, for deprecated properties that name one.
	Replacement string
}

// Check validates an entity's properties against its classes (the _class values) and all
// their ancestors. A property that is present with the value null satisfies "required", as
// in JSON Schema; whether null is a valid value is the type's business. Unknown class names
// are skipped: reporting them is the caller's job. The
// result is sorted by keyword group (abstract, required, then the rest) and property name;
// nil when there is nothing to report.
func (m *Model) Check(classes []string, props model.Properties) []Problem {
	return m.AppendProblems(nil, classes, props)
}

// AppendProblems is Check appending to dst, for callers that reuse a buffer. A valid entity
// costs no allocation once its class combination has been compiled.
func (m *Model) AppendProblems(dst []Problem, classes []string, props model.Properties) []Problem {
	p := m.plan(classes)
	start := len(dst)
	for _, a := range p.abstract {
		dst = append(dst, Problem{
			Keyword: KeywordAbstract, Property: model.PropClass, Class: a, Value: props[model.PropClass],
			Message: fmt.Sprintf("%s is an abstract base class: use a class that extends it", a),
		})
	}
	for i := range p.required {
		r := &p.required[i]
		if _, ok := props[r.name]; !ok {
			dst = append(dst, Problem{
				Keyword: KeywordRequired, Property: r.name, Class: r.class,
				Message: r.message, Description: r.description,
			})
		}
	}
	// The abstract and required problems are in their final order (p.required is sorted by
	// name); only the rest, appended in map order, needs sorting.
	rest := len(dst)
	for name, v := range props {
		e := p.props[name]
		if e == nil {
			dst = p.checkUndefined(dst, start, name, v)
			continue
		}
		if e.badName != nil {
			pr := *e.badName
			pr.Value = v
			dst = append(dst, pr)
		}
		for _, c := range e.checks {
			if f, ok := c.node.validate(v); !ok {
				dst = appendUnique(dst, start, valueProblem(name, c, v, &f))
			}
		}
		if d := e.deprecated; d != nil {
			msg := "is deprecated in " + d.Class
			if d.Replacement != "" {
				msg += "; use " + d.Replacement
			}
			dst = append(dst, Problem{
				Keyword: KeywordDeprecated, Property: name, Class: d.Class, Value: v,
				Message: msg, Description: d.Description, Replacement: d.Replacement,
			})
		}
	}
	if tail := dst[rest:]; len(tail) > 1 {
		slices.SortStableFunc(tail, compareProblems)
	}
	return dst
}

// checkUndefined applies the class-wide rules (GraphObject's propertyNames and tag.*
// patternProperties) to a property no class defines.
func (p *plan) checkUndefined(dst []Problem, start int, name string, v any) []Problem {
	for _, pn := range p.propertyNames {
		if f, ok := pn.node.validateName(name); !ok {
			pr := nameProblem(pn, name, &f)
			pr.Value = v
			dst = append(dst, pr)
		}
	}
	for _, pp := range p.patternProps {
		if !pp.pattern.MatchName(name) {
			continue
		}
		if f, ok := pp.node.validate(v); !ok {
			dst = appendUnique(dst, start, valueProblem(name, classNode{class: pp.class, node: pp.node}, v, &f))
		}
	}
	return dst
}

func valueProblem(name string, c classNode, v any, f *failure) Problem {
	return Problem{
		Keyword: f.keyword, Property: name, Class: c.class, Value: v,
		Message: f.message(), Expect: c.node.expect, Description: c.node.description,
	}
}

func nameProblem(pn classNode, name string, f *failure) Problem {
	return Problem{
		Keyword: KeywordPropertyNames, Property: name, Class: pn.class,
		Message: "name " + f.message(), Expect: pn.node.expect,
	}
}

// appendUnique appends pr unless a problem with the same property, keyword and message is
// already there: a rule that parent and child both state is reported once, for the child.
func appendUnique(dst []Problem, start int, pr Problem) []Problem {
	for i := start; i < len(dst); i++ {
		if d := &dst[i]; d.Property == pr.Property && d.Keyword == pr.Keyword && d.Message == pr.Message {
			return dst
		}
	}
	return append(dst, pr)
}

func keywordGroup(k Keyword) int {
	switch k {
	case KeywordAbstract:
		return 0
	case KeywordRequired:
		return 1
	}
	return 2
}

func compareProblems(a, b Problem) int {
	return cmp.Or(
		cmp.Compare(keywordGroup(a.Keyword), keywordGroup(b.Keyword)),
		cmp.Compare(a.Property, b.Property),
	)
}

// plan is the compiled union of a class combination's schemas: everything Check needs,
// indexed by property name.
type plan struct {
	abstract      []string
	required      []requirement
	props         map[string]*propertyPlan
	propertyNames []classNode
	patternProps  []classPattern
}

// requirement is a required property and the class that requires it first, with the
// message of its Problem.
type requirement struct {
	name, class, description, message string
}

// propertyPlan holds every rule on one property name, most specific class first.
type propertyPlan struct {
	checks     []classNode
	deprecated *Property
	badName    *Problem // the propertyNames problem, precomputed; nil when the name is valid
	definition *Property
}

type classNode struct {
	class string
	node  *node
}

type classPattern struct {
	class   string
	pattern *jsRegexp
	node    *node
}

// planCache holds compiled plans by class combination. It is bounded so that a stream of
// distinct combinations (an emulator receiving arbitrary payloads) cannot grow it forever.
// Readers load an immutable map and take no lock: validation workers look a plan up for
// every entity, and a shared lock's counter, written by each of them, costs more than the
// lookup. A new plan replaces the map with a copy (at most maxCachedPlans times).
type planCache struct {
	mu    sync.Mutex // serialises writers
	plans atomic.Pointer[map[string]*plan]
}

const maxCachedPlans = 1024

// load returns the cached plans; nil before the first plan is stored.
func (c *planCache) load() map[string]*plan {
	if m := c.plans.Load(); m != nil {
		return *m
	}
	return nil
}

// store caches p under key unless the cache is full.
func (c *planCache) store(key string, p *plan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.load()
	if _, ok := old[key]; ok || len(old) >= maxCachedPlans {
		return
	}
	m := make(map[string]*plan, len(old)+1)
	maps.Copy(m, old)
	m[key] = p
	c.plans.Store(&m)
}

func (m *Model) plan(classes []string) *plan {
	var buf [256]byte
	key := buf[:0]
	for i, c := range classes {
		if i > 0 {
			key = append(key, 0)
		}
		key = append(key, c...)
	}
	if p := m.plans.load()[string(key)]; p != nil {
		return p
	}
	p := m.compilePlan(classes)
	m.plans.store(string(key), p)
	return p
}

func (m *Model) compilePlan(classes []string) *plan {
	p := &plan{props: map[string]*propertyPlan{}}
	// Every class once, deepest first so that each class precedes its ancestors and the
	// most specific definitions come first; ties keep the order of _class.
	var chain []*Class
	seen := map[*Class]bool{}
	for _, name := range classes {
		c := m.classes[name]
		if c == nil {
			continue
		}
		if c.Abstract && !slices.Contains(p.abstract, c.Name) {
			p.abstract = append(p.abstract, c.Name)
		}
		for x := c; x != nil; x = x.parent {
			if !seen[x] {
				seen[x] = true
				chain = append(chain, x)
			}
		}
	}
	slices.SortStableFunc(chain, func(a, b *Class) int { return cmp.Compare(b.depth(), a.depth()) })
	for _, c := range chain {
		if c.propertyNames != nil {
			p.propertyNames = append(p.propertyNames, classNode{class: c.Name, node: c.propertyNames})
		}
		for _, pp := range c.patternProps {
			p.patternProps = append(p.patternProps, classPattern{class: c.Name, pattern: pp.pattern, node: pp.node})
		}
		for _, prop := range c.own {
			e := p.props[prop.Name]
			if e == nil {
				e = &propertyPlan{definition: prop}
				p.props[prop.Name] = e
			}
			e.checks = append(e.checks, classNode{class: c.Name, node: prop.node})
			if prop.Deprecated && e.deprecated == nil {
				e.deprecated = prop
			}
		}
	}
	seenReq := map[string]bool{}
	for _, c := range chain {
		for _, r := range c.ownRequired {
			if seenReq[r] {
				continue
			}
			seenReq[r] = true
			req := requirement{name: r, class: c.Name, message: "is required by " + c.Name}
			if e := p.props[r]; e != nil {
				req.description = e.definition.Description
			}
			p.required = append(p.required, req)
		}
	}
	// In the order Check reports them, so that AppendProblems need not sort them.
	slices.SortFunc(p.required, func(a, b requirement) int { return cmp.Compare(a.name, b.name) })
	// Defined names are known now: settle the name rules for them once.
	for name, e := range p.props {
		for _, pn := range p.propertyNames {
			if f, ok := pn.node.validateName(name); !ok && e.badName == nil {
				pr := nameProblem(pn, name, &f)
				e.badName = &pr
			}
		}
		for _, pp := range p.patternProps {
			if pp.pattern.MatchString(name) {
				e.checks = append(e.checks, classNode{class: pp.class, node: pp.node})
			}
		}
	}
	return p
}

// failure records why a value does not satisfy a subschema. The message is built only when
// a problem is reported: alternatives of oneOf/anyOf fail routinely on valid values, and
// that must cost no allocation.
type failure struct {
	keyword Keyword
	node    *node // the subschema whose keyword failed
	value   any   // the value it judged
	item    int   // for a failing list item: its 1-based index; for uniqueItems: the first copy
	dup     int   // for uniqueItems: the second copy
}

func (f *failure) message() string {
	n, v := f.node, f.value
	var msg string
	switch f.keyword {
	case KeywordMinLength:
		s, _ := v.(string)
		msg = fmt.Sprintf("must be at least %d characters long, not %d (%s)", n.minLength, utf8.RuneCountInString(s), quoteValue(s))
	case KeywordFormat:
		msg = "must be " + n.format.noun + ", not " + describeValue(v)
	case KeywordPattern:
		msg = "must match " + n.pattern.source + ", not " + describeValue(v)
	case KeywordUniqueItems:
		list, _ := v.([]any)
		return fmt.Sprintf("must not repeat a value: items %d and %d are both %s", f.item, f.dup, quoteValue(list[f.item-1]))
	case KeywordOneOf:
		msg = "must be exactly one of " + n.expect + ", but fits several: " + describeValue(v)
	default:
		msg = "must be " + n.expect + ", not " + describeValue(v)
	}
	if f.item > 0 {
		return fmt.Sprintf("item %d %s", f.item, msg)
	}
	return msg
}

// validate checks v against the subschema and reports the first failure.
func (n *node) validate(v any) (failure, bool) {
	vt := typeOf(v)
	if !n.types.accepts(vt) {
		return failure{keyword: KeywordType, node: n, value: v}, false
	}
	if n.hasConst && !model.Equal(v, n.constVal) {
		return failure{keyword: KeywordConst, node: n, value: v}, false
	}
	if n.enum != nil && !inEnum(n.enum, v) {
		return failure{keyword: KeywordEnum, node: n, value: v}, false
	}
	switch x := v.(type) {
	case string:
		if k, ok := n.validateString(x); !ok {
			return failure{keyword: k, node: n, value: v}, false
		}
	case json.Number:
		if n.hasMinimum || n.hasMaximum {
			f := model.NumberFloat(x)
			if n.hasMinimum && f < n.minimum {
				return failure{keyword: KeywordMinimum, node: n, value: v}, false
			}
			if n.hasMaximum && f > n.maximum {
				return failure{keyword: KeywordMaximum, node: n, value: v}, false
			}
		}
	case []any:
		if n.minItems >= 0 && len(x) < n.minItems {
			return failure{keyword: KeywordMinItems, node: n, value: v}, false
		}
		if n.items != nil {
			for i, item := range x {
				if f, ok := n.items.validate(item); !ok {
					f.item = i + 1
					return f, false
				}
			}
		}
		if n.uniqueItems {
			if i, j, dup := firstDuplicate(x); dup {
				return failure{keyword: KeywordUniqueItems, node: n, value: v, item: i + 1, dup: j + 1}, false
			}
		}
	}
	if len(n.oneOf) > 0 {
		if f, ok := n.validateAlternatives(n.oneOf, v, vt, true); !ok {
			return f, false
		}
	}
	if len(n.anyOf) > 0 {
		if f, ok := n.validateAlternatives(n.anyOf, v, vt, false); !ok {
			return f, false
		}
	}
	return failure{}, true
}

// validateString applies the string keywords; it takes the string unboxed so that checking
// property names does not allocate.
func (n *node) validateString(s string) (Keyword, bool) {
	if n.minLength >= 0 && utf8.RuneCountInString(s) < n.minLength {
		return KeywordMinLength, false
	}
	if n.format != nil && !n.format.check(s) {
		return KeywordFormat, false
	}
	if n.pattern != nil && !n.pattern.MatchString(s) {
		return KeywordPattern, false
	}
	return "", true
}

// validateName checks a property name against a propertyNames subschema. Names are strings,
// so only the string keywords can fail; the name is boxed only then.
func (n *node) validateName(name string) (failure, bool) {
	if !n.types.accepts(typeString) || n.hasConst || n.enum != nil || len(n.oneOf) > 0 || len(n.anyOf) > 0 ||
		n.format != nil || n.minLength >= 0 {
		return n.validate(name) // not the shape the package uses; take the general path
	}
	if n.pattern != nil && !n.pattern.MatchName(name) {
		return failure{keyword: KeywordPattern, node: n, value: name}, false
	}
	return failure{}, true
}

// validateAlternatives implements oneOf (exactly one alternative holds) and anyOf (at least
// one). On failure it reports what the alternative of the value's type objects to (a bad
// email in a list) rather than a bare "matches no alternative".
func (n *node) validateAlternatives(alts []*node, v any, vt typeSet, exactlyOne bool) (failure, bool) {
	matches := 0
	var typed failure // first failure of an alternative that constrains and accepts v's type
	hasTyped := false
	for _, a := range alts {
		f, ok := a.validate(v)
		if ok {
			matches++
			if !exactlyOne {
				return failure{}, true
			}
			continue
		}
		if !hasTyped && a.types != 0 && a.types.accepts(vt) {
			typed, hasTyped = f, true
		}
	}
	switch {
	case matches == 1:
		return failure{}, true
	case matches > 1:
		return failure{keyword: KeywordOneOf, node: n, value: v}, false
	case hasTyped:
		return typed, false
	}
	return failure{keyword: KeywordType, node: n, value: v}, false
}

func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if model.Equal(e, v) {
			return true
		}
	}
	return false
}

// firstDuplicate finds the first pair of equal items, comparing as JSON Schema does (1 and
// 1.0 are equal). Lists are short; for long ones a set of canonical encodings keeps it
// linear.
func firstDuplicate(list []any) (int, int, bool) {
	const small = 16
	if len(list) <= small {
		for j := 1; j < len(list); j++ {
			for i := 0; i < j; i++ {
				if model.Equal(list[i], list[j]) {
					return i, j, true
				}
			}
		}
		return 0, 0, false
	}
	seen := make(map[string]int, len(list))
	var buf []byte
	for j, item := range list {
		buf = model.AppendValueJSON(buf[:0], canonicalNumber(item))
		if i, ok := seen[string(buf)]; ok {
			return i, j, true
		}
		seen[string(buf)] = j
	}
	return 0, 0, false
}

// canonicalNumber spells numbers canonically so that equal numbers encode equally.
func canonicalNumber(v any) any {
	if n, ok := v.(json.Number); ok {
		if c, err := model.NormalizeNumber(n); err == nil {
			return c
		}
	}
	return v
}
