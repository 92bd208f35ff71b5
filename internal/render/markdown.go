package render

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/state"
)

// Defaults of MarkdownOptions.
const (
	// DefaultMaxChars keeps a comment under GitHub's limit of 65,536 characters, with room
	// for whatever a bot adds around it.
	DefaultMaxChars = 60000
	// DefaultMaxGraphNodes keeps a Mermaid diagram readable.
	DefaultMaxGraphNodes = 50
)

// Sizes of the address lists of a markdown plan.
const (
	// listOpenMax is the longest list shown without being folded into <details>.
	listOpenMax = 10
	// listMax is the most addresses a list shows; the rest are counted.
	listMax = 50
)

// MarkdownOptions control PlanMarkdown.
type MarkdownOptions struct {
	// MaxChars caps the whole document, in characters (0: DefaultMaxChars). The summary,
	// banners and counts table are always written; the address lists and the diagram are left
	// out when they do not fit; the full plan is cut at a change (or, for a first change too
	// long on its own, at a line) and followed by a "… N more changes not shown" marker.
	MaxChars int
	// Graph adds a Mermaid diagram of the changed objects and their neighbours.
	Graph bool
	// MaxGraphNodes caps the diagram (0: DefaultMaxGraphNodes); a note says when it is cut.
	MaxGraphNodes int
	// Compact shows one line per change in the plan fence instead of full blocks: the form
	// for plans too large to review property by property.
	Compact bool
}

// PlanMarkdown writes a plan for a pull-request comment: the Plan: line first, a destroy
// banner when anything is destroyed, warnings, a table of counts per kind and action, lists of
// the addresses per action, optionally a Mermaid diagram, and the full plan in a ```diff fence
// (symbols in column 0, ~ shown as ! so GitHub colours the lines) inside <details>. Whatever
// is cut to respect MaxChars is cut at line boundaries, with every fence and <details> closed.
func PlanMarkdown(w io.Writer, p *plan.Plan, opts MarkdownOptions) error {
	if opts.MaxChars <= 0 {
		opts.MaxChars = DefaultMaxChars
	}
	if opts.MaxGraphNodes <= 0 {
		opts.MaxGraphNodes = DefaultMaxGraphNodes
	}
	sum := p.Summary()
	doc := &mdDoc{}
	doc.add(markdownHead(p, sum))

	// Optional sections, in order of priority; each is left out if it would not leave room for
	// at least the frame of the full plan and the note saying something was left out.
	omittedNote := "_Some sections were left out to keep this comment under " + itoa(opts.MaxChars) + " characters._\n"
	reserve := runes(omittedNote) + 1
	if len(p.Changes) > 0 {
		reserve += runes(planFrameOpen("```")+planFrameClose("```")) + markerReserve + 1
	}
	optional := []string{markdownDriftDetails(p), markdownLists(p), markdownNotApplied(p)}
	if opts.Graph && len(p.Changes) > 0 {
		optional = append(optional, markdownGraph(p, opts.MaxGraphNodes))
	}
	omitted := false
	for _, s := range optional {
		if s == "" {
			continue
		}
		if doc.n+1+runes(s)+reserve > opts.MaxChars {
			omitted = true
			continue
		}
		doc.add(s)
	}
	if omitted && doc.n+1+runes(omittedNote) <= opts.MaxChars {
		doc.add(omittedNote)
	}
	if len(p.Changes) > 0 {
		doc.add(markdownFullPlan(p, opts.MaxChars-doc.n-1, opts.Compact))
	}
	_, err := io.WriteString(w, doc.String())
	return err
}

// markerReserve is room kept for the truncation marker and the cut-short line.
const markerReserve = 200

// mdDoc is a markdown document being assembled from sections separated by blank lines, with
// its length in characters.
type mdDoc struct {
	sections []string
	n        int
}

func (d *mdDoc) add(s string) {
	if len(d.sections) > 0 {
		d.n++ // the blank line between sections
	}
	d.sections = append(d.sections, s)
	d.n += runes(s)
}

func (d *mdDoc) String() string { return strings.Join(d.sections, "\n") }

func runes(s string) int { return utf8.RuneCountInString(s) }

