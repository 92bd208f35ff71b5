package datamodel

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

func validHost() model.Properties {
	return model.Properties{
		"_key": "host-web-0001", "_type": "acme_host", "_class": "Host", "name": "web-1", "displayName": "web-1",
		"category": nil, "ipv4Addresses": nil, "ipv6Addresses": nil, "macAddresses": nil,
		"publicIpAddresses": nil, "privateIpAddresses": nil, "hostname": nil, "fqdn": nil, "serial": nil,
		"deviceId": nil, "lastSeenOn": nil, "make": nil, "model": nil, "osName": nil, "osType": nil,
		"osDetails": nil, "osVersion": nil,
	}
}

func keywordsOf(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.Keyword)+" "+p.Property)
	}
	return out
}

func TestCheckValues(t *testing.T) {
	m := testModel(t)
	long := make([]any, 40)
	for i := range long {
		long[i] = fmt.Sprintf("10.0.0.%d", i)
	}
	longDup := slices.Clone(long)
	longDup[39] = "10.0.0.3"
	tests := []struct {
		name  string
		set   map[string]any
		want  []string
		check func(t *testing.T, ps []Problem)
	}{
		{name: "valid", want: nil},
		{name: "equal numbers repeat", set: map[string]any{"criticality": json.Number("10")}, want: nil},
		{name: "huge integer is an integer, as in JavaScript", set: map[string]any{"lastSeenOn": json.Number("1" + strings.Repeat("0", 400))},
			want: []string{"maximum lastSeenOn"}},
		{name: "long unique list", set: map[string]any{"privateIpAddresses": long}, want: nil},
		{name: "long list with a repeat", set: map[string]any{"privateIpAddresses": longDup}, want: []string{"uniqueItems privateIpAddresses"},
			check: func(t *testing.T, ps []Problem) {
				if ps[0].Message != `must not repeat a value: items 4 and 40 are both "10.0.0.3"` {
					t.Errorf("message %q", ps[0].Message)
				}
			}},
		{name: "object value", set: map[string]any{"serial": map[string]any{"a": "b"}}, want: []string{"type serial"},
			check: func(t *testing.T, ps []Problem) {
				if ps[0].Message != "must be a string or null, not an object" || ps[0].Expect != "a string or null" {
					t.Errorf("%+v", ps[0])
				}
			}},
		{name: "non-JSON Go value", set: map[string]any{"serial": 42}, want: []string{"type serial"}},
		{name: "null where a value is required", set: map[string]any{"name": nil}, want: []string{"type name"}},
		{name: "parent and child rule reported once", set: map[string]any{"displayName": json.Number("3")}, want: []string{"type displayName"},
			check: func(t *testing.T, ps []Problem) {
				if ps[0].Class != "Host" || ps[0].Description != "The display name of the host" {
					t.Errorf("reported for %s with %q, want the child class", ps[0].Class, ps[0].Description)
				}
			}},
		{name: "tag name with a space", set: map[string]any{"tag.Cost Center": "R&D"}, want: nil},
		{name: "tag with null", set: map[string]any{"tag.Owner": nil}, want: []string{"type tag.Owner"}},
		{name: "underscore property", set: map[string]any{"_secret": "x"}, want: nil},
		{name: "non-ASCII property name", set: map[string]any{"größe": json.Number("1")}, want: []string{"propertyNames größe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validHost()
			for k, v := range tt.set {
				p[k] = v
			}
			ps := m.Check([]string{"Host"}, p)
			if got := keywordsOf(ps); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q%s", got, tt.want, formatProblems(ps))
			}
			if tt.check != nil {
				tt.check(t, ps)
			}
		})
	}
}

