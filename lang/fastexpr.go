package lang

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/customdecode"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/j1hcl/j1hcl/internal/model"
)

// A for_each block evaluates the same few expressions once per instance, and hcl's general
// evaluation of even each.value.name allocates a context, a traversal split and diagnostics
// on the way; a local's { for x in ROWS : x.id => x } makes a child context per row. The
// expressions of the common shapes (literals, traversals of each, var, local and a for
// expression's variables through attributes, string templates of those, calls with such
// arguments, for expressions without if or grouping, and entity.R.N[KEY] as a relationship
// endpoint) are compiled once into fastExprs that walk the cty values directly. A fastExpr
// gives up (ok false) on anything it cannot be sure hcl would evaluate the same way without
// a diagnostic: marks, unknown or null values, a missing attribute or key, a duplicate key,
// an unusual type, a failing function. The caller then evaluates the hcl expression, so
// values and diagnostics stay exactly hcl's.

// fastPathOff makes every expression go through hcl; tests compare the two paths with it.
var fastPathOff bool

// fastExpr evaluates one expression in an environment.
type fastExpr interface {
	eval(env *fastEnv) (cty.Value, bool)
}

// fastEnv is what a fast expression's value depends on besides the block: the instance
// (each), and the element a for expression is at.
type fastEnv struct {
	in    *instance
	iterK cty.Value
	iterV cty.Value
	// row is set instead of iterK and iterV while a for expression iterates a csvTable.
	row csvRow
}

// fastConst is an expression whose value does not depend on anything: a literal, or a
// template of literals.
type fastConst struct{ v cty.Value }

func (c fastConst) eval(*fastEnv) (cty.Value, bool) { return c.v, true }

// fastEach is each.key or each.value, followed by attribute names.
type fastEach struct {
	key   bool
	steps []string
}

func (f fastEach) eval(env *fastEnv) (cty.Value, bool) {
	if f.key {
		return getAttrs(cty.StringVal(env.in.key), f.steps)
	}
	if env.in.row.t != nil {
		return rowAttrs(env.in.row, f.steps)
	}
	return getAttrs(env.in.value, f.steps)
}

// rowAttrs is getAttrs of a csvTable row's object, which it builds only when steps is empty.
func rowAttrs(r csvRow, steps []string) (cty.Value, bool) {
	if len(steps) == 0 {
		return r.object(), true
	}
	v, ok := r.field(steps[0])
	if !ok {
		return cty.NilVal, false
	}
	return getAttrs(v, steps[1:])
}

// fastIter is the key or value variable of the for expression being evaluated, followed
// by attribute names.
type fastIter struct {
	key   bool
	steps []string
}

func (f fastIter) eval(env *fastEnv) (cty.Value, bool) {
	if env.row.t != nil {
		if f.key {
			return getAttrs(cty.NumberIntVal(int64(env.row.i)), f.steps)
		}
		return rowAttrs(env.row, f.steps)
	}
	if f.key {
		return getAttrs(env.iterK, f.steps)
	}
	return getAttrs(env.iterV, f.steps)
}

// wholeRow reports whether e is the for expression's value variable itself (h in
// { for h in ROWS : h.id => h }): the instance can then keep the row instead of its object.
func wholeRow(e fastExpr) bool {
	it, ok := e.(fastIter)
	return ok && !it.key && len(it.steps) == 0
}

// fastFor is a for expression without an if clause or grouping, whose expressions are fast.
type fastFor struct {
	coll fastExpr
	key  fastExpr // nil for a tuple-producing [for ...]
	val  fastExpr
	// csv is the argument of coll when coll is csvdecode(ARG): {for ...} reads the rows
	// from a csvTable then (see csvtable.go).
	csv fastExpr
}

func (f fastFor) eval(env *fastEnv) (cty.Value, bool) {
	if f.key == nil {
		return f.tuple(env)
	}
	return f.object(env)
}

// collection evaluates what the expression iterates over; ok is false when the fast path
// cannot iterate it.
func (f fastFor) collection(env *fastEnv) (cty.Value, bool) {
	coll, ok := f.coll.eval(env)
	if !ok || coll.IsMarked() || !coll.IsKnown() || coll.IsNull() || !coll.CanIterateElements() {
		return cty.NilVal, false
	}
	return coll, true
}

