package lang

import (
	"strconv"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// cty hands out the elements of a set value only in sorted order: every walk of a set
// (ElementIterator, ForEachElement, AsValueSet, IsWhollyKnown, ContainsMarked, Union…)
// sorts all its elements with a comparator that calls RawEquals on each pair, which costs
// about a second of CPU per walk at 100,000 strings. That sort is O(N log N) and no public
// cty API avoids it, so what is slow is the number of walks: cty's tolist and set functions
// walk each set argument five or more times. The functions here walk each set once (the
// function system walks it once more, in ContainsMarked, before any function runs) and
// build their results from slices, so tuples and lists are never sorted at all. They
// handle known, non-null, unmarked collections of strings or bools; everything else goes
// to cty's implementation, so results and errors are cty's.

// setElements returns the elements of a known, non-null, unmarked set in cty's order,
// walking it once, or false if an element is unknown or null. cty hoists the marks of set
// elements onto the set, so the elements themselves are never marked.
func setElements(set cty.Value) ([]cty.Value, bool) {
	out := make([]cty.Value, 0, set.LengthInt())
	for it := set.ElementIterator(); it.Next(); {
		_, v := it.Element()
		if !v.IsKnown() || v.IsNull() {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// setToList is tolist for a set of primitive values, in the order cty's conversion gives.
func setToList(v cty.Value) (cty.Value, bool) {
	set, marks := v.Unmark()
	ty := set.Type()
	if !ty.IsSetType() || !ty.ElementType().IsPrimitiveType() || !set.IsKnown() || set.IsNull() {
		return cty.NilVal, false
	}
	elems, ok := setElements(set)
	if !ok {
		return cty.NilVal, false
	}
	if len(elems) == 0 {
		return cty.ListValEmpty(ty.ElementType()).WithMarks(marks), true
	}
	return cty.ListVal(elems).WithMarks(marks), true
}

// primitiveSetType is the type cty's tolist or toset gives a set of primitive values.
func primitiveSetType(v cty.Value, want cty.Type) (cty.Type, bool) {
	ty := v.Type()
	if !ty.IsSetType() || !ty.ElementType().IsPrimitiveType() || !v.IsKnown() {
		return cty.NilType, false // cty types the conversion of an unknown set as list(any)
	}
	switch {
	case want.IsListType():
		return cty.List(ty.ElementType()), true
	case want.IsSetType():
		return ty, true
	}
	return cty.NilType, false
}

// setOp is one of setunion, setintersection and setsubtract, on element keys.
type setOp func(sets [][]cty.Value, key func(cty.Value) string) []cty.Value

func unionOp(sets [][]cty.Value, key func(cty.Value) string) []cty.Value {
	seen := map[string]bool{}
	var out []cty.Value
	for _, s := range sets {
		for _, v := range s {
			if k := key(v); !seen[k] {
				seen[k] = true
				out = append(out, v)
			}
		}
	}
	return out
}

func intersectionOp(sets [][]cty.Value, key func(cty.Value) string) []cty.Value {
	count := map[string]int{}
	for _, s := range sets {
		inThis := map[string]bool{}
		for _, v := range s {
			if k := key(v); !inThis[k] {
				inThis[k] = true
				count[k]++
			}
		}
	}
	var out []cty.Value
	for _, v := range unionOp(sets[:1], key) {
		if count[key(v)] == len(sets) {
			out = append(out, v)
		}
	}
	return out
}

func subtractOp(sets [][]cty.Value, key func(cty.Value) string) []cty.Value {
	drop := map[string]bool{}
	for _, s := range sets[1:] {
		for _, v := range s {
			drop[key(v)] = true
		}
	}
	var out []cty.Value
	for _, v := range unionOp(sets[:1], key) {
		if !drop[key(v)] {
			out = append(out, v)
		}
	}
	return out
}

// setOperation makes setunion, setintersection or setsubtract from inner (cty's function,
// as fastParams wraps it): sets, lists and tuples of strings or bools, all of one element
// type, are combined by key in linear time after one walk of each set argument.
func setOperation(inner function.Function, op setOp) function.Function {
	loose := func(p function.Parameter) function.Parameter {
		return function.Parameter{Name: p.Name, Type: cty.DynamicPseudoType,
			AllowDynamicType: true, AllowMarked: true, AllowUnknown: true, AllowNull: true}
	}
	spec := &function.Spec{
		Description: inner.Description(),
		// cty's set functions promise a non-null result, also when it is unknown.
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	}
	for _, p := range inner.Params() {
		spec.Params = append(spec.Params, loose(p))
	}
	if vp := inner.VarParam(); vp != nil {
		other := loose(*vp)
		spec.VarParam = &other
	}
	spec.Type = func(args []cty.Value) (cty.Type, error) {
		if ety, ok := commonElementType(args); ok {
			return cty.Set(ety), nil
		}
		return inner.ReturnTypeForValues(args)
	}
	spec.Impl = func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		ety, ok := commonElementType(args)
		if !ok {
			return inner.Call(args)
		}
		sets := make([][]cty.Value, len(args))
		for i, a := range args {
			if sets[i], ok = knownElements(a); !ok {
				return inner.Call(args)
			}
		}
		key := func(v cty.Value) string { return v.AsString() }
		if ety == cty.Bool {
			key = func(v cty.Value) string { return strconv.FormatBool(v.True()) }
		}
		out := op(sets, key)
		if len(out) == 0 {
			return cty.SetValEmpty(ety), nil
		}
		return cty.SetVal(out), nil
	}
	return function.New(spec)
}

// commonElementType returns the element type shared by every argument when all are sets,
// lists or non-empty tuples of strings, or all of bools: the element type cty's set
// functions unify them to. It looks at types only.
func commonElementType(args []cty.Value) (cty.Type, bool) {
	var ety cty.Type
	for _, a := range args {
		ty := a.Type()
		var etys []cty.Type
		switch {
		case ty.IsSetType() || ty.IsListType():
			etys = []cty.Type{ty.ElementType()}
		case ty.IsTupleType() && len(ty.TupleElementTypes()) > 0:
			etys = ty.TupleElementTypes()
		default:
			return cty.NilType, false
		}
		for _, t := range etys {
			if t != cty.String && t != cty.Bool {
				return cty.NilType, false
			}
			if ety == cty.NilType {
				ety = t
			} else if !t.Equals(ety) {
				return cty.NilType, false
			}
		}
	}
	return ety, ety != cty.NilType
}

// knownElements returns the elements of a known, non-null, unmarked set, list or tuple
// whose elements are known, non-null and unmarked, walking a set once.
func knownElements(v cty.Value) ([]cty.Value, bool) {
	if !v.IsKnown() || v.IsNull() || v.IsMarked() {
		return nil, false
	}
	if v.Type().IsSetType() {
		return setElements(v)
	}
	out := make([]cty.Value, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if !e.IsKnown() || e.IsNull() || e.IsMarked() {
			return nil, false
		}
		out = append(out, e)
	}
	return out, true
}
