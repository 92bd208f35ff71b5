// Package validate checks graph objects against JupiterOne's platform rules, the integration
// guide's conventions, secret detection and the data model, producing coded findings.
package validate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/datamodel"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/suggest"
)

// Severity is how much a finding matters. The zero value is Off.
type Severity uint8

// Severities, from "ignored" to "stops plan and apply".
const (
	Off Severity = iota
	Warning
	Error
)

// String returns "off", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "off"
}

// ParseSeverity parses the values a rules { } block accepts.
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "off":
		return Off, nil
	case "warning":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return Off, fmt.Errorf(`severity must be "off", "warning" or "error", not %q`, s)
}

// Finding is one rule violation on one object.
type Finding struct {
	Code     string
	Severity Severity
	// Object is the object the finding is about.
	Object *model.Object
	// Property is the offending property, or "" when the finding concerns the whole object.
	Property string
	// Summary is a short phrase without a final period.
	Summary string
	// detail is the text Detail returns; when named is set, what follows the object's name.
	detail string
	named  bool
	// Related is a second object involved (the first holder of a duplicate _key).
	Related *model.Object
}

// Detail names the object, says what is wrong with the actual value and what to do. A
// rule that fires on every instance of a block shares the text after the name between them,
// and the two are joined only here: a terminal shows one of 100,000 such details.
func (f Finding) Detail() string {
	if f.named {
		return describe(f.Object) + f.detail
	}
	return f.detail
}

// Options tune a validation run.
type Options struct {
	// Mode is the sync mode ("DIFF" or "PATCH"); it decides whether a relationship may point at
	// an entity outside the configuration (J1P008).
	Mode string
	// IntegrationType is the integration block's type, for the _type convention (J1C207).
	IntegrationType string
	// Severities overrides rule severities by code (from the rules { } block). Platform rules
	// cannot be overridden; CheckOverride reports an attempt as an error.
	Severities map[string]Severity
	// Strict turns data-model (J1D) warnings into errors, except for rules that Severities
	// sets: `strict = true` with `J1D401 = "warning"` keeps J1D401 a warning.
	Strict bool
	// Written reports whether a property was written in the configuration rather than
	// defaulted. Nil means every property was written (e.g. uploads checked by the emulator).
	Written func(o *model.Object, prop string) bool
	// Classes is the data model used for class checks. Nil skips them: J1P007, J1P009's
	// target class, the class awareness of J1C201 and J1C204, and J1D401–J1D406.
	Classes ClassCatalog
}

// CheckOverride says what is wrong with one line of a rules { } block, or returns nil: the
// code must exist, and platform rules cannot be weakened.
func CheckOverride(code string, sev Severity) error {
	r, ok := RuleByCode(code)
	if !ok {
		return fmt.Errorf("there is no rule %q.%s Rule codes look like J1C201; see the rule table in the README", code, suggest.DidYouMean(code, ruleCodes()))
	}
	if r.Platform && sev != Error {
		return fmt.Errorf("rule %s is a platform rule and cannot be set to %q: JupiterOne rejects such uploads, so it is always an error", r.Code, sev)
	}
	return nil
}

// Graph runs every rule over a graph and returns the findings that are not off, in a stable
// order: each object's findings in graph order (entities, then relationships), within an
// object by rule and property, then the duplicate keys (J1P006).
//
// The per-object rules run over chunks of the graph on GOMAXPROCS workers; each chunk's
// findings keep their place, so the result does not depend on scheduling.
func Graph(g *model.Graph, opts Options) []Finding {
	r := newRun(g, opts)
	c := r.newChecker()
	c.findings = r.objectFindings(g)
	c.graphRules()
	return c.findings
}

// PlatformObject runs the per-object platform rules the Sync API applies to each uploaded
// object: J1P001–J1P005, and J1P009 for a mapped relationship (the mapper cannot follow a bad
// _mapping). The emulator checks uploads with it.
func PlatformObject(o *model.Object) []Finding {
	return NewPlatformChecker().Check(o)
}

// PlatformChecker runs PlatformObject's rules over one object after another, reusing its
// buffers from object to object (an upload of thousands of objects costs a checker, not
// thousands). It is not safe for concurrent use.
type PlatformChecker struct{ c *checker }

