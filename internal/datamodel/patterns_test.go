package datamodel

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// patternCases is testdata/patterns/cases.json: generated strings and whether Ajv, as the
// package configures it, accepts each one for every pattern and format the schemas use.
type patternCases struct {
	GeneratedBy map[string]string `json:"generatedBy"`
	Patterns    []struct {
		Source string     `json:"source"`
		Cases  []caseJSON `json:"cases"`
	} `json:"patterns"`
	Formats []struct {
		Name  string     `json:"name"`
		Cases []caseJSON `json:"cases"`
	} `json:"formats"`
}

// caseJSON is one [string, accepted] pair.
type caseJSON struct {
	s  string
	ok bool
}

func (c *caseJSON) UnmarshalJSON(b []byte) error {
	var pair [2]any
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	c.s, _ = pair[0].(string)
	c.ok, _ = pair[1].(bool)
	return nil
}

// TestPatternsMatchJavaScript proves every pattern (rewrites included) and every format
// the schemas use equal to Ajv's on the corpus strings, and that the corpus covers them.
func TestPatternsMatchJavaScript(t *testing.T) {
	m := testModel(t)
	var corpus patternCases
	readJSON(t, "patterns/cases.json", &corpus)
	if got := corpus.GeneratedBy["package"]; got != Package+"@"+Version {
		t.Fatalf("corpus was produced with %s: rerun go run ./gen -oracle", got)
	}
	covered := map[string]bool{}
	check := func(t *testing.T, cases []caseJSON, match func(string) bool) {
		accepted := 0
		for _, c := range cases {
			if c.ok {
				accepted++
			}
			if got := match(c.s); got != c.ok {
				t.Errorf("%q: Go says %v, Ajv says %v", c.s, got, c.ok)
			}
		}
		if len(cases) < 500 || accepted < 20 || len(cases)-accepted < 20 {
			t.Errorf("%d strings, %d accepted: the corpus is too thin to prove equality", len(cases), accepted)
		}
	}
	for _, p := range corpus.Patterns {
		covered["pattern "+p.Source] = true
		t.Run("pattern "+p.Source, func(t *testing.T) {
			re := m.patterns[p.Source]
			if re == nil {
				t.Fatalf("no schema uses this pattern any more")
			}
			check(t, p.Cases, re.MatchString)
		})
	}
	for _, f := range corpus.Formats {
		covered["format "+f.Name] = true
		t.Run("format "+f.Name, func(t *testing.T) {
			fm := m.formats[f.Name]
			if fm == nil {
				t.Fatalf("format not implemented")
			}
			check(t, f.Cases, fm.check)
		})
	}
	for src := range m.patterns {
		if !covered["pattern "+src] {
			t.Errorf("pattern %q is not in the corpus: rerun go run ./gen -oracle", src)
		}
	}
	for name := range m.formatsUsed {
		if !covered["format "+name] {
			t.Errorf("format %q is not in the corpus: rerun go run ./gen -oracle", name)
		}
	}
}

func TestCheckPortable(t *testing.T) {
	tests := []struct {
		src     string
		wantErr string
	}{
		{`^([0-9a-f]{2}:){5}([0-9a-f]{2})$`, ""},
		{`^CVE-\d{4}-\d{4,}$`, ""},
		{`^(_|tag\.)?[A-Za-z0-9. -]+$`, ""},
		{`^a.b$`, "'.'"},
		{`\s+`, `\s`},
		{`\u0041`, `\u`},
		{`(a)\1`, "back-reference"},
		{`(?=x)`, "not portable"},
		{`(?<!x)y`, "not portable"},
		{`[]a]`, "empty"},
		{`[^]`, "empty"},
		{`[a`, "unterminated"},
		{`a\`, "trailing backslash"},
	}
	for _, tt := range tests {
		err := checkPortable(tt.src)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("checkPortable(%q) = %v, want error containing %q", tt.src, err, tt.wantErr)
		}
	}
}

func TestFoldASCII(t *testing.T) {
	tests := []struct {
		src, want string
		match     []string
		noMatch   []string
	}{
		{src: `^z$`, want: `^[zZ]$`, match: []string{"z", "Z"}},
		{src: `^[a-f0-9]+$`, want: `^[a-fA-F0-9]+$`, match: []string{"aF09"}, noMatch: []string{"g"}},
		{src: `^[Vv]\d$`, want: `^[VvvV]\d$`, match: []string{"V1", "v2"}},
		{src: `^[^a]$`, want: `^[^aA]$`, match: []string{"b"}, noMatch: []string{"a", "A"}},
		{src: `^\.s$`, want: `^\.[sS]$`, match: []string{".S"}, noMatch: []string{".\u017f"}},
		{src: `^[\-k]$`, want: `^[\-kK]$`, match: []string{"K", "-"}, noMatch: []string{"\u212a"}},
	}
	for _, tt := range tests {
		got, err := foldASCII(tt.src)
		if err != nil || got != tt.want {
			t.Errorf("foldASCII(%q) = %q, %v; want %q", tt.src, got, err, tt.want)
			continue
		}
		re := regexp.MustCompile(got)
		for _, s := range tt.match {
			if !re.MatchString(s) {
				t.Errorf("%s does not match %q", got, s)
			}
		}
		for _, s := range tt.noMatch {
			if re.MatchString(s) {
				t.Errorf("%s matches %q", got, s)
			}
		}
	}
	if _, err := foldASCII(`[0-z]`); err == nil {
		t.Errorf("a range mixing digits and letters was folded")
	}
}
