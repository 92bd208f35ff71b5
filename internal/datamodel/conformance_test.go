package datamodel

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// The conformance corpus: hand-written entities (testdata/conformance/entities.json) and
// the verdicts the package's own validator gave them (verdicts.json, written by
// gen/oracle.js). The evaluator must agree on every verdict and on which properties fail.

type corpusEntity struct {
	Name   string          `json:"name"`
	Note   string          `json:"note"`
	Entity json.RawMessage `json:"entity"`
}

type oracleVerdicts struct {
	GeneratedBy map[string]string `json:"generatedBy"`
	Results     []struct {
		Name           string   `json:"name"`
		Valid          bool     `json:"valid"`
		UnknownClasses []string `json:"unknownClasses"`
		Errors         []struct {
			Class    string `json:"class"`
			Property string `json:"property"`
			Keyword  string `json:"keyword"`
		} `json:"errors"`
	} `json:"results"`
}

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestConformanceWithPackageValidator(t *testing.T) {
	m := testModel(t)
	var corpus []corpusEntity
	readJSON(t, "conformance/entities.json", &corpus)
	var verdicts oracleVerdicts
	readJSON(t, "conformance/verdicts.json", &verdicts)
	if got := verdicts.GeneratedBy["package"]; got != Package+"@"+Version {
		t.Fatalf("verdicts were produced with %s, not %s@%s: rerun go run ./gen -oracle", got, Package, Version)
	}
	if len(corpus) < 40 || len(corpus) != len(verdicts.Results) {
		t.Fatalf("%d corpus entities, %d verdicts: want at least 40, one verdict each", len(corpus), len(verdicts.Results))
	}
	valid := 0
	for i, c := range corpus {
		want := verdicts.Results[i]
		if want.Name != c.Name {
			t.Fatalf("verdict %d is for %s, corpus entity is %s: rerun the oracle", i, want.Name, c.Name)
		}
		if want.Valid {
			valid++
		}
		t.Run(c.Name, func(t *testing.T) {
			props, err := model.DecodeObject(c.Entity)
			if err != nil {
				t.Fatal(err)
			}
			obj := &model.Object{Kind: model.KindEntity, Props: props}
			problems := m.Check(obj.Classes(), props)

			var gotProps []string
			for _, p := range problems {
				if !p.Keyword.Advisory() {
					gotProps = appendOnce(gotProps, p.Property)
				}
			}
			var wantProps []string
			for _, e := range want.Errors {
				wantProps = appendOnce(wantProps, e.Property)
			}
			sort.Strings(gotProps)
			sort.Strings(wantProps)
			if (len(gotProps) == 0) != want.Valid || !slices.Equal(gotProps, wantProps) {
				t.Errorf("%s\nAjv: valid=%v, failing properties %v\nGo:  failing properties %v\nproblems: %s",
					c.Note, want.Valid, wantProps, gotProps, formatProblems(problems))
			}
			for _, p := range problems {
				if p.Message == "" || p.Class == "" || p.Property == "" {
					t.Errorf("incomplete problem %+v", p)
				}
			}
		})
	}
	if valid < 10 || len(corpus)-valid < 10 {
		t.Errorf("corpus has %d valid and %d invalid entities; keep both kinds plentiful", valid, len(corpus)-valid)
	}
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func formatProblems(ps []Problem) string {
	var b bytes.Buffer
	for _, p := range ps {
		b.WriteString("\n  ")
		b.WriteString(string(p.Keyword) + " " + p.Class + "." + p.Property + ": " + p.Message)
	}
	return b.String()
}

// The problems reported for the named cases: keyword, property and class.
func TestCheckReportsTheRightProblem(t *testing.T) {
	m := testModel(t)
	var corpus []corpusEntity
	readJSON(t, "conformance/entities.json", &corpus)
	byName := map[string]model.Properties{}
	for _, c := range corpus {
		p, err := model.DecodeObject(c.Entity)
		if err != nil {
			t.Fatal(err)
		}
		byName[c.Name] = p
	}
	type want struct {
		keyword  Keyword
		property string
		class    string
		message  string
	}
	tests := []struct {
		entity string
		want   []want
	}{
		{"user-email-string", []want{{KeywordType, "email", "User", `must be a list of unique email addresses, or null, not the string "alice@example.com"`}}},
		{"user-email-bad-item", []want{{KeywordFormat, "email", "User", `item 2 must be an email address, not the string "not-an-email"`}}},
		{"user-email-duplicate", []want{{KeywordUniqueItems, "email", "User", `must not repeat a value: items 1 and 2 are both "a@example.com"`}}},
		{"user-missing-required", []want{
			{KeywordRequired, "firstName", "User", "is required by User"},
			{KeywordRequired, "shortLoginId", "User", "is required by User"},
			{KeywordRequired, "username", "User", "is required by User"},
		}},
		{"user-deprecated-active", []want{
			{KeywordDeprecated, "active", "User", "is deprecated in User; use isActive"},
			{KeywordDeprecated, "mfaEnabled", "User", "is deprecated in User; use isMfaEnabled"},
		}},
		{"host-null-displayName", []want{{KeywordType, "displayName", "Host", "must be a string, not null"}}},
		{"host-hostname-dot", []want{{KeywordPattern, "hostname", "Host", `must match ^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$, not the string "web-1.example.com"`}}},
		{"host-mac-upper", []want{{KeywordPattern, "macAddresses", "Host", `item 1 must match ^([0-9a-f]{2}:){5}([0-9a-f]{2})$, not the string "AA:BB:CC:DD:EE:FF"`}}},
		{"host-status-entity-only", []want{{KeywordEnum, "status", "Host", `must be one of "assigned", "archived", "decommissioned", "defective", "deployed", "disposed", "locked", "lost/stolen", "pending", "ready", "unknown", "other", not the string "active"`}}},
		{"host-public-null", []want{{KeywordType, "public", "Entity", "must be a boolean, not null"}}},
		{"entity-my_prop", []want{{KeywordPropertyNames, "my_prop", "GraphObject", `name must match ^(_|tag\.)?[A-Za-z0-9. -]+$, not the string "my_prop"`}}},
		{"entity-tag-list", []want{{KeywordType, "tag.Env", "GraphObject", `must be a string, or a number, or a boolean, not the list ["prod","dev"]`}}},
		{"entity-createdOn-string", []want{{KeywordType, "createdOn", "Entity", `must be a number, not the string "2024-01-01T00:00:00Z"`}}},
		{"entity-criticality-11", []want{{KeywordMaximum, "criticality", "Entity", "must be an integer from 1 to 10, not the number 11"}}},
		{"entity-short-key", []want{{KeywordMinLength, "_key", "GraphObject", `must be at least 10 characters long, not 5 ("web-1")`}}},
		{"vulnerability-bad-cve", []want{{KeywordPattern, "cveId", "Vulnerability", `must match ^CVE-\d{4}-\d{4,}$, not the string "CVE-2021-44228 (YOKOGAWA)"`}}},
		{"finding-category-list", []want{{KeywordType, "category", "RecordEntity", `must be a string, not the list ["host","network"]`}}},
		{"finding-recommendation", []want{{KeywordDeprecated, "recommendation", "Finding", "is deprecated in Finding; use remediationActions"}}},
		{"abstract-entity", []want{{KeywordAbstract, "_class", "Entity", "Entity is an abstract base class: use a class that extends it"}}},
		{"internet-wrong-const", []want{{KeywordConst, "displayName", "Internet", `must be exactly "Internet", not the string "internet"`}}},
		{"port-bad", []want{
			{KeywordMaximum, "port", "Port", "must be an integer from 1 to 65536, not the number 70000"},
			{KeywordEnum, "protocol", "Port", `must be one of "TCP", "UDP", "TCP/UDP", "UDP/TCP", not the string "tcp"`},
		}},
		{"host-valid", nil},
		{"user-valid", nil},
	}
	for _, tt := range tests {
		t.Run(tt.entity, func(t *testing.T) {
			props := byName[tt.entity]
			if props == nil {
				t.Fatalf("no corpus entity %s", tt.entity)
			}
			obj := &model.Object{Props: props}
			var got []want
			for _, p := range m.Check(obj.Classes(), props) {
				got = append(got, want{p.Keyword, p.Property, p.Class, p.Message})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}