// NewPlatformChecker returns a checker for PlatformObject's rules.
func NewPlatformChecker() *PlatformChecker {
	return &PlatformChecker{c: newRun(nil, Options{}).newChecker()}
}

// Check returns o's findings, as PlatformObject does; the slice is the caller's.
func (p *PlatformChecker) Check(o *model.Object) []Finding {
	c := p.c
	c.findings = c.findings[:0]
	c.obj = nil // load again even if o is where the previous object was
	c.platformObject(o)
	c.mappingRule(o)
	c.sortFindings(0)
	if len(c.findings) == 0 {
		return nil
	}
	return slices.Clone(c.findings)
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// run holds what every checker of one validation run shares; it is read-only once built.
type run struct {
	opts  Options
	graph *model.Graph
	// entityKeys maps the configuration's entity keys to the first entity holding each, for
	// J1P006, J1P008, J1C205 and J1D406.
	entityKeys map[string]*model.Object
	// duplicateEntities are the entities whose _key an earlier entity holds (J1P006), in
	// graph order, found while indexing entityKeys.
	duplicateEntities []*model.Object
	// resources holds the lower-cased resource part of every entity _type, and "parent", for
	// J1C205's name test (teamId).
	resources map[string]bool
	// keyLengths and keyFirstBytes describe the entity keys, so that J1C205 can tell most
	// values from keys without a lookup in entityKeys.
	keyLengths    []uint64 // bit n: some key is n bytes long
	keyFirstBytes [256]bool
}

// entityWithKey returns the entity of the configuration whose _key is s, or nil.
func (r *run) entityWithKey(s string) *model.Object {
	if s == "" || !r.keyFirstBytes[s[0]] || len(s)/64 >= len(r.keyLengths) || r.keyLengths[len(s)/64]&(1<<(len(s)%64)) == 0 {
		return nil
	}
	return r.entityKeys[s]
}

func newRun(g *model.Graph, opts Options) *run {
	r := &run{opts: opts, graph: g}
	if g == nil {
		return r
	}
	r.entityKeys = make(map[string]*model.Object, len(g.Entities))
	r.resources = map[string]bool{"parent": true}
	var last string
	for _, e := range g.Entities {
		if k := e.Key(); k != "" {
			if _, dup := r.entityKeys[k]; dup {
				r.duplicateEntities = append(r.duplicateEntities, e)
			} else {
				r.entityKeys[k] = e
			}
			if n := len(k) / 64; n >= len(r.keyLengths) {
				r.keyLengths = append(r.keyLengths, make([]uint64, n+1-len(r.keyLengths))...)
			}
			r.keyLengths[len(k)/64] |= 1 << (len(k) % 64)
			r.keyFirstBytes[k[0]] = true
		}
		// Types repeat in runs (one block's instances): skip the lookup then.
		if t := e.Type(); t != "" && t != last {
			last = t
			res, _, _ := strings.Cut(t, "_")
			r.resources[strings.ToLower(res)] = true
		}
	}
	return r
}

// checker runs the rules for one worker. Its scratch buffers are reused from object to
// object, so a valid object costs next to no allocation.
type checker struct {
	*run
	findings []Finding
	// props holds the current object's properties in canonical order (see
	// propertyOrder), computed once per object and shared by the rules.
	props []property
	// reserved holds the values of the reserved properties, by reservedRank (nil when
	// absent), so that the rules need not look them up.
	reserved [model.NumLeading]any
	obj      *model.Object
	// classes holds the current entity's _class values; from and to those of a
	// relationship's endpoints.
	classes, from, to []string
	// ends are the entities of the configuration that a direct relationship's
	// _fromEntityKey and _toEntityKey name, nil where they name none (J1P008, J1D406).
	ends            [2]*model.Object
	problems        []datamodel.Problem
	missing, custom []string
	// classAnswers remembers the catalog's answers about property names by class
	// combination; answers is the current entity's, found on first use.
	classAnswers map[string]classAnswers
	answers      classAnswers
	remembered   int
	// meanings remembers J1D401's "did you mean" pairs by missing and custom names.
	meanings map[string][]meaning
	// missingClasses are the classes J1D401 has reported on the current entity.
	missingClasses []string
	// missingMessages remembers J1D401's text by class combination, missing and custom
	// names (see missingMessage).
	missingMessages map[string]missingMessage
	keyBuf          []byte
}

// property is one property of the object being checked.
type property struct {
	name  string
	value any
}

func (r *run) newChecker() *checker { return &checker{run: r} }

// chunkSize is the number of objects a worker takes at a time: large enough that handing
// out chunks costs nothing, small enough that two workers finish together.
const chunkSize = 1024

// objectFindings runs the per-object rules over the graph's entities and relationships.
func (r *run) objectFindings(g *model.Graph) []Finding {
	n := g.Len()
	at := func(i int) *model.Object {
		if i < len(g.Entities) {
			return g.Entities[i]
		}
		return g.Relationships[i-len(g.Entities)]
	}
	chunks := (n + chunkSize - 1) / chunkSize
	results := make([][]Finding, chunks)
	crash.Each(chunks, func() func(int) {
		c := r.newChecker()
		return func(k int) {
			c.findings = c.findings[:0] // one buffer per worker, copied out at its size
			for i := k * chunkSize; i < min(n, (k+1)*chunkSize); i++ {
				c.object(at(i))
			}
			results[k] = slices.Clone(c.findings)
		}
	})
	total := 0
	for _, fs := range results {
		total += len(fs)
	}
	out := make([]Finding, 0, total)
	for _, fs := range results {
		out = append(out, fs...)
	}
	return out
}

// report records a finding at its rule's configured severity.
func (c *checker) report(code string, o *model.Object, prop, summary, detail string) *Finding {
	sev := c.severity(code)
	if sev == Off {
		return nil
	}
	c.findings = append(c.findings, Finding{Code: code, Severity: sev, Object: o, Property: prop, Summary: summary, detail: detail})
	return &c.findings[len(c.findings)-1]
}

// reportNamed is report for a detail that starts with describe(o), given without it.
func (c *checker) reportNamed(code string, o *model.Object, prop, summary, afterName string) {
	if f := c.report(code, o, prop, summary, afterName); f != nil {
		f.named = true
	}
}

func (c *checker) severity(code string) Severity {
	r, ok := RuleByCode(code)
	if !ok {
		panic("validate: finding with unregistered rule code " + code)
	}
	if r.Platform {
		return Error
	}
	if s, ok := c.opts.Severities[code]; ok {
		return s // a rule's own setting is more specific than strict
	}
	if c.opts.Strict && r.Default == Warning && strings.HasPrefix(code, "J1D") {
		return Error
	}
	return r.Default
}

func (c *checker) written(o *model.Object, prop string) bool {
	if c.opts.Written == nil {
		return true
	}
	return c.opts.Written(o, prop)
}

// load makes o the current object: its properties, its reserved values, and for entities
// its classes. The properties come in map order: rules report in any order, and object
// sorts the findings.
func (c *checker) load(o *model.Object) {
	if c.obj == o {
		return
	}
	c.obj = o
	c.reserved = [len(c.reserved)]any{}
	c.props = c.props[:0]
	for name, v := range o.Props {
		if r := model.LeadingRank(name); r >= 0 {
			c.reserved[r] = v
		}
		c.props = append(c.props, property{name, v})
	}
	c.classes = c.classes[:0]
	c.ends = [2]*model.Object{}
	switch o.Kind {
	case model.KindEntity:
		c.classes = appendClasses(c.classes, c.reserved[rankClass])
	case model.KindRelationship:
		c.ends = [2]*model.Object{c.entityKeys[c.reservedString(rankFromKey)], c.entityKeys[c.reservedString(rankToKey)]}
	}
	c.answers = nil
}

// Ranks of the reserved properties the rules read from checker.reserved.
const (
	rankKey     = 0
	rankType    = 1
	rankClass   = 2
	rankFromKey = 3
	rankToKey   = 4
	rankMapping = 5
)

// reservedString returns a reserved property's value if it is a string.
func (c *checker) reservedString(rank int) string {
	s, _ := c.reserved[rank].(string)
	return s
}

// sortFindings puts the findings from start on, all about the current object, in a fixed
// order: by the rule's place in the catalogue, then by property in the payload's order
// (reserved properties first, the rest by name). The sort is stable: a rule that reports
// several findings on one property reports them in a fixed order.
func (c *checker) sortFindings(start int) {
	fs := c.findings[start:]
	if len(fs) < 2 {
		return
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(ruleIndex[a.Code], ruleIndex[b.Code]),
			comparePropertyNames(a.Property, b.Property),
		)
	})
}