func TestCheckClasses(t *testing.T) {
	m := testModel(t)
	tests := []struct {
		name    string
		classes []string
		props   model.Properties
		want    []string
	}{
		{"no classes", nil, model.Properties{"my_prop": "x"}, nil},
		{"unknown class only", []string{"Widget"}, model.Properties{"my_prop": "x"}, nil},
		{"abstract class", []string{"Entity"}, model.Properties{"_key": "abstract-001", "_type": "thing", "_class": "Entity", "name": "a", "displayName": "a"},
			[]string{"abstract _class"}},
		{"abstract twice", []string{"RecordEntity", "GraphObject"}, model.Properties{"_key": "abstract-001", "_type": "thing", "name": "a", "displayName": "a"},
			[]string{"abstract _class", "abstract _class", "required _class"}},
		{"duplicate class", []string{"Team", "Team"}, model.Properties{"_key": "team-000001", "_type": "team", "_class": "Team", "name": "a", "displayName": "a"}, nil},
		{"required once across classes", []string{"Host", "Device"}, model.Properties{"_key": "host-000001", "_type": "thing", "_class": "Host", "name": "a"},
			nil}, // replaced below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := m.Check(tt.classes, tt.props)
			got := keywordsOf(ps)
			if tt.name == "required once across classes" {
				// Host and Device share 18 required names plus Entity's; each is reported
				// once, attributed to the first, most specific class.
				if len(got) != 18 {
					t.Fatalf("%d problems: %q", len(got), got)
				}
				for _, p := range ps {
					if p.Keyword != KeywordRequired || p.Class != "Host" {
						t.Errorf("%+v", p)
					}
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q%s", got, tt.want, formatProblems(ps))
			}
		})
	}
}

func TestAppendProblemsKeepsThePrefix(t *testing.T) {
	m := testModel(t)
	prefix := []Problem{{Keyword: KeywordType, Property: "zzz"}}
	p := validHost()
	p["criticality"] = json.Number("0")
	p["my_prop"] = "x"
	out := m.AppendProblems(prefix, []string{"Host"}, p)
	if out[0].Property != "zzz" || len(out) != 3 {
		t.Fatalf("%+v", out)
	}
	if out[1].Property != "criticality" || out[2].Property != "my_prop" {
		t.Errorf("appended problems not sorted: %+v", out[1:])
	}
}

func TestValidEntityCostsNoAllocation(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	m := testModel(t)
	classes, props := benchEntities(4)
	buf := make([]Problem, 0, 8)
	for i := range props {
		m.AppendProblems(buf, classes[i], props[i]) // compile the plan
		allocs := testing.AllocsPerRun(50, func() { buf = m.AppendProblems(buf[:0], classes[i], props[i]) })
		if allocs != 0 || len(buf) != 0 {
			t.Errorf("%s: %v allocations, %d problems", classes[i][0], allocs, len(buf))
		}
	}
}

func TestConcurrentChecks(t *testing.T) {
	m, err := Load() // a fresh model, so plans are compiled concurrently
	if err != nil {
		t.Fatal(err)
	}
	classes, props := benchEntities(400)
	combos := [][]string{{"Host", "Device"}, {"User", "Person"}, {"Team"}, {"Application", "CodeRepo"}}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range props {
				m.Check(classes[i], props[i])
				m.Check(combos[(i+g)%len(combos)], props[i])
				m.Property(combos[g%len(combos)], "name")
			}
		}()
	}
	wg.Wait()
	if got := m.Check([]string{"Team"}, props[3]); got != nil {
		t.Errorf("%+v", got)
	}
}

func TestPlanCacheIsBounded(t *testing.T) {
	m, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	p := validHost()
	for i := 0; i < maxCachedPlans+50; i++ {
		m.Check([]string{"Host", fmt.Sprintf("Unknown%d", i)}, p)
	}
	n := len(m.plans.load())
	if n != maxCachedPlans {
		t.Errorf("%d cached plans, want the bound %d", n, maxCachedPlans)
	}
	if got := m.Check([]string{"Host", "Unknown99999"}, p); got != nil {
		t.Errorf("uncached plan gives %+v", got)
	}
}