// tuple evaluates a [for ...] expression.
func (f fastFor) tuple(env *fastEnv) (cty.Value, bool) {
	coll, ok := f.collection(env)
	if !ok {
		return cty.NilVal, false
	}
	inner := fastEnv{in: env.in}
	vals := make([]cty.Value, 0, coll.LengthInt())
	for it := coll.ElementIterator(); it.Next(); {
		inner.iterK, inner.iterV = it.Element()
		v, ok := f.val.eval(&inner)
		if !ok {
			return cty.NilVal, false
		}
		vals = append(vals, v)
	}
	return cty.TupleVal(vals), true
}

// object evaluates a {for ...} expression.
func (f fastFor) object(env *fastEnv) (cty.Value, bool) {
	insts, ok := f.instances(env)
	if !ok {
		return cty.NilVal, false
	}
	return objectOf(insts), true
}

// instances evaluates a {for ...} expression as the for_each instances of its result: its
// attributes in the order for_each takes them (cty's: by name). For a local value that only
// for_each iterates, the object itself is never built (see localValue).
func (f fastFor) instances(env *fastEnv) ([]instance, bool) {
	if t, ok := f.table(env); ok {
		return f.rowInstances(env, t)
	}
	coll, ok := f.collection(env)
	if !ok {
		return nil, false
	}
	inner := fastEnv{in: env.in}
	insts := make([]instance, 0, coll.LengthInt())
	for it := coll.ElementIterator(); it.Next(); {
		inner.iterK, inner.iterV = it.Element()
		k, ok := f.key.eval(&inner)
		if !ok || k.IsMarked() || !k.IsKnown() || k.IsNull() || k.Type() != cty.String {
			return nil, false
		}
		v, ok := f.val.eval(&inner)
		if !ok {
			return nil, false
		}
		// A cty string is normalized (NFC) already: the key is the attribute name.
		insts = append(insts, instance{key: k.AsString(), value: v, forEach: true})
	}
	return sortedInstances(insts)
}

// table reads the document of a {for ...} over csvdecode(ARG); ok is false when the
// expression iterates something else, or ARG is not a known, unmarked string that
// decodeCSVTable reads (csvdecode then runs as any function does).
func (f fastFor) table(env *fastEnv) (*csvTable, bool) {
	if f.csv == nil || f.key == nil {
		return nil, false
	}
	src, ok := f.csv.eval(env)
	if !ok || src.IsMarked() || !src.IsKnown() || src.IsNull() || src.Type() != cty.String {
		return nil, false
	}
	return decodeCSVTable(src.AsString())
}

// rowInstances is instances over the rows of t.
func (f fastFor) rowInstances(env *fastEnv, t *csvTable) ([]instance, bool) {
	inner := fastEnv{in: env.in}
	n := t.rows()
	insts := make([]instance, 0, n)
	whole := wholeRow(f.val)
	for i := range n {
		inner.row = csvRow{t, i}
		k, ok := f.key.eval(&inner)
		if !ok || k.IsMarked() || !k.IsKnown() || k.IsNull() || k.Type() != cty.String {
			return nil, false
		}
		in := instance{key: k.AsString(), forEach: true}
		if whole {
			in.row = inner.row
		} else if in.value, ok = f.val.eval(&inner); !ok {
			return nil, false
		}
		insts = append(insts, in)
	}
	return sortedInstances(insts)
}

// sortedInstances sorts for_each instances by key, as for_each takes them; ok is false when
// a key appears twice.
func sortedInstances(insts []instance) ([]instance, bool) {
	// Rows usually come in key order already: the check is all the sorting they need.
	byKey := func(a, b instance) int { return strings.Compare(a.key, b.key) }
	if !slices.IsSortedFunc(insts, byKey) {
		slices.SortFunc(insts, byKey)
	}
	for i := 1; i < len(insts); i++ {
		if insts[i].key == insts[i-1].key {
			return nil, false // a key twice: hcl's evaluation says where
		}
	}
	return insts, true
}

