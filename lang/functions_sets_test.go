package lang_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/j1hcl/j1hcl/lang"
)

// TestSetFunctionsMatchCty: tolist, toset, contains, the set operations and the functions
// that take a list (given a set), which walk a set once instead of cty's several times, give cty's own results, marks and errors
// for every pair of sample collections (sets, lists and tuples of strings, numbers, bools
// and objects; unknown, null, empty and sensitive ones; mixed types).
func TestSetFunctionsMatchCty(t *testing.T) {
	secret := cty.NewValueMarks("sensitive")
	vars := map[string]cty.Value{
		"set":      cty.SetVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a"), cty.StringVal("c")}),
		"set2":     cty.SetVal([]cty.Value{cty.StringVal("c"), cty.StringVal("d")}),
		"marked":   cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("z")}).WithMarks(secret),
		"elmarked": cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("y").WithMarks(secret)}),
		"unkelem":  cty.SetVal([]cty.Value{cty.StringVal("a"), cty.UnknownVal(cty.String)}),
		"nullelem": cty.SetVal([]cty.Value{cty.StringVal("a"), cty.NullVal(cty.String)}),
		"empty":    cty.SetValEmpty(cty.String),
		"unknown":  cty.UnknownVal(cty.Set(cty.String)),
		"null":     cty.NullVal(cty.Set(cty.String)),
		"numbers":  cty.SetVal([]cty.Value{cty.NumberIntVal(10), cty.NumberIntVal(2), cty.NumberIntVal(1)}),
		"bools":    cty.SetVal([]cty.Value{cty.True, cty.False}),
		"objects":  cty.SetVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x")})}),
		"list":     cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("d"), cty.StringVal("a")}),
		"tuple":    cty.TupleVal([]cty.Value{cty.StringVal("d"), cty.StringVal("b")}),
		"tmarked":  cty.TupleVal([]cty.Value{cty.StringVal("b"), cty.StringVal("q").WithMarks(secret)}),
		"mixed":    cty.TupleVal([]cty.Value{cty.StringVal("1"), cty.NumberIntVal(1), cty.True}),
		"etuple":   cty.EmptyTupleVal,
		"string":   cty.StringVal("a"),
	}
	ref := map[string]function.Function{
		"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"contains":        stdlib.ContainsFunc,
		"setunion":        stdlib.SetUnionFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"sort":            stdlib.SortFunc,
		"distinct":        stdlib.DistinctFunc,
		"join":            stdlib.JoinFunc,
		"concat":          stdlib.ConcatFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"compact":         stdlib.CompactFunc,
		"zipmap":          stdlib.ZipmapFunc,
	}
	var exprs []string
	for a := range vars {
		exprs = append(exprs,
			fmt.Sprintf("tolist(%s)", a), fmt.Sprintf("toset(%s)", a),
			fmt.Sprintf("contains(%s, \"a\")", a), fmt.Sprintf("contains(%s, 1)", a),
			fmt.Sprintf("setunion(%s)", a), fmt.Sprintf("sort(%s)", a), fmt.Sprintf("distinct(%s)", a),
			fmt.Sprintf("join(\",\", %s)", a), fmt.Sprintf("concat(%s, [\"x\"])", a),
			fmt.Sprintf("chunklist(%s, 2)", a), fmt.Sprintf("compact(%s)", a), fmt.Sprintf("zipmap(%s, [1, 2, 3])", a))
		for b := range vars {
			if a == "null" && b == "string" || a == "string" && b == "null" {
				// Both calls fail; cty names the string argument first, j1hcl the null one,
				// as HCL checks nulls before fastParams converts (see functions_fast.go).
				continue
			}
			for _, f := range []string{"setunion", "setintersection", "setsubtract"} {
				exprs = append(exprs, fmt.Sprintf("%s(%s, %s)", f, a, b))
			}
		}
	}
	exprs = append(exprs, "setunion(set, tuple, list, set2)", "setintersection(set, list, tuple)", "setunion(bools, [true])")
	ours := &hcl.EvalContext{Variables: vars, Functions: lang.Functions(t.TempDir())}
	theirs := &hcl.EvalContext{Variables: vars, Functions: ref}
	fast := 0
	for _, src := range exprs {
		e, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		got, gotDiags := e.Value(ours)
		want, wantDiags := e.Value(theirs)
		if gotDiags.HasErrors() != wantDiags.HasErrors() {
			t.Errorf("%s: errors %v, cty's %v", src, gotDiags, wantDiags)
			continue
		}
		if wantDiags.HasErrors() {
			if gotDiags[0].Detail != wantDiags[0].Detail {
				t.Errorf("%s: error %q, cty's %q", src, gotDiags[0].Detail, wantDiags[0].Detail)
			}
			continue
		}
		if !got.RawEquals(want) {
			t.Errorf("%s = %#v, cty's %#v", src, got, want)
		}
		if got.IsWhollyKnown() && !got.ContainsMarked() {
			fast++
		}
	}
	if fast < 100 {
		t.Errorf("only %d of %d expressions gave known unmarked results; the table no longer exercises the fast paths", fast, len(exprs))
	}
}
