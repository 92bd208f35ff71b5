package lang

import (
	"math"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// objectBody is what an object block's body declares, kept compact: a configuration can hold
// a million blocks, and what each keeps from parse to the end of evaluation is what the
// garbage collector marks over and over. The attributes are sorted by name; per attribute the
// body keeps its name (the slice shared by the blocks of a file that set the same names), its
// span (positions without pointers, which the collector need not scan) and, until release,
// its expression, or its value when the expression is a constant, whose syntax tree is then
// not kept at all.
type objectBody struct {
	filename string
	names    []string
	spans    []attrSpan
	// wide replaces spans for a block whose positions do not fit in int32 (a file of 2 GiB).
	wide []wideSpan
	// attrs are the attributes' expressions or constant values; release drops them.
	attrs   []attrExpr
	forEach bool // the block has a for_each attribute
	// propKeyRanges locates the keys of a literal properties = { ... } map.
	propKeyRanges      map[string]hcl.Range
	preventDestroyExpr hcl.Expression
}

// attrExpr is one attribute's expression, or, when expr is nil, its constant value.
type attrExpr struct {
	expr hcl.Expression
	val  cty.Value
}

// pos32 is an hcl.Pos of a file smaller than 2 GiB.
type pos32 struct{ line, column, byte int32 }

func (p pos32) pos() hcl.Pos {
	return hcl.Pos{Line: int(p.line), Column: int(p.column), Byte: int(p.byte)}
}

// attrSpan is where an attribute and its expression start and end.
type attrSpan struct{ start, end, exprStart, exprEnd pos32 }

// wideSpan is an attribute's range and its expression's, for positions past int32.
type wideSpan struct{ rng, expr hcl.Range }

// compactPos returns p as a pos32, or false when a field does not fit.
func compactPos(p hcl.Pos) (pos32, bool) {
	if p.Line < 0 || p.Line > math.MaxInt32 || p.Column < 0 || p.Column > math.MaxInt32 || p.Byte < 0 || p.Byte > math.MaxInt32 {
		return pos32{}, false
	}
	return pos32{int32(p.Line), int32(p.Column), int32(p.Byte)}, true
}

// bodyBuilder makes the objectBodies of one file; it shares the names slices between blocks
// and reuses its buffers from block to block.
type bodyBuilder struct {
	shapes map[string][]string // names slices by their names joined with NUL
	key    []byte
	attrs  []hcl.Attribute
}

// build makes the body of attrs (sorted by name, as attributesAndLifecycle returns them).
// Literals, quoted strings without interpolation and tuples of those become constants: the
// fast path evaluates them to these very values (see fastConst), and hcl would too.
func (bb *bodyBuilder) build(attrs []hcl.Attribute) objectBody {
	var ob objectBody
	if len(attrs) == 0 {
		return ob
	}
	ob.filename = attrs[0].Range.Filename
	ob.names = bb.shape(len(attrs), func(i int) string { return attrs[i].Name })
	ob.attrs = make([]attrExpr, len(attrs))
	ob.spans = make([]attrSpan, len(attrs))
	for i := range attrs {
		a := &attrs[i]
		if v, ok := constValue(a.Expr); ok {
			ob.attrs[i].val = v
		} else {
			ob.attrs[i].expr = a.Expr
		}
		if ob.wide == nil {
			if s, ok := compactSpan(ob.filename, a); ok {
				ob.spans[i] = s
				continue
			}
			ob.wide = make([]wideSpan, len(attrs))
			for j := range i {
				ob.wide[j] = wideSpan{attrs[j].Range, attrs[j].Expr.Range()}
			}
			ob.spans = nil
		}
		ob.wide[i] = wideSpan{a.Range, a.Expr.Range()}
	}
	return ob
}

// compactSpan returns the span of a, or false when a position does not fit in a pos32 or a
// range is in another file than filename.
func compactSpan(filename string, a *hcl.Attribute) (attrSpan, bool) {
	er := a.Expr.Range()
	if a.Range.Filename != filename || er.Filename != filename {
		return attrSpan{}, false
	}
	return spanOf(a.Range.Start, a.Range.End, er)
}

// spanOf returns the span of an attribute from start to end whose expression is at expr, or
// false when a position does not fit in a pos32.
func spanOf(start, end hcl.Pos, expr hcl.Range) (attrSpan, bool) {
	var s attrSpan
	var ok [4]bool
	s.start, ok[0] = compactPos(start)
	s.end, ok[1] = compactPos(end)
	s.exprStart, ok[2] = compactPos(expr.Start)
	s.exprEnd, ok[3] = compactPos(expr.End)
	return s, ok == [4]bool{true, true, true, true}
}

// shape returns the n names name(0), …, name(n-1), as a slice shared with the earlier blocks
// of the same names.
func (bb *bodyBuilder) shape(n int, name func(i int) string) []string {
	bb.key = bb.key[:0]
	for i := range n {
		bb.key = append(bb.key, name(i)...)
		bb.key = append(bb.key, 0)
	}
	if names, ok := bb.shapes[string(bb.key)]; ok {
		return names
	}
	names := make([]string, n)
	for i := range n {
		names[i] = name(i)
	}
	if bb.shapes == nil {
		bb.shapes = map[string][]string{}
	}
	bb.shapes[string(bb.key)] = names
	return names
}

// constValue returns the value of a literal, of a quoted string without interpolation, or of
// a tuple of those, as hcl evaluates them: they need no context and cannot fail.
func constValue(expr hcl.Expression) (cty.Value, bool) {
	switch x := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		return x.Val, true
	case *hclsyntax.TemplateExpr:
		return literalString(x)
	case *hclsyntax.TupleConsExpr:
		vals := make([]cty.Value, len(x.Exprs))
		for i, elem := range x.Exprs {
			v, ok := constValue(elem)
			if !ok {
				return cty.NilVal, false
			}
			vals[i] = v
		}
		return cty.TupleVal(vals), true
	}
	return cty.NilVal, false
}

