package render

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"

	"github.com/j1hcl/j1hcl/internal/plan"
)

func TestPlanMarkdownGolden(t *testing.T) {
	tests := []struct {
		name string
		plan *plan.Plan
		opts MarkdownOptions
	}{
		{"large_truncated", largePlan(500), MarkdownOptions{MaxChars: 8000}},
		{"delete_heavy", deleteHeavyPlan(40), MarkdownOptions{}},
		{"graph_capped", largePlan(60), MarkdownOptions{Graph: true, MaxGraphNodes: 5, MaxChars: 4000}},
		// The plans of the README's screenshots (scripts/screenshots.sh renders the same).
		{"scale_small", screenshotPlans()["small"], MarkdownOptions{Graph: true}},
		{"scale_large", screenshotPlans()["large"], MarkdownOptions{Graph: true}},
		{"scale_delete_heavy", screenshotPlans()["delete-heavy"], MarkdownOptions{Graph: true}},
		{"scale_delete_heavy_compact", screenshotPlans()["delete-heavy"], MarkdownOptions{Graph: true, Compact: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := PlanMarkdown(&buf, tt.plan, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, "plan/"+tt.name+".md", buf.Bytes())
		})
	}
}

// mdStructure is what a markdown renderer makes of a comment.
type mdStructure struct {
	firstBlock   ast.Node
	firstText    string
	diffBlocks   []string // contents of ```diff fences
	otherFences  int
	tables       int
	detailsOpen  int
	detailsClose int
	paragraphs   []string
	html         string
}

var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))

func parseMarkdown(t *testing.T, src []byte) mdStructure {
	t.Helper()
	doc := gfm.Parser().Parse(text.NewReader(src))
	var s mdStructure
	s.firstBlock = doc.FirstChild()
	if s.firstBlock != nil {
		s.firstText = string(s.firstBlock.Lines().Value(src))
	}
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.FencedCodeBlock:
			if string(n.Language(src)) == "diff" {
				s.diffBlocks = append(s.diffBlocks, string(n.Lines().Value(src)))
			} else {
				s.otherFences++
			}
		case *ast.HTMLBlock:
			raw := string(n.Lines().Value(src))
			s.detailsOpen += strings.Count(raw, "<details>")
			s.detailsClose += strings.Count(raw, "</details>")
		case *ast.Paragraph:
			s.paragraphs = append(s.paragraphs, string(n.Lines().Value(src)))
		}
		if n.Kind() == extast.KindTable {
			s.tables++
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := gfm.Renderer().Render(&out, src, doc); err != nil {
		t.Fatal(err)
	}
	s.html = out.String()
	return s
}

var changeHeader = regexp.MustCompile(`(?m)^  # \S.* (will be (created|updated in-place|destroyed|imported.*)|has moved to .*)$`)

// replaceHeader heads the delete and the create of a replacement, two changes.
var replaceHeader = regexp.MustCompile(`(?m)^  # \S.* will be replaced: .*$`)

var hiddenMarker = regexp.MustCompile(`… ([\d,]+) more changes? not shown`)