// objectOf is the object whose attributes are the instances' keys and values.
func objectOf(insts []instance) cty.Value {
	attrs := make(map[string]cty.Value, len(insts))
	for _, in := range insts {
		attrs[in.key] = in.val()
	}
	return cty.ObjectVal(attrs)
}

// fastRooted is a traversal of a value fixed for the whole block (var, or one local value),
// through attribute names.
type fastRooted struct {
	root  cty.Value   // var's object
	local *localValue // or the local value, whose value is taken when evaluated
	steps []string
}

func (f fastRooted) eval(*fastEnv) (cty.Value, bool) {
	if f.local != nil {
		return getAttrs(f.local.value(), f.steps)
	}
	return getAttrs(f.root, f.steps)
}

// getAttrs follows attribute names through known, unmarked, non-null objects and maps, as
// hcl.GetAttr does for the cases it answers without a diagnostic.
func getAttrs(v cty.Value, steps []string) (cty.Value, bool) {
	for _, name := range steps {
		if v.IsMarked() || !v.IsKnown() || v.IsNull() {
			return cty.NilVal, false
		}
		ty := v.Type()
		switch {
		case ty.IsObjectType():
			// Type.HasAttribute, for a name normalized by attrSteps.
			if _, ok := ty.AttributeTypes()[name]; !ok {
				return cty.NilVal, false
			}
			v = v.GetAttr(name)
		case ty.IsMapType():
			idx := cty.StringVal(name)
			if !v.HasIndex(idx).True() {
				return cty.NilVal, false
			}
			v = v.Index(idx)
		default:
			return cty.NilVal, false
		}
	}
	return v, true
}

// fastTemplate is a string template whose parts are fast expressions.
type fastTemplate struct{ parts []fastExpr }

func (t fastTemplate) eval(env *fastEnv) (cty.Value, bool) {
	var sb strings.Builder
	for _, p := range t.parts {
		v, ok := p.eval(env)
		if !ok || v.IsMarked() || !v.IsKnown() || v.IsNull() {
			return cty.NilVal, false
		}
		switch v.Type() {
		case cty.String:
			sb.WriteString(v.AsString())
		case cty.Number, cty.Bool:
			s, err := convert.Convert(v, cty.String)
			if err != nil {
				return cty.NilVal, false
			}
			sb.WriteString(s.AsString())
		default:
			return cty.NilVal, false
		}
	}
	return cty.StringVal(sb.String()), true
}

// fastCall calls a function with fast arguments, converted to the parameter types as
// hcl converts them.
type fastCall struct {
	f     function.Function
	types []cty.Type // per argument
	args  []fastExpr
}

func (c fastCall) eval(env *fastEnv) (cty.Value, bool) {
	var buf [4]cty.Value
	vals := buf[:0]
	for i, a := range c.args {
		v, ok := a.eval(env)
		if !ok {
			return cty.NilVal, false
		}
		v, err := convert.Convert(v, c.types[i])
		if err != nil {
			return cty.NilVal, false
		}
		vals = append(vals, v)
	}
	out, err := c.f.Call(vals)
	if err != nil {
		return cty.NilVal, false
	}
	return out, true
}

// fastEndpoint is a relationship's from/to written as entity.R.N[KEY] (or entity.R.N of a
// block without for_each), where the block's value is only ever used as an endpoint: it
// finds the entity without the cty value of the block.
type fastEndpoint struct {
	target *lazyBlockValue
	key    fastExpr // nil for entity.R.N
}

// object returns the entity the endpoint refers to; next is where the previous lookup of
// this endpoint ended (see lazyBlockValue.instance).
func (f fastEndpoint) object(env *fastEnv, next *int) (*entityRef, bool) {
	if f.key == nil {
		return f.target.single, f.target.single != nil
	}
	k, ok := f.key.eval(env)
	if !ok || k.IsMarked() || !k.IsKnown() || k.IsNull() || k.Type() != cty.String {
		return nil, false
	}
	return f.target.instance(k.AsString(), next)
}

// compiledAttr is one attribute's fast evaluator: an expression, or an endpoint.
type compiledAttr struct {
	expr     fastExpr
	endpoint *fastEndpoint
}

// compiler turns the expressions of one node into fast evaluators.
type compiler struct {
	e *evaluator
	n *node
	// each is set when each.key and each.value may be used (a for_each block, outside its
	// for_each expression).
	each bool
	// keyVar and valVar are the variables of the for expression being compiled.
	keyVar, valVar string
}

