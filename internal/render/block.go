package render

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
)

// line is one line of a rendered plan block. Keeping the symbol apart from the text lets the
// terminal format colour it and the markdown format move it to column 0, without ever
// mistaking a value that starts with "-" for a change.
type line struct {
	// col is the column of sym, or of text when sym is 0.
	col int
	// sym is symCreate, symUpdate, symDelete, or 0 for a line that changes nothing.
	sym  byte
	text string
}

// Thresholds of the string diffs.
const (
	// longString is the length (in runes) from which a changed single-line string is shown as
	// a word diff rather than as old -> new.
	longString = 80
	// wordDiffContext is how much unchanged text a word diff keeps around each change.
	wordDiffContext = 20
	// heredocContext is how many unchanged lines a heredoc diff keeps around each change.
	heredocContext = 2
	// listContext is how many unchanged elements a list diff keeps around each change.
	listContext = 1
	// maxListDiff bounds the work of the element-wise list diff (len(a)*len(b)); longer lists
	// are compared position by position.
	maxListDiff = 250_000
)

// blockWriter renders plan changes and objects as Terraform-style blocks, appending lines.
type blockWriter struct {
	pal   palette
	lines []line
	dmp   *diffmatchpatch.DiffMatchPatch
}

func newBlockWriter(pal palette) *blockWriter {
	return &blockWriter{pal: pal, dmp: diffmatchpatch.New()}
}

func (b *blockWriter) add(col int, sym byte, text string) {
	b.lines = append(b.lines, line{col: col, sym: sym, text: text})
}

// comment adds a "# ADDRESS rest" line with the address part in bold.
func (b *blockWriter) comment(address, rest string) {
	b.add(2, 0, b.pal.bold("# "+address)+rest)
}

// change renders one planned change: its comment lines and its block.
func (b *blockWriter) change(ch *plan.Change) {
	addr := objectLabel(ch.Address, ch.Kind, ch.Key)
	header := blockHeader(ch.Address, ch.Kind, ch.Key)
	hidden := sensitiveOfChange(ch)
	if ch.Import != "" {
		b.comment(addr, importComment(ch))
		if ch.Action == plan.Update {
			b.block(2, symUpdate, header, ch.Before, ch.After, hidden)
		} else {
			b.block(4, 0, header, ch.After, ch.After, hidden)
		}
		return
	}
	switch ch.Action {
	case plan.Create:
		b.comment(addr, " will be created")
		b.block(2, symCreate, header, nil, ch.After, hidden)
	case plan.Delete:
		b.comment(addr, " will be destroyed")
		b.add(2, 0, "# (because it is not in the configuration)")
		b.block(2, symDelete, header, ch.Before, nil, hidden)
	case plan.Update:
		b.comment(addr, " will be updated in-place")
		if ch.PreviousAddress != "" {
			b.add(2, 0, "# (moved from "+sanitize(ch.PreviousAddress)+")")
		}
		b.block(2, symUpdate, header, ch.Before, ch.After, hidden)
	default: // a move without other changes
		b.add(2, 0, b.pal.bold("# "+sanitize(ch.PreviousAddress))+" has moved to "+b.pal.bold(addr))
		after := ch.After
		if after == nil {
			after = ch.Before
		}
		b.block(4, 0, header, after, after, hidden)
	}
}

// object renders an object as it stands, without change symbols (state show).
func (b *blockWriter) object(o *model.Object) {
	b.add(0, 0, blockHeader(o.Address, o.Kind, o.Key())+" {")
	b.body(2, 0, o.Props, o.Props, "", sensitiveOf(o), false)
	b.add(0, 0, "}")
}

// block renders a whole top-level block. sym is the block's action; for 0 (a move) col is the
// column of the header text.
func (b *blockWriter) block(col int, sym byte, header string, before, after model.Properties, sensitive func(string) bool) {
	b.add(col, sym, header+" {")
	bodyCol := col + 4
	if sym == 0 {
		bodyCol = col + 2
	}
	b.body(bodyCol, sym, before, after, "", sensitive, true)
	closeCol := col + 2
	if sym == 0 {
		closeCol = col
	}
	b.add(closeCol, 0, "}")
}

// attrStatus is how one attribute of a block changes.
type attrStatus uint8

const (
	attrUnchanged attrStatus = iota
	attrAdded
	attrRemoved
	attrChanged
)

