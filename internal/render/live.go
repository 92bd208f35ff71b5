package render

import (
	"fmt"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
)

// This file renders what a plan knows about the live graph: drift, imports, replacements of
// renamed blocks, and the note of a plan that was not compared with the live graph.

// driftHeading titles the drift section in every format.
const driftHeading = "Changed outside j1hcl"

// offlineNote is the one line that ends a plan not compared with the live graph.
const offlineNote = "Note: this plan was not compared with the live graph (no JUPITERONE_API_KEY, or -refresh=false), so changes made outside j1hcl are not shown."

// driftIntro introduces the drift section.
func driftIntro(p *plan.Plan) string {
	found := "j1hcl read the live graph and found " + Count(len(p.Drift), "difference", "differences") + " from the state."
	if p.RefreshOnly {
		return found
	}
	return found + " The plan below starts from the live graph, so its changes are what the job will do."
}

// refreshOnlyEnd is the sentence that ends a refresh-only plan.
func refreshOnlyEnd(p *plan.Plan) string {
	if len(p.Drift) == 0 {
		return "No changes. The live graph matches the state."
	}
	return "This is a refresh-only plan: no job is planned. Run j1hcl apply -refresh-only to record what changed " +
		"outside j1hcl in the state, or j1hcl plan to see what a job would change."
}

// drift renders one difference between the state and the live graph.
func (b *blockWriter) drift(ch *plan.Change) {
	addr := objectLabel(ch.Address, ch.Kind, ch.Key)
	header := blockHeader(ch.Address, ch.Kind, ch.Key)
	hidden := sensitiveOfChange(ch)
	switch ch.Action {
	case plan.Update:
		b.comment(addr, " has changed outside j1hcl")
		b.block(2, symUpdate, header, ch.Before, ch.After, hidden)
	case plan.Delete:
		b.comment(addr, " was deleted outside j1hcl")
		b.block(2, symDelete, header, ch.Before, nil, hidden)
	default:
		b.comment(addr, " was created outside j1hcl")
		b.block(2, symCreate, header, nil, ch.After, hidden)
	}
}

// importComment is the comment line of an imported object.
func importComment(ch *plan.Change) string {
	s := " will be imported"
	if ch.Import == plan.ImportAdopted {
		s += " (it exists in JupiterOne)"
	}
	if ch.Action == plan.Update {
		s += " and updated in-place"
	}
	return s
}

// replacementLines are the comment lines of a replacement: what happens and why, then the fix.
func replacementLines(r *plan.Replacement, keyHidden bool) []string {
	from, to := sanitize(r.From), sanitize(r.To)
	oldKey := quote(r.OldKey)
	if keyHidden {
		oldKey = SensitiveValue
	}
	if r.Reason == plan.ReasonEndpointRenamed {
		return []string{
			" will be replaced: its _key changes because its endpoint was renamed",
			"# (a moved block for the renamed entity, or a pinned _key on it, keeps this one too)",
		}
	}
	return []string{
		" will be replaced: its _key changes because its block was renamed",
		"# (to keep its identity, pin _key = " + oldKey + " in " + to + ", or add",
		"#  moved { from = " + from + "  to = " + to + " })",
	}
}

// pairing says, for a plan's changes by index, which are rendered with a replacement: the
// delete carries the pair, its create is skipped.
type pairing struct {
	replacement map[int]*plan.Replacement
	partner     map[int]int
	skip        map[int]bool
}

func pairingOf(p *plan.Plan) pairing {
	var pr pairing
	if len(p.Replacements) == 0 {
		return pr
	}
	pr.replacement, pr.partner, pr.skip = map[int]*plan.Replacement{}, map[int]int{}, map[int]bool{}
	replacementOf := p.ReplacementLookup()
	creates := map[string]int{}
	for i := range p.Changes {
		if ch := &p.Changes[i]; ch.Action == plan.Create {
			creates[identityOf(ch.Kind, ch.Key)] = i
		}
	}
	for i := range p.Changes {
		ch := &p.Changes[i]
		if ch.Action != plan.Delete {
			continue
		}
		r := replacementOf(ch)
		if r == nil {
			continue
		}
		j, ok := creates[identityOf(r.Kind, r.NewKey)]
		if !ok {
			continue
		}
		pr.replacement[i], pr.partner[i], pr.skip[j] = r, j, true
	}
	return pr
}

func identityOf(k model.Kind, key string) string {
	if k.IsRelationship() {
		return "r " + key
	}
	return "e " + key
}

// planChange renders change i of p as blocks: a replacement as its delete and create under
// one comment, its create nothing on its own. It reports whether it wrote anything.
func (b *blockWriter) planChange(p *plan.Plan, i int, pr pairing) bool {
	if pr.skip[i] {
		return false
	}
	ch := &p.Changes[i]
	r := pr.replacement[i]
	if r == nil {
		b.change(ch)
		return true
	}
	cr := &p.Changes[pr.partner[i]]
	lines := replacementLines(r, ch.IsSensitive(model.PropKey) || cr.IsSensitive(model.PropKey))
	b.comment(objectLabel(ch.Address, ch.Kind, ch.Key), lines[0])
	for _, l := range lines[1:] {
		b.add(2, 0, l)
	}
	b.block(2, symDelete, blockHeader(ch.Address, ch.Kind, ch.Key), ch.Before, nil, sensitiveOfChange(ch))
	b.block(2, symCreate, blockHeader(cr.Address, cr.Kind, cr.Key), nil, cr.After, sensitiveOfChange(cr))
	return true
}

// liveSummaryLines are the summary's sentences about imports and replacements.
func liveSummaryLines(sum plan.Summary) []string {
	var out []string
	if sum.Imported > 0 {
		out = append(out, fmt.Sprintf("%s will be imported from JupiterOne (not created).", Count(sum.Imported, "object", "objects")))
	}
	if sum.Replaced > 0 {
		out = append(out, fmt.Sprintf("%s will be replaced because of renamed blocks (counted as destroyed and added).",
			Count(sum.Replaced, "object", "objects")))
	}
	return out
}

// writeDriftText writes the drift section of a text plan.
func writeDriftText(out *output, p *plan.Plan, pal palette, width int) {
	if len(p.Drift) == 0 {
		return
	}
	out.line(pal.bold(driftHeading + ":"))
	out.line()
	out.line(wrap(driftIntro(p), width, ""))
	b := newBlockWriter(pal)
	for i := range p.Drift {
		out.line()
		b.lines = b.lines[:0]
		b.drift(&p.Drift[i])
		for _, l := range b.lines {
			writeTextLine(out, l, pal)
		}
	}
	out.line()
	out.line(strings.Repeat("─", 72))
	out.line()
}
