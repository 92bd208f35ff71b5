package lang_test

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/lang"
)

// TestCollectionFunctionsKeepSemantics: the linear implementations give cty's (and
// Terraform's) results, including where types are unified or values repeat.
func TestCollectionFunctionsKeepSemantics(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`toset(["b", "a", "b"])`, `toset(["a", "b"])`},
		{`toset(["a", 1])`, `toset(["1", "a"])`},
		{`tolist(["a", 1, true])`, `tolist(["a", "1", "true"])`},
		{`tomap({a = 1, b = "x"})`, `tomap({a = "1", b = "x"})`},
		{`tomap({a = 1, b = 2})`, `tomap({a = 1, b = 2})`},
		{`toset([])`, `toset([])`},
		{`distinct(["b", "a", "b", "c", "a"])`, `tolist(["b", "a", "c"])`},
		{`distinct([1, 2, 1.0, 3])`, `tolist([1, 2, 3])`},
		{`distinct([{a = 1}, {a = 1}, {a = 2}])`, `tolist([{a = 1}, {a = 2}])`},
		{`contains(toset(["a", "b"]), "b")`, `true`},
		{`contains(toset(["a", "b"]), "c")`, `false`},
		{`contains(toset([1, 2]), 2)`, `true`},
		{`contains(["a", "b"], "b")`, `true`},
		{`sort(["b", "a"])`, `tolist(["a", "b"])`},
		{`join(",", [for s in ["x", "y"] : s])`, `"x,y"`},
		{`setunion(["a"], ["b", "a"])`, `toset(["a", "b"])`},
		{`length("abc")`, `3`},
		{`length("héllo")`, `5`},
		{`length([1, 2])`, `2`},
		{`length({a = 1})`, `1`},
		{`replace("a1b22", "/[0-9]+/", "#")`, `"a#b#"`},
		{`replace("v1.2", "/v([0-9])/", "$1")`, `"1.2"`},
		{`replace("a.b.c", ".", "-")`, `"a-b-c"`},
		{`lookup({a = "x"}, "a")`, `"x"`},
		{`lookup({a = "x"}, "b", "d")`, `"d"`},
		{`lookup(tomap({a = "x"}), "a")`, `"x"`},
	}
	funcs := lang.Functions(t.TempDir())
	ctx := &hcl.EvalContext{Functions: funcs}
	for _, tt := range tests {
		got := eval(t, ctx, tt.expr)
		want := eval(t, &hcl.EvalContext{Functions: funcs}, tt.want)
		if !got.RawEquals(want) {
			t.Errorf("%s = %#v, want %#v", tt.expr, got, want)
		}
	}
	for _, bad := range []string{`toset([["a"], "b"])`, `sort([["a"]])`, `distinct("a")`, `lookup({a = 1}, "b")`, `lookup(tomap({a = 1}), "b")`, `replace("a", "/(/", "")`} {
		e, _ := hclsyntax.ParseExpression([]byte(bad), "t.hcl", hcl.InitialPos)
		if _, diags := e.Value(ctx); !diags.HasErrors() {
			t.Errorf("%s: no error", bad)
		}
	}
}

func eval(t *testing.T, ctx *hcl.EvalContext, src string) cty.Value {
	t.Helper()
	e, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := e.Value(ctx)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", src, diags.Error())
	}
	return v
}
