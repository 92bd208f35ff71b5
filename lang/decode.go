package lang

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/model"
)

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "integration"},
		{Type: "entity", LabelNames: []string{"resource", "name"}},
		{Type: "relationship", LabelNames: []string{"name"}},
		{Type: "mapped_relationship", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "backend", LabelNames: []string{"kind"}},
		{Type: "encryption"},
		{Type: "import"},
		{Type: "moved"},
	},
}

var lifecycleSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{{Type: "lifecycle"}},
}

var lifecycleBodySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "prevent_destroy"}},
}

// Meta-arguments per block kind: every other attribute is a property of the object.
var metaArguments = map[model.Kind]map[string]bool{
	model.KindEntity: {
		"for_each": true, "_key": true, "_type": true, "_class": true, "properties": true,
	},
	model.KindRelationship: {
		"for_each": true, "_key": true, "_type": true, "_class": true, "properties": true,
		"from": true, "to": true,
	},
	model.KindMappedRelationship: {
		"for_each": true, "_key": true, "_type": true, "_class": true, "properties": true,
		"from": true, "direction": true, "target": true, "target_filter_keys": true, "skip_target_creation": true,
	},
}

// objectBlock is one entity, relationship or mapped_relationship block.
type objectBlock struct {
	kind     model.Kind
	resource string // entity blocks only
	name     string
	addr     string
	defRange hcl.Range

	objectBody // what its body declares (decodeBody)

	preventDestroy bool // prevent_destroy's value, once evaluated

	// Results of evaluation.
	instances []*model.Object
	// value is what entity.R.N (or relationship.N) evaluates to; built only when referenced.
	value     cty.Value
	needValue bool
	// fullValue is set when some expression uses more of the block's value than an endpoint
	// (from/to) needs; otherwise references see only _key, _type and _class, which spares
	// building a full cty object per instance of a large for_each block.
	fullValue bool
}

// release drops the attributes' expressions and constant values once the block is
// evaluated; names and spans, which diagnostics of later stages point at, stay: for a
// configuration of a million blocks the expressions are most of the live heap, so each block
// lets go of its own as soon as it is done. (Its value, which later blocks may read, goes
// when Load returns.)
func (b *objectBlock) release() {
	b.attrs, b.preventDestroyExpr = nil, nil
}

// attrRange returns the range of the attribute name, before or after release.
func (b *objectBlock) attrRange(name string) (hcl.Range, bool) {
	if i, ok := b.attrIndex(name); ok {
		return b.attrRangeAt(i), true
	}
	return hcl.Range{}, false
}

// localValue is one name of a locals block.
type localValue struct {
	name string
	attr *hcl.Attribute
	val  cty.Value
	// build, when set, makes val on first use (see value): a local made by {for ...} is
	// often only iterated by for_each, which takes its instances and never needs the object.
	build func() cty.Value
	once  sync.Once
}

// value returns the local's value once it is evaluated.
func (l *localValue) value() cty.Value {
	l.once.Do(func() {
		if l.build != nil {
			l.val = l.build()
		}
	})
	return l.val
}

// integrationBlock is the integration block as written.
type integrationBlock struct {
	block *hcl.Block
	attrs hcl.Attributes
	rules *hcl.Block
}

// declarations are the blocks of all files, grouped.
type declarations struct {
	integration []*integrationBlock
	objects     []*objectBlock
	byAddr      map[string]*objectBlock
	resources   map[string][]*objectBlock // entity blocks by resource label
	variables   []*variableBlock
	varByName   map[string]*variableBlock
	locals      []*localValue
	localByName map[string]*localValue
	backends    []*hcl.Block // see backend.go
	encryptions []*hcl.Block
	imports     []*importDecl // see import.go
	moves       []*moveDecl   // see moved.go
	// movedTo indexes moves by their to address (a block's, or an instance's).
	movedTo map[string]*moveDecl
}

