package lang

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
)

// evaluator holds what evaluation accumulates, in dependency order.
type evaluator struct {
	funcs  map[string]function.Function
	varObj cty.Value
	integ  Integration
	// keyTypes gives the _type of every entity evaluated so far by its _key, for the default
	// _type of relationships whose endpoints are written as key strings.
	keyTypes keyTypeTable
	// movedTo indexes the moved blocks by their to address (see defaultEntityKey).
	movedTo map[string]*moveDecl
	// lazy holds the values of the blocks referenced only as endpoints (see lazyBlockValue).
	lazy map[*objectBlock]*lazyBlockValue
	// forEachLocal holds the instances of for_each = local.NAME, for the next block with
	// the same for_each, or from the local's own {for ...} evaluation. Nothing writes to them.
	forEachLocal map[*localValue][]instance
	// compiledBuf and serial are what one object block's evaluation uses and none after
	// it reads, kept for the next block: a million blocks of one instance would otherwise
	// each allocate them.
	compiledBuf []compiledAttr
	serial      scratch
}

// blockValue is what entity.R.N (or relationship.N) evaluates to.
func (e *evaluator) blockValue(o *objectBlock) cty.Value {
	if lv := e.lazy[o]; lv != nil {
		return lv.value()
	}
	return o.value
}

// lazyBlockValue stands for the value of a block whose references are all relationship
// endpoints: the endpoints find the entity by its instance key, and the cty value (an
// object of every instance's _key, _type and _class) is built only if an expression that
// the fast path leaves to hcl needs it.
type lazyBlockValue struct {
	// forEach blocks have their instances in byKey, sorted by key: references that follow
	// the same collection look them up in that order, one after another (see instance). A
	// map of a million keys would cost its building and a cache miss per lookup.
	forEach bool
	byKey   []keyedRef
	single  *entityRef // other blocks: the instance
	once    sync.Once
	v       cty.Value
}

// keyedRef is a for_each instance as an endpoint finds it: its key and its entity.
type keyedRef struct {
	key string
	ref *entityRef
}

// forEachValue is the lazy value of a for_each block whose instances insts evaluated to
// objs (nil: failed), with refs their endpoints' view. for_each over a map, an object or a
// set gives its instances in key order, over a list in the list's: they are sorted here.
func forEachValue(insts []instance, objs []*model.Object, refs []entityRef) *lazyBlockValue {
	lv := &lazyBlockValue{forEach: true, byKey: make([]keyedRef, 0, len(insts))}
	for i, in := range insts {
		if objs[i] != nil {
			lv.byKey = append(lv.byKey, keyedRef{in.key, &refs[i]})
		}
	}
	if !slices.IsSortedFunc(lv.byKey, compareKeyedRefs) {
		slices.SortFunc(lv.byKey, compareKeyedRefs)
	}
	return lv
}

func compareKeyedRefs(a, b keyedRef) int { return strings.Compare(a.key, b.key) }

// instance returns the for_each instance of key. next is where the caller's previous lookup
// ended, and is moved past this one: a relationship block over the same collection as its
// entity block looks its endpoints up in key order, so the next key is most often the one
// to check first.
func (lv *lazyBlockValue) instance(key string, next *int) (*entityRef, bool) {
	i := *next
	if i >= len(lv.byKey) || lv.byKey[i].key != key {
		var found bool
		i, found = slices.BinarySearchFunc(lv.byKey, key, func(r keyedRef, key string) int { return strings.Compare(r.key, key) })
		if !found {
			return nil, false
		}
	}
	*next = i + 1
	return lv.byKey[i].ref, true
}

// entityRef is an entity as a relationship endpoint sees it: its _key and _type (normalized,
// as endpoint returns them) read once, when the entity is built, rather than looked up again
// in its properties for every relationship that points at it.
type entityRef struct {
	obj      *model.Object
	key, typ string
}

func newEntityRef(o *model.Object) entityRef {
	return entityRef{obj: o, key: normalizeString(o.Key()), typ: normalizeString(o.Type())}
}

// keyTypeTable maps entities' _keys to their _types, built on first lookup: most
// configurations write endpoints as references, and a million entities would cost a million
// insertions for nothing. Blocks are added between evaluations; the workers of one block may
// look up at once: the first brings the map up to date, the others then only read it.
type keyTypeTable struct {
	mu      sync.Mutex
	pending [][]*model.Object // entity blocks' instances not yet in m
	stale   atomic.Bool       // pending is not empty
	m       map[string]string
}

// add records the instances of an entity block evaluated.
func (t *keyTypeTable) add(objs []*model.Object) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pending = append(t.pending, objs)
	t.stale.Store(true)
}

// get returns the _type of the entity whose _key is key, or "".
func (t *keyTypeTable) get(key string) string {
	if t.stale.Load() {
		t.update()
	}
	return t.m[key]
}