// comparePropertyNames orders property names as the canonical payload does; the object
// itself ("") comes first.
func comparePropertyNames(a, b string) int {
	rank := func(s string) int {
		switch r := model.LeadingRank(s); {
		case s == "":
			return -1
		case r >= 0:
			return r
		}
		return 8
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
}

// appendClasses appends a _class value's class names: a string, or the strings of a list.
func appendClasses(dst []string, v any) []string {
	switch x := v.(type) {
	case string:
		if x != "" {
			dst = append(dst, x)
		}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				dst = append(dst, s)
			}
		}
	}
	return dst
}

func (c *checker) object(o *model.Object) {
	start := len(c.findings)
	c.load(o)
	c.platformObject(o)
	for _, rule := range objectRules {
		rule(c, o)
	}
	c.sortFindings(start)
}

// objectRules are the per-object rules beyond J1P001–J1P005, in code order. J1C205 and
// J1D406 look at other objects too, but only read what newRun indexed.
var objectRules = []func(*checker, *model.Object){
	(*checker).classRule,        // J1P007
	(*checker).endpointRule,     // J1P008
	(*checker).mappingRule,      // J1P009
	(*checker).timestampRule,    // J1P010
	(*checker).secretNameRule,   // J1S301
	(*checker).secretValueRule,  // J1S302
	(*checker).conventionRules,  // J1C201–J1C208
	(*checker).dataModelRules,   // J1D401–J1D405, J1D407
	(*checker).relationshipRule, // J1D406
}

