package render

import (
	"io"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
)

// PlanText writes a plan the way `terraform plan` reads: a legend of the symbols in use, one
// block per change, the summary lines, the changes a PATCH job leaves pending, and warnings
// (mass delete, targeting). A plan without changes reads "No changes. The graph matches the
// configuration."
func PlanText(w io.Writer, p *plan.Plan, opts TextOptions) error {
	out := newOutput(w)
	pal := palette{on: opts.Color}
	sum := p.Summary()

	writeDriftText(out, p, pal, opts.Width)
	if p.RefreshOnly {
		out.line(wrap(refreshOnlyEnd(p), opts.Width, ""))
		return out.flush()
	}
	if len(p.Changes) == 0 {
		writeNoChanges(out, p, pal, opts.Width)
	} else {
		intro := "j1hcl compared the configuration with " + comparedWith(p) + " and will run " + jobDescription(p) + "."
		legend := legendOf(p.Changes)
		if len(legend) > 0 {
			intro += " Actions are indicated with the following symbols:"
		}
		out.line(wrap(intro, opts.Width, ""))
		for _, sym := range legend {
			out.line("  ", pal.symbol(sym), " ", legendText[sym])
		}
		out.line()
		out.line("j1hcl will perform the following actions:")
		b := newBlockWriter(pal)
		pr := pairingOf(p)
		for i := range p.Changes {
			b.lines = b.lines[:0]
			if !b.planChange(p, i, pr) {
				continue
			}
			out.line()
			for _, l := range b.lines {
				writeTextLine(out, l, pal)
			}
		}
		out.line()
		writeSummary(out, sum, pal, opts.Width)
	}
	writeNotApplied(out, p, pal, opts.Width)
	writeWarnings(out, p, pal, opts.Width)
	writeOfflineNote(out, p)
	return out.flush()
}

// comparedWith names what a plan compared the configuration with.
func comparedWith(p *plan.Plan) string {
	if p.Live == plan.LiveCompared {
		return "the live graph"
	}
	return "the state"
}

// writeOfflineNote ends a plan that was not compared with the live graph with one line.
func writeOfflineNote(out *output, p *plan.Plan) {
	if p.Live == plan.LiveNotCompared {
		out.line()
		out.line(offlineNote)
	}
}

// writeTextLine writes one block line for a terminal.
func writeTextLine(out *output, l line, pal palette) {
	out.str(pad(l.col))
	if l.sym != 0 {
		out.str(pal.symbol(l.sym))
		out.str(" ")
	}
	out.line(l.text)
}

var legendText = map[byte]string{
	symCreate: "create",
	symUpdate: "update in-place",
	symDelete: "destroy",
}

// legendOf returns the symbols that occur among changes, in Terraform's legend order.
func legendOf(changes []plan.Change) []byte {
	var seen [3]bool
	for i := range changes {
		switch changes[i].Action {
		case plan.Create:
			seen[0] = true
		case plan.Update:
			seen[1] = true
		case plan.Delete:
			seen[2] = true
		}
	}
	var out []byte
	for i, sym := range []byte{symCreate, symUpdate, symDelete} {
		if seen[i] {
			out = append(out, sym)
		}
	}
	return out
}

// jobDescription says which job the plan is for, e.g. `a DIFF job for integration instance
// "abc"`.
func jobDescription(p *plan.Plan) string {
	mode := p.Mode
	if mode == "" {
		mode = plan.ModeDiff
	}
	s := "a " + mode + " job"
	if p.Target.Source != "" {
		s += " for " + sanitize(p.Target.String())
	}
	return s
}

func writeNoChanges(out *output, p *plan.Plan, pal palette, width int) {
	if len(p.NotApplied) > 0 {
		out.line(pal.bold("No changes that a " + p.Mode + " job can make."))
		return
	}
	out.line(pal.bold("No changes.") + " The graph matches the configuration.")
	out.line()
	msg := "j1hcl compared the configuration with " + comparedWith(p) + " and found no differences, so there is nothing to apply."
	if len(p.Targets) > 0 {
		msg = "j1hcl compared the targeted part of the configuration with " + comparedWith(p) + " and found no differences, so there is nothing to apply."
	}
	out.line(wrap(msg, width, ""))
}