func (t *keyTypeTable) update() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		n := 0
		for _, objs := range t.pending {
			n += len(objs)
		}
		t.m = make(map[string]string, n)
	}
	for _, objs := range t.pending {
		for _, o := range objs {
			if k := o.Key(); k != "" {
				t.m[k] = o.Type()
			}
		}
	}
	t.pending = nil
	t.stale.Store(false)
}

func (lv *lazyBlockValue) value() cty.Value {
	lv.once.Do(func() {
		switch {
		case lv.forEach:
			m := make(map[string]cty.Value, len(lv.byKey))
			for _, r := range lv.byKey {
				m[r.key] = endpointValue(r.ref.obj)
			}
			lv.v = cty.ObjectVal(m)
		case lv.single != nil:
			lv.v = endpointValue(lv.single.obj)
		default:
			lv.v = cty.DynamicVal
		}
	})
	return lv.v
}

// lazyContext builds a node's evaluation context on first use: the fast path needs none.
type lazyContext struct {
	e    *evaluator
	n    *node
	once sync.Once
	ctx  *hcl.EvalContext
}

func (l *lazyContext) get() *hcl.EvalContext {
	l.once.Do(func() { l.ctx = l.e.context(l.n) })
	return l.ctx
}

func (e *evaluator) context(n *node) *hcl.EvalContext {
	vars := map[string]cty.Value{"var": e.varObj}
	if len(n.refLocals) > 0 {
		m := make(map[string]cty.Value, len(n.refLocals))
		for _, l := range n.refLocals {
			m[l.name] = l.value()
		}
		vars["local"] = cty.ObjectVal(m)
	}
	if len(n.refObjects) > 0 {
		entities := map[string]map[string]cty.Value{}
		others := map[string]map[string]cty.Value{}
		for _, o := range n.refObjects {
			if o.kind == model.KindEntity {
				if entities[o.resource] == nil {
					entities[o.resource] = map[string]cty.Value{}
				}
				entities[o.resource][o.name] = e.blockValue(o)
				continue
			}
			root := o.kind.String()
			if others[root] == nil {
				others[root] = map[string]cty.Value{}
			}
			others[root][o.name] = e.blockValue(o)
		}
		if len(entities) > 0 {
			m := make(map[string]cty.Value, len(entities))
			for r, names := range entities {
				m[r] = cty.ObjectVal(names)
			}
			vars["entity"] = cty.ObjectVal(m)
		}
		for root, names := range others {
			vars[root] = cty.ObjectVal(names)
		}
	}
	return &hcl.EvalContext{Variables: vars, Functions: e.funcs}
}

func (e *evaluator) evalLocal(n *node) hcl.Diagnostics {
	f := (compiler{e: e, n: n}).compile(n.local.attr.Expr)
	if ff, ok := f.(fastFor); ok && ff.key != nil {
		// A local built by {for ...} is what for_each is usually given: its instances come
		// with it, for the blocks that iterate over it (see instances).
		if insts, ok := ff.instances(&fastEnv{in: &instance{}}); ok {
			n.local.build = func() cty.Value { return objectOf(insts) }
			if e.forEachLocal == nil {
				e.forEachLocal = map[*localValue][]instance{}
			}
			e.forEachLocal[n.local] = insts
			return nil
		}
	} else if f != nil {
		if val, ok := f.eval(&fastEnv{in: &instance{}}); ok {
			n.local.val = val
			return nil
		}
	}
	val, diags := n.local.attr.Expr.Value(e.context(n))
	if diags.HasErrors() {
		val = cty.DynamicVal
	}
	n.local.val = val
	return diags
}

// instance is one for_each element (or the single instance of a block without for_each).
// The each object and the address are built by the worker that evaluates the instance.
type instance struct {
	key   string
	value cty.Value
	// row, when set, stands for value: the instance's row of a csvTable, whose object is
	// built only when asked for (see val).
	row     csvRow
	forEach bool
}

// val returns the instance's value (each.value).
func (in *instance) val() cty.Value {
	if in.row.t != nil {
		return in.row.object()
	}
	return in.value
}

func (in instance) address(b *objectBlock) string {
	if !in.forEach {
		return b.addr
	}
	return b.addr + "[" + strconv.Quote(in.key) + "]"
}

func (in instance) eachValue() cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(in.key), "value": in.val()})
}

