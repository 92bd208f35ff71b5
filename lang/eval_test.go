package lang

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/model"
)

// relationshipTypeBySplit is RelationshipType as first written, the reference for the
// allocation-free one.
func relationshipTypeBySplit(fromType, class, toType string) string {
	from := strings.Split(fromType, "_")
	to := strings.Split(toType, "_")
	i := 0
	for i < len(to)-1 && i < len(from) && to[i] == from[i] {
		i++
	}
	return fromType + "_" + strings.ToLower(class) + "_" + strings.Join(to[i:], "_")
}

// TestRelationshipTypeMatchesSplit compares RelationshipType with the reference on every
// pair of awkward types: empty, underscores at the ends, doubled, prefixes of each other.
func TestRelationshipTypeMatchesSplit(t *testing.T) {
	types := []string{"", "_", "__", "a", "a_", "_a", "a_b", "a_b_c", "a_b_d", "a__b", "ab_c", "a_bc", "x_y_z_w", "a_b_c_d"}
	for _, from := range types {
		for _, to := range types {
			got, want := RelationshipType(from, "Has", to), relationshipTypeBySplit(from, "Has", to)
			if got != want {
				t.Errorf("RelationshipType(%q, %q) = %q, want %q", from, to, got, want)
			}
		}
	}
}