// checkMarkdown asserts what a reader of the comment must see, whatever the plan and cap.
func checkMarkdown(t *testing.T, name string, p *plan.Plan, maxChars int, src []byte) {
	t.Helper()
	s := parseMarkdown(t, src)
	if n := utf8.RuneCount(src); n > maxChars {
		t.Errorf("%s: %d characters, over the cap of %d", name, n, maxChars)
	}
	// The summary line comes first, outside any <details>.
	if _, ok := s.firstBlock.(*ast.Paragraph); !ok || !(strings.HasPrefix(s.firstText, "**Plan: ") || strings.HasPrefix(s.firstText, "**No changes")) {
		t.Errorf("%s: the first block is %T %q, want the summary paragraph", name, s.firstBlock, s.firstText)
	}
	if i, j := strings.Index(s.html, "<details>"), strings.Index(s.html, "Plan: "); i >= 0 && j > i {
		t.Errorf("%s: the Plan: line is inside <details>", name)
	}
	if s.detailsOpen != s.detailsClose {
		t.Errorf("%s: %d <details> opened, %d closed", name, s.detailsOpen, s.detailsClose)
	}
	if got := strings.Count(s.html, "<pre><code"); got != len(s.diffBlocks)+s.otherFences {
		t.Errorf("%s: %d code blocks in HTML, %d fences in the markdown", name, got, len(s.diffBlocks)+s.otherFences)
	}
	if len(p.Changes) == 0 {
		if len(s.diffBlocks) != 0 {
			t.Errorf("%s: a diff fence for a plan without changes", name)
		}
		return
	}
	if s.tables != 1 || !strings.Contains(s.html, "<table>") {
		t.Errorf("%s: %d tables, want the counts table", name, s.tables)
	}
	// The full plan, and the drift's details above it when there is drift.
	want := 1
	if len(p.Drift) > 0 && strings.Contains(string(src), "Details of the changes outside j1hcl") {
		want = 2
	}
	if len(s.diffBlocks) != want || strings.Count(s.html, `<pre><code class="language-diff">`) != want {
		t.Fatalf("%s: %d diff code blocks, want %d", name, len(s.diffBlocks), want)
	}
	diff := s.diffBlocks[want-1]
	for _, l := range strings.Split(diff, "\n") {
		if l == "" {
			continue
		}
		// Only change lines may start with a diff symbol, and change lines carry the symbol
		// and a space where the terminal format has indentation.
		switch l[0] {
		case '+', '-', '!':
			if len(l) < 4 || l[1] != ' ' {
				t.Errorf("%s: malformed change line %q", name, l)
			}
		case ' ':
		default:
			t.Errorf("%s: line starts with %q: %q", name, l[0], l)
		}
	}
	shown := len(changeHeader.FindAllString(diff, -1)) + 2*len(replaceHeader.FindAllString(diff, -1))
	hidden := 0
	if m := hiddenMarker.FindStringSubmatch(string(src)); m != nil {
		fmt.Sscan(strings.ReplaceAll(m[1], ",", ""), &hidden)
		if !strings.Contains(s.html, m[0]) {
			t.Errorf("%s: the marker is not rendered", name)
		}
		if strings.Contains(diff, m[0]) {
			t.Errorf("%s: the marker is inside the code block", name)
		}
	}
	cut := strings.Contains(diff, "# … (cut short)")
	if cut {
		shown-- // the partly shown change is counted in the marker
	}
	if shown+hidden != len(p.Changes) {
		t.Errorf("%s: %d changes shown and %d counted as hidden, want %d in all", name, shown, hidden, len(p.Changes))
	}
}

func TestPlanMarkdownRendersAsIntended(t *testing.T) {
	names, cases := sortedCases()
	for _, name := range names {
		var buf bytes.Buffer
		if err := PlanMarkdown(&buf, cases[name], MarkdownOptions{Graph: true}); err != nil {
			t.Fatal(err)
		}
		checkMarkdown(t, name, cases[name], DefaultMaxChars, buf.Bytes())
		s := parseMarkdown(t, buf.Bytes())
		if sum := cases[name].Summary(); sum.All.Destroy > 0 {
			banner := fmt.Sprintf(":warning: **%s will be destroyed**", Count(sum.All.Destroy, "object", "objects"))
			if !bytes.Contains(buf.Bytes(), []byte(banner)) {
				t.Errorf("%s: no destroy banner %q", name, banner)
			}
		}
		if len(cases[name].Changes) > 0 && s.otherFences != 1 {
			t.Errorf("%s: %d mermaid fences, want 1", name, s.otherFences)
		}
	}
}

// The cap holds for every size, and what is cut is counted.
func TestPlanMarkdownCap(t *testing.T) {
	plans := map[string]*plan.Plan{
		"large":        largePlan(3000),
		"delete_heavy": deleteHeavyPlan(300),
		"update":       planCases()["update"],
	}
	for name, p := range plans {
		for _, max := range []int{2500, 3000, 4000, 8000, 20000, DefaultMaxChars} {
			var buf bytes.Buffer
			if err := PlanMarkdown(&buf, p, MarkdownOptions{MaxChars: max, Graph: true}); err != nil {
				t.Fatal(err)
			}
			checkMarkdown(t, fmt.Sprintf("%s/%d", name, max), p, max, buf.Bytes())
			listed := bytes.Contains(buf.Bytes(), []byte("Will be "))
			if noted := bytes.Contains(buf.Bytes(), []byte("Some sections were left out")); !listed && !noted {
				t.Errorf("%s/%d: the address lists are gone without a note", name, max)
			}
		}
	}
}

