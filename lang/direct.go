package lang

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Loading object blocks without their syntax trees. What Load keeps of an object block is its
// header and its compact body (objectBody); the syntax tree hclsyntax or fastBlock builds for
// the block (the Block, its Body, the attribute map, a node or three per attribute) lives
// only until readBlocks has copied it, yet with a million blocks it is a third of the run's
// allocation and makes the collector run twice as often while the files are parsed. So Load
// reads each block of fastBlock's shape that declares an object (entity, relationship,
// mapped_relationship with their labels) straight into its header and compact body, and
// leaves everything else, block by block, to the parse it has always had; the result is the
// same fileBlocks, to every range and diagnostic (tests compare the two routes).

// directLoad lets Load read object blocks directly (tests turn it off to compare).
var directLoad = true

// loadFiles reads and parses files as parseFiles does and reads each one's top-level blocks
// as readBlocks does (blocks[i] for files[i]), in the goroutine that parsed the file; the
// files keep no blocks (dropBlocks).
func loadFiles(paths []string, read func(string) ([]byte, error)) (files []*hcl.File, blocks []*fileBlocks, diags hcl.Diagnostics) {
	blocks = make([]*fileBlocks, len(paths))
	files, diags = readFiles(paths, read, func(i int, name string, src []byte) (*hcl.File, hcl.Diagnostics) {
		f, fb, diags := loadFile(name, src)
		blocks[i] = fb
		return f, diags
	})
	return files, blocks, diags
}

// loadFile parses one configuration file and reads its top-level blocks, directly when
// directFile can, else through ParseFile and readBlocks.
func loadFile(name string, src []byte) (*hcl.File, *fileBlocks, hcl.Diagnostics) {
	if directLoad {
		if f, fb, ok := directFile(name, src); ok {
			return f, fb, nil
		}
	}
	f, diags := ParseFile(name, src)
	fb := readBlocks(f)
	dropBlocks(f)
	return f, fb, diags
}

// directFile parses a native file in pieces (parseChunkedWith), reading each object block of
// fastBlock's shape straight into its header and compact body, and the rest as ParseFile
// and readBlocks would; ok is false when the file is not one that parseChunked takes (a
// JSON file, one that breaks an input limit, one that does not cut into clean pieces),
// and the caller takes the ordinary route.
//
// Why the fileBlocks are the same: the blocks directFile takes parse without diagnostics
// into exactly the tree fastBlock would build (the same grammar, the same positions), so
// leaving them out of the body changes nothing of what readBlocks reads from the others:
// each taken block has a type the file schema wants with as many labels as it wants, hence
// no diagnostic of Content, and its own body's diagnostics are decodeBody's, made here from
// the same attributes. The taken blocks and the others are then merged in source order.
func directFile(name string, src []byte) (*hcl.File, *fileBlocks, bool) {
	if strings.HasSuffix(name, ".json") || len(checkSource(name, src)) > 0 {
		return nil, nil, false
	}
	d := directParser{filename: name, names: map[string]string{}}
	f, _, ok := parseChunkedWith(src, name, d.block)
	if !ok {
		return nil, nil, false
	}
	fb := readBlocks(f)
	dropBlocks(f)
	if len(d.blocks) == 0 {
		return f, fb, true
	}
	// Merge by the blocks' start: both lists are in source order.
	slow := fb.content.Blocks
	n := len(slow) + len(d.blocks)
	merged := &fileBlocks{
		content:   &hcl.BodyContent{Attributes: fb.content.Attributes, Blocks: make(hcl.Blocks, 0, n), MissingItemRange: fb.content.MissingItemRange},
		diags:     fb.diags,
		bodies:    make([]objectBody, 0, n),
		bodyDiags: make([]hcl.Diagnostics, 0, n),
	}
	i := 0
	for k := range d.blocks {
		db := &d.blocks[k]
		for i < len(slow) && slow[i].TypeRange.Start.Byte < db.header.block.TypeRange.Start.Byte {
			merged.add(slow[i], fb.bodies[i], fb.bodyDiags[i])
			i++
		}
		merged.add(&db.header.block, db.body, db.diags)
	}
	for ; i < len(slow); i++ {
		merged.add(slow[i], fb.bodies[i], fb.bodyDiags[i])
	}
	return f, merged, true
}

func (fb *fileBlocks) add(b *hcl.Block, body objectBody, diags hcl.Diagnostics) {
	fb.content.Blocks = append(fb.content.Blocks, b)
	fb.bodies = append(fb.bodies, body)
	fb.bodyDiags = append(fb.bodyDiags, diags)
}

// directParser reads the object blocks of one file (see directFile).
type directParser struct {
	filename string
	names    map[string]string // interned type, attribute and traversal root names
	bb       bodyBuilder       // shares the names slices of bodies of the same attributes
	attrs    []directAttr      // the current block's attributes; reused from block to block
	blocks   []directBlock     // the blocks taken, in source order
}

// directBlock is an object block read directly: its header as content.Blocks holds it
// (readBlocks drops an object block's body), its compact body and decodeBody's diagnostics.
type directBlock struct {
	header *directHeader
	body   objectBody
	diags  hcl.Diagnostics
}

// directHeader is a block header and its labels in one allocation: an object block has one
// or two labels.
type directHeader struct {
	block       hcl.Block
	labels      [2]string
	labelRanges [2]hcl.Range
}

