package validate

import (
	"slices"
	"sort"
	"strings"

	"github.com/j1hcl/j1hcl/internal/datamodel"
	"github.com/j1hcl/j1hcl/internal/model"
)

// fakeCatalog is a data model small enough to read in one go: it pins the engine's
// behaviour (which problems become which findings, what is filtered, what messages say)
// independently of what a data-model version defines.
type fakeCatalog struct{}

// fakeProperty is one property of a fake class: its one allowed type (JSON Schema name),
// enum, deprecation and description.
type fakeProperty struct {
	typ         string
	enum        []any
	replacement string // set: deprecated in favour of it
	description string
}

type fakeClass struct {
	abstract bool
	required []string
	props    map[string]fakeProperty
}

var fakeClasses = map[string]fakeClass{
	"Entity": {abstract: true},
	"Team": {props: map[string]fakeProperty{
		"email": {typ: "string", description: "The team's email address"},
	}},
	"Application": {props: map[string]fakeProperty{
		"webLink": {typ: "string", description: "Web link to the application"},
		"public":  {typ: "boolean", description: "Whether the application is public"},
	}},
	"Host": {required: []string{"hostname", "osType"}, props: map[string]fakeProperty{
		"hostname": {typ: "string", description: "The primary hostname"},
		"osType":   {typ: "string", enum: []any{"linux", "windows", "darwin"}, description: "Operating system type"},
	}},
	"User": {required: []string{"email", "username"}, props: map[string]fakeProperty{
		"email":    {typ: "array", description: "The primary email address"},
		"username": {typ: "array", description: "Login names"},
		"isActive": {typ: "boolean"},
		"active":   {typ: "boolean", replacement: "isActive", description: "Prefer property 'isActive'"},
	}},
	"Vulnerability": {},
}

// fakeRule: Host -> Vulnerability must use HAS, direction enforced.
var fakeRule = datamodel.RelationshipRule{
	ID: "host-vuln", Description: "Host -> Vulnerability must use HAS", SourceClass: "Host", TargetClass: "Vulnerability",
	AllowedVerbs: []string{"HAS"}, DirectionEnforced: true, Status: "adopted",
}

func (fakeCatalog) IsEntityClass(n string) bool { _, ok := fakeClasses[n]; return ok }
func (fakeCatalog) EntityClasses() []string {
	var out []string
	for n := range fakeClasses {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
func (fakeCatalog) IsRelationshipClass(n string) bool {
	return slices.Contains([]string{"HAS", "IS", "OWNS", "USES"}, n)
}
func (fakeCatalog) RelationshipClasses() []string { return []string{"HAS", "IS", "OWNS", "USES"} }

func (fakeCatalog) ClassDefinesProperty(classes []string, name string) bool {
	if slices.Contains(entityRequired, name) {
		return true
	}
	for _, c := range classes {
		if _, ok := fakeClasses[c].props[name]; ok {
			return true
		}
	}
	return false
}

func (f fakeCatalog) EquivalentClassProperty(classes []string, name string) string {
	if f.ClassDefinesProperty(classes, name) {
		return ""
	}
	for _, c := range classes {
		for p := range fakeClasses[c].props {
			if strings.EqualFold(p, name) {
				return p
			}
		}
	}
	return ""
}

func (fakeCatalog) PropertyDefinition(classes []string, name string) *datamodel.Property {
	for _, c := range classes {
		if p, ok := fakeClasses[c].props[name]; ok {
			return &datamodel.Property{Name: name, Class: c, Description: p.description, Types: []string{p.typ}, Enum: p.enum,
				Deprecated: p.replacement != "", Replacement: p.replacement, Expect: "a " + p.typ}
		}
	}
	return nil
}

func (f fakeCatalog) AppendProblems(dst []datamodel.Problem, classes []string, props model.Properties) []datamodel.Problem {
	for _, c := range classes {
		cls := fakeClasses[c]
		if cls.abstract {
			dst = append(dst, datamodel.Problem{Keyword: datamodel.KeywordAbstract, Property: "_class", Class: c})
		}
		for _, r := range cls.required {
			if _, ok := props[r]; !ok {
				dst = append(dst, datamodel.Problem{Keyword: datamodel.KeywordRequired, Property: r, Class: c})
			}
		}
		for _, name := range sortedNames(cls.props) {
			p := cls.props[name]
			v, ok := props[name]
			if !ok {
				continue
			}
			typ := model.TypeName(v)
			switch typ {
			case "list":
				typ = "array"
			case "bool":
				typ = "boolean"
			}
			switch {
			case typ != p.typ:
				dst = append(dst, datamodel.Problem{Keyword: datamodel.KeywordType, Property: name, Class: c, Value: v,
					Message: "must be a " + p.typ + ", not " + quote(v), Expect: "a " + p.typ, Description: p.description})
			case p.enum != nil && !slices.Contains(p.enum, v):
				dst = append(dst, datamodel.Problem{Keyword: datamodel.KeywordEnum, Property: name, Class: c, Value: v,
					Message: "must be one of " + quote(p.enum) + ", not " + quote(v), Expect: "one of " + quote(p.enum), Description: p.description})
			}
			if p.replacement != "" {
				dst = append(dst, datamodel.Problem{Keyword: datamodel.KeywordDeprecated, Property: name, Class: c, Value: v,
					Replacement: p.replacement, Description: p.description})
			}
		}
	}
	return dst
}

func (fakeCatalog) CheckRelationship(from, to []string, verb string) []datamodel.RuleViolation {
	r := fakeRule
	switch {
	case slices.Contains(from, r.SourceClass) && slices.Contains(to, r.TargetClass) && !slices.Contains(r.AllowedVerbs, verb):
		return []datamodel.RuleViolation{{Rule: r, Verb: verb}}
	case slices.Contains(from, r.TargetClass) && slices.Contains(to, r.SourceClass):
		return []datamodel.RuleViolation{{Rule: r, Verb: verb, Reversed: true}}
	}
	return nil
}

func sortedNames(m map[string]fakeProperty) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
