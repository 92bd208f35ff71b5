package lang

import (
	"os"
	"path/filepath"
	"testing"
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