// countsText spells counts as the Plan: line does.
func countsText(c plan.Counts) string {
	return formatCount(c.Add) + " to add, " + formatCount(c.Change) + " to change, " + formatCount(c.Destroy) + " to destroy."
}

func summaryLine(sum plan.Summary) string { return "Plan: " + countsText(sum.All) }

func splitLine(sum plan.Summary) string {
	return "Entities: " + countsText(sum.Entities) + " Relationships: " + countsText(sum.Relationships)
}

func movedLine(sum plan.Summary) string {
	if sum.Moved == 1 {
		return "1 object has moved to a new address."
	}
	return formatCount(sum.Moved) + " objects have moved to a new address."
}

func writeSummary(out *output, sum plan.Summary, pal palette, width int) {
	out.line(pal.bold("Plan:"), " ", countsText(sum.All))
	if split := splitLine(sum); width > 0 && len(split) > width {
		// Two sentences: break between them rather than inside one.
		out.line("Entities: " + countsText(sum.Entities))
		out.line("Relationships: " + countsText(sum.Relationships))
	} else {
		out.line(split)
	}
	if sum.Moved > 0 {
		out.line(movedLine(sum))
	}
	for _, l := range liveSummaryLines(sum) {
		out.line(l)
	}
}

// pendingVerb says what a change that was not applied would have done.
func pendingVerb(a plan.Action) string {
	switch a {
	case plan.Create:
		return "would be created"
	case plan.Update:
		return "would be updated in-place"
	case plan.Delete:
		return "would be destroyed"
	}
	return "would move"
}

const notAppliedHeading = "Not applied in PATCH mode:"

func notAppliedExplanation(n int) string {
	what, pronoun := "this change stays", "it"
	if n > 1 {
		what, pronoun = "these "+itoa(n)+" changes stay", "them"
	}
	return "A PATCH job cannot delete objects and does not accept relationships, so " + what +
		" pending in the state until the next DIFF job makes " + pronoun + "."
}

func writeNotApplied(out *output, p *plan.Plan, pal palette, width int) {
	if len(p.NotApplied) == 0 {
		return
	}
	out.line()
	out.line(pal.bold(notAppliedHeading))
	for i := range p.NotApplied {
		ch := &p.NotApplied[i]
		out.line("  - ", objectLabel(ch.Address, ch.Kind, ch.Key), " (", pendingVerb(ch.Action), ")")
	}
	out.line()
	out.line(wrap(notAppliedExplanation(len(p.NotApplied)), width, ""))
}

// warning is a warning the plan carries, phrased for every format.
type warning struct {
	summary string
	detail  []string // paragraphs
	// short is the sentence of the detail a one-line form keeps.
	short string
}

// planWarnings phrases the plan's warnings. lit spells a command or flag and val a value of
// the user's, so each format can mark them up its own way.
func planWarnings(p *plan.Plan, lit, val func(string) string) []warning {
	var ws []warning
	if md := p.MassDelete; md != nil {
		refuse := lit("apply") + " refuses to run this plan unless " + lit("-allow-mass-delete") + " is given."
		ws = append(ws, warning{
			summary: "This plan destroys " + formatCount(md.Deleting) + " of the " + Count(md.Total, "object", "objects") + " the state records",
			detail: []string{
				"The DIFF job would delete " + massDeleteShare(md) + " of the graph this target owns. " +
					"Check that the configuration directory, the variables and the integration instance are the ones you mean.",
				refuse,
			},
			short: refuse,
		})
	}
	if len(p.Targets) > 0 {
		quoted := make([]string, len(p.Targets))
		for i, t := range p.Targets {
			quoted[i] = val(t)
		}
		restricted := "This plan is restricted to the objects matching " + lit("-target") + " " + strings.Join(quoted, ", ") +
			", so it may not show every difference between the configuration and the state."
		ws = append(ws, warning{
			summary: "Targeting is in effect",
			detail: []string{
				restricted,
				"The " + lit("-target") + " option is for exceptional situations, such as recovering from a mistake; run a plan without it to see every change.",
			},
			short: restricted,
		})
	}
	return ws
}

