// Package validate checks graph objects against JupiterOne's platform rules, the integration
// guide's conventions, secret detection and the data model, producing coded findings.
package validate

import (
	"fmt"
	"strings"

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
	// Detail names the object, says what is wrong with the actual value and what to do.
	Detail string
	// Related is a second object involved (the first holder of a duplicate _key).
	Related *model.Object
}

// Options tune a validation run.
type Options struct {
	// Mode is the sync mode ("DIFF" or "PATCH"); it decides whether a relationship may point at
	// an entity outside the configuration (J1P008).
	Mode string
	// IntegrationType is the integration block's type, for the _type convention (J1C207).
	IntegrationType string
	// Severities overrides rule severities by code (from the rules { } block). Platform rules
	// cannot be overridden; Configure reports an attempt as an error.
	Severities map[string]Severity
	// Strict turns data-model (J1D) warnings into errors.
	Strict bool
	// Written reports whether a property was written in the configuration rather than
	// defaulted. Nil means every property was written (e.g. uploads checked by the emulator).
	Written func(o *model.Object, prop string) bool
	// Classes is the data model used for class checks. Nil skips the class checks (J1P007 and
	// the J1D rules).
	Classes ClassCatalog
}

// ClassCatalog is what the rules need to know of JupiterOne's data model.
type ClassCatalog interface {
	IsEntityClass(name string) bool
	EntityClasses() []string
	IsRelationshipClass(name string) bool
	RelationshipClasses() []string
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
// order: by object position in the graph, then by rule code.
func Graph(g *model.Graph, opts Options) []Finding {
	c := newChecker(g, opts)
	for _, o := range g.Entities {
		c.object(o)
	}
	for _, o := range g.Relationships {
		c.object(o)
	}
	c.graphRules()
	return c.finish()
}

// PlatformObject runs the per-object platform rules J1P001–J1P005 on one object, as the Sync
// API (and the emulator) does for each uploaded object.
func PlatformObject(o *model.Object) []Finding {
	c := newChecker(nil, Options{})
	c.platformObject(o)
	return c.finish()
}

// DuplicateKeys reports J1P006 for every object whose _key an earlier object already holds,
// entities and relationships together.
func DuplicateKeys(objs []*model.Object) []Finding {
	c := newChecker(nil, Options{})
	seen := make(map[string]*model.Object, len(objs))
	for _, o := range objs {
		c.duplicateKey(seen, o)
	}
	return c.finish()
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

type checker struct {
	opts     Options
	graph    *model.Graph
	findings []Finding
	// names caches the current object's property names in canonical order.
	names   []string
	namesOf *model.Object
	// entityKeys holds the configuration's entity keys, for J1P008 and J1C205.
	entityKeys map[string]*model.Object
}

func newChecker(g *model.Graph, opts Options) *checker {
	c := &checker{opts: opts, graph: g}
	if g != nil {
		c.entityKeys = make(map[string]*model.Object, len(g.Entities))
		for _, e := range g.Entities {
			if k := e.Key(); k != "" {
				if _, dup := c.entityKeys[k]; !dup {
					c.entityKeys[k] = e
				}
			}
		}
	}
	return c
}

// report records a finding at its rule's configured severity.
func (c *checker) report(code string, o *model.Object, prop, summary, detail string) *Finding {
	sev := c.severity(code)
	if sev == Off {
		return nil
	}
	c.findings = append(c.findings, Finding{Code: code, Severity: sev, Object: o, Property: prop, Summary: summary, Detail: detail})
	return &c.findings[len(c.findings)-1]
}

func (c *checker) severity(code string) Severity {
	r, ok := RuleByCode(code)
	if !ok {
		panic("validate: finding with unregistered rule code " + code)
	}
	if r.Platform {
		return Error
	}
	sev := r.Default
	if s, ok := c.opts.Severities[code]; ok {
		sev = s
	}
	if c.opts.Strict && sev == Warning && strings.HasPrefix(code, "J1D") {
		sev = Error
	}
	return sev
}

func (c *checker) written(o *model.Object, prop string) bool {
	if c.opts.Written == nil {
		return true
	}
	return c.opts.Written(o, prop)
}

func (c *checker) finish() []Finding { return c.findings }

// propertyNames returns o's property names in canonical order, computed once per object.
func (c *checker) propertyNames(o *model.Object) []string {
	if c.namesOf != o {
		c.names, c.namesOf = o.PropertyNames(), o
	}
	return c.names
}

func (c *checker) object(o *model.Object) {
	c.propertyNames(o)
	c.platformObject(o)
	for _, rule := range objectRules {
		rule(c, o)
	}
}

// objectRules are the per-object rules beyond J1P001–J1P005, in code order.
var objectRules = []func(*checker, *model.Object){
	(*checker).classRule,       // J1P007
	(*checker).mappingRule,     // J1P009
	(*checker).timestampRule,   // J1P010
	(*checker).secretNameRule,  // J1S301
	(*checker).secretValueRule, // J1S302
	(*checker).conventionRules, // J1C201–J1C204, J1C206–J1C208
	(*checker).dataModelRules,  // J1D401–J1D405, J1D407
}

func (c *checker) graphRules() {
	seen := make(map[string]*model.Object, c.graph.Len())
	for _, o := range c.graph.Entities {
		c.duplicateKey(seen, o)
	}
	for _, o := range c.graph.Relationships {
		c.duplicateKey(seen, o)
	}
	for _, o := range c.graph.Relationships {
		c.endpointRule(o)
	}
	c.foreignKeyRule()   // J1C205
	c.relationshipRule() // J1D406
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

// quote renders a value for a message, truncated so a 4 KB string does not flood the terminal.
func quote(v any) string {
	s := string(model.AppendValueJSON(nil, v))
	const max = 80
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
