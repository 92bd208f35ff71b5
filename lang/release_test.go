package lang

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// TestLoadReleasesSyntaxTrees: once Load returns, the configuration keeps the source text
// and the ranges that diagnostics point at, not the syntax trees (for 100,000 blocks those
// are most of the live heap).
func TestLoadReleasesSyntaxTrees(t *testing.T) {
	dir := t.TempDir()
	src := `integration {
  type = "my-inventory"
}

entity "application" "web" {
  for_each = toset(["a", "b"])
  _class   = "Application"
  name     = each.key
  lifecycle {
    prevent_destroy = true
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(Options{Dir: dir})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for name, f := range cfg.Files {
		if f.Body != nil || string(f.Bytes) != src {
			t.Errorf("%s: Files keeps the body (%v) or lost the source", name, f.Body != nil)
		}
	}
	if len(cfg.Graph.Entities) != 2 {
		t.Fatalf("%d entities, want 2", len(cfg.Graph.Entities))
	}
	for _, o := range cfg.Graph.Entities {
		b := cfg.origin(o)
		if b == nil {
			t.Fatalf("%s: no origin", o.Address)
		}
		if b.attrs != nil || b.preventDestroyExpr != nil {
			t.Errorf("%s: block keeps its attributes' syntax trees", o.Address)
		}
		if r := cfg.Range(o, "name"); r == nil || r.Start.Line != 8 || r.Start.Column != 3 {
			t.Errorf("%s: Range(name) = %v, want line 8 column 3", o.Address, r)
		}
		if r := cfg.Range(o, "missing"); r == nil || r.Start.Line != 5 {
			t.Errorf("%s: Range(missing) = %v, want the block's definition on line 5", o.Address, r)
		}
		if !cfg.Written(o, "_class") || cfg.Written(o, "_key") {
			t.Errorf("%s: Written(_class), Written(_key) = %v, %v; want true, false", o.Address, cfg.Written(o, "_class"), cfg.Written(o, "_key"))
		}
	}
	if !cfg.Protected(`entity.application.web["a"]`) {
		t.Error("prevent_destroy lost with the syntax trees")
	}
}

// TestReleasedBlockKeepsItsValue: a block lets go of its syntax trees as soon as it is
// evaluated, while blocks evaluated later may still read its value (whole, by instance key,
// or as an endpoint); the value goes only when Load returns.
func TestReleasedBlockKeepsItsValue(t *testing.T) {
	dir := t.TempDir()
	src := `integration {
  type = "my-inventory"
}

entity "team" "a" {
  _class = "Team"
  name   = "Alpha"
}

entity "team" "b" {
  _class = "Team"
  name   = "${entity.team.a.name}-b"
  email  = entity.team.a.displayName
}

entity "team" "many" {
  for_each = toset(["x", "y"])
  _class   = "Team"
  name     = "${entity.team.b.name}-${each.key}"
}

relationship "a_has_x" {
  _class = "HAS"
  from   = entity.team.a
  to     = entity.team.many["x"]
  note   = entity.team.many["y"].name
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(Options{Dir: dir})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got, xKey := map[string]any{}, ""
	for _, o := range cfg.Graph.All() {
		if o.Address == `entity.team.many["x"]` {
			xKey = o.Key()
		}
		got[o.Address] = o.Props["name"]
		if o.Address == "relationship.a_has_x" {
			got["note"], got["to"] = o.Props["note"], o.Props["_toEntityKey"]
		}
		if o.Address == "entity.team.b" {
			got["email"] = o.Props["email"]
		}
	}
	want := map[string]any{
		"entity.team.a": "Alpha", "entity.team.b": "Alpha-b", "email": "Alpha",
		`entity.team.many["x"]`: "Alpha-b-x", `entity.team.many["y"]`: "Alpha-b-y",
		"relationship.a_has_x": nil, "note": "Alpha-b-y", "to": xKey,
	}
	if xKey == "" {
		t.Fatal(`no entity.team.many["x"]`)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	for addr, b := range cfg.blocks {
		if b.attrs != nil || b.value != cty.NilVal {
			t.Errorf("%s keeps its syntax trees or its value after Load", addr)
		}
	}
}