// body renders the attributes of a block whose symbols sit at column col: an object's
// top-level block when nested is "", else the nested block of that name (_mapping and its
// targetEntity). sym is the block's action: symCreate and symDelete render every attribute as added or
// removed; otherwise before and after are compared and unchanged attributes are collapsed into
// a count, except the identity fields of a top-level block. collapse=false shows unchanged
// attributes too (state show), at the text column. sensitive applies to top-level blocks only,
// the level Object.Sensitive and Change.Sensitive name properties at.
func (b *blockWriter) body(col int, sym byte, before, after map[string]any, nested string, sensitive func(string) bool, collapse bool) {
	top := nested == ""
	var names []string
	switch sym {
	case symCreate:
		names = model.OrderedNames(nested, after)
	case symDelete:
		names = model.OrderedNames(nested, before)
	default:
		names = model.OrderedNames(nested, before, after)
	}

	type attr struct {
		name   string
		status attrStatus
		block  bool
	}
	attrs := make([]attr, 0, len(names))
	width := 0
	hiddenAttrs, hiddenBlocks := 0, 0
	for _, name := range names {
		bv, inBefore := before[name]
		av, inAfter := after[name]
		var st attrStatus
		switch {
		case sym == symCreate || (!inBefore && inAfter):
			st = attrAdded
		case sym == symDelete || (inBefore && !inAfter):
			st = attrRemoved
		case !model.Equal(bv, av):
			st = attrChanged
		}
		v := av
		if st == attrRemoved {
			v = bv
		}
		_, isBlock := v.(map[string]any)
		if st == attrUnchanged && collapse && !(top && isIdentity(name)) {
			if isBlock {
				hiddenBlocks++
			} else {
				hiddenAttrs++
			}
			continue
		}
		secret := sensitive != nil && top && sensitive(name)
		attrs = append(attrs, attr{name, st, isBlock && !secret})
		if !isBlock || secret {
			width = max(width, utf8.RuneCountInString(propertyName(name)))
		}
	}

	// Attributes first, nested blocks after them, as Terraform lays out a block body.
	slices.SortStableFunc(attrs, func(x, y attr) int {
		switch {
		case x.block == y.block:
			return 0
		case y.block:
			return -1
		}
		return 1
	})
	for _, a := range attrs {
		display := propertyName(a.name)
		padded := display + pad(width-utf8.RuneCountInString(display))
		secret := top && sensitive != nil && sensitive(a.name)
		bv, av := before[a.name], after[a.name]
		switch a.status {
		case attrAdded:
			b.whole(col, symCreate, display, padded, av, secret, "")
		case attrRemoved:
			b.whole(col, symDelete, display, padded, bv, secret, " -> null")
		case attrChanged:
			b.changed(col, display, padded, bv, av, secret)
		default:
			b.whole(col+2, 0, display, padded, av, secret, "")
		}
	}
	if hiddenAttrs > 0 {
		noun, nouns := "unchanged attribute", "unchanged attributes"
		if top {
			noun, nouns = "unchanged property", "unchanged properties"
		}
		b.add(col+2, 0, "# ("+Count(hiddenAttrs, noun, nouns)+" hidden)")
	}
	if hiddenBlocks > 0 {
		b.add(col+2, 0, "# ("+Count(hiddenBlocks, "unchanged block", "unchanged blocks")+" hidden)")
	}
}

// isIdentity reports whether a top-level property is always shown, changed or not.
func isIdentity(name string) bool {
	return name == model.PropKey || name == model.PropType || name == model.PropClass
}

// whole renders an attribute whose value is entirely added (symCreate), removed (symDelete,
// with suffix " -> null") or unchanged (sym 0, col being the text column). name is the
// attribute's display name and padded the same name aligned with its siblings.
func (b *blockWriter) whole(col int, sym byte, name, padded string, v any, secret bool, suffix string) {
	textCol := col + 2
	if sym == 0 {
		textCol = col
	}
	if secret {
		b.add(col, sym, padded+" = "+SensitiveValue+suffix)
		return
	}
	switch x := v.(type) {
	case map[string]any:
		b.add(col, sym, name+" {")
		if sym == 0 {
			b.body(col+2, 0, x, x, name, nil, false)
		} else {
			b.body(col+4, sym, x, x, name, nil, true)
		}
		b.add(textCol, 0, "}")
	case []any:
		if len(x) == 0 || sym == 0 {
			b.add(col, sym, padded+" = "+inline(x)+suffix)
			return
		}
		b.add(col, sym, padded+" = [")
		for _, e := range x {
			b.add(col+4, sym, inline(e)+",")
		}
		b.add(textCol, 0, "]"+suffix)
	case string:
		if !isMultiline(x) {
			b.add(col, sym, padded+" = "+quote(x)+suffix)
			return
		}
		marker := heredocMarker(x)
		b.add(col, sym, padded+" = <<-"+marker)
		for _, l := range heredocLines(x) {
			b.add(textCol+4, 0, sanitize(l))
		}
		b.add(textCol, 0, marker+suffix)
	default:
		b.add(col, sym, padded+" = "+inline(v)+suffix)
	}
}

