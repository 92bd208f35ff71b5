package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
)

// planFormats renders a plan in every format, keyed by golden file suffix.
var planFormats = []struct {
	suffix string
	render func(*bytes.Buffer, *plan.Plan) error
}{
	{"txt", func(b *bytes.Buffer, p *plan.Plan) error { return PlanText(b, p, TextOptions{}) }},
	{"color.txt", func(b *bytes.Buffer, p *plan.Plan) error { return PlanText(b, p, TextOptions{Color: true}) }},
	{"compact.txt", func(b *bytes.Buffer, p *plan.Plan) error { return PlanCompact(b, p, TextOptions{}) }},
	{"json", func(b *bytes.Buffer, p *plan.Plan) error { return PlanJSON(b, p) }},
	{"md", func(b *bytes.Buffer, p *plan.Plan) error { return PlanMarkdown(b, p, MarkdownOptions{Graph: true}) }},
}

func sortedCases() ([]string, map[string]*plan.Plan) {
	cases := planCases()
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, cases
}

func TestPlanGolden(t *testing.T) {
	names, cases := sortedCases()
	for _, name := range names {
		for _, f := range planFormats {
			t.Run(name+"/"+f.suffix, func(t *testing.T) {
				var buf bytes.Buffer
				if err := f.render(&buf, cases[name]); err != nil {
					t.Fatal(err)
				}
				golden(t, "plan/"+name+"."+f.suffix, buf.Bytes())
			})
		}
	}
}

func TestPlanFormatsNeverShowSensitiveValues(t *testing.T) {
	names, cases := sortedCases()
	for _, name := range names {
		for _, f := range planFormats {
			var buf bytes.Buffer
			if err := f.render(&buf, cases[name]); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(buf.Bytes(), []byte(secret)) || bytes.Contains(buf.Bytes(), []byte("s3cr3t")) {
				t.Errorf("%s.%s shows a sensitive value", name, f.suffix)
			}
		}
	}
	// The fixture must actually carry the secret, or this test proves nothing.
	raw, err := json.Marshal(cases["sensitive"].Changes)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(secret)) {
		t.Fatal("the sensitive fixture carries no secret")
	}
}

func TestPlanWithoutColorHasNoEscapes(t *testing.T) {
	names, cases := sortedCases()
	for _, name := range names {
		for _, f := range planFormats {
			var buf bytes.Buffer
			if err := f.render(&buf, cases[name]); err != nil {
				t.Fatal(err)
			}
			hasEscape := bytes.Contains(buf.Bytes(), []byte("\x1b["))
			wantEscape := f.suffix == "color.txt"
			if hasEscape != wantEscape {
				t.Errorf("%s.%s: ANSI escapes present = %v, want %v", name, f.suffix, hasEscape, wantEscape)
			}
		}
	}
}

// The JSON plan is one document whose counts agree with the changes it lists.
func TestPlanJSONDocument(t *testing.T) {
	names, cases := sortedCases()
	for _, name := range names {
		p := cases[name]
		var buf bytes.Buffer
		if err := PlanJSON(&buf, p); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			FormatVersion string `json:"format_version"`
			Mode          string `json:"mode"`
			Summary       struct {
				Add, Change, Destroy int
				NotApplied           int `json:"not_applied"`
			} `json:"summary"`
			Changes []struct {
				Address   string
				Actions   []string
				After     map[string]any
				Sensitive []string
			} `json:"changes"`
			NotApplied []json.RawMessage `json:"not_applied"`
		}
		dec := json.NewDecoder(&buf)
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if dec.More() {
			t.Errorf("%s: more than one JSON document", name)
		}
		if doc.FormatVersion != "1.0" || doc.Mode != p.Mode {
			t.Errorf("%s: format_version %q mode %q", name, doc.FormatVersion, doc.Mode)
		}
		counts := map[string]int{}
		for _, c := range doc.Changes {
			counts[c.Actions[0]]++
			for _, s := range c.Sensitive {
				if v, ok := c.After[s]; ok && v != SensitiveValue {
					t.Errorf("%s: %s.%s = %v, want the sensitive marker", name, c.Address, s, v)
				}
			}
		}
		if counts["create"] != doc.Summary.Add || counts["update"] != doc.Summary.Change || counts["delete"] != doc.Summary.Destroy {
			t.Errorf("%s: summary %+v disagrees with changes %v", name, doc.Summary, counts)
		}
		if len(doc.Changes) != len(p.Changes) || len(doc.NotApplied) != len(p.NotApplied) || doc.Summary.NotApplied != len(p.NotApplied) {
			t.Errorf("%s: %d changes, %d not applied; want %d, %d", name, len(doc.Changes), len(doc.NotApplied), len(p.Changes), len(p.NotApplied))
		}
	}
}

func TestPlanTextWrapsProseToWidth(t *testing.T) {
	cases := planCases()
	for _, name := range []string{"patch", "mass_delete", "targets", "create", "no_changes"} {
		var buf bytes.Buffer
		if err := PlanText(&buf, cases[name], TextOptions{Width: 60}); err != nil {
			t.Fatal(err)
		}
		inBlock := false
		for _, l := range strings.Split(buf.String(), "\n") {
			// Block lines are never wrapped; prose lines are.
			if strings.HasPrefix(l, "  # ") {
				inBlock = true
			}
			if l == "" {
				inBlock = false
			}
			if !inBlock && len([]rune(l)) > 60 {
				t.Errorf("%s: prose line longer than 60 columns: %q", name, l)
			}
		}
	}
}