// textWarnings phrases warnings for a terminal.
func textWarnings(p *plan.Plan) []warning {
	return planWarnings(p, func(s string) string { return s }, quote)
}

func massDeleteShare(md *plan.MassDelete) string {
	if md.Deleting == md.Total {
		return "everything"
	}
	return "more than half"
}

// writeWarnings writes warnings in Terraform's boxed style.
func writeWarnings(out *output, p *plan.Plan, pal palette, width int) {
	for _, wn := range textWarnings(p) {
		out.line()
		w := width
		if w > 0 {
			w = max(w-2, 20) // the box takes two columns
		}
		out.line("╷")
		const label = "Warning: "
		for i, l := range strings.Split(wrap(label+wn.summary, w, ""), "\n") {
			if rest, ok := strings.CutPrefix(l, label); i == 0 && ok {
				out.line("│ ", pal.yellow(pal.bold(strings.TrimSpace(label))), " ", pal.bold(rest))
			} else {
				out.line("│ ", pal.bold(l))
			}
		}
		for _, para := range wn.detail {
			out.line("│")
			for _, l := range strings.Split(wrap(para, w, ""), "\n") {
				out.line("│ ", l)
			}
		}
		out.line("╵")
	}
}

// maxCompactKey is how much of a _key the compact format shows.
const maxCompactKey = 60

// PlanCompact writes one line per change (symbol, address, shortened _key) and the summary
// lines: a plan of thousands of changes that still fits on a screen or in a CI log.
func PlanCompact(w io.Writer, p *plan.Plan, opts TextOptions) error {
	out := newOutput(w)
	pal := palette{on: opts.Color}
	sum := p.Summary()
	if n := len(p.Drift); n > 0 {
		for i := range p.Drift {
			out.line(driftCompactLine(&p.Drift[i], pal))
		}
		out.line()
	}
	if len(p.Changes) == 0 {
		writeNoChanges(out, p, pal, opts.Width)
	} else {
		for i := range p.Changes {
			out.line(compactLine(&p.Changes[i], pal))
		}
		out.line()
		writeSummary(out, sum, pal, opts.Width)
	}
	if n := len(p.NotApplied); n > 0 {
		out.line(pal.bold(notAppliedHeading), " ", Count(n, "change stays", "changes stay"), " pending for the next DIFF job.")
	}
	for _, wn := range textWarnings(p) {
		out.line(pal.yellow(pal.bold("Warning:")), " ", wn.summary, ". ", wn.short)
	}
	writeOfflineNote(out, p)
	return out.flush()
}

func compactLine(ch *plan.Change, pal palette) string {
	var b strings.Builder
	if sym := actionSymbol(ch.Action); sym != 0 {
		b.WriteString(pal.symbol(sym))
		b.WriteByte(' ')
	} else {
		b.WriteString("  ")
	}
	b.WriteString(objectLabel(ch.Address, ch.Kind, ch.Key))
	if ch.Address != "" {
		b.WriteString(" (")
		b.WriteString(displayKey(ch))
		b.WriteByte(')')
	}
	if ch.PreviousAddress != "" {
		b.WriteString(", moved from ")
		b.WriteString(sanitize(ch.PreviousAddress))
	}
	if ch.Import != "" {
		b.WriteString(", imported")
	}
	return b.String()
}

// displayKey is a change's _key as the compact format shows it: shortened, and hidden when
// it derives from a sensitive value.
func displayKey(ch *plan.Change) string {
	if ch.IsSensitive(model.PropKey) {
		return SensitiveValue
	}
	return sanitize(truncateMiddle(ch.Key, maxCompactKey))
}

// driftCompactLine is one line of the compact drift list.
func driftCompactLine(ch *plan.Change, pal palette) string {
	what := map[plan.Action]string{plan.Update: "changed", plan.Delete: "deleted", plan.Create: "created"}[ch.Action]
	return pal.bold(driftHeading+":") + " " + objectLabel(ch.Address, ch.Kind, ch.Key) + " " + what + " outside j1hcl"
}