// decodeFiles declares the top-level blocks of files, whose blocks readBlocks has read
// (blocks[i] for files[i]), in declaration order.
func decodeFiles(files []*hcl.File, blocks []*fileBlocks) (*declarations, hcl.Diagnostics) {
	// Sized for every top-level block being an object: with a million of them, growing the
	// tables copies and rehashes them twenty times over.
	n := 0
	for _, fb := range blocks {
		if fb != nil {
			n += len(fb.content.Blocks)
		}
	}
	d := &declarations{
		byAddr:      make(map[string]*objectBlock, n),
		objects:     make([]*objectBlock, 0, n),
		resources:   map[string][]*objectBlock{},
		varByName:   map[string]*variableBlock{},
		localByName: map[string]*localValue{},
	}
	var diags hcl.Diagnostics
	for i, f := range files {
		if f == nil {
			continue
		}
		fb := blocks[i]
		diags = append(diags, fb.diags...)
		for k, b := range fb.content.Blocks {
			if kind, ok := objectKinds[b.Type]; ok {
				// The body's problems are told only of a block that is declared.
				ob, labelDiags := d.addObject(b, kind)
				diags = append(diags, labelDiags...)
				if ob != nil {
					ob.objectBody = fb.bodies[k]
					diags = append(diags, fb.bodyDiags[k]...)
				}
				continue
			}
			switch b.Type {
			case "integration":
				diags = append(diags, d.addIntegration(b)...)
			case "variable":
				diags = append(diags, d.addVariable(b)...)
			case "locals":
				diags = append(diags, d.addLocals(b)...)
			case "backend":
				d.backends = append(d.backends, b)
			case "encryption":
				d.encryptions = append(d.encryptions, b)
			case "import":
				diags = append(diags, d.addImport(b)...)
			case "moved":
				diags = append(diags, d.addMoved(b)...)
			}
		}
	}
	diags = append(diags, d.checkMoves()...)
	switch len(d.integration) {
	case 0:
		var subject *hcl.Range
		if len(files) > 0 && files[0] != nil {
			r := files[0].Body.MissingItemRange()
			subject = &r
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing integration block",
			Detail:   "A configuration needs exactly one integration block naming the integration type, e.g.\n  integration {\n    type = \"my-billing-acme\"\n  }",
			Subject:  subject,
		})
	case 1:
	default:
		for _, ib := range d.integration[1:] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate integration block",
				Detail:   fmt.Sprintf("A configuration has exactly one integration block; the first is at %s. Merge them.", d.integration[0].block.DefRange),
				Subject:  ib.block.DefRange.Ptr(),
			})
		}
	}
	return d, diags
}

var integrationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type", Required: true},
		{Name: "instance_id"},
		{Name: "scope"},
		{Name: "key_prefix"},
		{Name: "sync_mode"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "rules"}},
}

func (d *declarations) addIntegration(b *hcl.Block) hcl.Diagnostics {
	content, diags := b.Body.Content(integrationSchema)
	ib := &integrationBlock{block: b, attrs: content.Attributes}
	for i, rb := range content.Blocks {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate rules block",
				Detail:   "An integration block has at most one rules block; merge them.",
				Subject:  rb.DefRange.Ptr(),
			})
			continue
		}
		ib.rules = rb
	}
	d.integration = append(d.integration, ib)
	return diags
}

// addObject registers an entity, relationship or mapped_relationship block by its labels;
// the block's body is decoded later (decodeBody). ob is nil when the labels are invalid or
// already taken.
func (d *declarations) addObject(b *hcl.Block, kind model.Kind) (ob *objectBlock, diags hcl.Diagnostics) {
	ob = &objectBlock{kind: kind, defRange: b.DefRange}
	if kind == model.KindEntity {
		ob.resource, ob.name = b.Labels[0], b.Labels[1]
		ob.addr = "entity." + ob.resource + "." + ob.name
		diags = append(diags, checkLabel(b, 0, "resource")...)
		diags = append(diags, checkLabel(b, 1, "name")...)
	} else {
		ob.name = b.Labels[0]
		ob.addr = kind.String() + "." + ob.name
		diags = append(diags, checkLabel(b, 0, "name")...)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	if prev, dup := d.byAddr[ob.addr]; dup {
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate block",
			Detail:   fmt.Sprintf("%s is already declared at %s. Give each block its own labels.", ob.addr, prev.defRange),
			Subject:  b.DefRange.Ptr(),
		})
	}
	d.byAddr[ob.addr] = ob
	d.objects = append(d.objects, ob)
	if kind == model.KindEntity {
		d.resources[ob.resource] = append(d.resources[ob.resource], ob)
	}
	return ob, diags
}