func (e *evaluator) instances(b *objectBlock, lctx *lazyContext) ([]instance, hcl.Diagnostics) {
	forEachExpr := b.expr("for_each")
	if forEachExpr == nil {
		return []instance{{}}, nil
	}
	f := (compiler{e: e, n: lctx.n}).compile(forEachExpr)
	// for_each = local.NAME in several blocks: the instances of the first serve them all;
	// a local made by {for ...} has them before any block (see evalLocal).
	var local *localValue
	if r, ok := f.(fastRooted); ok && r.local != nil && len(r.steps) == 0 {
		local = r.local
		if insts, ok := e.forEachLocal[local]; ok {
			return insts, nil
		}
	}
	var val cty.Value
	fast := false
	if f != nil {
		val, fast = f.eval(&fastEnv{in: &instance{}})
	}
	if !fast {
		var diags hcl.Diagnostics
		if val, diags = forEachExpr.Value(lctx.get()); diags.HasErrors() {
			return nil, diags
		}
	}
	bad := func(detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{
			Severity:    hcl.DiagError,
			Summary:     "Invalid for_each argument",
			Detail:      detail,
			Subject:     forEachExpr.Range().Ptr(),
			Expression:  forEachExpr,
			EvalContext: lctx.get(),
		}}
	}
	if val.IsMarked() {
		return nil, bad("The for_each value is sensitive; instance keys appear in plans, so they cannot come from sensitive values.")
	}
	if !val.IsKnown() {
		return nil, bad("The for_each value is not known.")
	}
	if val.IsNull() {
		return nil, bad("The for_each value is null. Use a map, or a set or list of strings (an empty one for no instances).")
	}
	ty := val.Type()
	var out []instance
	add := func(key string, v cty.Value) {
		out = append(out, instance{key: key, value: v, forEach: true})
	}
	switch {
	case ty.IsObjectType():
		// What ElementIterator gives, without a key value and a name normalization each.
		names := make([]string, 0, len(ty.AttributeTypes()))
		for name := range ty.AttributeTypes() {
			names = append(names, name)
		}
		slices.Sort(names)
		out = make([]instance, len(names))
		for i, name := range names {
			out[i] = instance{key: name, value: val.GetAttr(name), forEach: true}
		}
	case ty.IsMapType():
		out = make([]instance, 0, val.LengthInt())
		for it := val.ElementIterator(); it.Next(); {
			k, v := it.Element()
			add(k.AsString(), v)
		}
	case ty.IsSetType() || ty.IsListType() || ty.IsTupleType():
		seen := map[string]bool{}
		for it := val.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsMarked() {
				return nil, bad("An element of the for_each value is sensitive; instance keys cannot come from sensitive values.")
			}
			if v.Type() != cty.String || v.IsNull() {
				return nil, bad(fmt.Sprintf("for_each over a %s needs strings as elements (they become each.key), but it holds a %s. Use a map to iterate over other values, e.g. { for x in LIST : x.id => x }.", ty.FriendlyName(), v.Type().FriendlyName()))
			}
			k := v.AsString()
			if seen[k] {
				return nil, bad(fmt.Sprintf("for_each holds %q more than once; each instance needs a unique key. Use distinct() or a map.", k))
			}
			seen[k] = true
			add(k, v)
		}
	default:
		return nil, bad(fmt.Sprintf("for_each must be a map, or a set or list of strings, not %s.", ty.FriendlyName()))
	}
	if local != nil {
		if e.forEachLocal == nil {
			e.forEachLocal = map[*localValue][]instance{}
		}
		e.forEachLocal[local] = out
	}
	return out, nil
}

// evalObjectBlock evaluates every instance of an entity or relationship block, in parallel
// for large for_each collections.
func (e *evaluator) evalObjectBlock(n *node) hcl.Diagnostics {
	b := n.obj
	lctx := &lazyContext{e: e, n: n}
	insts, diags := e.instances(b, lctx)
	if diags.HasErrors() {
		return diags
	}
	if b.preventDestroyExpr != nil {
		v, pdDiags := b.preventDestroyExpr.Value(lctx.get())
		diags = append(diags, pdDiags...)
		if !pdDiags.HasErrors() {
			if v, _ = v.Unmark(); v.Type() != cty.Bool || v.IsNull() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid prevent_destroy value", Detail: "prevent_destroy must be true or false.", Subject: b.preventDestroyExpr.Range().Ptr()})
			} else {
				b.preventDestroy = v.True()
			}
		}
	}

	objs := make([]*model.Object, len(insts))
	vals := make([]cty.Value, len(insts))
	instDiags := make([]hcl.Diagnostics, len(insts))
	compiled := e.compileAttrs(n)
	lazy := b.needValue && !b.fullValue
	var refs []entityRef // for a lazy value: read while each entity is fresh in the cache
	if lazy {
		refs = make([]entityRef, len(insts))
	}
	run := func(lo, hi int, sc *scratch) {
		sc.reset(lctx, b, compiled)
		slab := make([]model.Object, hi-lo) // one allocation for the chunk's objects
		for i := lo; i < hi; i++ {
			objs[i], vals[i], instDiags[i] = e.evalInstance(b, sc, &insts[i], &slab[i-lo])
			if lazy && objs[i] != nil {
				refs[i] = newEntityRef(objs[i])
			}
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if len(insts) < 2*parallelThreshold || workers < 2 {
		run(0, len(insts), &e.serial)
	} else {
		var wg sync.WaitGroup
		chunk := (len(insts) + workers - 1) / workers
		for lo := 0; lo < len(insts); lo += chunk {
			hi := min(lo+chunk, len(insts))
			wg.Add(1)
			crash.Go(func() {
				defer wg.Done()
				run(lo, hi, new(scratch))
			})
		}
		wg.Wait()
	}
	for _, d := range instDiags {
		diags = append(diags, d...)
	}
	b.instances = b.instances[:0]
	for _, o := range objs {
		if o != nil {
			o.PreventDestroy = b.preventDestroy
			b.instances = append(b.instances, o)
		}
	}
	if b.kind == model.KindEntity && len(b.instances) > 0 {
		e.keyTypes.add(b.instances)
	}
	switch {
	case lazy:
		lv := &lazyBlockValue{}
		if b.forEach {
			lv = forEachValue(insts, objs, refs)
		} else if len(objs) == 1 && objs[0] != nil {
			lv.single = &refs[0]
		}
		if e.lazy == nil {
			e.lazy = map[*objectBlock]*lazyBlockValue{}
		}
		e.lazy[b] = lv
	case b.needValue:
		if b.forEach {
			m := make(map[string]cty.Value, len(insts))
			for i, in := range insts {
				if vals[i] != cty.NilVal {
					m[in.key] = vals[i]
				}
			}
			b.value = cty.ObjectVal(m)
		} else if len(vals) == 1 && vals[0] != cty.NilVal {
			b.value = vals[0]
		} else {
			b.value = cty.DynamicVal
		}
	}
	return diags
}

// parallelThreshold is the instance count per worker below which fanning out costs more than
// it saves.
const parallelThreshold = 512

// builder assembles one object's payload (and, when referenced, its cty value).
type builder struct {
	b     *objectBlock
	sc    *scratch
	in    instance
	obj   *model.Object
	cty   map[string]cty.Value
	diags hcl.Diagnostics
}

func (bl *builder) errorf(subject hcl.Range, summary, format string, args ...any) {
	bl.diags = append(bl.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf("In %s: ", bl.obj.Address) + fmt.Sprintf(format, args...),
		Subject:  subject.Ptr(),
	})
}

