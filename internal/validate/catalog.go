package validate

import (
	"strings"

	"github.com/j1hcl/j1hcl/internal/datamodel"
	"github.com/j1hcl/j1hcl/internal/model"
)

// ClassCatalog is what the class-aware rules know of JupiterOne's data model: J1P007 and
// J1P009 ask for class names, J1C201 and J1C204 for class properties, J1D401–J1D405 for
// schema problems and J1D406 for relationship rules.
//
// DataModelCatalog implements it over the embedded data model. The rules take this
// interface rather than *datamodel.Model so that their tests can pin the engine's
// behaviour (overlap filtering, messages, severities) with a small fake, independent of
// what a data-model version happens to define. Its vocabulary is datamodel's plain value
// types (Problem, Property, RuleViolation): datamodel sits below validate in the pipeline,
// and restating those types here would only add a copy per problem.
type ClassCatalog interface {
	// IsEntityClass reports whether name is exactly an entity class.
	IsEntityClass(name string) bool
	// EntityClasses returns every entity class name, sorted, for "did you mean".
	EntityClasses() []string
	// IsRelationshipClass reports whether name is exactly a relationship class.
	IsRelationshipClass(name string) bool
	// RelationshipClasses returns every relationship class name, sorted.
	RelationshipClasses() []string

	ClassProperties

	// PropertyDefinition returns the definition of a property to quote for an entity with
	// these classes (the most specific one), or nil when no class defines it.
	PropertyDefinition(classes []string, name string) *datamodel.Property
	// AppendProblems appends to dst the ways props departs from the schemas of the classes
	// and their ancestors, as datamodel.Model.AppendProblems does; unknown classes are
	// skipped. It runs for every entity: a valid one must cost no allocation.
	AppendProblems(dst []datamodel.Problem, classes []string, props model.Properties) []datamodel.Problem
	// CheckRelationship returns the relationship rules that a relationship of class verb,
	// from an entity with classes from to one with classes to, breaks.
	CheckRelationship(from, to []string, verb string) []datamodel.RuleViolation
}

// ClassProperties is the part of a ClassCatalog that knows which properties classes define.
type ClassProperties interface {
	// ClassDefinesProperty reports whether any of the classes (or their parents) defines
	// name.
	ClassDefinesProperty(classes []string, name string) bool
	// EquivalentClassProperty returns the class-defined property that name duplicates under
	// another spelling (hostName → hostname, emailAddress → email, os → osType), or "" when
	// there is none or the classes define name itself.
	EquivalentClassProperty(classes []string, name string) string
}

// DataModelCatalog is the ClassCatalog of a parsed data model. It is immutable and safe
// for concurrent use.
type DataModelCatalog struct {
	model               *datamodel.Model
	entityClasses       []string
	relationshipClasses []string
	classes             map[string]*classIndex
}

// classIndex holds what EquivalentClassProperty matches names against, for one class and
// its ancestors; whether classes define a name is the data model's own lookup.
type classIndex struct {
	// spelled maps a spelling-insensitive form of each defined name (see foldName) to the
	// name; forms that two properties share are left out as ambiguous.
	spelled map[string]string
	// names lists the defined names, sorted, for near-miss matching.
	names []string
}

// NewDataModelCatalog indexes a data model for the rules.
func NewDataModelCatalog(m *datamodel.Model) *DataModelCatalog {
	c := &DataModelCatalog{
		model:         m,
		entityClasses: m.ClassNames(),
		classes:       map[string]*classIndex{},
	}
	for _, rc := range m.RelationshipClasses() {
		c.relationshipClasses = append(c.relationshipClasses, rc.Name)
	}
	for _, name := range c.entityClasses {
		idx := &classIndex{spelled: map[string]string{}}
		ambiguous := map[string]bool{}
		for _, p := range m.Class(name).Properties() {
			idx.names = append(idx.names, p.Name)
			f := foldName(p.Name)
			if _, dup := idx.spelled[f]; dup {
				ambiguous[f] = true
			}
			idx.spelled[f] = p.Name
		}
		for f := range ambiguous {
			delete(idx.spelled, f)
		}
		c.classes[name] = idx
	}
	return c
}

// IsEntityClass implements ClassCatalog.
func (c *DataModelCatalog) IsEntityClass(name string) bool { return c.classes[name] != nil }

// EntityClasses implements ClassCatalog.
func (c *DataModelCatalog) EntityClasses() []string { return c.entityClasses }

// IsRelationshipClass implements ClassCatalog.
func (c *DataModelCatalog) IsRelationshipClass(name string) bool {
	return c.model.IsRelationshipClass(name)
}

// RelationshipClasses implements ClassCatalog.
func (c *DataModelCatalog) RelationshipClasses() []string { return c.relationshipClasses }

// PropertyDefinition implements ClassCatalog.
func (c *DataModelCatalog) PropertyDefinition(classes []string, name string) *datamodel.Property {
	return c.model.Property(classes, name)
}