// changed renders an attribute present on both sides with different values.
func (b *blockWriter) changed(col int, name, padded string, before, after any, secret bool) {
	if secret {
		b.add(col, symUpdate, padded+" = "+SensitiveValue)
		return
	}
	switch bv := before.(type) {
	case map[string]any:
		if av, ok := after.(map[string]any); ok {
			b.add(col, symUpdate, name+" {")
			b.body(col+4, symUpdate, bv, av, name, nil, true)
			b.add(col+2, 0, "}")
			return
		}
	case []any:
		if av, ok := after.([]any); ok {
			b.listDiff(col, padded, bv, av)
			return
		}
	case string:
		if av, ok := after.(string); ok {
			if (isMultiline(bv) || isMultiline(av)) && b.heredocDiff(col, padded, bv, av) {
				return
			}
			if max(utf8.RuneCountInString(bv), utf8.RuneCountInString(av)) > longString {
				if text, ok := b.wordDiff(bv, av); ok {
					b.add(col, symUpdate, padded+" = "+text)
					return
				}
			}
		}
	}
	b.add(col, symUpdate, padded+" = "+inline(before)+" -> "+inline(after))
}

// listDiff renders a changed list element by element, like Terraform: removed elements with
// -, added ones with +, unchanged runs collapsed except next to a change.
func (b *blockWriter) listDiff(col int, padded string, before, after []any) {
	ops := diffLists(before, after)
	b.add(col, symUpdate, padded+" = [")
	elemCol := col + 4
	showChanges(len(ops), listContext, func(i int) bool { return ops[i].sym != 0 }, func(i int) {
		if op := ops[i]; op.sym != 0 {
			b.add(elemCol, op.sym, inline(op.value)+",")
		} else {
			b.add(elemCol+2, 0, inline(op.value)+",")
		}
	}, func(n int) {
		b.add(elemCol+2, 0, "# ("+Count(n, "unchanged element", "unchanged elements")+" hidden)")
	})
	b.add(col+2, 0, "]")
}

// showChanges lays out a diff of n elements: show(i) for every changed element and for the
// unchanged ones within context elements of a change, and hidden(count) in place of each
// longer unchanged run. A run at either end keeps no context on its open side.
func showChanges(n, context int, changed func(i int) bool, show func(i int), hidden func(count int)) {
	for i := 0; i < n; {
		if changed(i) {
			show(i)
			i++
			continue
		}
		j := i
		for j < n && !changed(j) {
			j++
		}
		keepHead, keepTail := context, context
		if i == 0 {
			keepHead = 0
		}
		if j == n {
			keepTail = 0
		}
		if j-i <= keepHead+keepTail+1 {
			for k := i; k < j; k++ {
				show(k)
			}
		} else {
			for k := i; k < i+keepHead; k++ {
				show(k)
			}
			hidden(j - i - keepHead - keepTail)
			for k := j - keepTail; k < j; k++ {
				show(k)
			}
		}
		i = j
	}
}

type listOp struct {
	sym   byte
	value any
}

// diffLists returns the edit script from a to b: a longest common subsequence by value, or a
// position-by-position comparison when the lists are too long for that.
func diffLists(a, b []any) []listOp {
	if len(a)*len(b) > maxListDiff {
		var ops []listOp
		for i := 0; i < max(len(a), len(b)); i++ {
			switch {
			case i < len(a) && i < len(b) && model.Equal(a[i], b[i]):
				ops = append(ops, listOp{0, a[i]})
			default:
				if i < len(a) {
					ops = append(ops, listOp{symDelete, a[i]})
				}
				if i < len(b) {
					ops = append(ops, listOp{symCreate, b[i]})
				}
			}
		}
		return ops
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	n, m := len(a), len(b)
	lcs := make([]int, (n+1)*(m+1))
	at := func(i, j int) *int { return &lcs[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if model.Equal(a[i], b[j]) {
				*at(i, j) = *at(i+1, j+1) + 1
			} else {
				*at(i, j) = max(*at(i+1, j), *at(i, j+1))
			}
		}
	}
	ops := make([]listOp, 0, max(n, m))
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && model.Equal(a[i], b[j]):
			ops = append(ops, listOp{0, a[i]})
			i++
			j++
		case j < m && (i == n || *at(i, j+1) > *at(i+1, j)):
			ops = append(ops, listOp{symCreate, b[j]})
			j++
		default:
			ops = append(ops, listOp{symDelete, a[i]})
			i++
		}
	}
	return ops
}