// compileAttrs compiles every attribute of an object block except for_each and the
// constants, in name order; a nil entry means the attribute is a constant or is evaluated by
// hcl. The slice is the evaluator's, valid until the next block's compileAttrs.
func (e *evaluator) compileAttrs(n *node) []compiledAttr {
	b := n.obj
	c := compiler{e: e, n: n, each: b.forEach}
	e.compiledBuf = resized(e.compiledBuf, len(b.names))
	out := e.compiledBuf
	if fastPathOff {
		return out
	}
	endpointAttrs := b.kind == model.KindRelationship || b.kind == model.KindMappedRelationship
	for i, name := range b.names {
		expr := b.attrs[i].expr
		if name == "for_each" || expr == nil {
			continue // a constant: evalInstance takes its value as it is
		}
		if endpointAttrs && (name == "from" || name == "to" && b.kind == model.KindRelationship) {
			if ep := c.endpoint(expr); ep != nil {
				out[i].endpoint = ep
				continue
			}
		}
		out[i].expr = c.compile(expr)
	}
	return out
}

// compile returns a fast evaluator for expr, or nil when expr is not of a shape it handles.
func (c compiler) compile(expr hcl.Expression) fastExpr {
	if fastPathOff {
		return nil
	}
	switch x := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		return fastConst{x.Val}
	case *constExpr:
		return fastConst{x.val}
	case *hclsyntax.TemplateWrapExpr:
		return c.compile(x.Wrapped)
	case *hclsyntax.TemplateExpr:
		return c.template(x)
	case *hclsyntax.TupleConsExpr:
		return c.constTuple(x)
	case *hclsyntax.ScopeTraversalExpr:
		return c.traversal(x.Traversal)
	case *hclsyntax.FunctionCallExpr:
		return c.call(x)
	case *hclsyntax.ForExpr:
		return c.forExpr(x)
	}
	return nil
}

func (c compiler) forExpr(x *hclsyntax.ForExpr) fastExpr {
	if x.CondExpr != nil || x.Group || c.valVar != "" { // one level of for only
		return nil
	}
	coll := c.compile(x.CollExpr)
	if coll == nil {
		return nil
	}
	inner := c
	inner.keyVar, inner.valVar = x.KeyVar, x.ValVar
	f := fastFor{coll: coll, val: inner.compile(x.ValExpr)}
	if f.val == nil {
		return nil
	}
	if call, ok := coll.(fastCall); ok && isCSVDecode(call.f) && len(call.args) == 1 {
		f.csv = call.args[0]
	}
	if x.KeyExpr != nil {
		if f.key = inner.compile(x.KeyExpr); f.key == nil {
			return nil
		}
	}
	return f
}

func (c compiler) template(x *hclsyntax.TemplateExpr) fastExpr {
	if x.IsStringLiteral() {
		// A quoted string without interpolation: hcl renders its one literal part, a
		// normalized known string, to that very value (literalString's test holds it to that).
		if v, ok := literalString(x); ok {
			return fastConst{v}
		}
		v, diags := x.Value(nil)
		if diags.HasErrors() || !v.IsKnown() || v.IsMarked() {
			return nil
		}
		return fastConst{v}
	}
	parts := make([]fastExpr, len(x.Parts))
	for i, p := range x.Parts {
		if parts[i] = c.compile(p); parts[i] == nil {
			return nil
		}
	}
	return fastTemplate{parts}
}

// constTuple compiles a tuple of constants (tags = ["a", "b"]) to the tuple hcl makes of
// them; a tuple with any other element is left to hcl.
func (c compiler) constTuple(x *hclsyntax.TupleConsExpr) fastExpr {
	vals := make([]cty.Value, len(x.Exprs))
	for i, elem := range x.Exprs {
		k, ok := c.compile(elem).(fastConst)
		if !ok {
			return nil
		}
		vals[i] = k.v
	}
	return fastConst{cty.TupleVal(vals)}
}