// plainURL is a fast path: everything it accepts must be a URI for Ajv too, and it must
// take most ordinary URLs.
func TestPlainURLIsSound(t *testing.T) {
	var corpus patternCases
	readJSON(t, "patterns/cases.json", &corpus)
	taken := 0
	for _, f := range corpus.Formats {
		if f.Name != "uri" {
			continue
		}
		for _, c := range f.Cases {
			if plainURL(c.s) {
				taken++
				if !c.ok {
					t.Errorf("plainURL accepts %q, which Ajv rejects", c.s)
				}
			}
		}
	}
	if taken < 50 {
		t.Errorf("the fast path took only %d corpus strings", taken)
	}
	for _, s := range []string{"https://console.aws.amazon.com/iam/home#/roles/Administrator", "http://localhost:8080/a/b?c=d&e=f"} {
		if !plainURL(s) {
			t.Errorf("plainURL(%q) = false", s)
		}
	}
}

func TestKeywordAdvisory(t *testing.T) {
	for _, k := range []Keyword{KeywordDeprecated, KeywordAbstract} {
		if !k.Advisory() {
			t.Errorf("%s is not advisory", k)
		}
	}
	for _, k := range []Keyword{KeywordRequired, KeywordType, KeywordFormat, KeywordPattern, KeywordEnum, KeywordPropertyNames} {
		if k.Advisory() {
			t.Errorf("%s is advisory", k)
		}
	}
}

// TestProblemOrder pins the order Check promises, keyword group then property, on entities
// whose problems come from every source: abstract classes, requirements of several classes
// (compiled in class order, not name order), defined and undefined properties, deprecated
// ones. Each run iterates the properties in another map order.
func TestProblemOrder(t *testing.T) {
	m := testModel(t)
	tests := []struct {
		classes []string
		props   model.Properties
	}{
		{[]string{"Host", "Device"}, model.Properties{"_class": "Host", "name": "a", "my_prop": "x", "criticality": json.Number("11"), "osType": json.Number("1")}},
		{[]string{"User", "RecordEntity"}, model.Properties{"_key": "short", "email": "not-a-list", "active": true, "tag.x": []any{"a", "a"}, "bad name!": "x"}},
		{[]string{"Entity", "Host"}, model.Properties{"fqdn": []any{"a", "a"}, "make": json.Number("1"), "zzz_prop": "x", "aaa_prop": "y"}},
	}
	for _, tt := range tests {
		for range 20 {
			ps := m.Check(tt.classes, tt.props)
			if len(ps) < 5 {
				t.Fatalf("%v: only %d problems%s", tt.classes, len(ps), formatProblems(ps))
			}
			if !slices.IsSortedFunc(ps, compareProblems) {
				t.Fatalf("%v: problems out of order:%s", tt.classes, formatProblems(ps))
			}
			want := slices.Clone(ps)
			slices.SortStableFunc(want, compareProblems)
			if !slices.EqualFunc(ps, want, func(a, b Problem) bool {
				return a.Property == b.Property && a.Keyword == b.Keyword && a.Message == b.Message
			}) {
				t.Fatalf("%v: not the stable order:%s", tt.classes, formatProblems(ps))
			}
		}
	}
}

// TestMissingPropertiesCostNoAllocation: the instances of a block that all lack the same
// required properties (a CSV without those columns) cost no allocation to check.
func TestMissingPropertiesCostNoAllocation(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	m := testModel(t)
	props := model.Properties{"_key": "inv:host:i-0001", "_type": "host_inv", "_class": "Host", "name": "web-1", "displayName": "web-1", "hostname": "web-1", "osType": "linux"}
	classes := []string{"Host"}
	buf := m.AppendProblems(nil, classes, props)
	if len(buf) < 10 {
		t.Fatalf("%d problems, want the missing Host properties%s", len(buf), formatProblems(buf))
	}
	allocs := testing.AllocsPerRun(50, func() { buf = m.AppendProblems(buf[:0], classes, props) })
	if allocs != 0 {
		t.Errorf("%v allocations per check", allocs)
	}
}