// set stores a property, omitting nulls.
func (bl *builder) set(name string, v cty.Value, subject hcl.Range) {
	if !v.Type().IsPrimitiveType() && !v.IsMarked() && !v.IsNull() {
		// Most collections hold no mark at all: convert them without the deep unmark's copy.
		if conv, err := toModel(v); !errors.Is(err, errMarked) {
			bl.store(name, v, conv, err, nil, subject)
			return
		}
	}
	plain, marks := unmark(v)
	if plain.IsNull() {
		return
	}
	conv, err := toModel(plain)
	bl.store(name, v, conv, err, marks, subject)
}

// store finishes set with the converted value.
func (bl *builder) store(name string, v cty.Value, conv any, err error, marks cty.ValueMarks, subject hcl.Range) {
	if err != nil {
		bl.errorf(subject, "Unsupported value", "property %q: %s", name, err)
		return
	}
	bl.obj.Props[name] = conv
	if _, sensitive := marks[SensitiveMark]; sensitive {
		if bl.obj.Sensitive == nil {
			bl.obj.Sensitive = map[string]bool{}
		}
		bl.obj.Sensitive[name] = true
	}
	if bl.cty != nil {
		bl.cty[name] = v
	}
}

func (bl *builder) setString(name, s string) { bl.setBoxed(name, s) }

// setBoxed sets the string property name to boxed, an interface value holding a string that
// other objects may share: storing a string in Props otherwise allocates its box, which
// lives as long as the object.
func (bl *builder) setBoxed(name string, boxed any) {
	bl.obj.Props[name] = boxed
	if bl.cty != nil {
		bl.cty[name] = cty.StringVal(boxed.(string))
	}
}

// setConst sets the property name from attribute i when the attribute is a constant, and
// reports whether it did. The constant is converted once per worker and block, and its
// instances share the converted value (properties are never modified once built).
func (bl *builder) setConst(i int, name string) bool {
	v, ok := bl.b.constAt(i)
	if !ok || fastPathOff || v.IsNull() || v.IsMarked() {
		return false // set leaves out a null, and reports what cannot be converted
	}
	conv := bl.sc.consts[i]
	if conv == nil {
		var err error
		if conv, err = toModel(v); err != nil || conv == nil {
			return false
		}
		bl.sc.consts[i] = conv
	}
	bl.setValue(name, conv, v)
	return true
}

func (bl *builder) setValue(name string, v any, c cty.Value) {
	bl.obj.Props[name] = v
	if bl.cty != nil {
		bl.cty[name] = c
	}
}

// unmark removes every mark from v, cheaply for the common case of an unmarked primitive.
func unmark(v cty.Value) (cty.Value, cty.ValueMarks) {
	if v.Type().IsPrimitiveType() {
		if !v.IsMarked() {
			return v, nil
		}
		return v.Unmark()
	}
	return v.UnmarkDeep()
}