// literalString returns the value of a template made of one literal known string, unmarked:
// the value TemplateExpr.Value renders it to, without its buffer and refinement.
func literalString(x *hclsyntax.TemplateExpr) (cty.Value, bool) {
	if len(x.Parts) != 1 {
		return cty.NilVal, false
	}
	lit, ok := x.Parts[0].(*hclsyntax.LiteralValueExpr)
	if !ok || lit.Val.Type() != cty.String || !lit.Val.IsKnown() || lit.Val.IsNull() || lit.Val.IsMarked() {
		return cty.NilVal, false
	}
	return lit.Val, true
}

// attrSteps returns the attribute names of a traversal's steps, or false when a step is
// neither an attribute nor an index with a literal string, which hcl.Index looks up in an
// object or a map as hcl.GetAttr looks up an attribute.
func attrSteps(tr hcl.Traversal) ([]string, bool) {
	steps := make([]string, len(tr))
	for i, s := range tr {
		switch s := s.(type) {
		case hcl.TraverseAttr:
			steps[i] = cty.NormalizeString(s.Name) // as cty's GetAttr and HasAttribute do
		case hcl.TraverseIndex:
			k := s.Key
			if k.IsMarked() || !k.IsKnown() || k.IsNull() || k.Type() != cty.String {
				return nil, false
			}
			steps[i] = k.AsString()
		default:
			return nil, false
		}
	}
	return steps, true
}

func (c compiler) traversal(tr hcl.Traversal) fastExpr {
	steps, ok := attrSteps(tr[1:])
	if !ok {
		return nil
	}
	switch root := tr.RootName(); {
	case root == c.valVar && c.valVar != "":
		return fastIter{steps: steps}
	case root == c.keyVar && c.keyVar != "":
		return fastIter{key: true, steps: steps}
	case len(steps) == 0:
		return nil
	}
	switch tr.RootName() {
	case "each":
		if !c.each || (steps[0] != "key" && steps[0] != "value") {
			return nil
		}
		return fastEach{key: steps[0] == "key", steps: steps[1:]}
	case "var":
		return fastRooted{root: c.e.varObj, steps: steps}
	case "local":
		for _, l := range c.n.refLocals {
			if l.name == steps[0] {
				return fastRooted{local: l, steps: steps[1:]}
			}
		}
	}
	return nil
}

func (c compiler) call(x *hclsyntax.FunctionCallExpr) fastExpr {
	f, ok := c.e.funcs[x.Name]
	if !ok || x.ExpandFinal {
		return nil
	}
	params := f.Params()
	varParam := f.VarParam()
	if len(x.Args) < len(params) || varParam == nil && len(x.Args) > len(params) {
		return nil
	}
	call := fastCall{f: f, types: make([]cty.Type, len(x.Args)), args: make([]fastExpr, len(x.Args))}
	for i, a := range x.Args {
		p := varParam
		if i < len(params) {
			p = &params[i]
		}
		if customdecode.CustomExpressionDecoderForType(p.Type) != nil {
			return nil
		}
		call.types[i] = p.Type
		if call.args[i] = c.compile(a); call.args[i] == nil {
			return nil
		}
	}
	return call
}

// endpoint compiles entity.R.N[KEY], or entity.R.N, when R.N is a block whose value is
// only used as an endpoint.
func (c compiler) endpoint(expr hcl.Expression) *fastEndpoint {
	var key hcl.Expression
	if ix, ok := expr.(*hclsyntax.IndexExpr); ok {
		expr, key = ix.Collection, ix.Key
	}
	st, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(st.Traversal) != 3 || st.Traversal.RootName() != "entity" {
		return nil
	}
	steps, ok := attrSteps(st.Traversal[1:])
	if !ok {
		return nil
	}
	for _, o := range c.n.refObjects {
		if o.kind != model.KindEntity || o.resource != steps[0] || o.name != steps[1] {
			continue
		}
		lv := c.e.lazy[o]
		if lv == nil {
			return nil
		}
		if (key != nil) != o.forEach {
			return nil // entity.R.N of a for_each block, or entity.R.N[KEY] of another: hcl says
		}
		if key == nil {
			return &fastEndpoint{target: lv}
		}
		k := c.compile(key)
		if k == nil {
			return nil
		}
		return &fastEndpoint{target: lv, key: k}
	}
	return nil
}
