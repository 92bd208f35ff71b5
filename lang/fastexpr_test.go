package lang

import (
	"fmt"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/model"
)

// TestFastExprMatchesHCL evaluates expressions with the fast path and with hcl, on values
// chosen to trip it (marks, nulls, unknowns, missing attributes, conversions): where the
// fast path answers, its value must be exactly hcl's and hcl must report nothing; where it
// must give up, it must not answer.
func TestFastExprMatchesHCL(t *testing.T) {
	secret := cty.StringVal("s3cret").Mark(SensitiveMark)
	value := cty.ObjectVal(map[string]cty.Value{
		"name":    cty.StringVal("web-1"),
		"num":     cty.NumberFloatVal(1.5),
		"big":     cty.MustParseNumberVal("12345678901234567890"),
		"ok":      cty.True,
		"null":    cty.NullVal(cty.String),
		"unknown": cty.UnknownVal(cty.String),
		"secret":  secret,
		"secobj":  cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x")}).Mark(SensitiveMark),
		"nested":  cty.ObjectVal(map[string]cty.Value{"a": cty.ObjectVal(map[string]cty.Value{"b": cty.StringVal("deep")})}),
		"nullobj": cty.NullVal(cty.Object(map[string]cty.Type{"a": cty.String})),
		"map":     cty.MapVal(map[string]cty.Value{"k": cty.StringVal("v")}),
		"list":    cty.ListVal([]cty.Value{cty.StringVal("a")}),
		"date":    cty.StringVal("2024-01-02"),
		"baddate": cty.StringVal("yesterday"),
		"numstr":  cty.StringVal("42"),
		"café":    cty.StringVal("cafe\u0301"),
	})
	e := &evaluator{
		funcs:  Functions(t.TempDir()),
		varObj: cty.ObjectVal(map[string]cty.Value{"region": cty.StringVal("eu"), "token": secret}),
	}
	row := func(id string, n int) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal(id), "n": cty.NumberIntVal(int64(n)), "tags": cty.ListVal([]cty.Value{cty.StringVal("t")})})
	}
	n := &node{refLocals: []*localValue{
		{name: "m", val: value},
		{name: "rows", val: cty.ListVal([]cty.Value{row("a", 1), row("b", 2)})},
		{name: "dups", val: cty.TupleVal([]cty.Value{row("a", 1), row("a", 2)})},
		{name: "nullid", val: cty.TupleVal([]cty.Value{row("a", 1), cty.ObjectVal(map[string]cty.Value{"id": cty.NullVal(cty.String)})})},
		{name: "secret", val: cty.ListVal([]cty.Value{row("a", 1)}).Mark(SensitiveMark)},
		{name: "secretkey", val: cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("k").Mark(SensitiveMark)})})},
		{name: "empty", val: cty.EmptyTupleVal},
		{name: "null", val: cty.NullVal(cty.List(cty.String))},
	}}
	in := instance{key: "k-1", value: value, forEach: true}
	ctx := e.context(n).NewChild()
	ctx.Variables = map[string]cty.Value{"each": in.eachValue()}

	tests := []struct {
		src  string
		fast bool // the fast path answers
	}{
		{`42`, true},
		{`"Host"`, true},
		{`"a\u0301"`, true},
		{`["tier-0", "generated", 3, true, null, "e\u0301"]`, true},
		{`[]`, true},
		{`[["a"], [1, [false]]]`, true},
		{`["a", each.key]`, false}, // not a constant: left to hcl
		{`each.key`, true},
		{`each.value`, true},
		{`each.value.name`, true},
		{`each.value.nested.a.b`, true},
		{`each.value.map.k`, true},
		{`each.value.map.missing`, false},
		{`each.value.missing`, false},
		{`each.value.null`, true},
		{`each.value.nullobj`, true},
		{`each.value.nullobj.a`, false},
		{`each.value.unknown`, true},
		{`each.value.secret`, true},
		{`each.value.secobj.a`, false},
		{`each.value.list.a`, false},
		{`each.value.name.x`, false},
		{`each.key.x`, false},
		{`each.other`, false},
		{`each.value["name"]`, true},
		{`each.value["nested"]["a"].b`, true},
		{`each.value.map["k"]`, true},
		{`each.value["missing"]`, false},
		{`each.value.map["missing"]`, false},
		{`each.value.list[0]`, false},
		{`each.value.list["0"]`, false},
		{`each.value[0]`, false},
		{`each["key"]`, true},
		{`local.m["café"]`, true},
		{`"x${each.value["num"]}"`, true},
		{`var.region`, true},
		{`var.token`, true},
		{`var.missing`, false},
		{`local.m.name`, true},
		{`local.nope`, false},
		{`"${each.value.name}"`, true},
		{`"${each.value.null}"`, true}, // a lone interpolation is the value itself
		{`"inv:host:${each.key}"`, true},
		{`"n=${each.value.num} b=${each.value.big} ok=${each.value.ok}"`, true},
		{`"x${each.value.café}"`, true},
		{`"x${each.value.null}"`, false},
		{`"x${each.value.unknown}"`, false},
		{`"x${each.value.secret}"`, false},
		{`"x${each.value.list}"`, false},
		{`"x${each.value.missing}"`, false},
		{`"x${var.token}"`, false},
		{`upper(each.value.name)`, true},
		{`upper(each.value.secret)`, true},
		{`upper(each.value.num)`, true},
		{`upper(each.value.null)`, false},
		{`upper(each.value.list)`, false},
		{`upper(each.value.name, 1)`, false},
		{`upper()`, false},
		{`epochms(each.value.date)`, true},
		{`epochms(each.value.baddate)`, false},
		{`tonumber(each.value.numstr)`, true},
		{`format("%s-%s", each.key, each.value.num)`, true},
		{`nosuchfunction(each.key)`, false},
		{`each.value.name == "x"`, false},
		{`{ for r in local.rows : r.id => r }`, true},
		{`{ for i, r in local.rows : r.id => i }`, true},
		{`{ for k, v in local.m : k => v }`, true},
		{`{ for k, v in local.m.map : "${k}-x" => upper(v) }`, true},
		{`[for r in local.rows : r.id]`, true},
		{`[for r in local.rows : "${each.key}/${r.id}"]`, true},
		{`[for each in local.rows : each.id]`, true},
		{`{ for r in local.empty : r.id => r }`, true},
		{`[for r in local.empty : r]`, true},
		{`{ for r in local.dups : r.id => r }`, false},
		{`{ for r in local.nullid : r.id => r }`, false},
		{`{ for r in local.rows : r.n => r }`, false},
		{`{ for r in local.secret : r.id => r }`, false},
		{`{ for r in local.secretkey : r.id => r }`, false},
		{`[for r in local.null : r]`, false},
		{`[for r in local.m.name : r]`, false},
		{`[for r in local.rows : r.missing]`, false},
		{`{ for r in local.rows : r.id => r if r.n > 1 }`, false},
		{`{ for r in local.rows : r.id => r... }`, false},
		{`[for r in local.rows : [for t in r.tags : t]]`, false},
		// {for ...} over csvdecode reads a csvTable (csvtable.go).
		{`{ for r in csvdecode("id,name\nb,B\na,A\n") : r.id => r }`, true},
		{`{ for i, r in csvdecode("id,name\nb,B\na,A\n") : "${i}-${r.id}" => r.name }`, true},
		{`{ for r in csvdecode("id,name\nx,caf\u00e9\ny,cafe\u0301\n") : r.name => r["id"] }`, false}, // one name after normalization
		{`{ for r in csvdecode("id,name\nx,X\n") : r.id => jsonencode(r) }`, true},
		{`{ for r in csvdecode("id,name\nx,X\n") : upper(r.name) => format("%s/%s", r.id, r.name) }`, true},
		{`{ for r in csvdecode("id,name\n") : r.id => r }`, true},
		{`{ for r in csvdecode(each.value.name) : r.id => r }`, true}, // no rows: r.id is never read
		{`{ for r in csvdecode(each.value.name) : each.key => r }`, true},
		{`{ for r in csvdecode("id,name\nx,X\nx,Y\n") : r.id => r }`, false},
		{`{ for r in csvdecode("id,name\nx\n") : r.id => r }`, false},
		{`{ for r in csvdecode("id,id\nx,y\n") : r.id => r }`, false},
		{`{ for r in csvdecode("id,name\nx,\"open\n") : r.id => r }`, false},
		{`{ for r in csvdecode("id,name\nx,X\n") : r.nope => r }`, false},
		{`{ for r in csvdecode("id,name\nx,X\n") : r.id => r.name.x }`, false},
		{`{ for r in csvdecode("id,name\nx,X\n") : r.id => r.nope }`, false},
		{`{ for r in csvdecode(var.token) : r.s3cret => r }`, false},
		{`{ for r in csvdecode(var.missing) : r.id => r }`, false},
		{`[for r in csvdecode("id,name\nx,X\n") : r.name]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			expr, diags := hclsyntax.ParseExpression([]byte(tt.src), "t.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			var got cty.Value
			ok := false
			if f := (compiler{e: e, n: n, each: true}).compile(expr); f != nil {
				got, ok = f.eval(&fastEnv{in: &in})
			}
			if ok != tt.fast {
				t.Fatalf("fast path answered %v, want %v", ok, tt.fast)
			}
			want, diags := expr.Value(ctx)
			if !ok {
				return
			}
			if len(diags) > 0 {
				t.Fatalf("the fast path answered %#v where hcl reports %s", got, diags.Error())
			}
			if !got.RawEquals(want) || !got.Type().Equals(want.Type()) {
				t.Fatalf("fast path gave %#v, hcl %#v", got, want)
			}
		})
	}
}

// TestFastPathLoadMatchesHCL loads configurations with the fast path on and off: the
// objects and the diagnostics (text, ranges, order) must be the same.
func TestFastPathLoadMatchesHCL(t *testing.T) {
	const head = `integration {
  type        = "my-billing-acme"
  instance_id = "i-1"
  key_prefix  = "billing-acme"
}
variable "team" {
  type      = string
  sensitive = true
  default   = "t1"
}
locals {
  hosts = { "a" = { team = "t1", n = 1, d = "2024-01-02" }, "b" = { team = "t2", n = 2.5, d = "2024-02-03" } }
}
entity "team" "all" {
  for_each = toset(["t1", "t2"])
  _class   = "Team"
  name     = each.key
}
entity "team" "one" {
  _class = "Team"
  name   = "one"
}
entity "host" "all" {
  for_each  = local.hosts
  _key      = "inv:host:${each.key}"
  _class    = "Host"
  name      = "host-${each.key}-${each.value.n}"
  team      = each.value.team
  createdOn = epochms(each.value.d)
}
`
	tests := []struct{ name, src string }{
		{"endpoints", `relationship "team_has_host" {
  for_each = local.hosts
  _class   = "HAS"
  from     = entity.team.all[each.value.team]
  to       = entity.host.all[each.key]
}`},
		{"missing endpoint key", `relationship "team_has_host" {
  for_each = local.hosts
  _class   = "HAS"
  from     = entity.team.all["t-${each.value.n}"]
  to       = entity.host.all[each.key]
}`},
		{"sensitive endpoint key", `relationship "team_has_host" {
  for_each = local.hosts
  _class   = "HAS"
  from     = entity.team.all[var.team]
  to       = entity.host.all[each.key]
}`},
		{"endpoint of a block used in full too", `relationship "team_has_host" {
  for_each = local.hosts
  _class   = "HAS"
  from     = entity.team.all[each.value.team]
  to       = entity.host.all[each.key]
  note     = entity.team.all["t1"].name
}`},
		{"single entity and key strings", `relationship "one_has_host" {
  for_each = local.hosts
  _class   = "HAS"
  from     = entity.team.one
  to       = "inv:host:${each.key}"
}`},
		{"collection as endpoint", `relationship "r" {
  _class = "HAS"
  from   = entity.team.all
  to     = entity.team.one
}`},
		{"index into a single entity", `relationship "r" {
  _class = "HAS"
  from   = entity.team.one["x"]
  to     = entity.team.one
}`},
		{"mapped endpoint", `mapped_relationship "m" {
  for_each = local.hosts
  _class   = "IS"
  from     = entity.host.all[each.key]
  target   = { _type = "employee", _key = "e-${each.key}" }
}`},
		{"template and function errors", `entity "x" "all" {
  for_each = local.hosts
  _class   = "X"
  a        = "x${each.value.missing}"
  b        = epochms("x${each.key}")
  c        = upper(var.team)
  d        = "${var.team}-x"
}`},
		{"for expressions", `locals {
  rows = { for r in csvdecode("id,name\nx,X\ny,Y\n") : r.id => r }
  names = [for r in csvdecode("id,name\nx,X\n") : "${r.id}=${r.name}"]
}
entity "row" "all" {
  for_each = local.rows
  _class   = "Row"
  name     = each.value.name
  names    = local.names
}`},
		{"for_each over for expressions out of key order", `locals {
  byname = { for r in csvdecode("id,name\nz,Z\nb,B\nm,M\nb-1,B1\nb!,Bx\n") : r.id => r }
  none   = { for r in csvdecode("id,name\n") : r.id => r }
}
entity "row" "all" {
  for_each = local.byname
  _class   = "Row"
  name     = "${each.key}-${each.value.name}"
  first    = local.byname["b"].name
  ids      = keys(local.byname)
  by       = local.byname.m.name
}
entity "none" "all" {
  for_each = local.none
  _class   = "Row"
}
relationship "row_has_row" {
  for_each = local.byname
  _class   = "HAS"
  from     = entity.row.all[each.key]
  to       = entity.row.all["m"]
}`},
		{"for_each over csv rows", `locals {
  rows  = { for r in csvdecode("id,name,team\nb,B,t2\na,A,t1\nc,caf\u00e9,t1\n") : r.id => r }
  names = { for i, r in csvdecode("id,name\nx,X\ny,Y\n") : "${r.id}-${i}" => r.name }
}
entity "row" "all" {
  for_each = local.rows
  _class   = "Row"
  name     = each.value.name
  whole    = jsonencode(each.value)
  keyed    = "${each.key}/${each.value["team"]}"
  missing  = each.value.nope
}
entity "name" "all" {
  for_each = local.names
  _class   = "Row"
  name     = each.value
  first    = local.rows["a"].name
}
relationship "row_in_team" {
  for_each = local.rows
  _class   = "HAS"
  from     = entity.team.all[each.value.team]
  to       = entity.row.all[each.key]
}`},
		{"csv rows that csvdecode refuses", `locals {
  short = { for r in csvdecode("id,name\nx\n") : r.id => r }
  twice = { for r in csvdecode("id,id\nx,y\n") : r.id => r }
}`},
		{"duplicate for keys", `locals {
  rows = { for r in csvdecode("id,name\nx,X\nx,Y\n") : r.id => r }
}`},
		{"null for key", `locals {
  rows = { for r in jsondecode("[{\"id\": null}]") : r.id => r }
}`},
		{"index syntax", `entity "z" "all" {
  for_each = local.hosts
  _class   = "Z"
  team     = each.value["team"]
  n        = "${each.key}-${each.value["n"]}"
  missing  = each.value["nope"]
}`},
		{"for_each errors", `entity "y" "all" {
  for_each = local.hosts.a.team
  _class   = "Y"
}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := map[string][]byte{"main.hcl": []byte(head + tt.src + "\n")}
			dir := t.TempDir()
			run := func(off bool) (string, string) {
				fastPathOff = off
				defer func() { fastPathOff = false }()
				cfg, diags := Load(Options{Dir: dir, Sources: src})
				var objs, ds string
				for _, o := range cfg.Graph.All() {
					objs += o.Address + " " + string(model.MarshalObject(o.Props)) + fmt.Sprint(o.Sensitive) + "\n"
				}
				for _, d := range diags {
					ds += fmt.Sprintf("%d %s | %s | %v | %v\n", d.Severity, d.Summary, d.Detail, d.Subject, d.Context)
				}
				return objs, ds
			}
			fastObjs, fastDiags := run(false)
			objs, diags := run(true)
			if fastObjs != objs {
				t.Errorf("objects differ\nfast path:\n%s\nhcl:\n%s", fastObjs, objs)
			}
			if fastDiags != diags {
				t.Errorf("diagnostics differ\nfast path:\n%s\nhcl:\n%s", fastDiags, diags)
			}
			if objs == "" && diags == "" {
				t.Error("nothing to compare")
			}
		})
	}
}

