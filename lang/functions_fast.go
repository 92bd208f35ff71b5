package lang

import (
	"strconv"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// cty converts a tuple to a list or set, or an object to a map, by unifying the types of all
// elements with a sort that compares every pair: toset() of 20,000 strings took 5 s, and the
// same conversion runs whenever a [for …] or {for …} result is passed to a function that
// takes a list, set or map. fastConvert unifies the distinct element types only (one, for an
// inventory of hosts), which makes these conversions linear; anything it cannot settle that
// way goes to cty's own conversion, so results and errors are cty's.

// fastConvert converts v to want, as convert.Convert does.
func fastConvert(v cty.Value, want cty.Type) (cty.Value, error) {
	if _, ok := setListElementType(v, want); ok {
		if list, ok := setToList(v); ok {
			return list, nil // a set of primitive values, walked once (functions_sets.go)
		}
	}
	if conv, ok := fastCollection(v, want); ok {
		return conv, nil
	}
	return convert.Convert(v, want)
}

// setListElementType returns the element type of v when it is a known, unmarked, non-null
// set of primitive values that converts to want, a list type, element by element.
func setListElementType(v cty.Value, want cty.Type) (cty.Type, bool) {
	ty := v.Type()
	if !ty.IsSetType() || !want.IsListType() || !v.IsKnown() || v.IsNull() || v.IsMarked() {
		return cty.NilType, false
	}
	ety := ty.ElementType()
	if !ety.IsPrimitiveType() || want.ElementType() != cty.DynamicPseudoType && !want.ElementType().Equals(ety) {
		return cty.NilType, false
	}
	return ety, true
}

// fastCollection handles a known, unmarked, non-empty tuple converted to a list or set, and
// an object converted to a map, when its elements share one type after unification.
func fastCollection(v cty.Value, want cty.Type) (cty.Value, bool) {
	ty := v.Type()
	if !v.IsKnown() || v.IsNull() || v.IsMarked() {
		return cty.NilVal, false
	}
	var etys []cty.Type
	switch {
	case ty.IsTupleType() && (want.IsListType() || want.IsSetType()):
		etys = ty.TupleElementTypes()
	case ty.IsObjectType() && want.IsMapType():
		attrs := ty.AttributeTypes()
		etys = make([]cty.Type, 0, len(attrs))
		for _, t := range attrs {
			etys = append(etys, t)
		}
	default:
		return cty.NilVal, false
	}
	if len(etys) == 0 {
		return cty.NilVal, false
	}
	et := want.ElementType()
	if et == cty.DynamicPseudoType {
		distinct := distinctTypes(etys)
		if len(distinct) == 1 {
			et = distinct[0]
		} else {
			et, _ = convert.UnifyUnsafe(distinct)
		}
		if et == cty.NilType || et == cty.DynamicPseudoType {
			return cty.NilVal, false
		}
	}
	if et.HasDynamicTypes() {
		return cty.NilVal, false // e.g. list(list(any)): leave nested unification to cty
	}
	elems := make([]cty.Value, 0, len(etys))
	var keys []string
	if want.IsMapType() {
		keys = make([]string, 0, len(etys))
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.ContainsMarked() {
			return cty.NilVal, false
		}
		if !e.Type().Equals(et) {
			var err error
			if e, err = convert.Convert(e, et); err != nil || !e.Type().Equals(et) {
				return cty.NilVal, false
			}
		}
		elems = append(elems, e)
		if keys != nil {
			keys = append(keys, k.AsString())
		}
	}
	switch {
	case want.IsListType():
		return cty.ListVal(elems), true
	case want.IsSetType():
		return cty.SetVal(elems), true
	}
	m := make(map[string]cty.Value, len(elems))
	for i, k := range keys {
		m[k] = elems[i]
	}
	return cty.MapVal(m), true
}

// distinctTypes returns the distinct types of ts, in first-seen order.
func distinctTypes(ts []cty.Type) []cty.Type {
	var out []cty.Type
next:
	for _, t := range ts {
		for _, d := range out {
			if t.Equals(d) {
				continue next
			}
		}
		out = append(out, t)
	}
	return out
}

// fastParams returns f with its collection-typed parameters taking any value, converted
// with fastConvert before f sees them (HCL would convert them with cty's quadratic code).
// Functions without such parameters are returned as they are.
func fastParams(f function.Function) function.Function {
	params := f.Params()
	varParam := f.VarParam()
	collection := func(p *function.Parameter) bool {
		return p != nil && (p.Type.IsCollectionType() || p.Type.IsTupleType() || p.Type.IsObjectType())
	}
	any := collection(varParam)
	for i := range params {
		any = any || collection(&params[i])
	}
	if !any {
		return f
	}
	loose := func(p function.Parameter) function.Parameter {
		// f itself answers for unknown arguments, refining its result as cty's functions do.
		p.AllowUnknown = true
		if collection(&p) {
			p.Type = cty.DynamicPseudoType
			p.AllowDynamicType = true
		}
		return p
	}
	spec := &function.Spec{Description: f.Description()}
	for _, p := range params {
		spec.Params = append(spec.Params, loose(p))
	}
	if varParam != nil {
		vp := loose(*varParam)
		spec.VarParam = &vp
	}
	// convertArgs converts the collection arguments. For the Type function (typeOnly), a set
	// of primitive values that becomes a list is passed as an unknown list of its element
	// type instead, sparing a walk of the set (each walk sorts it); Impl converts it for real
	// and f.Call checks the result again, so results and errors are f's.
	convertArgs := func(args []cty.Value, typeOnly bool) ([]cty.Value, error) {
		out := make([]cty.Value, len(args))
		for i, a := range args {
			p := varParam
			if i < len(params) {
				p = &params[i]
			}
			if !collection(p) {
				out[i] = a
				continue
			}
			if ety, ok := setListElementType(a, p.Type); ok && typeOnly {
				out[i] = cty.UnknownVal(cty.List(ety))
				continue
			}
			c, err := fastConvert(a, p.Type)
			if err != nil {
				return nil, function.NewArgErrorf(i, "%s", convert.MismatchMessage(a.Type(), p.Type))
			}
			out[i] = c
		}
		return out, nil
	}
	spec.Type = func(args []cty.Value) (cty.Type, error) {
		conv, err := convertArgs(args, true)
		if err != nil {
			return cty.NilType, err
		}
		return f.ReturnTypeForValues(conv)
	}
	spec.Impl = func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		conv, err := convertArgs(args, false)
		if err != nil {
			return cty.NilVal, err
		}
		return f.Call(conv)
	}
	return function.New(spec)
}

