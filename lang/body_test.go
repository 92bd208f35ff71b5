package lang

import (
	"math"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/model"
)

// parsedAttrs parses one block and returns its attributes as attributesAndLifecycle does.
func parsedAttrs(t *testing.T, src string) []hcl.Attribute {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, attrs, diags := attributesAndLifecycle(f.Body.(*hclsyntax.Body).Blocks[0].Body)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return attrs
}

// TestObjectBody: a body keeps, per attribute, the ranges hclsyntax gave the attribute and
// its expression, and a constant's value (what hcl evaluates the expression to) in place of
// its expression; other expressions are kept as they are.
func TestObjectBody(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  cty.Value // cty.NilVal: not a constant
	}{
		{"string", `"web"`, cty.StringVal("web")},
		{"unicode", `"é日本"`, cty.StringVal("é日本")},
		{"number", `12.5`, cty.MustParseNumberVal("12.5")},
		{"bool", `true`, cty.True},
		{"null", `null`, cty.NullVal(cty.DynamicPseudoType)},
		{"tuple", `["a", 1, false]`, cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.NumberIntVal(1), cty.False})},
		{"empty tuple", `[]`, cty.EmptyTupleVal},
		{"nested tuple", `[["a"], []]`, cty.TupleVal([]cty.Value{cty.TupleVal([]cty.Value{cty.StringVal("a")}), cty.EmptyTupleVal})},
		{"escape", `"a\tb"`, cty.StringVal("a\tb")},
		{"empty string", `""`, cty.StringVal("")},
		{"template", `"${var.x}"`, cty.NilVal},
		{"traversal", `entity.a.b`, cty.NilVal},
		{"tuple with a reference", `["a", var.x]`, cty.NilVal},
		{"object", `{ a = 1 }`, cty.NilVal},
		{"multi-line tuple", "[\n    \"a\",\n  ]", cty.TupleVal([]cty.Value{cty.StringVal("a")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "x {\n  other = 1\n  v     = " + tt.value + "\n}\n"
			attrs := parsedAttrs(t, src)
			ob := new(bodyBuilder).build(attrs)
			i, ok := ob.attrIndex("v")
			if !ok || ob.names[i] != "v" || len(ob.names) != 2 {
				t.Fatalf("names %q, index of v %d %t", ob.names, i, ok)
			}
			a := attrs[i]
			if got := ob.attrRangeAt(i); got != a.Range {
				t.Errorf("attribute range %#v, want %#v", got, a.Range)
			}
			if got := ob.exprRangeAt(i); got != a.Expr.Range() {
				t.Errorf("expression range %#v, want %#v", got, a.Expr.Range())
			}
			v, isConst := ob.constAt(i)
			if isConst != (tt.want != cty.NilVal) {
				t.Fatalf("constant %t, want %t", isConst, tt.want != cty.NilVal)
			}
			if !isConst {
				if ob.exprAt(i) != a.Expr {
					t.Errorf("the expression is not kept")
				}
				return
			}
			if !v.RawEquals(tt.want) {
				t.Errorf("value %#v, want %#v", v, tt.want)
			}
			hclVal, diags := a.Expr.Value(nil)
			if diags.HasErrors() || !v.RawEquals(hclVal) {
				t.Errorf("value %#v, hcl evaluates the expression to %#v (%s)", v, hclVal, diags)
			}
			x := ob.exprAt(i)
			if got, diags := x.Value(nil); diags != nil || !got.RawEquals(v) {
				t.Errorf("the constant's expression evaluates to %#v, %s", got, diags)
			}
			if x.Range() != a.Expr.Range() || x.Variables() != nil {
				t.Errorf("the constant's expression has range %#v and variables %v", x.Range(), x.Variables())
			}
			if f, ok := (compiler{}).compile(x).(fastConst); !ok || !f.v.RawEquals(v) {
				t.Errorf("the constant's expression compiles to %#v", f)
			}
		})
	}
}

// TestObjectBodySharesNames: blocks of a file with the same attribute names share one slice
// of them; other names get their own.
func TestObjectBodySharesNames(t *testing.T) {
	var bb bodyBuilder
	a := bb.build(parsedAttrs(t, "x {\n  b = 1\n  a = 2\n}\n"))
	b := bb.build(parsedAttrs(t, "x {\n  a = \"s\"\n  b = c.d\n}\n"))
	c := bb.build(parsedAttrs(t, "x {\n  a = 1\n  bb = 2\n}\n"))
	d := bb.build(parsedAttrs(t, "x {\n  ab = 1\n}\n")) // not a\x00b\x00 either
	if &a.names[0] != &b.names[0] {
		t.Error("two blocks of the same names do not share them")
	}
	for _, o := range []objectBody{c, d} {
		if &o.names[0] == &a.names[0] {
			t.Errorf("%q shares %q", o.names, a.names)
		}
	}
	if len(d.names) != 1 || d.names[0] != "ab" || c.names[1] != "bb" {
		t.Errorf("names %q, %q", c.names, d.names)
	}
	if e := bb.build(nil); e.names != nil || e.has("a") {
		t.Errorf("an empty body has names %q", e.names)
	}
}

// TestObjectBodyWidePositions: positions past int32 (a file of more than 2 GiB) are kept
// whole, for every attribute of the block.
func TestObjectBodyWidePositions(t *testing.T) {
	attrs := parsedAttrs(t, "x {\n  a = 1\n  b = var.x\n  c = \"s\"\n}\n")
	far := hcl.Pos{Line: 3, Column: 7, Byte: math.MaxInt32 + 10}
	b := attrs[1].Expr.(*hclsyntax.ScopeTraversalExpr)
	b.SrcRange.End = far
	attrs[1].Range.End = far
	want := make([][2]hcl.Range, len(attrs))
	for i, a := range attrs {
		want[i] = [2]hcl.Range{a.Range, a.Expr.Range()}
	}
	ob := new(bodyBuilder).build(attrs)
	if ob.wide == nil {
		t.Fatal("the body did not keep wide positions")
	}
	for i := range attrs {
		if got := [2]hcl.Range{ob.attrRangeAt(i), ob.exprRangeAt(i)}; got != want[i] {
			t.Errorf("attribute %d: ranges %#v, want %#v", i, got, want[i])
		}
	}
}

// TestReleaseKeepsRanges: release drops the expressions and values, not the ranges.
func TestReleaseKeepsRanges(t *testing.T) {
	attrs := parsedAttrs(t, "x {\n  _class = \"A\"\n  name   = var.n\n}\n")
	ob := &objectBlock{kind: model.KindEntity, objectBody: new(bodyBuilder).build(attrs)}
	ob.release()
	if ob.attrs != nil {
		t.Fatal("release kept the expressions")
	}
	for _, a := range attrs {
		if got, ok := ob.attrRange(a.Name); !ok || got != a.Range {
			t.Errorf("%s: range %#v %t after release, want %#v", a.Name, got, ok, a.Range)
		}
	}
	if _, ok := ob.attrRange("missing"); ok {
		t.Error("a missing attribute has a range")
	}
}