// properties stores the attributes that are not meta-arguments, then the properties map.
func (bl *builder) properties(vals attrValues) {
	meta := metaArguments[bl.b.kind]
	for i, name := range bl.b.names {
		if !meta[name] && !bl.setConst(i, name) {
			bl.set(name, vals.v[i], bl.b.attrRangeAt(i))
		}
	}
	pv, ok := vals.get("properties")
	if !ok {
		return
	}
	pi, _ := bl.b.attrIndex("properties")
	pv, marks := pv.Unmark()
	if pv.IsNull() {
		return
	}
	if !pv.Type().IsObjectType() && !pv.Type().IsMapType() {
		bl.errorf(bl.b.exprRangeAt(pi), "Invalid properties value", "properties must be a map of property names to values, not %s.", pv.Type().FriendlyName())
		return
	}
	for it := pv.ElementIterator(); it.Next(); {
		k, v := it.Element()
		name := k.AsString()
		rng := bl.b.attrRangeAt(pi)
		if r, ok := bl.b.propKeyRanges[name]; ok {
			rng = r
		}
		if dup := bl.b.has(name); dup || (meta[name] && name != "properties") {
			bl.errorf(rng, "Property set twice", "%q is set both as an attribute and as a key of properties. Keep one of them.", name)
			continue
		}
		bl.set(name, v.WithMarks(marks), rng)
	}
}

// endpointValue is what a reference used only as a relationship endpoint sees.
func endpointValue(o *model.Object) cty.Value {
	attrs := map[string]cty.Value{
		model.PropKey:  cty.StringVal(o.Key()),
		model.PropType: cty.StringVal(o.Type()),
	}
	if c, err := toCty(o.Props[model.PropClass]); err == nil && !c.IsNull() {
		attrs[model.PropClass] = c
	}
	return cty.ObjectVal(attrs)
}

// attrValues are one instance's evaluated attributes, in the block's attrNames order. An
// endpoint that the fast path resolved has the entity in ep and no cty value.
type attrValues struct {
	b  *objectBlock
	v  []cty.Value
	ep []*entityRef
}

// endpointObject returns the entity the fast path found for the attribute name, or nil.
func (a attrValues) endpointObject(name string) *entityRef {
	if i, ok := a.b.attrIndex(name); ok {
		return a.ep[i]
	}
	return nil
}

func (a attrValues) get(name string) (cty.Value, bool) {
	i, ok := a.b.attrIndex(name)
	if !ok || name == "for_each" {
		return cty.NilVal, false
	}
	return a.v[i], true
}

func (a attrValues) value(name string) cty.Value {
	v, _ := a.get(name)
	return v
}

// scratch is what one worker reuses from instance to instance: the slices of attribute
// values, which nothing evaluated keeps a reference to.
type scratch struct {
	lctx     *lazyContext
	compiled []compiledAttr
	// consts holds the converted values of the block's constant attributes (see setConst).
	consts []any
	// The block's derived string properties, boxed once and shared by its instances while
	// they stay the same: an entity's default _type, a relationship's _class and _type.
	entityType any
	class      boxedString
	relType    struct {
		from, class, to string
		boxed           any
	}
	// child holds the current instance's each, made on its first attribute left to hcl.
	// Each instance has its own: diagnostics keep their context for the "with each.key
	// as ..." lines they are printed with.
	child *hcl.EvalContext
	vals  []cty.Value
	eps   []*entityRef
	// next holds, for each endpoint attribute, where its previous lookup ended (see
	// lazyBlockValue.instance).
	next []int
}

// reset readies sc for the instances of block b, reusing its slices.
func (sc *scratch) reset(lctx *lazyContext, b *objectBlock, compiled []compiledAttr) {
	n := len(b.names)
	sc.lctx, sc.compiled, sc.child = lctx, compiled, nil
	sc.consts = resized(sc.consts, n)
	sc.entityType, sc.class, sc.relType.boxed = nil, boxedString{}, nil
	sc.vals = resized(sc.vals, n)
	sc.eps = resized(sc.eps, n)
	sc.next = resized(sc.next, n)
}

// boxedString is a string and an interface value holding it, to store in Props.
type boxedString struct {
	s     string
	boxed any
}

// box returns s boxed, the same box as last time when s is the same.
func (b *boxedString) box(s string) any {
	if b.boxed == nil || b.s != s {
		b.s, b.boxed = s, s
	}
	return b.boxed
}

// resized returns s with length n, zeroed, reusing its array when it is large enough.
func resized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// context returns the context hcl evaluates the instance's expressions in.
func (sc *scratch) context(in *instance) *hcl.EvalContext {
	if !in.forEach {
		return sc.lctx.get()
	}
	if sc.child == nil {
		sc.child = sc.lctx.get().NewChild()
		sc.child.Variables = map[string]cty.Value{"each": in.eachValue()}
	}
	return sc.child
}