// Values cannot inject terminal escapes or forge plan lines.
func TestPlanTextEscapesControlCharacters(t *testing.T) {
	evil := entity("application", "evil", "note", "\x1b[2Jcleared\r+ fake = 1", "rtl", "abc\u202edef")
	p := newPlan(plan.ModeDiff, change("entity.application.evil", 0, plan.Create, nil, evil))
	for _, f := range planFormats {
		var buf bytes.Buffer
		if err := f.render(&buf, p); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		// JSON carries the value exactly, escaped as JSON escapes it: its readers are programs.
		bidi := f.suffix != "json" && strings.Contains(out, "\u202e")
		if strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\r") || bidi {
			t.Errorf("%s: control characters reach the output:\n%q", f.suffix, out)
		}
	}
}

func TestPlanCompactIsOneLinePerChange(t *testing.T) {
	p := largePlan(1000)
	var buf bytes.Buffer
	if err := PlanCompact(&buf, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	// 1000 changes, a blank line, the Plan: line and the split line.
	if len(lines) != 1003 {
		t.Fatalf("got %d lines, want 1003", len(lines))
	}
	if !strings.HasPrefix(lines[0], `+ entity.application.all["app-000000"] (billing-acme:application:app-000000)`) {
		t.Errorf("first line %q", lines[0])
	}
	if lines[1001] != "Plan: 1,000 to add, 0 to change, 0 to destroy." {
		t.Errorf("summary line %q", lines[1001])
	}
}

func TestTruncateMiddle(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"0123456789", 10, "0123456789"},
		{"0123456789abc", 10, "0123…89abc"},
		{"ééééééééééé", 5, "éé…éé"},
	}
	for _, tt := range tests {
		if got := truncateMiddle(tt.in, tt.max); got != tt.want {
			t.Errorf("truncateMiddle(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestDiffLists(t *testing.T) {
	tests := []struct {
		a, b []any
		want string
	}{
		{list("a", "b", "c"), list("a", "c"), "=a -b =c"},
		{list("a"), list("a", "b"), "=a +b"},
		{list(), list("x"), "+x"},
		{list("x", "y"), list("y", "x"), "-x =y +x"},
		{list(num("1"), num("2.0")), list(num("1"), num("2")), "=1 =2.0"},
		{list("a", "b"), list(), "-a -b"},
	}
	for _, tt := range tests {
		var parts []string
		for _, op := range diffLists(tt.a, tt.b) {
			sym := "="
			if op.sym != 0 {
				sym = string(op.sym)
			}
			parts = append(parts, sym+inlineBare(op.value))
		}
		if got := strings.Join(parts, " "); got != tt.want {
			t.Errorf("diffLists(%v, %v) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

// The plan shows properties in the order of the canonical JSON that internal/model writes.
func TestPropertyOrderMatchesCanonicalJSON(t *testing.T) {
	p := mapped(slackKey, "USES", "aws_iam_role", "arn:role")
	p["_mapping"].(map[string]any)["targetEntity"].(map[string]any)["_class"] = "AccessRole"
	p["zeta"], p["alpha"], p["displayName"], p["name"] = "z", "a", "d", "n"

	// The member names of every object in the canonical JSON, in order, with their depth.
	var want []string
	dec := json.NewDecoder(bytes.NewReader(model.MarshalObject(p)))
	type level struct{ object, expectKey bool }
	var stack []level
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		top := len(stack) - 1
		isKey := top >= 0 && stack[top].object && stack[top].expectKey
		if top >= 0 && stack[top].object {
			stack[top].expectKey = !stack[top].expectKey
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, level{object: true, expectKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, level{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:top]
			if len(stack) > 0 && stack[len(stack)-1].object {
				// The closed value completes a member: the parent now expects a key.
				stack[len(stack)-1].expectKey = true
			}
			continue
		}
		if isKey {
			want = append(want, fmt.Sprint(len(stack), ":", tok))
		}
	}

	var got []string
	var walk func(m map[string]any, within string, depth int)
	walk = func(m map[string]any, within string, depth int) {
		for _, k := range model.OrderedNames(within, m) {
			got = append(got, fmt.Sprint(depth, ":", k))
			if nested, ok := m[k].(map[string]any); ok {
				walk(nested, k, depth+1)
			}
		}
	}
	walk(p, "", 1)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("property order differs from model.MarshalObject:\ngot  %v\nwant %v", got, want)
	}
}

// isIdentifier agrees with HCL's own scanner on the names it is asked about.
func TestIsIdentifierMatchesHCL(t *testing.T) {
	for _, s := range []string{"name", "_key", "displayName", "tag.Environment", "a-b", "1abc", "", "a b", "é", "x1", "-x", "ab_c-d9", "naïve", "a\u0301", "a$"} {
		if got, want := isIdentifier(s), hclsyntax.ValidIdentifier(s); got != want {
			t.Errorf("isIdentifier(%q) = %v, hclsyntax says %v", s, got, want)
		}
	}
}

// A heredoc diff keeps heredocContext unchanged lines next to each change and counts the rest.
func TestHeredocDiffHidesDistantLines(t *testing.T) {
	var lines []string
	for i := 1; i <= 12; i++ {
		lines = append(lines, "line "+itoa(i))
	}
	before := strings.Join(lines, "\n") + "\n"
	after := strings.Replace(before, "line 6\n", "line six\n", 1)
	p := newPlan(plan.ModeDiff, change("entity.application.slack", model.KindEntity, plan.Update,
		entity("application", "slack", "notes", before), entity("application", "slack", "notes", after)))
	var buf bytes.Buffer
	if err := PlanText(&buf, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := `
      ~ notes  = <<-EOT
            # (3 unchanged lines hidden)
            line 4
            line 5
          - line 6
          + line six
            line 7
            line 8
            # (4 unchanged lines hidden)
        EOT
`
	if !strings.Contains(buf.String(), want) {
		t.Errorf("heredoc diff:\n%s\nwant it to contain\n%s", buf.String(), want)
	}
}