// codeSpan quotes text as a markdown code span, which nothing inside can escape from.
func codeSpan(s string) string {
	s = sanitize(s)
	fence := strings.Repeat("`", longestBacktickRun(s)+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// targetMarkdown names a plan's target with its identifier in a code span.
func targetMarkdown(t state.Target) string {
	switch {
	case t.Source == state.SourceIntegrationExternal:
		return "integration instance " + codeSpan(t.IntegrationInstanceID)
	case t.Source == state.SourceAPI && t.Scope != "":
		return "scope " + codeSpan(t.Scope)
	case t.Source != "":
		return "source " + codeSpan(t.Source)
	}
	return ""
}

func markdownHead(p *plan.Plan, sum plan.Summary) string {
	var b strings.Builder
	switch {
	case p.RefreshOnly:
		b.WriteString("**" + refreshOnlyEnd(p) + "**\n")
		return b.String()
	case len(p.Changes) > 0:
		b.WriteString("**" + summaryLine(sum) + "**\n")
	case len(p.NotApplied) > 0:
		b.WriteString("**No changes that a " + p.Mode + " job can make.**\n")
	default:
		b.WriteString("**No changes.** The graph matches the configuration.\n")
	}
	mode := p.Mode
	if mode == "" {
		mode = plan.ModeDiff
	}
	job := mode + " job"
	if t := targetMarkdown(p.Target); t != "" {
		job += " for " + t
	}
	fmt.Fprintf(&b, "\n%s; %s unchanged.\n", job, Count(sum.Unchanged, "object", "objects"))
	for _, l := range liveSummaryLines(sum) {
		b.WriteString("\n" + l + "\n")
	}
	if p.Live == plan.LiveNotCompared {
		b.WriteString("\n_" + offlineNote + "_\n")
	}
	if d := sum.All.Destroy; d > 0 {
		fmt.Fprintf(&b, "\n:warning: **%s will be destroyed**\n", Count(d, "object", "objects"))
	}
	for i, wn := range planWarningsMarkdown(p) {
		kind := "WARNING"
		if i == 0 && p.MassDelete != nil {
			kind = "CAUTION"
		}
		fmt.Fprintf(&b, "\n> [!%s]\n> **%s.**", kind, wn.summary)
		for i, para := range wn.detail {
			if i > 0 {
				b.WriteString("\n>\n>")
			}
			b.WriteString(" " + para)
		}
		b.WriteByte('\n')
	}
	if d := markdownDriftList(p); d != "" {
		b.WriteString("\n" + d)
	}
	if len(p.Changes) > 0 || len(p.NotApplied) > 0 {
		b.WriteByte('\n')
		b.WriteString(countsTable(p, sum))
	}
	return b.String()
}

// planWarningsMarkdown phrases the plan's warnings with commands, flags and patterns in code
// spans.
func planWarningsMarkdown(p *plan.Plan) []warning {
	return planWarnings(p, func(s string) string { return "`" + s + "`" }, codeSpan)
}

var kindRows = []struct {
	kind  model.Kind
	title string
}{
	{model.KindEntity, "Entities"},
	{model.KindRelationship, "Relationships"},
	{model.KindMappedRelationship, "Mapped relationships"},
}

func countsTable(p *plan.Plan, sum plan.Summary) string {
	moved := map[model.Kind]int{}
	for i := range p.Changes {
		if p.Changes[i].PreviousAddress != "" {
			moved[p.Changes[i].Kind]++
		}
	}
	pending := map[model.Kind]int{}
	for i := range p.NotApplied {
		pending[p.NotApplied[i].Kind]++
	}
	showMoved, showPending := sum.Moved > 0, len(p.NotApplied) > 0

	var b strings.Builder
	b.WriteString("| | to add | to change | to destroy |")
	sep := "| :-- | --: | --: | --: |"
	if showMoved {
		b.WriteString(" moved |")
		sep += " --: |"
	}
	if showPending {
		b.WriteString(" not applied (" + p.Mode + ") |")
		sep += " --: |"
	}
	b.WriteString("\n" + sep + "\n")
	row := func(title string, c plan.Counts, mv, pend int, bold bool) {
		cell := func(n int) string {
			if bold {
				return " **" + itoa(n) + "** |"
			}
			return " " + itoa(n) + " |"
		}
		b.WriteString("| " + title + " |" + cell(c.Add) + cell(c.Change) + cell(c.Destroy))
		if showMoved {
			b.WriteString(cell(mv))
		}
		if showPending {
			b.WriteString(cell(pend))
		}
		b.WriteByte('\n')
	}
	for _, r := range kindRows {
		row(r.title, sum.ByKind[r.kind], moved[r.kind], pending[r.kind], false)
	}
	row("**Total**", sum.All, sum.Moved, len(p.NotApplied), true)
	return b.String()
}

// markdownLists lists the addresses per action: destroyed first, the action a reviewer must
// not miss.
func markdownLists(p *plan.Plan) string {
	replacementOf := p.ReplacementLookup()
	groups := []struct {
		title string
		match func(*plan.Change) bool
		item  func(*plan.Change) string
	}{
		{"Will be destroyed", func(c *plan.Change) bool { return c.Action == plan.Delete }, addressItem},
		{"Will be updated in-place", func(c *plan.Change) bool { return c.Action == plan.Update }, addressItem},
		{"Will be created", func(c *plan.Change) bool { return c.Action == plan.Create }, addressItem},
		{"Has moved", func(c *plan.Change) bool { return c.PreviousAddress != "" }, func(c *plan.Change) string {
			return codeSpan(c.PreviousAddress) + " → " + codeSpan(objectLabel(c.Address, c.Kind, c.Key))
		}},
		{"Will be imported", func(c *plan.Change) bool { return c.Import != "" }, func(c *plan.Change) string {
			return addressItem(c) + strings.TrimPrefix(importComment(c), " will be imported")
		}},
		{"Will be replaced (renamed)", func(c *plan.Change) bool { return c.Action == plan.Delete && replacementOf(c) != nil }, func(c *plan.Change) string {
			r := replacementOf(c)
			why := "its block was renamed"
			if r.Reason == plan.ReasonEndpointRenamed {
				why = "its endpoint was renamed"
			}
			return codeSpan(r.From) + " → " + codeSpan(r.To) + ": its _key changes because " + why
		}},
	}
	var sections []string
	for gi, g := range groups {
		var items []string
		total := 0
		blocks := map[string]int{}
		examples := map[string][]string{}
		var order []string
		for i := range p.Changes {
			ch := &p.Changes[i]
			if !g.match(ch) {
				continue
			}
			total++
			if gi < len(actionWords) { // the action groups; moves, imports and renames list pairs
				b := blockOf(ch)
				if blocks[b] == 0 {
					order = append(order, b)
				}
				blocks[b]++
				if len(examples[b]) < examplesPerBlock {
					examples[b] = append(examples[b], "- "+g.item(ch))
				}
			}
			if len(items) < listMax {
				items = append(items, "- "+g.item(ch))
			}
		}
		if total == 0 {
			continue
		}
		if total > len(items) {
			items = append(items, "- … and "+formatCount(total-len(items))+" more")
		}
		title := g.title + " (" + formatCount(total) + ")"
		if len(order) > 0 && len(order) < total && total > listOpenMax {
			// A long list where some block has several instances: counts per block first,
			// then examples.
			sections = append(sections, blockCounts(title, order, blocks, actionWords[gi], examples, total))
			continue
		}
		sections = append(sections, foldable(title, strings.Join(items, "\n")+"\n", total > listOpenMax))
	}
	return strings.Join(sections, "\n")
}

// actionWords say what the action groups of markdownLists do, for their per-block counts.
var actionWords = []string{"to destroy", "to update", "to create"}

// blockOf is the block a change belongs to: its address without the for_each key, or its
// kind for an object without an address.
func blockOf(ch *plan.Change) string {
	if ch.Address == "" {
		return ch.Kind.String() + " (no address)"
	}
	return plan.BlockAddress(ch.Address)
}

// maxBlockRows bounds the per-block counts of one list; examplesPerBlock, the addresses
// shown of each block.
const (
	maxBlockRows     = 20
	examplesPerBlock = 5
)

// blockCounts writes an address list as counts per block, largest first, with a few example
// addresses of each block folded below them: 18,000 deletes read as two lines, not fifty
// near-identical addresses.
func blockCounts(title string, order []string, counts map[string]int, action string, examples map[string][]string, total int) string {
	sort.SliceStable(order, func(i, j int) bool { return counts[order[i]] > counts[order[j]] })
	var b, ex strings.Builder
	b.WriteString("**" + title + "**\n\n")
	shown := 0
	for i, blk := range order {
		if i == maxBlockRows {
			rest := 0
			for _, o := range order[i:] {
				rest += counts[o]
			}
			b.WriteString("- … " + Count(len(order)-i, "more block", "more blocks") + ": " + formatCount(rest) + " " + action + "\n")
			break
		}
		b.WriteString("- " + codeSpan(blk) + ": " + formatCount(counts[blk]) + " " + action + "\n")
		for _, e := range examples[blk] {
			ex.WriteString(e + "\n")
			shown++
		}
	}
	b.WriteString("\n<details><summary>Examples (" + formatCount(shown) + " of " + formatCount(total) + ")</summary>\n\n")
	b.WriteString(ex.String() + "\n</details>\n")
	return b.String()
}

func addressItem(c *plan.Change) string { return codeSpan(objectLabel(c.Address, c.Kind, c.Key)) }

// foldable writes a titled block, folded into <details> when fold is set.
func foldable(title, body string, fold bool) string {
	if fold {
		return "<details><summary>" + title + "</summary>\n\n" + body + "\n</details>\n"
	}
	return "**" + title + "**\n\n" + body
}

func markdownNotApplied(p *plan.Plan) string {
	if len(p.NotApplied) == 0 {
		return ""
	}
	var b strings.Builder
	for i := range p.NotApplied {
		if i == listMax {
			b.WriteString("- … and " + formatCount(len(p.NotApplied)-listMax) + " more\n")
			break
		}
		ch := &p.NotApplied[i]
		b.WriteString("- " + addressItem(ch) + " (" + pendingVerb(ch.Action) + ")\n")
	}
	b.WriteString("\n" + notAppliedExplanation(len(p.NotApplied)) + "\n")
	title := strings.TrimSuffix(notAppliedHeading, ":") + " (" + formatCount(len(p.NotApplied)) + ")"
	return foldable(title, b.String(), len(p.NotApplied) > listOpenMax)
}

func markdownGraph(p *plan.Plan, limit int) string {
	d := changeDiagram(p, limit)
	if d.wanted > len(d.nodes) {
		// A cut diagram shows boxes chosen by order, not by meaning: say why there is none.
		return "_The graph of the changes is left out: it would have " + formatCount(d.wanted) +
			" boxes, and a diagram helps only up to " + formatCount(limit) + "; the counts and lists above say what changes._\n"
	}
	var sb strings.Builder
	out := newOutput(&sb)
	out.line("<details><summary>Graph of the changes</summary>")
	out.line()
	out.line("```mermaid")
	writeMermaid(out, d, "")
	out.line("```")
	out.line()
	out.line("</details>")
	if err := out.flush(); err != nil { // a strings.Builder does not fail
		return ""
	}
	return sb.String()
}

func planFrameOpen(fence string) string {
	return "<details><summary>Full plan</summary>\n\n" + fence + "diff\n"
}

func planFrameClose(fence string) string { return fence + "\n\n</details>\n" }

// markdownFullPlan renders the changes as a diff inside <details>, in at most budget
// characters (frame and marker included) when it can.
func markdownFullPlan(p *plan.Plan, budget int, compact bool) string {
	b := newBlockWriter(palette{})
	pr := pairingOf(p)
	render := func(i int) string {
		b.lines = b.lines[:0]
		if compact {
			var sb strings.Builder
			writeMarkdownLine(&sb, compactMarkdownLine(&p.Changes[i]))
			return sb.String()
		}
		if !b.planChange(p, i, pr) {
			return ""
		}
		var sb strings.Builder
		if i > 0 {
			sb.WriteByte('\n')
		}
		for _, l := range b.lines {
			writeMarkdownLine(&sb, l)
		}
		return sb.String()
	}
	// A block is rendered only while it may still fit, so a huge plan costs only what is shown.
	avail := budget - runes(planFrameOpen("```")+planFrameClose("```"))
	var blocks []string
	used := 0
	for i := range p.Changes {
		text := render(i)
		if used+runes(text) > avail {
			break
		}
		used += runes(text)
		blocks = append(blocks, text)
	}
	if len(blocks) == len(p.Changes) {
		if s := assembleFullPlan(blocks, "", 0); runes(s) <= budget {
			return s
		}
	}
	// Cut: drop blocks from the end until the rest, the marker included, fits.
	for len(blocks) > 0 {
		s := assembleFullPlan(blocks, "", len(p.Changes)-len(blocks))
		if runes(s) <= budget {
			return s
		}
		blocks = blocks[:len(blocks)-1]
	}
	// Not even the first change fits: show as many of its lines as do.
	const cutLine = "  # … (cut short)\n"
	first := strings.SplitAfter(render(0), "\n")
	room := budget - runes(assembleFullPlan(nil, cutLine, len(p.Changes)))
	n, used := 0, 0
	for n < len(first) && used+runes(first[n]) <= room {
		used += runes(first[n])
		n++
	}
	// A longer fence (for backticks in the value) can make the estimate short by a line or two.
	for ; n > 0; n-- {
		partial := strings.Join(first[:n], "") + cutLine
		if s := assembleFullPlan(nil, partial, len(p.Changes)); runes(s) <= budget {
			return s
		}
	}
	return assembleFullPlan(nil, "", len(p.Changes))
}

// assembleFullPlan frames the shown blocks (and a partly shown first change) in a diff fence
// inside <details>, followed by the marker when hidden changes were not shown in full.
func assembleFullPlan(blocks []string, partial string, hidden int) string {
	longest := longestBacktickRun(partial)
	for _, s := range blocks {
		longest = max(longest, longestBacktickRun(s))
	}
	fence := strings.Repeat("`", max(3, longest+1))
	var out strings.Builder
	out.WriteString(planFrameOpen(fence))
	for _, s := range blocks {
		out.WriteString(s)
	}
	out.WriteString(partial)
	out.WriteString(planFrameClose(fence))
	if hidden > 0 {
		fmt.Fprintf(&out, "\n**… %s not shown**", Count(hidden, "more change", "more changes"))
		if partial != "" {
			out.WriteString(" (the first one is cut short)")
		}
		out.WriteString(": the full plan does not fit in this comment.\n")
	}
	return out.String()
}

// compactMarkdownLine is a compact plan line (see PlanCompact) as a diff-fence line.
func compactMarkdownLine(ch *plan.Change) line {
	text := compactLine(ch, palette{})
	if sym := actionSymbol(ch.Action); sym != 0 {
		return line{sym: sym, text: strings.TrimPrefix(text[1:], " ")}
	}
	return line{text: strings.TrimLeft(text, " ")}
}

// writeMarkdownLine writes a block line for a ```diff fence: the symbol in column 0 (~ as !,
// which GitHub colours like a change) and the rest where the terminal format has it. Other
// lines never start with a character the diff highlighter would take for a symbol.
func writeMarkdownLine(b *strings.Builder, l line) {
	if l.sym != 0 {
		sym := l.sym
		if sym == symUpdate {
			sym = '!'
		}
		b.WriteByte(sym)
		writePad(b, l.col)
		b.WriteByte(' ')
	} else {
		if l.col == 0 && l.text != "" && strings.ContainsRune("+-!<>@", rune(l.text[0])) {
			b.WriteByte(' ')
		}
		writePad(b, l.col)
	}
	b.WriteString(l.text)
	b.WriteByte('\n')
}

func longestBacktickRun(s string) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// driftVerb says what happened to an object outside j1hcl.
func driftVerb(a plan.Action) string {
	switch a {
	case plan.Update:
		return "has changed outside j1hcl"
	case plan.Delete:
		return "was deleted outside j1hcl"
	}
	return "was created outside j1hcl"
}

// markdownDriftList is the "Changed outside j1hcl" part: what differs between the state and
// the live graph, above the changes, never folded away.
func markdownDriftList(p *plan.Plan) string {
	if len(p.Drift) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s (%s)\n\n%s\n\n", driftHeading, formatCount(len(p.Drift)), driftIntro(p))
	for i := range p.Drift {
		if i == listMax {
			fmt.Fprintf(&b, "- … and %s more\n", formatCount(len(p.Drift)-listMax))
			break
		}
		ch := &p.Drift[i]
		b.WriteString("- " + addressItem(ch) + " " + driftVerb(ch.Action) + "\n")
	}
	return b.String()
}

// markdownDriftDetails shows the drift as blocks in a diff fence inside <details>.
func markdownDriftDetails(p *plan.Plan) string {
	if len(p.Drift) == 0 {
		return ""
	}
	bw := newBlockWriter(palette{})
	var body strings.Builder
	for i := range p.Drift {
		if i == listMax {
			break
		}
		bw.lines = bw.lines[:0]
		bw.drift(&p.Drift[i])
		if i > 0 {
			body.WriteByte('\n')
		}
		for _, l := range bw.lines {
			writeMarkdownLine(&body, l)
		}
	}
	fence := strings.Repeat("`", max(3, longestBacktickRun(body.String())+1))
	return "<details><summary>Details of the changes outside j1hcl</summary>\n\n" + fence + "diff\n" + body.String() + fence + "\n\n</details>\n"
}