// fastTo makes tolist, toset and tomap: cty's own function (MakeToFunc) except that tuples
// and objects whose elements share a type convert in linear time, and a set of primitive
// values becomes a list after one walk, or stays the set it is (see functions_sets.go).
func fastTo(inner function.Function, want cty.Type) function.Function {
	return function.New(&function.Spec{
		Description: inner.Description(),
		Params: []function.Parameter{{
			Name: "v", Type: cty.DynamicPseudoType,
			AllowNull: true, AllowMarked: true, AllowDynamicType: true,
		}},
		Type: func(args []cty.Value) (cty.Type, error) {
			if ty, ok := primitiveSetType(args[0], want); ok {
				return ty, nil
			}
			if conv, ok := fastCollection(args[0], want); ok {
				return conv.Type(), nil
			}
			return inner.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if _, ok := primitiveSetType(args[0], want); ok && want.IsSetType() {
				return args[0], nil
			}
			if list, ok := setToList(args[0]); ok && want.IsListType() {
				return list, nil
			}
			if conv, ok := fastCollection(args[0], want); ok {
				return conv, nil
			}
			return inner.Call(args)
		},
	})
}

// distinctFunc is cty's distinct, which compares every element with every element kept so
// far (over two minutes for 10,000 strings): for lists of known, unmarked, non-null strings,
// numbers or bools it remembers the elements seen in a map instead. Other lists go to cty's.
var distinctFunc = function.New(&function.Spec{
	Description:  stdlib.DistinctFunc.Description(),
	Params:       []function.Parameter{{Name: "list", Type: cty.List(cty.DynamicPseudoType)}},
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Type: func(args []cty.Value) (cty.Type, error) {
		return stdlib.DistinctFunc.ReturnTypeForValues(args)
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		list := args[0]
		ety := list.Type().ElementType()
		if !list.IsWhollyKnown() || !ety.IsPrimitiveType() || list.ContainsMarked() {
			return stdlib.DistinctFunc.Call(args)
		}
		seen := make(map[string]bool, list.LengthInt())
		out := make([]cty.Value, 0, list.LengthInt())
		for it := list.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() {
				return stdlib.DistinctFunc.Call(args)
			}
			var k string
			switch ety {
			case cty.String:
				k = v.AsString()
			case cty.Number:
				k = v.AsBigFloat().Text('g', -1)
			default:
				k = strconv.FormatBool(v.True())
			}
			if !seen[k] {
				seen[k] = true
				out = append(out, v)
			}
		}
		if len(out) == 0 {
			return cty.ListValEmpty(ety), nil
		}
		return cty.ListVal(out), nil
	},
})

// containsFunc is cty's contains, except that a set of strings, numbers or bools is asked by
// hash. cty compares the value with every element, walking the set in sorted order, and its
// function system first copies the whole set to strip marks; here the set is walked once
// (HasElement checks that it holds no unknown element) and then asked by hash.
var containsFunc = function.New(&function.Spec{
	Description: stdlib.ContainsFunc.Description(),
	Params: []function.Parameter{
		{Name: "list", Type: cty.DynamicPseudoType, AllowMarked: true},
		{Name: "value", Type: cty.DynamicPseudoType, AllowNull: true, AllowMarked: true},
	},
	Type:         function.StaticReturnType(cty.Bool),
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		set, setMarks := args[0].Unmark()
		v, vMarks := args[1].Unmark()
		ty := set.Type()
		if ty.IsSetType() && ty.ElementType().IsPrimitiveType() && set.IsKnown() && !set.IsNull() &&
			v.IsKnown() && !v.IsNull() && !v.IsMarked() && v.Type().Equals(ty.ElementType()) {
			return set.HasElement(v).WithMarks(setMarks, vMarks), nil
		}
		return stdlib.ContainsFunc.Call(args)
	},
})