// constExpr stands for a constant attribute's expression where one is asked for (the slow
// path, a diagnostic): its value and its range, which are all of it that evaluation and the
// diagnostics read. (StartRange is the whole range, where hclsyntax's template would give
// its text's.)
type constExpr struct {
	val cty.Value
	rng hcl.Range
}

func (c *constExpr) Value(*hcl.EvalContext) (cty.Value, hcl.Diagnostics) { return c.val, nil }
func (c *constExpr) Variables() []hcl.Traversal                          { return nil }
func (c *constExpr) Range() hcl.Range                                    { return c.rng }
func (c *constExpr) StartRange() hcl.Range                               { return c.rng }

// attrIndex returns the position of the attribute name.
func (b *objectBody) attrIndex(name string) (int, bool) {
	return slices.BinarySearchFunc(b.names, name, strings.Compare)
}

// has reports whether the block sets the attribute name.
func (b *objectBody) has(name string) bool {
	_, ok := b.attrIndex(name)
	return ok
}

func (b *objectBody) rangeOf(s pos32, e pos32) hcl.Range {
	return hcl.Range{Filename: b.filename, Start: s.pos(), End: e.pos()}
}

// attrRangeAt is the range of attribute i, from its name to the end of its expression.
func (b *objectBody) attrRangeAt(i int) hcl.Range {
	if b.wide != nil {
		return b.wide[i].rng
	}
	return b.rangeOf(b.spans[i].start, b.spans[i].end)
}

// exprRangeAt is the range of attribute i's expression.
func (b *objectBody) exprRangeAt(i int) hcl.Range {
	if b.wide != nil {
		return b.wide[i].expr
	}
	return b.rangeOf(b.spans[i].exprStart, b.spans[i].exprEnd)
}

// exprAt returns attribute i's expression (before release).
func (b *objectBody) exprAt(i int) hcl.Expression {
	if x := b.attrs[i].expr; x != nil {
		return x
	}
	return &constExpr{val: b.attrs[i].val, rng: b.exprRangeAt(i)}
}

// constAt returns attribute i's value when it is a constant (before release).
func (b *objectBody) constAt(i int) (cty.Value, bool) {
	a := &b.attrs[i]
	return a.val, a.expr == nil
}

// expr returns the expression of the attribute name, or nil.
func (b *objectBody) expr(name string) hcl.Expression {
	if i, ok := b.attrIndex(name); ok {
		return b.exprAt(i)
	}
	return nil
}

// rangeOfAttr is the range of the attribute name, which the caller knows is set.
func (b *objectBody) rangeOfAttr(name string) hcl.Range {
	i, _ := b.attrIndex(name)
	return b.attrRangeAt(i)
}

// exprRangeOf is the range of the expression of the attribute name, which the caller knows
// is set.
func (b *objectBody) exprRangeOf(name string) hcl.Range {
	i, _ := b.attrIndex(name)
	return b.exprRangeAt(i)
}
