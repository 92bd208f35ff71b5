package datamodel

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// loadModel parses the embedded model once for the package's tests.
var loadModel = sync.OnceValues(Load)

func testModel(t testing.TB) *Model {
	t.Helper()
	m, err := loadModel()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m
}

func TestPinnedVersion(t *testing.T) {
	m := testModel(t)
	if m.Package() != Package || m.Version() != Version || m.Integrity() != Integrity {
		t.Errorf("embedded data is %s@%s %s; constants say %s@%s %s",
			m.Package(), m.Version(), m.Integrity(), Package, Version, Integrity)
	}
	if Version != "0.64.2" {
		t.Errorf("Version = %s: a version bump must update this test's expectations", Version)
	}
	readme, err := os.ReadFile(filepath.Join("schema", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{Package, Version, Integrity, "npm pack"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("schema/README.md does not mention %s", want)
		}
	}
	lic, err := os.ReadFile(filepath.Join("schema", "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(lic), "Mozilla Public License Version 2.0") {
		t.Errorf("schema/LICENSE is not the MPL-2.0 text")
	}
}

func TestEntityClasses(t *testing.T) {
	m := testModel(t)
	names := m.ClassNames()
	if len(names) != 102 {
		t.Errorf("%d entity classes, want 102", len(names))
	}
	if !slices.IsSorted(names) {
		t.Errorf("ClassNames is not sorted")
	}
	var abstract []string
	for _, n := range names {
		if m.IsAbstract(n) {
			abstract = append(abstract, n)
		}
		if m.Class(n) == nil || m.Class(n).Name != n {
			t.Errorf("Class(%q) does not return the class", n)
		}
	}
	if want := []string{"Entity", "GraphObject", "RecordEntity"}; !slices.Equal(abstract, want) {
		t.Errorf("abstract classes %v, want %v", abstract, want)
	}
	for _, name := range []string{"host", "HOST", "Hosts", "", "IMPACTS"} {
		if m.Class(name) != nil {
			t.Errorf("Class(%q) found a class: lookup must be exact", name)
		}
	}
	for _, n := range names {
		chain := m.Class(n).Chain()
		if chain[0].Name != n || chain[len(chain)-1].Name != "GraphObject" {
			t.Errorf("%s: chain %v does not run from the class to GraphObject", n, classNames(chain))
		}
	}
	if got := classNames(m.Class("Problem").Chain()); !slices.Equal(got, []string{"Problem", "Finding", "RecordEntity", "GraphObject"}) {
		t.Errorf("Problem chain = %v", got)
	}
}

func classNames(cs []*Class) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func TestRelationshipClasses(t *testing.T) {
	m := testModel(t)
	rcs := m.RelationshipClasses()
	if len(rcs) != 49 {
		t.Errorf("%d relationship classes, want 49", len(rcs))
	}
	for _, name := range []string{"HAS", "CONTAINS", "IS", "USES", "PROTECTS", "VIOLATES"} {
		if !m.IsRelationshipClass(name) {
			t.Errorf("%s is not a relationship class", name)
		}
	}
	for _, name := range []string{"IMPACTS", "has", "Host", ""} {
		if m.IsRelationshipClass(name) {
			t.Errorf("%q is a relationship class", name)
		}
	}
	if rc, ok := m.RelationshipClass("HAS"); !ok || !strings.Contains(rc.Description, "possessive association") {
		t.Errorf("HAS description = %q", rc.Description)
	}
}

func TestRequiredProperties(t *testing.T) {
	m := testModel(t)
	tests := []struct {
		class     string
		own       []string
		ownCount  int
		allCount  int
		inherited []string
	}{
		{class: "User", own: []string{"firstName", "lastName", "email", "shortLoginId", "username"}, ownCount: 5, allCount: 10,
			inherited: []string{"_key", "_class", "_type", "name", "displayName"}},
		// Host and Device each require 18 properties of their own; displayName is also
		// Entity's, so 18 + 5 - 1 = 22 in all.
		{class: "Host", ownCount: 18, allCount: 22, inherited: []string{"_key", "name", "displayName"}},
		{class: "Device", ownCount: 18, allCount: 22, inherited: []string{"_key", "name", "displayName"}},
		{class: "GraphObject", own: []string{"_key", "_class", "_type"}, ownCount: 3, allCount: 3},
		{class: "Application", own: nil, ownCount: 0, allCount: 5},
	}
	for _, tt := range tests {
		t.Run(tt.class, func(t *testing.T) {
			c := m.Class(tt.class)
			own, all := c.OwnRequired(), c.Required()
			if tt.own != nil && !slices.Equal(own, tt.own) {
				t.Errorf("own required %v, want %v", own, tt.own)
			}
			if len(own) != tt.ownCount || len(all) != tt.allCount {
				t.Errorf("%d own and %d required in all (%v), want %d and %d", len(own), len(all), all, tt.ownCount, tt.allCount)
			}
			for _, p := range tt.inherited {
				if !slices.Contains(all, p) {
					t.Errorf("Required() lacks inherited %s", p)
				}
			}
		})
	}
}

func TestPropertyDefinitions(t *testing.T) {
	m := testModel(t)
	tests := []struct {
		class, prop       string
		definedBy         string
		types             []string
		format, pattern   string
		deprecated        bool
		replacement       string
		descriptionPrefix string
	}{
		{class: "User", prop: "email", definedBy: "User", types: []string{"array", "null"}, format: "email",
			descriptionPrefix: "The primary email address"},
		{class: "User", prop: "active", definedBy: "User", types: []string{"boolean"}, deprecated: true, replacement: "isActive"},
		{class: "User", prop: "mfaEnabled", definedBy: "User", types: []string{"boolean"}, deprecated: true, replacement: "isMfaEnabled"},
		{class: "Finding", prop: "recommendation", definedBy: "Finding", types: []string{"string", "null"}, deprecated: true, replacement: "remediationActions"},
		{class: "Host", prop: "active", definedBy: "Entity", types: []string{"boolean"}, descriptionPrefix: "Indicates if this entity"},
		{class: "Host", prop: "hostname", definedBy: "Host", types: []string{"string", "null"}, pattern: "^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$"},
		{class: "Host", prop: "createdOn", definedBy: "Entity", types: []string{"number"}, format: "date-time"},
		{class: "Host", prop: "_key", definedBy: "GraphObject", types: []string{"string"}},
		{class: "Entity", prop: "webLink", definedBy: "Entity", types: []string{"string"}, format: "uri"},
	}
	for _, tt := range tests {
		t.Run(tt.class+"."+tt.prop, func(t *testing.T) {
			p := m.Class(tt.class).Property(tt.prop)
			if p == nil {
				t.Fatal("not defined")
			}
			if p.Class != tt.definedBy || p.Name != tt.prop {
				t.Errorf("defined by %s as %s, want %s", p.Class, p.Name, tt.definedBy)
			}
			if !slices.Equal(p.Types, tt.types) || p.Format != tt.format || p.Pattern != tt.pattern {
				t.Errorf("types %v format %q pattern %q, want %v %q %q", p.Types, p.Format, p.Pattern, tt.types, tt.format, tt.pattern)
			}
			if p.Deprecated != tt.deprecated || p.Replacement != tt.replacement {
				t.Errorf("deprecated %v replacement %q, want %v %q", p.Deprecated, p.Replacement, tt.deprecated, tt.replacement)
			}
			if !strings.HasPrefix(p.Description, tt.descriptionPrefix) || p.Description == "" {
				t.Errorf("description %q, want prefix %q", p.Description, tt.descriptionPrefix)
			}
		})
	}
	if got := m.Class("Host").Property("osType").Enum; len(got) != 10 || got[0] != "darwin" {
		t.Errorf("Host.osType enum = %v", got)
	}
	if m.Class("Host").Property("nope") != nil {
		t.Errorf("undefined property found")
	}
	// Every deprecated property names a replacement that the class defines.
	for _, n := range m.ClassNames() {
		c := m.Class(n)
		for _, p := range c.OwnProperties() {
			if p.Deprecated && (p.Replacement == "" || c.Property(p.Replacement) == nil) {
				t.Errorf("%s.%s is deprecated; replacement %q is not a property of the class", n, p.Name, p.Replacement)
			}
		}
	}
}

func TestDefinitionsAcrossTheChain(t *testing.T) {
	m := testModel(t)
	// Finding allows a list for category; RecordEntity does not: both apply.
	defs := m.Class("Finding").Definitions("category")
	if got := []string{defs[0].Class, defs[1].Class}; len(defs) != 2 || !slices.Equal(got, []string{"Finding", "RecordEntity"}) {
		t.Fatalf("Finding.category definitions from %v", got)
	}
	if !slices.Contains(defs[0].Types, "array") || slices.Contains(defs[1].Types, "array") {
		t.Errorf("types %v and %v", defs[0].Types, defs[1].Types)
	}
	if got := m.Property([]string{"Host", "Device"}, "category"); got == nil || got.Class != "Host" {
		t.Errorf("Property([Host Device], category) = %+v", got)
	}
	if got := m.Property([]string{"Application", "Problem"}, "category"); got == nil || got.Class != "Finding" {
		t.Errorf("Property([Application Problem], category) = %+v: the deeper class's definition comes first", got)
	}
	if got := m.Property([]string{"Widget"}, "name"); got != nil {
		t.Errorf("Property of an unknown class = %+v", got)
	}
}

func TestRelationshipRules(t *testing.T) {
	m := testModel(t)
	rules := m.RelationshipRules()
	if len(rules) != 8 {
		t.Fatalf("%d rules, want 8", len(rules))
	}
	tests := []struct {
		name     string
		from, to []string
		verb     string
		want     []string // rule descriptions, "~" prefix for reversed
	}{
		{"allowed verb", []string{"Host"}, []string{"Finding"}, "HAS", nil},
		{"wrong verb", []string{"Host"}, []string{"Finding"}, "IS", []string{"Host -> Finding must use HAS"}},
		{"reversed", []string{"Finding"}, []string{"Host"}, "HAS", []string{"~Host -> Finding must use HAS"}},
		{"agent", []string{"HostAgent"}, []string{"Device"}, "MONITORS", nil},
		{"agent wrong verb", []string{"HostAgent"}, []string{"Host", "Device"}, "HAS",
			[]string{"HostAgent -> Host must use PROTECTS or MONITORS", "HostAgent -> Device must use PROTECTS or MONITORS"}},
		{"unconstrained pair", []string{"User"}, []string{"Host"}, "OWNS", nil},
		{"exact class names", []string{"Host"}, []string{"Problem"}, "IS", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, v := range m.CheckRelationship(tt.from, tt.to, tt.verb) {
				d := v.Rule.Description
				if v.Reversed {
					d = "~" + d
				}
				got = append(got, d)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	// The returned rules are copies.
	rules[0].AllowedVerbs[0] = "CHANGED"
	if m.RelationshipRules()[0].AllowedVerbs[0] == "CHANGED" {
		t.Errorf("RelationshipRules exposes the model's own slices")
	}
}

// Every pattern in the schemas compiles, directly or through a reviewed rewrite, and the
// rewrites are exactly the patterns RE2 cannot compile.
func TestEmbeddedPatternsCompile(t *testing.T) {
	m := testModel(t)
	if len(m.patterns) != 8 {
		t.Errorf("%d distinct patterns in the schemas, want 8 (update the corpus when this changes)", len(m.patterns))
	}
	for src, re := range m.patterns {
		_, err := regexp.Compile(src)
		_, rewritten := rewrites[src]
		if (err != nil) != rewritten {
			t.Errorf("pattern %q: RE2 compile error %v, rewritten %v", src, err, rewritten)
		}
		if re == nil || re.re == nil {
			t.Errorf("pattern %q did not compile", src)
		}
	}
	for src := range rewrites {
		if m.patterns[src] == nil {
			t.Errorf("rewrite for %q, which no schema uses", src)
		}
	}
}

func TestParseRefusesWhatItCannotEvaluate(t *testing.T) {
	base := func(classSchema string) string {
		return `{"package":"p","version":"1","integrity":"x","license":"MPL-2.0","entityClasses":{` +
			`"GraphObject":{"$schema":"http://json-schema.org/draft-07/schema#","$id":"#GraphObject","type":"object","properties":{"_key":{"type":"string"}}},` +
			`"Entity":{"$schema":"http://json-schema.org/draft-07/schema#","$id":"#Entity","allOf":[{"$ref":"#GraphObject"}]},` +
			`"RecordEntity":{"$schema":"http://json-schema.org/draft-07/schema#","$id":"#RecordEntity","allOf":[{"$ref":"#GraphObject"}]},` +
			`"Thing":` + classSchema + `},"relationshipClasses":[{"name":"HAS"}],"relationshipRules":[]}`
	}
	thing := func(props string) string {
		return `{"$schema":"http://json-schema.org/draft-07/schema#","$id":"#Thing","allOf":[{"$ref":"#Entity"},{"properties":` + props + `}]}`
	}
	if _, err := Parse([]byte(base(thing(`{"a":{"type":"string","format":"email"}}`)))); err != nil {
		t.Fatalf("minimal document: %v", err)
	}
	tests := []struct {
		name, doc, wantErr string
	}{
		{"unknown keyword", base(thing(`{"a":{"type":"string","maxLength":3}}`)), `keyword "maxLength" is not supported`},
		{"unknown format", base(thing(`{"a":{"type":"string","format":"uuid"}}`)), `format "uuid" is not supported`},
		{"unknown type", base(thing(`{"a":{"type":"decimal"}}`)), `unknown type decimal`},
		{"lookahead without rewrite", base(thing(`{"a":{"pattern":"^(?!x)"}}`)), `needs a reviewed RE2 rewrite`},
		{"dot", base(thing(`{"a":{"pattern":"^a.b$"}}`)), `needs a reviewed RE2 rewrite`},
		{"unicode class", base(thing(`{"a":{"pattern":"\\s"}}`)), `needs a reviewed RE2 rewrite`},
		{"tuple items", base(thing(`{"a":{"items":[{"type":"string"}]}}`)), `schema must be an object`},
		{"class keyword", base(`{"$schema":"http://json-schema.org/draft-07/schema#","$id":"#Thing","if":{}}`), `keyword "if" is not supported`},
		{"two parents", base(`{"$schema":"http://json-schema.org/draft-07/schema#","$id":"#Thing","allOf":[{"$ref":"#Entity"},{"$ref":"#RecordEntity"}]}`), `second parent`},
		{"unknown parent", base(`{"$schema":"http://json-schema.org/draft-07/schema#","$id":"#Thing","allOf":[{"$ref":"#Nope"}]}`), `unknown class Nope`},
		{"wrong id", base(`{"$schema":"http://json-schema.org/draft-07/schema#","$id":"#Other"}`), `$id is #Other`},
		{"other draft", base(`{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"#Thing"}`), `want http://json-schema.org/draft-07/schema#`},
		{"unknown document field", strings.Replace(base(thing(`{}`)), `"license"`, `"extra":1,"license"`, 1), `unknown field "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestEmbeddedDocumentIsCanonical(t *testing.T) {
	// The committed file is what the generator writes: two-space indentation, no HTML
	// escaping, a final newline. A hand edit that breaks this is caught here.
	var doc document
	if err := json.Unmarshal(embedded, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(embedded), "}\n") || strings.Contains(string(embedded), `\u003c`) {
		t.Errorf("schema/datamodel.json was not written by the generator")
	}
	if len(doc.EntityClasses) != 102 || len(doc.RelationshipClasses) != 49 {
		t.Errorf("document holds %d classes and %d relationship classes", len(doc.EntityClasses), len(doc.RelationshipClasses))
	}
}
