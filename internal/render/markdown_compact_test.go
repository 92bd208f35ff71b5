package render

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// TestPlanMarkdownCompact: -compact puts one diff line per change in the fence, symbols in
// column 0, and a capped comment still says how many changes it does not show.
func TestPlanMarkdownCompact(t *testing.T) {
	p := largePlan(2000)
	var buf bytes.Buffer
	if err := PlanMarkdown(&buf, p, MarkdownOptions{Compact: true, MaxChars: 20000}); err != nil {
		t.Fatal(err)
	}
	body := buf.String()
	if n := len([]rune(body)); n > 20000 {
		t.Errorf("%d characters, over the cap", n)
	}
	if !strings.HasPrefix(body, "**Plan: ") {
		t.Errorf("the comment does not start with the summary: %.60q", body)
	}
	fence := body[strings.Index(body, "```diff\n")+len("```diff\n"):]
	fence = fence[:strings.Index(fence, "```")]
	lines := strings.Split(strings.TrimSuffix(fence, "\n"), "\n")
	for _, l := range lines {
		if l == "" || !strings.ContainsRune("+-!", rune(l[0])) || strings.Contains(l, "{") {
			t.Fatalf("fence line %q is not one compact change line", l)
		}
	}
	m := hiddenMarker.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the capped compact comment has no marker")
	}
	if hidden, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", "")); hidden+len(lines) != len(p.Changes) {
		t.Errorf("%d lines shown + %d hidden, want %d", len(lines), hidden, len(p.Changes))
	}
	if len(lines) < 100 {
		t.Errorf("only %d compact lines fit in 20000 characters", len(lines))
	}

	buf.Reset()
	if err := PlanMarkdown(&buf, largePlan(30), MarkdownOptions{Compact: true}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n+ "); n != 30 {
		t.Errorf("%d created lines, want 30", n)
	}
}