// directAttr is one attribute as read: its name, where it starts, its expression's range
// and either its constant value (expr nil) or its expression.
type directAttr struct {
	name      string
	start     hcl.Pos
	exprRange hcl.Range
	val       cty.Value
	expr      hcl.Expression
}

// block reads src, the text between two cuts starting at start, when it is an object block
// of fastBlock's shape (see fastBlock for the grammar), and reports whether it did.
func (d *directParser) block(src []byte, start hcl.Pos) bool {
	p := fastParser{src: src, filename: d.filename, line: start.Line, lineStart: -start.Column + 1, base: start.Byte, names: d.names}
	typeRange, ok := p.blockType()
	if !ok {
		return false
	}
	typ := p.name(typeRange)
	kind, ok := objectKinds[typ]
	if !ok {
		return false
	}
	want := 1 // as fileSchema says
	if kind == model.KindEntity {
		want = 2
	}
	h := &directHeader{}
	h.block.Type = typ
	h.block.TypeRange = typeRange
	n := 0
	if !p.labels(func(label string, rng hcl.Range) bool {
		if n == want {
			return false // Content reports the extra label
		}
		h.labels[n], h.labelRanges[n] = label, rng
		n++
		return true
	}) || n != want {
		return false
	}
	h.block.Labels = h.labels[:n:n]
	h.block.LabelRanges = h.labelRanges[:n:n]
	h.block.DefRange = hcl.RangeBetween(typeRange, h.labelRanges[n-1])
	d.attrs = d.attrs[:0]
	if _, _, ok := p.body(func() bool { return d.attribute(&p) }); !ok {
		return false
	}
	return d.finish(h, kind)
}

// attribute reads NAME = VALUE and the newline after it into d.attrs: a constant as its
// value, anything else fastBlock takes (a traversal, a tuple holding one) as the
// expression fastBlock builds.
func (d *directParser) attribute(p *fastParser) bool {
	nameRange, _, ok := p.assignment()
	if !ok {
		return false
	}
	a := directAttr{name: p.name(nameRange), start: nameRange.Start}
	// A value stays on its line, so going back is resetting the offset.
	mark := p.i
	if v, rng, ok := p.constant(); ok {
		a.val, a.exprRange = v, rng
	} else {
		p.i = mark
		var expr hclsyntax.Expression
		if p.peek() == '[' {
			expr, ok = p.tuple()
		} else {
			expr, ok = p.value()
		}
		if !ok {
			return false
		}
		a.expr, a.exprRange = expr, expr.Range()
	}
	if !p.endOfLine() {
		return false
	}
	d.attrs = append(d.attrs, a)
	return true
}

// constant reads a value that constValue would find constant in fastBlock's tree: a quoted
// string, a number, true, false, null, or a tuple of those; it returns the value constValue
// returns and the expression's range. ok is false for anything else (a traversal, say).
func (p *fastParser) constant() (cty.Value, hcl.Range, bool) {
	if p.peek() != '[' {
		return p.scalar()
	}
	var vals []cty.Value
	open, close, ok := p.list(func() bool {
		v, _, ok := p.scalar()
		vals = append(vals, v)
		return ok
	})
	if !ok {
		return cty.NilVal, hcl.Range{}, false
	}
	return cty.TupleVal(vals), hcl.RangeBetween(open, close), true
}

// scalar reads a quoted string, a number, true, false or null as value reads it, without
// building its expression.
func (p *fastParser) scalar() (cty.Value, hcl.Range, bool) {
	switch c := p.peek(); {
	case c == '"':
		s, rng, ok := p.plainString()
		if !ok {
			return cty.NilVal, hcl.Range{}, false
		}
		return cty.StringVal(s), rng, true
	case isDigit(c):
		return p.number()
	case isIdentStart(c):
		rng, ok := p.ident()
		if !ok || p.peek() == '.' {
			return cty.NilVal, hcl.Range{}, false
		}
		if v, ok := keyword(p.name(rng)); ok {
			return v, rng, true
		}
	}
	return cty.NilVal, hcl.Range{}, false
}

// finish makes the block's compact body from d.attrs as bodyBuilder.build and decodeBody
// make it from the block's syntax tree, and keeps the block; it returns false (the block
// goes the ordinary way) for a duplicate attribute, which hclsyntax reports, or a position
// past int32.
func (d *directParser) finish(h *directHeader, kind model.Kind) bool {
	attrs := d.attrs
	slices.SortFunc(attrs, func(a, b directAttr) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(attrs); i++ {
		if attrs[i].name == attrs[i-1].name {
			return false
		}
	}
	var ob objectBody
	if len(attrs) > 0 {
		spans := make([]attrSpan, len(attrs))
		for i := range attrs {
			var ok bool
			if spans[i], ok = spanOf(attrs[i].start, attrs[i].exprRange.End, attrs[i].exprRange); !ok {
				return false
			}
		}
		ob.filename = d.filename
		ob.names = d.bb.shape(len(attrs), func(i int) string { return attrs[i].name })
		ob.spans = spans
		ob.attrs = make([]attrExpr, len(attrs))
		for i := range attrs {
			ob.attrs[i] = attrExpr{expr: attrs[i].expr, val: attrs[i].val}
		}
	}
	clear(attrs) // the buffer is the next block's: it keeps no expression alive
	// What decodeBody adds to the body and reports, for a block without a lifecycle block.
	diags := ob.complete(&h.block, kind, nil)
	d.blocks = append(d.blocks, directBlock{header: h, body: ob, diags: diags})
	return true
}