func (e *evaluator) evalInstance(b *objectBlock, sc *scratch, in *instance, obj *model.Object) (*model.Object, cty.Value, hcl.Diagnostics) {
	sc.child = nil
	env := fastEnv{in: in}
	addr := in.address(b)
	*obj = model.Object{Kind: b.kind, Address: addr, Props: make(model.Properties, len(b.names)+4)}
	bl := &builder{b: b, sc: sc, in: *in, obj: obj}
	if b.needValue && b.fullValue {
		bl.cty = make(map[string]cty.Value, len(b.names)+4)
	}
	clear(sc.vals)
	clear(sc.eps)
	vals := attrValues{b: b, v: sc.vals, ep: sc.eps}
	for i, name := range b.names {
		if name == "for_each" {
			continue
		}
		if v, ok := b.constAt(i); ok && !fastPathOff {
			vals.v[i] = v
			continue
		}
		if c := sc.compiled[i]; c.endpoint != nil {
			if o, ok := c.endpoint.object(&env, &sc.next[i]); ok {
				vals.ep[i] = o
				continue
			}
		} else if c.expr != nil {
			if v, ok := c.expr.eval(&env); ok {
				vals.v[i] = v
				continue
			}
		}
		v, diags := b.exprAt(i).Value(sc.context(in))
		if diags.HasErrors() {
			for _, d := range diags {
				if in.forEach && d.Detail != "" {
					d.Detail += fmt.Sprintf(" (in %s)", addr)
				}
			}
			bl.diags = append(bl.diags, diags...)
			continue
		}
		bl.diags = append(bl.diags, diags...)
		vals.v[i] = v
	}
	if bl.diags.HasErrors() {
		return nil, cty.NilVal, bl.diags
	}
	switch b.kind {
	case model.KindEntity:
		e.buildEntity(bl, vals)
	case model.KindRelationship:
		e.buildRelationship(bl, vals)
	case model.KindMappedRelationship:
		e.buildMapped(bl, vals)
	}
	if bl.diags.HasErrors() {
		return nil, cty.NilVal, bl.diags
	}
	var val cty.Value
	if bl.cty != nil {
		val = cty.ObjectVal(bl.cty)
	}
	return bl.obj, val, bl.diags
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

func (e *evaluator) instanceName(bl *builder) string {
	if bl.in.forEach {
		return bl.in.key
	}
	return bl.b.name
}

func (e *evaluator) buildEntity(bl *builder, vals attrValues) {
	b := bl.b
	bl.properties(vals)
	if i, ok := b.attrIndex("_class"); ok && !bl.setConst(i, model.PropClass) {
		bl.set(model.PropClass, vals.v[i], b.attrRangeAt(i))
	}
	if v, ok := vals.get("_key"); ok {
		bl.set(model.PropKey, v, b.rangeOfAttr("_key"))
	} else {
		key, from := e.defaultEntityKey(bl)
		bl.setString(model.PropKey, key)
		bl.obj.DefaultKeyFrom = from
	}
	if v, ok := vals.get("_type"); ok {
		bl.set(model.PropType, v, b.rangeOfAttr("_type"))
	} else {
		if bl.sc.entityType == nil {
			bl.sc.entityType = EntityType(b.resource, e.integ.Type)
		}
		bl.setBoxed(model.PropType, bl.sc.entityType)
	}
	if _, ok := bl.obj.Props[model.PropDisplayName]; !ok {
		if name := bl.obj.Props[model.PropName]; isString(name) {
			bl.setValue(model.PropDisplayName, name, bl.cty[model.PropName]) // name's own box
			if bl.obj.Sensitive[model.PropName] {
				bl.obj.Sensitive[model.PropDisplayName] = true
			}
		}
	}
}

// classValue reads a relationship's _class: a string, uploaded upper-case.
func (bl *builder) classValue(vals attrValues) string {
	v, _ := vals.value("_class").Unmark()
	if v.IsNull() || v.Type() != cty.String || v.AsString() == "" {
		bl.errorf(bl.b.exprRangeOf("_class"), "Invalid relationship class", "_class must be a relationship class name such as \"OWNS\", not %s.", describeValue(v))
		return ""
	}
	cls := strings.ToUpper(v.AsString())
	bl.setBoxed(model.PropClass, bl.sc.class.box(cls))
	return cls
}

// endpoint reads from/to: an entity object (its _key and _type) or a _key string. boxed
// holds the key when it can be shared: the entity's own _key property.
func (e *evaluator) endpoint(bl *builder, vals attrValues, name string) (key, typ string, boxed any, ok bool) {
	if r := vals.endpointObject(name); r != nil {
		// What endpointValue(r.obj) gives the cases below; the entity's own box of its _key.
		boxed = r.key
		if k := r.obj.Props[model.PropKey]; k == boxed {
			boxed = k
		}
		return r.key, r.typ, boxed, true
	}
	key, typ, ok = e.evaluatedEndpoint(bl, vals, name)
	return key, typ, key, ok
}

// evaluatedEndpoint is endpoint for an attribute the fast path did not resolve: its cty value.
func (e *evaluator) evaluatedEndpoint(bl *builder, vals attrValues, name string) (key, typ string, ok bool) {
	v, _ := vals.value(name).Unmark()
	switch {
	case v.IsNull():
	case v.Type() == cty.String:
		key = v.AsString()
		return key, e.keyTypes.get(key), true
	case v.Type().IsObjectType() && v.Type().HasAttribute(model.PropKey):
		k, _ := v.GetAttr(model.PropKey).Unmark()
		if k.Type() == cty.String && !k.IsNull() {
			key = k.AsString()
			if v.Type().HasAttribute(model.PropType) {
				if t, _ := v.GetAttr(model.PropType).Unmark(); t.Type() == cty.String && !t.IsNull() {
					typ = t.AsString()
				}
			}
			return key, typ, true
		}
	case v.Type().IsObjectType() || v.Type().IsMapType():
		bl.errorf(bl.b.exprRangeOf(name), "Invalid "+name+" value",
			"%s is a collection without a _key; if it is a for_each entity block, pick one instance, e.g. entity.host.all[\"web-1\"] or entity.host.all[each.key].", name)
		return "", "", false
	}
	bl.errorf(bl.b.exprRangeOf(name), "Invalid "+name+" value", "%s must be an entity (entity.RESOURCE.NAME) or an entity _key string, not %s.", name, describeValue(v))
	return "", "", false
}

func (e *evaluator) buildRelationship(bl *builder, vals attrValues) {
	b := bl.b
	cls := bl.classValue(vals)
	fromKey, fromType, fromBoxed, ok1 := e.endpoint(bl, vals, "from")
	toKey, toType, toBoxed, ok2 := e.endpoint(bl, vals, "to")
	if cls == "" || !ok1 || !ok2 {
		return
	}
	bl.properties(vals)
	bl.setBoxed(model.PropFromKey, fromBoxed)
	bl.setBoxed(model.PropToKey, toBoxed)
	for _, end := range [...][2]string{{"from", model.PropFromKey}, {"to", model.PropToKey}} {
		if vals.value(end[0]).IsMarked() { // a key from a sensitive variable
			if bl.obj.Sensitive == nil {
				bl.obj.Sensitive = map[string]bool{}
			}
			bl.obj.Sensitive[end[1]] = true
		}
	}
	if v, ok := vals.get("_key"); ok {
		bl.set(model.PropKey, v, b.rangeOfAttr("_key"))
	} else {
		bl.setString(model.PropKey, RelationshipKey(fromKey, cls, toKey))
	}
	if v, ok := vals.get("_type"); ok {
		bl.set(model.PropType, v, b.rangeOfAttr("_type"))
		return
	}
	if fromType == "" || toType == "" {
		// An endpoint is a key that matches no entity of the configuration, so there is no
		// default _type. The validate stage reports the endpoint (J1P008), the cause, at its
		// range; in PATCH mode, where such keys are allowed, it asks for an explicit _type.
		return
	}
	rt := &bl.sc.relType
	if rt.boxed == nil || rt.from != fromType || rt.class != cls || rt.to != toType {
		rt.from, rt.class, rt.to = fromType, cls, toType
		rt.boxed = RelationshipType(fromType, cls, toType)
	}
	bl.setBoxed(model.PropType, rt.boxed)
}

// normalizeString is cty.NormalizeString, which leaves ASCII text as it is, without its
// cost for ASCII text.
func normalizeString(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return cty.NormalizeString(s)
		}
	}
	return s
}

