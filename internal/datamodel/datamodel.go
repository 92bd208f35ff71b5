// Package datamodel embeds the JupiterOne data model (the npm package @jupiterone/data-model,
// pinned to Version) and checks entities against its class schemas.
//
// # Data
//
// The generator in ./gen (run by go generate, or make datamodel) takes the package's
// tarball from npm pack, verifies its sha512 integrity against the pin, refuses schema
// keywords and formats this package cannot evaluate, and writes schema/datamodel.json with
// the licence and a provenance README. The file is embedded: building and testing need
// neither Node nor the network.
//
// # Evaluation
//
// Model.Check validates an entity's properties against every class in its _class and
// every ancestor of those classes. Parent and child constraints all hold (JSON Schema
// allOf); a child never overrides its parent. It reports structured Problems that name the
// property, the class whose schema states the rule, and that class's description of the
// property.
//
// The evaluator is hand-written rather than a general JSON Schema library (such as
// github.com/santhosh-tekuri/jsonschema/v6) because the package uses a small, closed
// vocabulary (listed in nodeKeywords and classKeywords), and the results must match the
// package's own validator, Ajv with ajv-formats, which a general library does not: Ajv's
// formats (email, uri, hostname, ipv4, ipv6, date-time) and the package's (ip, ipCidr, asn)
// are ported here expression by expression; ECMAScript patterns that RE2 cannot run get
// reviewed rewrites; a problem must carry the defining class and its description, and
// deprecated properties must be reported, which a schema validator treats as annotations.
// Compiling a small vocabulary into plans per class combination also keeps validation of
// 100,000 entities well under a second (see BenchmarkCheck100k).
//
// The expected verdicts in testdata were produced once with the package's own validator
// (gen/oracle.js); the tests compare this evaluator with them.
//
// # Rules built on it
//
// Problem keywords map onto the specification's codes: required is J1D401; type, format,
// pattern, enum, const, minimum, maximum, minLength, minItems, uniqueItems and oneOf are
// J1D402 (a _key under 10 characters is GraphObject's minLength, which J1D407 also covers);
// propertyNames is J1D403; deprecated is J1D404; abstract is J1D405. GraphObject requires
// _key, _class and _type and Entity requires name and displayName, which J1P001 already
// reports. CheckRelationship serves J1D406, and Class, ClassNames and IsRelationshipClass
// serve J1P007.
package datamodel

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
)

//go:generate go run ./gen

// The pinned package. The generator verifies the tarball against Integrity; tests check
// that the embedded data carries the same values.
const (
	Package   = "@jupiterone/data-model"
	Version   = "0.64.2"
	Integrity = "sha512-Fd5EV5+ZqXKb23MlIQPQ2TSqrMYZXpc6cZA8d7UrZKP17G8XqFb2YWgDtftgH60kyX82Y4pJYJ8xtgAZXJbxAw=="
)

// abstractClasses are the bases j1hcl's specification calls abstract.
var abstractClasses = []string{"GraphObject", "Entity", "RecordEntity"}

//go:embed schema/datamodel.json
var embedded []byte

// Model is a parsed data model. It is immutable apart from an internal cache of compiled
// class combinations, and safe for concurrent use.
type Model struct {
	pkg, version, integrity string
	classes                 map[string]*Class
	classNames              []string
	relClasses              []RelationshipClass
	relIndex                map[string]*RelationshipClass
	rules                   []RelationshipRule
	plans                   planCache
	// What the schemas use, kept for the tests that prove each against Ajv.
	patterns    map[string]*jsRegexp
	formats     formatSet
	formatsUsed map[string]bool
}

// document is the shape of schema/datamodel.json, as the generator writes it.
type document struct {
	Package             string                     `json:"package"`
	Version             string                     `json:"version"`
	Integrity           string                     `json:"integrity"`
	License             string                     `json:"license"`
	EntityClasses       map[string]json.RawMessage `json:"entityClasses"`
	RelationshipClasses []RelationshipClass        `json:"relationshipClasses"`
	RelationshipRules   []RelationshipRule         `json:"relationshipRules"`
}