// TestLiteralStringMatchesHCL: for every quoted string without interpolation, as hclsyntax
// and the fast block parser build it, literalString gives exactly what the template renders.
func TestLiteralStringMatchesHCL(t *testing.T) {
	for _, src := range []string{
		`"plain"`, `""`, `"tab\there"`, `"line\nbreak"`, `"quote \" inside"`, `"$${not} %%{interpolated}"`,
		`"é"`, "\"e\u0301\"", `"\u00e9\u0301"`, `"日本語"`, `"\U0001F600"`, `"trailing space "`,
	} {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", src, diags)
		}
		trees := []hclsyntax.Expression{expr}
		if b, ok := fastBlock([]byte("x {\n  a = "+src+"\n}\n"), "t.hcl", hcl.InitialPos, nil); ok {
			trees = append(trees, b.Body.Attributes["a"].Expr)
		}
		for i, tree := range trees {
			x, ok := tree.(*hclsyntax.TemplateExpr)
			if !ok {
				t.Fatalf("%s: tree %d is a %T", src, i, tree)
			}
			want, diags := x.Value(nil)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got, ok := literalString(x); ok && !got.RawEquals(want) {
				t.Errorf("%s (tree %d): literalString = %#v, the template renders %#v", src, i, got, want)
			} else if !ok && len(x.Parts) == 1 {
				t.Errorf("%s (tree %d): literalString refuses a one-literal template", src, i)
			}
		}
	}
}