// graphRules are the rules about several objects at once: J1P006. Entities sharing a key
// were found while indexing them; relationships are checked against every entity and each
// other.
func (c *checker) graphRules() {
	for _, o := range c.duplicateEntities {
		c.duplicateKey(o, c.entityKeys[o.Key()])
	}
	g := c.graph
	seen := make(map[string]*model.Object, len(g.Relationships))
	for _, o := range g.Relationships {
		k := o.Key()
		if k == "" {
			continue
		}
		if first, ok := c.entityKeys[k]; ok {
			c.duplicateKey(o, first)
		} else if first, ok := seen[k]; ok {
			c.duplicateKey(o, first)
		} else {
			seen[k] = o
		}
	}
}

// describe names an object for messages: its address when it has one, else its _key.
func describe(o *model.Object) string {
	if o.Address != "" {
		return o.Address
	}
	if k := o.Key(); k != "" {
		return fmt.Sprintf("%s %q", o.Kind, k)
	}
	return o.Kind.String()
}

// quote renders a value for a message as JSON, shortened so that a 4 KB string does not
// flood the terminal: a long string keeps its closing quote.
func quote(v any) string {
	const max = 80
	if s, ok := v.(string); ok {
		if utf8.RuneCountInString(s) > max-2 {
			s = string([]rune(s)[:max-3]) + "…"
		}
		return string(model.AppendValueJSON(nil, s))
	}
	s := string(model.AppendValueJSON(nil, v))
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// Stand-ins for values a message must not show.
const (
	sensitiveValue = "<sensitive>"
	withheldValue  = "<not shown>"
)

// mayShow reports whether a message may show a property's value. It may not when the
// value derives from a sensitive variable, when a name says it is secret or personal, or
// when it looks like a credential: diagnostics end up in CI logs and pull-request comments.
func mayShow(o *model.Object, name string, v any) bool {
	return !o.IsSensitive(name) && !IsSecretName(name) && !isPIIName(name) && !looksSecret(v)
}

// shown renders a property's value for a message, or a stand-in when mayShow says no.
func shown(o *model.Object, name string, v any) string {
	switch {
	case o.IsSensitive(name):
		return sensitiveValue
	case !mayShow(o, name, v):
		return withheldValue
	}
	return quote(v)
}