// Load parses the embedded data model. Parsing takes a few milliseconds; callers keep the
// Model and share it.
func Load() (*Model, error) {
	m, err := Parse(embedded)
	if err != nil {
		return nil, fmt.Errorf("embedded data model: %w", err)
	}
	return m, nil
}

// Parse parses a data-model document as the generator writes it, and compiles every class
// schema. It fails on any keyword, format or pattern the evaluator does not support, so the
// generator runs it on its output before writing it.
func Parse(data []byte) (*Model, error) {
	var doc document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode data model: %w", err)
	}
	if doc.Package == "" || doc.Version == "" || len(doc.EntityClasses) == 0 {
		return nil, fmt.Errorf("decode data model: package, version or entity classes missing")
	}
	formats, err := newFormatSet()
	if err != nil {
		return nil, err
	}
	c := &compiler{formats: formats, regexps: map[string]*jsRegexp{}, formatsUsed: map[string]bool{}}
	m := &Model{
		pkg:         doc.Package,
		version:     doc.Version,
		integrity:   doc.Integrity,
		classes:     make(map[string]*Class, len(doc.EntityClasses)),
		relIndex:    make(map[string]*RelationshipClass, len(doc.RelationshipClasses)),
		rules:       doc.RelationshipRules,
		patterns:    c.regexps,
		formats:     formats,
		formatsUsed: c.formatsUsed,
	}
	for name, raw := range doc.EntityClasses {
		cls, err := c.compileClass(name, raw)
		if err != nil {
			return nil, err
		}
		m.classes[name] = cls
		m.classNames = append(m.classNames, name)
	}
	sort.Strings(m.classNames)
	if err := m.link(); err != nil {
		return nil, err
	}
	if err := m.indexRelationships(doc.RelationshipClasses); err != nil {
		return nil, err
	}
	return m, nil
}

// link resolves parents and marks the abstract bases.
func (m *Model) link() error {
	for _, name := range m.classNames {
		cls := m.classes[name]
		if cls.parentName == "" {
			continue
		}
		if cls.parent = m.classes[cls.parentName]; cls.parent == nil {
			return fmt.Errorf("class %s extends unknown class %s", name, cls.parentName)
		}
	}
	for _, name := range m.classNames {
		steps := 0
		for x := m.classes[name]; x != nil; x = x.parent {
			if steps++; steps > len(m.classNames) {
				return fmt.Errorf("class %s: cycle in its parent classes", name)
			}
		}
	}
	for _, name := range abstractClasses {
		cls := m.classes[name]
		if cls == nil {
			return fmt.Errorf("abstract base class %s is missing", name)
		}
		cls.Abstract = true
	}
	return nil
}

// Package returns the npm package name the data was generated from.
func (m *Model) Package() string { return m.pkg }

// Version returns the package version the data was generated from.
func (m *Model) Version() string { return m.version }

// Integrity returns the verified sha512 integrity of the package tarball.
func (m *Model) Integrity() string { return m.integrity }

// Class returns the entity class with exactly this name, or nil.
func (m *Model) Class(name string) *Class { return m.classes[name] }

// ClassNames returns the names of all entity classes, abstract bases included, sorted.
func (m *Model) ClassNames() []string { return append([]string(nil), m.classNames...) }

// IsAbstract reports whether name is one of the abstract base classes.
func (m *Model) IsAbstract(name string) bool {
	c := m.classes[name]
	return c != nil && c.Abstract
}

// Property returns the definition of a property that an entity with these classes would
// quote: the most specific one (a class's own before its ancestors'; otherwise deeper
// classes first, then the order given). It returns nil when none of the classes or their
// ancestors defines the property. Every definition still constrains the value; see
// Class.Definitions.
func (m *Model) Property(classes []string, name string) *Property {
	if e := m.plan(classes).props[name]; e != nil {
		return e.definition
	}
	return nil
}

func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}