// heredocDiff renders a change of a multi-line string as a line diff inside a heredoc. It
// reports false when the strings differ in no line (only in a trailing newline), which a line
// diff cannot show.
func (b *blockWriter) heredocDiff(col int, padded string, before, after string) bool {
	c1, c2, lineArray := b.dmp.DiffLinesToChars(before, after)
	diffs := b.dmp.DiffCharsToLines(b.dmp.DiffMain(c1, c2, false), lineArray)
	type hl struct {
		sym  byte
		text string
	}
	var hls []hl
	changed := false
	for _, d := range diffs {
		var sym byte
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			sym, changed = symCreate, true
		case diffmatchpatch.DiffDelete:
			sym, changed = symDelete, true
		}
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l == "" {
				continue
			}
			hls = append(hls, hl{sym, strings.TrimSuffix(l, "\n")})
		}
	}
	if !changed {
		return false
	}
	marker := heredocMarker(before, after)
	b.add(col, symUpdate, padded+" = <<-"+marker)
	textCol := col + 6
	showChanges(len(hls), heredocContext, func(i int) bool { return hls[i].sym != 0 }, func(i int) {
		if l := hls[i]; l.sym != 0 {
			b.add(col+4, l.sym, sanitize(l.text))
		} else {
			b.add(textCol, 0, sanitize(l.text))
		}
	}, func(n int) {
		b.add(textCol, 0, "# ("+Count(n, "unchanged line", "unchanged lines")+" hidden)")
	})
	b.add(col+2, 0, marker)
	return true
}

// wordDiff renders a change of a long single-line string compactly: the changed parts marked
// as [-removed-]{+added+} (git's word-diff notation) with a little unchanged text around them
// and the rest elided. It reports false when the strings have too little in common for that
// to read better than old -> new.
func (b *blockWriter) wordDiff(before, after string) (string, bool) {
	diffs := b.dmp.DiffCleanupSemantic(b.dmp.DiffMain(before, after, false))
	common := 0
	for _, d := range diffs {
		if d.Type == diffmatchpatch.DiffEqual {
			common += utf8.RuneCountInString(d.Text)
		}
	}
	longer := max(utf8.RuneCountInString(before), utf8.RuneCountInString(after))
	if common*2 < longer {
		return "", false
	}
	var s strings.Builder
	s.WriteByte('"')
	for i, d := range diffs {
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			s.WriteString(b.pal.red("[-" + escapeInQuotes(d.Text) + "-]"))
		case diffmatchpatch.DiffInsert:
			s.WriteString(b.pal.green("{+" + escapeInQuotes(d.Text) + "+}"))
		default:
			s.WriteString(escapeInQuotes(elide(d.Text, i == 0, i == len(diffs)-1)))
		}
	}
	s.WriteByte('"')
	return s.String(), true
}

// escapeInQuotes escapes text for display inside a quoted string.
func escapeInQuotes(s string) string {
	q := quote(s)
	return q[1 : len(q)-1]
}

// elide keeps wordDiffContext runes of unchanged text next to the changes around it.
func elide(s string, first, last bool) string {
	r := []rune(s)
	n := len(r)
	switch {
	case first && last:
		return s
	case first && n > wordDiffContext+1:
		return "…" + string(r[n-wordDiffContext:])
	case last && n > wordDiffContext+1:
		return string(r[:wordDiffContext]) + "…"
	case !first && !last && n > 2*wordDiffContext+1:
		return string(r[:wordDiffContext]) + "…" + string(r[n-wordDiffContext:])
	}
	return s
}

// actionSymbol returns the plan symbol of an action, 0 for no-op.
func actionSymbol(a plan.Action) byte {
	switch a {
	case plan.Create:
		return symCreate
	case plan.Update:
		return symUpdate
	case plan.Delete:
		return symDelete
	}
	return 0
}
