package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// fastBlock parses one top-level block of the plainest shape, the one import-json and
// generators write, straight into the syntax tree hclsyntax would build for it, without
// hclsyntax's token slice. src is the text between two cuts (see topLevelCuts), start its
// position. Anything outside this shape makes it return ok false, and the caller lets
// hclsyntax parse the text:
//
//	\n* TYPE( "LABEL")* {\n
//	  NAME = VALUE\n        (or blank lines)
//	}\n
//
// where VALUE is a quoted string of printable ASCII without \, $, % (not empty), a number
// of digits with an optional fraction, true, false, null, a traversal a.b.c of identifiers,
// or a one-line tuple [VALUE, VALUE] of those; spaces are plain spaces. Every such text is
// valid HCL without diagnostics, so the tree is all hclsyntax would return.
//
// names interns attribute names and traversal roots across the blocks of a file (nil: none).
//
// Load reads object blocks of this same shape without building their tree at all
// (directParser in direct.go): both walk a block with the same steps (blockType, labels,
// body, assignment, endOfLine, list), so the grammar is written once.
func fastBlock(src []byte, filename string, start hcl.Pos, names map[string]string) (*hclsyntax.Block, bool) {
	p := fastParser{src: src, filename: filename, i: 0, line: start.Line, lineStart: -start.Column + 1, base: start.Byte, names: names}
	typeRange, ok := p.blockType()
	if !ok {
		return nil, false
	}
	b := &hclsyntax.Block{Type: p.name(typeRange), TypeRange: typeRange}
	if !p.labels(func(label string, rng hcl.Range) bool {
		b.Labels = append(b.Labels, label)
		b.LabelRanges = append(b.LabelRanges, rng)
		return true
	}) {
		return nil, false
	}
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, Blocks: hclsyntax.Blocks{}}
	b.OpenBraceRange, b.CloseBraceRange, ok = p.body(func() bool {
		a, ok := p.attribute()
		if !ok {
			return false
		}
		if _, dup := body.Attributes[a.Name]; dup {
			return false
		}
		body.Attributes[a.Name] = a
		return true
	})
	if !ok {
		return nil, false
	}
	body.SrcRange = hcl.RangeBetween(b.OpenBraceRange, b.CloseBraceRange)
	body.EndRange = hcl.Range{Filename: filename, Start: b.CloseBraceRange.End, End: b.CloseBraceRange.End}
	b.Body = body
	return b, true
}

// blockType moves past the blank lines before a block and its type, and returns the type's
// range.
func (p *fastParser) blockType() (hcl.Range, bool) {
	for p.i < len(p.src) && p.src[p.i] == '\n' {
		p.newline()
	}
	return p.ident()
}

// labels moves past a block's quoted labels, each after at least one space, calling each for
// them; false when a label is not a plain string or each refuses it.
func (p *fastParser) labels(each func(label string, rng hcl.Range) bool) bool {
	for p.spaces() && p.peek() == '"' {
		label, rng, ok := p.plainString()
		if !ok || !each(label, rng) {
			return false
		}
	}
	return true
}

// body moves past a block's body: '{' (p.i is at it) ending its line, the attributes, each
// read with attr up to and including its newline, blank lines between them, and the closing
// '}', which must end src. It returns the braces' ranges.
func (p *fastParser) body(attr func() bool) (open, close hcl.Range, ok bool) {
	if p.peek() != '{' {
		return open, close, false
	}
	open = p.take(1)
	if !p.endOfLine() {
		return open, close, false
	}
	for {
		p.spaces()
		switch c := p.peek(); {
		case c == '\n':
			p.newline()
			continue
		case c == '}':
			close = p.take(1)
			p.spaces()
			return open, close, p.peek() == '\n' && p.i+1 == len(p.src)
		}
		if !attr() {
			return open, close, false
		}
	}
}

// endOfLine moves past spaces and the newline that must follow them.
func (p *fastParser) endOfLine() bool {
	p.spaces()
	if p.peek() != '\n' {
		return false
	}
	p.newline()
	return true
}

// assignment moves past NAME = and the spaces after it, and returns the name's and the equals
// sign's ranges.
func (p *fastParser) assignment() (name, equals hcl.Range, ok bool) {
	if name, ok = p.ident(); !ok {
		return name, equals, false
	}
	p.spaces()
	if p.peek() != '=' || p.i+1 < len(p.src) && (p.src[p.i+1] == '=' || p.src[p.i+1] == '>') {
		return name, equals, false
	}
	equals = p.take(1)
	p.spaces()
	return name, equals, true
}