// EntityKey is an entity's default _key: "<key prefix>:<resource>:<name>".
func EntityKey(keyPrefix, resource, name string) string {
	return keyPrefix + ":" + resource + ":" + name
}

// EntityType is an entity's default _type: "<resource>_<integration type>".
func EntityType(resource, integrationType string) string {
	return resource + "_" + integrationType
}

// RelationshipKey is a relationship's default _key: "<from>|<lower(class)>|<to>".
func RelationshipKey(from, class, to string) string {
	return from + "|" + strings.ToLower(class) + "|" + to
}

// RelationshipType derives a relationship's default _type: "<from>_<verb>_<to suffix>", where
// the suffix is toType without its leading parts that equal fromType's parts at the same
// positions, but never without its last part.
func RelationshipType(fromType, class, toType string) string {
	suffix, from := toType, fromType
	for fromParts := true; fromParts; {
		end := strings.IndexByte(suffix, '_')
		if end < 0 {
			break // the last part stays
		}
		part, rest, more := strings.Cut(from, "_")
		if suffix[:end] != part {
			break
		}
		suffix, from, fromParts = suffix[end+1:], rest, more
	}
	return fromType + "_" + strings.ToLower(class) + "_" + suffix
}

// DefaultTargetFilterKeys is a mapped relationship's target_filter_keys when the block does not
// set it: [["_type", "_key"]]. Each call returns a fresh value.
func DefaultTargetFilterKeys() []any { return []any{[]any{model.PropType, model.PropKey}} }