// objectKinds are the top-level block types that declare objects.
var objectKinds = map[string]model.Kind{
	"entity":              model.KindEntity,
	"relationship":        model.KindRelationship,
	"mapped_relationship": model.KindMappedRelationship,
}

// fileBlocks is a file's top-level blocks as fileSchema reads them, with the body of each
// object block decoded (see readBlocks).
type fileBlocks struct {
	content   *hcl.BodyContent
	diags     hcl.Diagnostics
	bodies    []objectBody      // per content.Blocks; empty for blocks of other types
	bodyDiags []hcl.Diagnostics // the problems of each body
}

// readBlocks reads a file's top-level blocks and decodes its object blocks' bodies. Load runs
// it in the goroutine that parsed the file, right after, so that the files' bodies are decoded
// on all CPUs, and each object block's syntax tree of attributes (hclsyntax's attribute map
// and nodes, several times the attributes' own size) is let go as soon as its copy is made,
// instead of the trees of every file at once being the heap's peak, as they were with a
// million blocks.
func readBlocks(f *hcl.File) *fileBlocks {
	content, diags := f.Body.Content(fileSchema)
	fb := &fileBlocks{content: content, diags: diags, bodies: make([]objectBody, len(content.Blocks)), bodyDiags: make([]hcl.Diagnostics, len(content.Blocks))}
	var bb bodyBuilder
	for i, b := range content.Blocks {
		kind, ok := objectKinds[b.Type]
		if !ok {
			continue
		}
		fb.bodies[i], fb.bodyDiags[i] = bb.decodeBody(b, kind)
		if native, ok := b.Body.(*hclsyntax.Body); ok {
			native.Attributes = nil // nothing reads them but decodeBody
		}
		b.Body = nil // this copy of the block's header is the decoder's own
	}
	return fb
}

// dropBlocks lets go of the top-level blocks of a file whose blocks readBlocks has read, for
// a caller that needs nothing more of its syntax tree: each block's header lives on in
// readBlocks' copy, without the nodes hclsyntax keeps beside it.
func dropBlocks(f *hcl.File) {
	if native, ok := f.Body.(*hclsyntax.Body); ok {
		native.Blocks = nil
	}
}

// decodeBody reads an object block's attributes and lifecycle block.
func (bb *bodyBuilder) decodeBody(b *hcl.Block, kind model.Kind) (objectBody, hcl.Diagnostics) {
	lifecycles, attrs, diags := appendAttributesAndLifecycle(bb.attrs[:0], b.Body)
	ob := bb.build(attrs)
	clear(attrs) // the buffer is the next block's: it keeps no expression alive
	bb.attrs = attrs
	for i, lb := range lifecycles {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate lifecycle block", Detail: "A block has at most one lifecycle block; merge them.", Subject: lb.DefRange.Ptr()})
			continue
		}
		lc, lcDiags := lb.Body.Content(lifecycleBodySchema)
		diags = append(diags, lcDiags...)
		if a, ok := lc.Attributes["prevent_destroy"]; ok {
			ob.preventDestroyExpr = a.Expr
		}
	}
	return ob, ob.complete(b, kind, diags)
}

// complete derives what an object block's body holds beside its attributes, and appends to
// diags the arguments its kind requires that it lacks. b is the block's header.
func (ob *objectBody) complete(b *hcl.Block, kind model.Kind, diags hcl.Diagnostics) hcl.Diagnostics {
	ob.forEach = ob.has("for_each")
	if x := ob.expr("properties"); x != nil {
		ob.propKeyRanges = literalKeyRanges(x)
	}
	if kind != model.KindEntity {
		for _, req := range []string{"_class", "from"} {
			if !ob.has(req) {
				diags = append(diags, missingArgument(b, req, kind))
			}
		}
		if !ob.has("to") && kind == model.KindRelationship {
			diags = append(diags, missingArgument(b, "to", kind))
		}
		if !ob.has("target") && kind == model.KindMappedRelationship {
			diags = append(diags, missingArgument(b, "target", kind))
		}
	}
	return diags
}