// stringTemplate is the tree hclsyntax makes of a quoted string without interpolation: a
// template whose only part is the string's literal.
type stringTemplate struct {
	tmpl  hclsyntax.TemplateExpr
	parts [1]hclsyntax.Expression
	lit   hclsyntax.LiteralValueExpr
}

type fastParser struct {
	src       []byte
	filename  string
	i         int
	line      int
	lineStart int // offset in src of the current line's first byte (negative when it starts before src)
	base      int // byte offset of src in the file
	names     map[string]string
}

// name returns the text of r, interned.
func (p *fastParser) name(r hcl.Range) string {
	b := p.src[r.Start.Byte-p.base : r.End.Byte-p.base]
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if p.names != nil {
		p.names[s] = s
	}
	return s
}

func (p *fastParser) peek() byte {
	if p.i < len(p.src) {
		return p.src[p.i]
	}
	return 0
}

func (p *fastParser) pos() hcl.Pos {
	return hcl.Pos{Line: p.line, Column: p.i - p.lineStart + 1, Byte: p.base + p.i}
}

func (p *fastParser) newline() {
	p.i++
	p.line++
	p.lineStart = p.i
}

// take moves past n bytes of one line and returns their range.
func (p *fastParser) take(n int) hcl.Range {
	start := p.pos()
	p.i += n
	return hcl.Range{Filename: p.filename, Start: start, End: p.pos()}
}

func (p *fastParser) text(r hcl.Range) string {
	return string(p.src[r.Start.Byte-p.base : r.End.Byte-p.base])
}

// spaces moves past plain spaces and reports whether there were any.
func (p *fastParser) spaces() bool {
	start := p.i
	for p.i < len(p.src) && p.src[p.i] == ' ' {
		p.i++
	}
	return p.i > start
}

func isIdentStart(c byte) bool { return isASCIILetter(c) || c == '_' }

func isIdentRest(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '-' }

// ident moves past an ASCII identifier.
func (p *fastParser) ident() (hcl.Range, bool) {
	if !isIdentStart(p.peek()) {
		return hcl.Range{}, false
	}
	n := 1
	for p.i+n < len(p.src) && isIdentRest(p.src[p.i+n]) {
		n++
	}
	if p.i+n < len(p.src) && p.src[p.i+n] >= 0x80 {
		return hcl.Range{}, false // the identifier may go on in Unicode
	}
	return p.take(n), true
}

// plainString moves past a non-empty quoted string of printable ASCII without escapes or
// template sequences; rng covers the quotes, inner the text between them.
func (p *fastParser) plainString() (text string, rng hcl.Range, ok bool) {
	j := p.i + 1
	for j < len(p.src) {
		c := p.src[j]
		if c == '"' {
			break
		}
		if c < 0x20 || c > 0x7e || c == '\\' || c == '$' || c == '%' {
			return "", hcl.Range{}, false
		}
		j++
	}
	if j >= len(p.src) || j == p.i+1 {
		return "", hcl.Range{}, false
	}
	start := p.pos()
	text = string(p.src[p.i+1 : j])
	p.i = j + 1
	return text, hcl.Range{Filename: p.filename, Start: start, End: p.pos()}, true
}

// attribute parses NAME = VALUE and the newline after it.
func (p *fastParser) attribute() (*hclsyntax.Attribute, bool) {
	nameRange, equals, ok := p.assignment()
	if !ok {
		return nil, false
	}
	var expr hclsyntax.Expression
	if p.peek() == '[' {
		expr, ok = p.tuple()
	} else {
		expr, ok = p.value()
	}
	if !ok || !p.endOfLine() {
		return nil, false
	}
	return &hclsyntax.Attribute{
		Name:        p.name(nameRange),
		Expr:        expr,
		SrcRange:    hcl.RangeBetween(nameRange, expr.Range()),
		NameRange:   nameRange,
		EqualsRange: equals,
	}, true
}

