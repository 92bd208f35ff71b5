package datamodel

import (
	"fmt"
	"slices"
	"sort"
)

// RelationshipClass is a standard relationship _class (the verb), e.g. HAS.
type RelationshipClass struct {
	Name string `json:"name"`
	// Description is the package's documentation comment for the class, "" if it has none.
	Description string `json:"description,omitempty"`
}

// RelationshipRule is one of the package's relationship rules
// (dist/relationship_schemas/*.json): relationships from SourceClass entities to
// TargetClass entities must use one of AllowedVerbs.
type RelationshipRule struct {
	ID           string   `json:"id"`
	Description  string   `json:"description"`
	SourceClass  string   `json:"sourceClass"`
	TargetClass  string   `json:"targetClass"`
	AllowedVerbs []string `json:"allowedVerbs"`
	// DirectionEnforced means the relationship must run from SourceClass to TargetClass;
	// one from a TargetClass entity to a SourceClass entity breaks the rule.
	DirectionEnforced bool `json:"directionEnforced"`
	// Status is "proposed" or "adopted", as the package marks it.
	Status string `json:"status"`
}

// RuleViolation is a relationship that breaks a RelationshipRule.
type RuleViolation struct {
	Rule RelationshipRule
	// Verb is the relationship's class.
	Verb string
	// Reversed means the relationship runs from the rule's target class to its source class
	// while the rule enforces the direction; otherwise Verb is not among AllowedVerbs.
	Reversed bool
}

// Message says what is wrong, e.g.
// `the data model's rule "Host -> Finding must use HAS" does not allow IS`.
func (v RuleViolation) Message() string {
	if v.Reversed {
		return fmt.Sprintf("the data model's rule %q runs from %s to %s; this relationship runs the other way",
			v.Rule.Description, v.Rule.SourceClass, v.Rule.TargetClass)
	}
	return fmt.Sprintf("the data model's rule %q does not allow %s", v.Rule.Description, v.Verb)
}

func (m *Model) indexRelationships(classes []RelationshipClass) error {
	m.relClasses = append([]RelationshipClass(nil), classes...)
	sort.Slice(m.relClasses, func(i, j int) bool { return m.relClasses[i].Name < m.relClasses[j].Name })
	for i := range m.relClasses {
		rc := &m.relClasses[i]
		if rc.Name == "" || m.relIndex[rc.Name] != nil {
			return fmt.Errorf("relationship class %q is empty or listed twice", rc.Name)
		}
		m.relIndex[rc.Name] = rc
	}
	for _, r := range m.rules {
		if m.classes[r.SourceClass] == nil || m.classes[r.TargetClass] == nil {
			return fmt.Errorf("relationship rule %s: unknown class %s or %s", r.ID, r.SourceClass, r.TargetClass)
		}
		if len(r.AllowedVerbs) == 0 {
			return fmt.Errorf("relationship rule %s: no allowed verbs", r.ID)
		}
		for _, v := range r.AllowedVerbs {
			if m.relIndex[v] == nil {
				return fmt.Errorf("relationship rule %s: unknown verb %s", r.ID, v)
			}
		}
	}
	return nil
}

// RelationshipClasses returns all relationship classes, sorted by name.
func (m *Model) RelationshipClasses() []RelationshipClass {
	return append([]RelationshipClass(nil), m.relClasses...)
}

// IsRelationshipClass reports whether name is exactly a standard relationship class.
func (m *Model) IsRelationshipClass(name string) bool { return m.relIndex[name] != nil }

// RelationshipClass returns the relationship class with exactly this name.
func (m *Model) RelationshipClass(name string) (RelationshipClass, bool) {
	if rc := m.relIndex[name]; rc != nil {
		return *rc, true
	}
	return RelationshipClass{}, false
}

// RelationshipRules returns the package's relationship rules, in the package's order.
func (m *Model) RelationshipRules() []RelationshipRule {
	out := make([]RelationshipRule, len(m.rules))
	for i, r := range m.rules {
		r.AllowedVerbs = append([]string(nil), r.AllowedVerbs...)
		out[i] = r
	}
	return out
}

// CheckRelationship returns the rules a relationship breaks: from an entity with classes
// from to one with classes to, with relationship class verb. A rule applies when from
// includes its source class and to its target class, by exact name as JupiterOne queries
// _class (a Problem, which extends Finding, is not a Finding here); a direction-enforced
// rule also applies the other way round, where any verb breaks it.
func (m *Model) CheckRelationship(from, to []string, verb string) []RuleViolation {
	var out []RuleViolation
	for _, r := range m.rules {
		if slices.Contains(from, r.SourceClass) && slices.Contains(to, r.TargetClass) {
			if !slices.Contains(r.AllowedVerbs, verb) {
				out = append(out, RuleViolation{Rule: r, Verb: verb})
			}
			continue
		}
		if r.DirectionEnforced && slices.Contains(from, r.TargetClass) && slices.Contains(to, r.SourceClass) {
			out = append(out, RuleViolation{Rule: r, Verb: verb, Reversed: true})
		}
	}
	return out
}