// attributesAndLifecycle splits an object block's body into its lifecycle blocks and its
// attributes, sorted by name; any other nested block is an error. (hclsyntax's JustAttributes
// does not skip blocks that PartialContent consumed, so native bodies are read directly.)
func attributesAndLifecycle(body hcl.Body) ([]*hcl.Block, []hcl.Attribute, hcl.Diagnostics) {
	return appendAttributesAndLifecycle(nil, body)
}

// appendAttributesAndLifecycle is attributesAndLifecycle, appending the attributes to out.
func appendAttributesAndLifecycle(out []hcl.Attribute, body hcl.Body) ([]*hcl.Block, []hcl.Attribute, hcl.Diagnostics) {
	native, ok := body.(*hclsyntax.Body)
	if !ok {
		content, remain, diags := body.PartialContent(lifecycleSchema)
		attrs, moreDiags := remain.JustAttributes()
		for _, a := range attrs {
			out = append(out, *a)
		}
		return content.Blocks, sortAttributes(out), append(diags, moreDiags...)
	}
	var diags hcl.Diagnostics
	var lifecycles []*hcl.Block
	for _, blk := range native.Blocks {
		if blk.Type == "lifecycle" && len(blk.Labels) == 0 {
			lifecycles = append(lifecycles, blk.AsHCLBlock())
			continue
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported block type",
			Detail:   fmt.Sprintf("Blocks of type %q are not expected here; only lifecycle is.%s Nested values belong in attributes, e.g. target = { ... }.", blk.Type, didYouMean(blk.Type, []string{"lifecycle"})),
			Subject:  blk.TypeRange.Ptr(),
		})
	}
	for _, a := range native.Attributes {
		out = append(out, hcl.Attribute{Name: a.Name, Expr: a.Expr, Range: a.SrcRange, NameRange: a.NameRange})
	}
	return lifecycles, sortAttributes(out), diags
}

func sortAttributes(attrs []hcl.Attribute) []hcl.Attribute {
	slices.SortFunc(attrs, func(a, b hcl.Attribute) int { return strings.Compare(a.Name, b.Name) })
	return attrs
}

func missingArgument(b *hcl.Block, name string, kind model.Kind) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Missing required argument",
		Detail:   fmt.Sprintf("A %s block needs %q.", kind, name),
		Subject:  b.DefRange.Ptr(),
	}
}

func checkLabel(b *hcl.Block, i int, what string) hcl.Diagnostics {
	if asciiIdentifier(b.Labels[i]) || hclsyntax.ValidIdentifier(b.Labels[i]) {
		return nil
	}
	r := b.DefRange
	if i < len(b.LabelRanges) {
		r = b.LabelRanges[i]
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid block label",
		Detail:   fmt.Sprintf("The %s label %q is not a valid identifier: use letters, digits, underscores and dashes, starting with a letter.", what, b.Labels[i]),
		Subject:  &r,
	}}
}

// asciiIdentifier reports whether s is an identifier made of ASCII letters, digits,
// underscores and dashes, starting with a letter or underscore: hclsyntax.ValidIdentifier
// says the same of such text, without running its scanner.
func asciiIdentifier(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentRest(s[i]) {
			return false
		}
	}
	return true
}

// literalKeyRanges returns the source range of each literal key of an object constructor
// expression, so a diagnostic about properties["tag.Env"] can point at that key.
func literalKeyRanges(expr hcl.Expression) map[string]hcl.Range {
	oc, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	out := make(map[string]hcl.Range, len(oc.Items))
	for _, item := range oc.Items {
		key, diags := item.KeyExpr.Value(nil)
		if diags.HasErrors() || key.IsNull() || !key.IsKnown() || key.Type() != cty.String {
			continue
		}
		out[key.AsString()] = hcl.RangeBetween(item.KeyExpr.Range(), item.ValueExpr.Range())
	}
	return out
}

func (d *declarations) addLocals(b *hcl.Block) hcl.Diagnostics {
	attrs, diags := b.Body.JustAttributes()
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := attrs[n]
		if prev, dup := d.localByName[n]; dup {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate local value",
				Detail:   fmt.Sprintf("local.%s is already defined at %s. Local names are unique across all locals blocks.", n, prev.attr.NameRange),
				Subject:  a.NameRange.Ptr(),
			})
			continue
		}
		lv := &localValue{name: n, attr: a}
		d.localByName[n] = lv
		d.locals = append(d.locals, lv)
	}
	return diags
}