// tuple parses a one-line [VALUE, VALUE, …] with at least one element and no trailing comma.
func (p *fastParser) tuple() (hclsyntax.Expression, bool) {
	var exprs []hclsyntax.Expression
	open, close, ok := p.list(func() bool {
		v, ok := p.value()
		exprs = append(exprs, v)
		return ok
	})
	if !ok {
		return nil, false
	}
	return &hclsyntax.TupleConsExpr{Exprs: exprs, SrcRange: hcl.RangeBetween(open, close), OpenRange: open}, true
}

// list moves past a one-line [ELEM, ELEM, …] with at least one element and no trailing comma
// (p.i is at the '['), reading each element with elem, and returns the brackets' ranges.
func (p *fastParser) list(elem func() bool) (open, close hcl.Range, ok bool) {
	open = p.take(1)
	for {
		p.spaces()
		if !elem() {
			return open, close, false
		}
		p.spaces()
		switch p.peek() {
		case ',':
			p.i++
			continue
		case ']':
			return open, p.take(1), true
		}
		return open, close, false
	}
}

// value parses a quoted string, a number, true, false, null or a traversal.
func (p *fastParser) value() (hclsyntax.Expression, bool) {
	switch c := p.peek(); {
	case c == '"':
		s, rng, ok := p.plainString()
		if !ok {
			return nil, false
		}
		inner := hcl.Range{Filename: p.filename, Start: rng.Start, End: rng.End}
		inner.Start.Byte++
		inner.Start.Column++
		inner.End.Byte--
		inner.End.Column--
		// The template, its one-part list and its literal in one allocation: a million blocks
		// hold millions of quoted strings until they are evaluated.
		t := &stringTemplate{lit: hclsyntax.LiteralValueExpr{Val: cty.StringVal(s), SrcRange: inner}}
		t.parts[0] = &t.lit
		t.tmpl = hclsyntax.TemplateExpr{Parts: t.parts[:], SrcRange: rng}
		return &t.tmpl, true
	case isDigit(c):
		v, rng, ok := p.number()
		if !ok {
			return nil, false
		}
		return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: rng}, true
	case isIdentStart(c):
		root, ok := p.ident()
		if !ok {
			return nil, false
		}
		name := p.name(root)
		if lit, isLit := keyword(name); isLit {
			if p.peek() == '.' {
				return nil, false
			}
			return &hclsyntax.LiteralValueExpr{Val: lit, SrcRange: root}, true
		}
		t := &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{hcl.TraverseRoot{Name: name, SrcRange: root}}, SrcRange: root}
		for p.peek() == '.' {
			dot := p.take(1)
			attr, ok := p.ident()
			if !ok {
				return nil, false
			}
			rng := hcl.RangeBetween(dot, attr)
			t.Traversal = append(t.Traversal, hcl.TraverseAttr{Name: p.text(attr), SrcRange: rng})
			t.SrcRange = hcl.RangeBetween(t.SrcRange, rng)
		}
		switch p.peek() {
		case '(', '[', ':':
			return nil, false // a call, an index or a namespaced function
		}
		return t, true
	}
	return nil, false
}

// number moves past a number of digits with an optional fraction (p.i is at a digit) and
// returns its value and range; ok is false when more follows that hclsyntax would read as
// part of it (an exponent, letters, a second dot).
func (p *fastParser) number() (cty.Value, hcl.Range, bool) {
	n := 0
	for p.i+n < len(p.src) && isDigit(p.src[p.i+n]) {
		n++
	}
	if p.i+n+1 < len(p.src) && p.src[p.i+n] == '.' && isDigit(p.src[p.i+n+1]) {
		n++
		for p.i+n < len(p.src) && isDigit(p.src[p.i+n]) {
			n++
		}
	}
	if p.i+n < len(p.src) && (isIdentRest(p.src[p.i+n]) || p.src[p.i+n] == '.' || p.src[p.i+n] >= 0x80) {
		return cty.NilVal, hcl.Range{}, false // an exponent, or something glued to the number
	}
	rng := p.take(n)
	v, err := cty.ParseNumberVal(p.text(rng))
	if err != nil {
		return cty.NilVal, hcl.Range{}, false
	}
	return v, rng, true
}

// keyword returns the value of the literal keywords true, false and null.
func keyword(name string) (cty.Value, bool) {
	switch name {
	case "true":
		return cty.True, true
	case "false":
		return cty.False, true
	case "null":
		return cty.NullVal(cty.DynamicPseudoType), true
	}
	return cty.NilVal, false
}