// AppendProblems implements ClassCatalog.
func (c *DataModelCatalog) AppendProblems(dst []datamodel.Problem, classes []string, props model.Properties) []datamodel.Problem {
	return c.model.AppendProblems(dst, classes, props)
}

// CheckRelationship implements ClassCatalog.
func (c *DataModelCatalog) CheckRelationship(from, to []string, verb string) []datamodel.RuleViolation {
	return c.model.CheckRelationship(from, to, verb)
}

// ClassDefinesProperty implements ClassProperties.
func (c *DataModelCatalog) ClassDefinesProperty(classes []string, name string) bool {
	return c.model.Property(classes, name) != nil
}

// EquivalentClassProperty implements ClassProperties. It tries, in order and for each class
// in turn: the same name up to case, separators and a plural s (hostName, host_name →
// hostname; macAddress → macAddresses); a table of synonyms
// (emailAddress → email, os → osType, serialNumber → serial); and a name of at least six
// letters one typing slip away (webLnik → webLink). The result is "" when nothing fits.
// It scans the classes' names for slips, so callers that ask for the same names over
// and over should remember the answers (the checker does).
func (c *DataModelCatalog) EquivalentClassProperty(classes []string, name string) string {
	if name == "" || strings.HasPrefix(name, "_") || strings.HasPrefix(name, "tag.") || c.ClassDefinesProperty(classes, name) {
		return ""
	}
	f := foldName(name)
	for _, cls := range classes {
		if idx := c.classes[cls]; idx != nil {
			if want := idx.spelled[f]; want != "" {
				return want
			}
		}
	}
	for _, want := range propertySynonyms[f] {
		if c.ClassDefinesProperty(classes, want) {
			return want
		}
	}
	for _, cls := range classes {
		if idx := c.classes[cls]; idx != nil {
			if want := nearMiss(name, idx.names); want != "" {
				return want
			}
		}
	}
	return ""
}

// propertySynonyms maps the folded form of names integrations commonly invent to the data
// model's properties for the same thing, most likely first. The first one the entity's
// classes define wins.
var propertySynonyms = map[string][]string{
	"emailaddress":    {"email", "userEmails"},
	"mail":            {"email"},
	"primaryemail":    {"email"},
	"os":              {"osType", "osName"},
	"operatingsystem": {"osName", "osType"},
	"osfamily":        {"osType"},
	"serialnumber":    {"serial", "hardwareSerial"},
	"serialno":        {"serial", "hardwareSerial"},
	"manufacturer":    {"make", "hardwareVendor"},
	"vendorname":      {"vendor"},
	"macaddr":         {"macAddresses", "macAddress"},
	"mac":             {"macAddresses", "macAddress"},
	"dnsname":         {"fqdn"},
	"url":             {"webLink"},
	"weburl":          {"webLink"},
	"desc":            {"description"},
	"givenname":       {"firstName"},
	"surname":         {"lastName"},
	"familyname":      {"lastName"},
	"login":           {"username"},
	"loginname":       {"username"},
	"employeenumber":  {"employeeId"},
	"mfa":             {"isMfaEnabled", "mfaEnabled"},
	"created":         {"createdOn"},
	"createdat":       {"createdOn"},
	"createddate":     {"createdOn"},
	"creationdate":    {"createdOn"},
	"updated":         {"updatedOn"},
	"updatedat":       {"updatedOn"},
	"modifiedon":      {"updatedOn"},
	"lastmodified":    {"updatedOn"},
	"lastseen":        {"lastSeenOn"},
	"lastseenat":      {"lastSeenOn"},
	"expire":          {"expiresOn"},
	"expiresat":       {"expiresOn"},
	"expirationdate":  {"expiresOn"},
	"expirydate":      {"expiresOn"},
	"ip":              {"ipAddress"},
	"ipaddr":          {"ipAddress"},
}

// foldName is a name's spelling-insensitive form: lower case, without "-", "_", " " and
// ".", and without a plural s (macAddresses → macaddress, tags → tag; "ss" endings stay).
//
// An "is" prefix is kept: Entity defines active, but the integration guide names booleans
// isActive (J1C201) and User deprecates active for isActive, so isActive is no duplicate.
func foldName(name string) string {
	var buf [64]byte
	return string(appendFolded(buf[:0], name))
}

// sameSpelling reports whether two names have the same foldName, without allocating.
func sameSpelling(a, b string) bool {
	var ba, bb [64]byte
	return string(appendFolded(ba[:0], a)) == string(appendFolded(bb[:0], b))
}

func appendFolded(b []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		ch := name[i]
		switch {
		case ch == '-' || ch == '_' || ch == ' ' || ch == '.':
			continue
		case ch >= 'A' && ch <= 'Z':
			ch += 'a' - 'A'
		}
		b = append(b, ch)
	}
	switch n := len(b); {
	case n > 4 && string(b[n-4:]) == "sses":
		b = b[:n-2]
	case n > 3 && b[n-1] == 's' && b[n-2] != 's':
		b = b[:n-1]
	}
	return b
}