func (e *evaluator) buildMapped(bl *builder, vals attrValues) {
	b := bl.b
	cls := bl.classValue(vals)
	srcKey, srcType, _, ok := e.endpoint(bl, vals, "from")
	if cls == "" || !ok {
		return
	}
	direction := model.DirectionForward
	if v, ok := vals.get("direction"); ok {
		v, _ = v.Unmark()
		if v.Type() != cty.String || v.IsNull() {
			bl.errorf(b.exprRangeOf("direction"), "Invalid direction", "direction must be \"FORWARD\" or \"REVERSE\", not %s.", describeValue(v))
			return
		}
		direction = strings.ToUpper(v.AsString())
	}
	tv, _ := vals.value("target").UnmarkDeep()
	if tv.IsNull() || !(tv.Type().IsObjectType() || tv.Type().IsMapType()) {
		bl.errorf(b.exprRangeOf("target"), "Invalid target", "target must be an object of the properties that identify the target entity, e.g. { _type = \"aws_iam_role\", _key = \"arn:…\" }, not %s.", describeValue(tv))
		return
	}
	targetAny, err := toModel(tv)
	if err != nil {
		bl.errorf(b.exprRangeOf("target"), "Invalid target", "%s", err)
		return
	}
	target := targetAny.(map[string]any)
	for k, v := range target {
		if v == nil {
			delete(target, k)
		}
	}
	filterKeys := DefaultTargetFilterKeys()
	if v, ok := vals.get("target_filter_keys"); ok {
		v, _ = v.UnmarkDeep()
		fk, err := toModel(v)
		list, isList := fk.([]any)
		if err != nil || !isList {
			bl.errorf(b.exprRangeOf("target_filter_keys"), "Invalid target_filter_keys", "target_filter_keys must be a list of lists of property names, e.g. [[\"_type\", \"_key\"]].")
			return
		}
		filterKeys = list
	}
	skip := true
	if v, ok := vals.get("skip_target_creation"); ok {
		v, _ = v.Unmark()
		if v.Type() != cty.Bool || v.IsNull() {
			bl.errorf(b.exprRangeOf("skip_target_creation"), "Invalid skip_target_creation", "skip_target_creation must be true or false.")
			return
		}
		skip = v.True()
	}
	bl.properties(vals)
	mapping := map[string]any{
		model.MappingRelationshipDirection: direction,
		model.MappingSourceEntityKey:       srcKey,
		model.MappingTargetFilterKeys:      filterKeys,
		model.MappingTargetEntity:          target,
		model.MappingSkipTargetCreation:    skip,
	}
	mappingCty, _ := toCty(mapping)
	bl.setValue(model.PropMapping, mapping, mappingCty)

	if v, ok := vals.get("_key"); ok {
		bl.set(model.PropKey, v, b.rangeOfAttr("_key"))
	} else {
		bl.setString(model.PropKey, RelationshipKey(srcKey, cls, MappedKeySuffix(direction, target, filterKeys)))
	}
	if v, ok := vals.get("_type"); ok {
		bl.set(model.PropType, v, b.rangeOfAttr("_type"))
		return
	}
	targetType, _ := target[model.PropType].(string)
	switch {
	case srcType == "":
		bl.errorf(b.exprRangeOf("from"), "Cannot derive relationship _type", "from is the key %q, which is not an entity of this configuration, so the default _type cannot be derived. Set _type explicitly.", srcKey)
	case targetType == "":
		bl.errorf(b.exprRangeOf("target"), "Cannot derive relationship _type", "target has no _type string, so the default _type cannot be derived. Set target._type, or _type explicitly.")
	default:
		bl.setString(model.PropType, RelationshipType(srcType, cls, targetType))
	}
}

// MappedKeySuffix is the last part of a mapped relationship's default _key: target._key, or
// "<DIRECTION>:<k>=<v>:…" over the filter keys when the target has no _key.
func MappedKeySuffix(direction string, target map[string]any, filterKeys []any) string {
	if k, ok := target[model.PropKey].(string); ok {
		return k
	}
	var sb strings.Builder
	sb.WriteString(direction)
	seen := map[string]bool{}
	for _, set := range filterKeys {
		list, _ := set.([]any)
		for _, k := range list {
			name, _ := k.(string)
			if seen[name] {
				continue
			}
			seen[name] = true
			sb.WriteString(":" + name + "=" + scalarString(target[name]))
		}
	}
	return sb.String()
}

func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = scalarString(e)
		}
		return strings.Join(parts, ",")
	case string:
		return x
	}
	return string(model.AppendValueJSON(nil, v))
}

var integrationTypePattern = regexp.MustCompile(`^[a-z0-9]+([-_][a-z0-9]+)*$`)

// ValidIntegrationType reports whether t is an integration type as the integration block
// accepts it: lower-case words joined by dashes (a custom definition's kebab-case type,
// my-billing-acme) or underscores (a provider-style type, acme_hr).
func ValidIntegrationType(t string) bool { return integrationTypePattern.MatchString(t) }
