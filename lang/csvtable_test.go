package lang

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// A {for ...} over csvdecode whose value is the row itself keeps each instance's row, not
// its object (what makes reading a large inventory cheap), and the row reads as the object
// would: each.value whole and field by field.
func TestForOverCSVDecodeKeepsRows(t *testing.T) {
	e := &evaluator{funcs: Functions(t.TempDir())}
	forExpr := func(src string) fastFor {
		t.Helper()
		expr, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		f, ok := (compiler{e: e, n: &node{}}).compile(expr).(fastFor)
		if !ok || f.csv == nil {
			t.Fatalf("%s: not compiled as a for expression over csvdecode", src)
		}
		return f
	}
	const doc = `"id,name\nb,B\na,A\nc,caf\u00e9\n"`

	insts, ok := forExpr(`{ for r in csvdecode(` + doc + `) : r.id => r }`).instances(&fastEnv{in: &instance{}})
	if !ok || len(insts) != 3 {
		t.Fatalf("instances: %d, %v", len(insts), ok)
	}
	for i, want := range []struct{ key, name string }{{"a", "A"}, {"b", "B"}, {"c", "café"}} {
		in := &insts[i]
		if in.key != want.key || in.row.t == nil || in.value != cty.NilVal {
			t.Fatalf("instance %d: key %q, row %v, value %#v; want key %q and its row alone", i, in.key, in.row, in.value, want.key)
		}
		object := cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal(want.key), "name": cty.StringVal(want.name)})
		if got := in.val(); !got.RawEquals(object) {
			t.Fatalf("instance %d: value %#v, want %#v", i, got, object)
		}
		env := &fastEnv{in: in}
		if got, ok := (fastEach{steps: []string{"name"}}).eval(env); !ok || !got.RawEquals(cty.StringVal(want.name)) {
			t.Fatalf("instance %d: each.value.name = %#v, %v", i, got, ok)
		}
		if got, ok := (fastEach{}).eval(env); !ok || !got.RawEquals(object) {
			t.Fatalf("instance %d: each.value = %#v, %v", i, got, ok)
		}
		if got, ok := (fastEach{steps: []string{"nope"}}).eval(env); ok {
			t.Fatalf("instance %d: each.value.nope = %#v: the fast path must leave it to hcl", i, got)
		}
		if got := in.eachValue().GetAttr("value"); !got.RawEquals(object) {
			t.Fatalf("instance %d: each = %#v", i, got)
		}
	}

	// A value other than the row is evaluated as usual: nothing to keep.
	insts, ok = forExpr(`{ for r in csvdecode(` + doc + `) : r.id => r.name }`).instances(&fastEnv{in: &instance{}})
	if !ok || len(insts) != 3 || insts[0].row.t != nil || !insts[0].value.RawEquals(cty.StringVal("A")) {
		t.Fatalf("instances of r.name: %#v, %v", insts, ok)
	}
}