// A first change longer than the whole budget is shown in part, cut at a line.
func TestPlanMarkdownCutsAHugeFirstChange(t *testing.T) {
	var lines []string
	for i := range 2000 {
		lines = append(lines, fmt.Sprintf("line %d of a very long description", i))
	}
	huge := entity("application", "huge", "description", strings.Join(lines, "\n"))
	p := newPlan(plan.ModeDiff,
		change("entity.application.huge", 0, plan.Create, nil, huge),
		change("entity.application.small", 0, plan.Create, nil, entity("application", "small")),
	)
	var buf bytes.Buffer
	if err := PlanMarkdown(&buf, p, MarkdownOptions{MaxChars: 5000}); err != nil {
		t.Fatal(err)
	}
	checkMarkdown(t, "huge", p, 5000, buf.Bytes())
	if !bytes.Contains(buf.Bytes(), []byte("… 2 more changes not shown** (the first one is cut short)")) {
		t.Errorf("no cut-short marker:\n%s", buf.Bytes())
	}
}

// Backticks in values cannot close the diff fence.
func TestPlanMarkdownFenceSurvivesBackticks(t *testing.T) {
	tricky := entity("application", "tricky", "notes", "```\n````\n# not a heading\n- not a list\n")
	p := newPlan(plan.ModeDiff, change("entity.application.tricky", 0, plan.Create, nil, tricky))
	var buf bytes.Buffer
	if err := PlanMarkdown(&buf, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	checkMarkdown(t, "tricky", p, DefaultMaxChars, buf.Bytes())
	s := parseMarkdown(t, buf.Bytes())
	if !strings.Contains(s.diffBlocks[0], "- not a list") {
		t.Errorf("the value's lines are not inside the diff block:\n%s", s.diffBlocks[0])
	}
}

func TestCodeSpan(t *testing.T) {
	tests := map[string]string{
		"plain":   "`plain`",
		"a`b":     "``a`b``",
		"`x":      "`` `x ``",
		"a``b`":   "``` a``b` ```",
		"new\nln": "`new\\u000aln`",
	}
	for in, want := range tests {
		if got := codeSpan(in); got != want {
			t.Errorf("codeSpan(%q) = %q, want %q", in, got, want)
		}
	}
}

// At scale, a markdown plan counts per block before it lists examples, spells counts with
// thousands separators, and leaves out a diagram that would help nobody, saying why.
func TestPlanMarkdownAtScale(t *testing.T) {
	var buf bytes.Buffer
	p := screenshotPlans()["delete-heavy"]
	if err := PlanMarkdown(&buf, p, MarkdownOptions{Graph: true}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"**Plan: 1 to add, 0 to change, 18,000 to destroy.**",
		":warning: **18,000 objects will be destroyed**",
		"**Will be destroyed (18,000)**",
		"- `entity.host.all`: 9,000 to destroy",
		"- `relationship.host_runs_agent`: 9,000 to destroy",
		"<details><summary>Examples (10 of 18,000)</summary>",
		"- `relationship.host_runs_agent[\"host-00000\"]`",
		"_The graph of the changes is left out: it would have 9,002 boxes",
		"| **Total** | **1** | **0** | **18,000** |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the delete-heavy comment lacks %q", want)
		}
	}
	if strings.Contains(md, "```mermaid") || strings.Contains(md, "Showing 50 of") {
		t.Error("the delete-heavy comment still draws a cut diagram")
	}
	if i, j := strings.Index(md, "9,000 to destroy"), strings.Index(md, "entity.host.all[\"host-00000\"]"); i < 0 || j < i {
		t.Error("examples come before the per-block counts")
	}
	checkMarkdown(t, "delete-heavy", p, DefaultMaxChars, buf.Bytes())
}