// TestNormalizeString: ASCII text is returned as it is, other text as cty normalizes it.
func TestNormalizeString(t *testing.T) {
	for _, s := range []string{"", "inv:host:web-1", "cafe\u0301", "caf\u00e9", "\xff"} {
		if got, want := normalizeString(s), cty.NormalizeString(s); got != want {
			t.Errorf("normalizeString(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestCollectionMarks: a collection with a sensitive element makes its property sensitive;
// one without marks (converted without unmarking) does not.
func TestCollectionMarks(t *testing.T) {
	src := `integration {
  type        = "my-billing-acme"
  instance_id = "i-1"
}
variable "secret" {
  type      = string
  sensitive = true
  default   = "s3cr3t"
}
entity "team" "t" {
  _class = "Team"
  name   = "t"
  tags   = ["x", var.secret]
  meta   = { a = { b = var.secret } }
  plain  = ["a", { b = 1 }]
}
`
	cfg, diags := Load(Options{Dir: t.TempDir(), Sources: map[string][]byte{"main.hcl": []byte(src)}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	o := cfg.Graph.Entities[0]
	want := `{"_key":"my-billing-acme:team:t","_type":"team_my-billing-acme","_class":"Team","name":"t","displayName":"t","meta":{"a":{"b":"s3cr3t"}},"plain":["a",{"b":1}],"tags":["x","s3cr3t"]}`
	if got := string(model.MarshalObject(o.Props)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !o.IsSensitive("tags") || !o.IsSensitive("meta") || o.IsSensitive("plain") || o.IsSensitive("name") {
		t.Errorf("sensitive = %v, want tags and meta", o.Sensitive)
	}
}

// TestInstancesOfObject: the instances of an object for_each are its attributes in the
// order, and with the keys and values, of cty's ElementIterator.
func TestInstancesOfObject(t *testing.T) {
	attrs := map[string]cty.Value{}
	for i, k := range []string{"b", "a", "Z", "10", "9", "é", "e\u0301x", "a b", "_", "~", ""} {
		attrs[k] = cty.NumberIntVal(int64(i))
	}
	val := cty.ObjectVal(attrs)
	l := &localValue{name: "m", val: val}
	src := "entity \"x\" \"all\" {\n  for_each = local.m\n}\n"
	f, diags := hclsyntax.ParseConfig([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, battrs, _ := attributesAndLifecycle(f.Body.(*hclsyntax.Body).Blocks[0].Body)
	body := new(bodyBuilder).build(battrs)
	body.forEach = true
	b := &objectBlock{kind: model.KindEntity, objectBody: body}
	e := &evaluator{}
	n := &node{obj: b, refLocals: []*localValue{l}}
	insts, diags := e.instances(b, &lazyContext{e: e, n: n})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	i := 0
	for it := val.ElementIterator(); it.Next(); i++ {
		k, v := it.Element()
		if i >= len(insts) || insts[i].key != k.AsString() || !insts[i].value.RawEquals(v) || !insts[i].forEach {
			t.Fatalf("instance %d = %+v, want %q = %#v", i, insts[i], k.AsString(), v)
		}
	}
	if i != len(insts) {
		t.Fatalf("%d instances, want %d", len(insts), i)
	}
	again, _ := e.instances(b, &lazyContext{e: e, n: n})
	if &again[0] != &insts[0] {
		t.Error("a second for_each = local.m did not reuse the instances")
	}
}

// TestDiagnosticContextIsTheInstances: a diagnostic of a for_each instance keeps a context
// whose each is that instance's, also when later instances of the same worker go through
// hcl too: the "with each.value.team as ..." lines of the terminal come from it.
func TestDiagnosticContextIsTheInstances(t *testing.T) {
	src := `integration {
  type        = "my-billing-acme"
  instance_id = "i-1"
}
locals {
  hosts = { "a" = { team = "t1" }, "b" = { team = "x1" }, "c" = { team = "t1" }, "d" = { team = "x2" }, "e" = { team = "t1" } }
}
entity "team" "all" {
  for_each = toset(["t1"])
  _class   = "Team"
  name     = each.key
}
entity "host" "all" {
  for_each = local.hosts
  _class   = "Host"
  name     = each.key
}
relationship "team_has_host" {
  for_each = local.hosts
  _class   = "HAS"
  from     = entity.team.all[each.value.team]
  to       = entity.host.all[each.key]
  note     = each.key == "" ? "" : each.value.team
}
`
	_, diags := Load(Options{Dir: t.TempDir(), Sources: map[string][]byte{"main.hcl": []byte(src)}})
	want := map[string]string{`relationship.team_has_host["b"]`: "x1", `relationship.team_has_host["d"]`: "x2"}
	if len(diags) != len(want) {
		t.Fatalf("%d diagnostics, want %d: %s", len(diags), len(want), diags.Error())
	}
	team := hcl.Traversal{hcl.TraverseRoot{Name: "each"}, hcl.TraverseAttr{Name: "value"}, hcl.TraverseAttr{Name: "team"}}
	for _, d := range diags {
		addr := d.Detail[strings.Index(d.Detail, "(in ")+4 : len(d.Detail)-1]
		got, vd := team.TraverseAbs(d.EvalContext)
		if vd.HasErrors() || got.AsString() != want[addr] {
			t.Errorf("%s: the diagnostic's each.value.team is %#v, want %q", addr, got, want[addr])
		}
	}
}

// TestLazyInstanceLookup: a for_each block's instances are found by key whatever the order of
// the lookups (in key order, reversed, repeated, skipping), and a key it lacks is not found,
// wherever the previous lookup ended.
func TestLazyInstanceLookup(t *testing.T) {
	// Out of order, as for_each over a list gives them; "x" failed to evaluate.
	keys := []string{"b", "d", "x", "a", "c", "e"}
	insts := make([]instance, len(keys))
	objs := make([]*model.Object, len(keys))
	refs := make([]entityRef, len(keys))
	for i, k := range keys {
		insts[i] = instance{key: k, forEach: true}
		refs[i] = entityRef{key: "ref-" + k}
		if k != "x" {
			objs[i] = &model.Object{}
		}
	}
	lv := forEachValue(insts, objs, refs)
	got := ""
	for _, r := range lv.byKey {
		got += r.key
	}
	if got != "abcde" {
		t.Fatalf("keys %q after forEachValue, want abcde", got)
	}
	for i, r := range lv.byKey {
		if r.ref.key != "ref-"+r.key {
			t.Fatalf("byKey[%d] = %s -> %s: refs did not move with their keys", i, r.key, r.ref.key)
		}
	}
	for _, order := range []string{"abcde", "edcba", "aabbee", "aceace", "eeeaaa", "cxazb", "zzz", "", "a!e"} {
		next := 0
		for _, c := range order {
			k := string(c)
			r, ok := lv.instance(k, &next)
			want := strings.Contains("abcde", k)
			if ok != want || (ok && r.key != "ref-"+k) {
				t.Errorf("order %q: instance(%q) = %v, %v; want found %v", order, k, r, ok, want)
			}
		}
	}
	for _, start := range []int{0, 2, 4, 5, 99} {
		next := start
		if r, ok := lv.instance("c", &next); !ok || r.key != "ref-c" || next != 3 {
			t.Errorf("from %d: instance(c) = %v, %v, next %d; want ref-c, next 3", start, r, ok, next)
		}
	}
}
