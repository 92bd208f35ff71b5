package lang_test

import (
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/lang"
)

// TestMovedKeepsIdentity: a moved block makes the renamed block's default _key the one its
// old address gave it, and DefaultKeyFrom says where each default _key came from.
func TestMovedKeepsIdentity(t *testing.T) {
	cfg := mustLoad(t, `
entity "team" "engineering" {
  _class = "Team"
  name   = "engineering"
}
moved {
  from = entity.team.eng
  to   = entity.team.engineering
}
entity "host" "servers" {
  for_each = toset(["a", "b"])
  _class   = "Host"
  name     = each.key
}
moved {
  from = entity.machine.all
  to   = entity.host.servers
}
entity "user" "u" {
  for_each = toset(["alice2"])
  _class   = "User"
  name     = each.key
}
moved {
  from = entity.user.u["alice"]
  to   = entity.user.u["alice2"]
}
entity "team" "pinned" {
  _key   = "pinned-key"
  _class = "Team"
  name   = "pinned"
}
entity "team" "plain" {
  _class = "Team"
  name   = "plain"
}
`, lang.Options{})
	want := map[string][2]string{ // address: _key, DefaultKeyFrom
		"entity.team.engineering":  {"billing-acme:team:eng", "entity.team.eng"},
		`entity.host.servers["a"]`: {"billing-acme:machine:a", `entity.machine.all["a"]`},
		`entity.host.servers["b"]`: {"billing-acme:machine:b", `entity.machine.all["b"]`},
		`entity.user.u["alice2"]`:  {"billing-acme:user:alice", `entity.user.u["alice"]`},
		"entity.team.pinned":       {"pinned-key", ""},
		"entity.team.plain":        {"billing-acme:team:plain", "entity.team.plain"},
	}
	for _, o := range cfg.Graph.Entities {
		w, ok := want[o.Address]
		if !ok {
			t.Errorf("unexpected %s", o.Address)
			continue
		}
		if o.Key() != w[0] || o.DefaultKeyFrom != w[1] {
			t.Errorf("%s: _key %q from %q, want %q from %q", o.Address, o.Key(), o.DefaultKeyFrom, w[0], w[1])
		}
	}
	if len(cfg.Moves) != 3 || cfg.Moves[0].From != "entity.team.eng" || cfg.Moves[0].To != "entity.team.engineering" || cfg.Moves[0].FromRange.Start.Line == 0 {
		t.Errorf("Moves = %+v", cfg.Moves)
	}
}

func TestImportBlocks(t *testing.T) {
	cfg := mustLoad(t, `
variable "k" { default = "live-key-2" }
entity "team" "eng" {
  _class = "Team"
  name   = "eng"
}
entity "user" "u" {
  for_each = toset(["alice"])
  _class   = "User"
  name     = each.key
}
import {
  to  = entity.team.eng
  key = "live-key-1"
}
import {
  to  = entity.user.u["alice"]
  key = var.k
}
`, lang.Options{})
	if len(cfg.Imports) != 2 || cfg.Imports[0].To != "entity.team.eng" || cfg.Imports[0].Key != "live-key-1" ||
		cfg.Imports[1].To != `entity.user.u["alice"]` || cfg.Imports[1].Key != "live-key-2" || cfg.Imports[1].ToRange.Start.Line == 0 {
		t.Fatalf("Imports = %+v", cfg.Imports)
	}
}

// TestImportAndMovedErrors: every malformed or inconsistent block gets a diagnostic at its
// argument.
func TestImportAndMovedErrors(t *testing.T) {
	blocks := `
entity "team" "eng" {
  _class = "Team"
  name   = "eng"
}
entity "user" "u" {
  for_each = toset(["alice"])
  _class   = "User"
  name     = each.key
}
relationship "r" {
  _class = "HAS"
  from   = entity.team.eng
  to     = entity.user.u["alice"]
}
`
	tests := []struct{ name, src, summary string }{
		{"import to nothing", `import {
  to  = entity.team.engg
  key = "k"
}`, "Import to an undeclared block"},
		{"import address as a string", `import {
  to  = "entity.team.eng"
  key = "k"
}`, "Invalid address"},
		{"import of a missing instance", `import {
  to  = entity.user.u["bob"]
  key = "k"
}`, "Import to an undeclared instance"},
		{"import to a for_each block", `import {
  to  = entity.user.u
  key = "k"
}`, "Import to a for_each block"},
		{"import key not a string", `import {
  to  = entity.team.eng
  key = 3 == 4
}`, "Invalid import key"},
		{"duplicate import", `import {
  to  = entity.team.eng
  key = "a"
}
import {
  to  = entity.team.eng
  key = "b"
}`, "Duplicate import block"},
		{"moved to nothing", `moved {
  from = entity.team.old
  to   = entity.team.new
}`, "Moved to an undeclared block"},
		{"moved between kinds", `moved {
  from = relationship.old
  to   = entity.team.eng
}`, "Move between different kinds of block"},
		{"moved from a declared block", `moved {
  from = entity.user.u
  to   = entity.team.eng
}`, "Moved from a declared block"},
		{"moved to a missing instance", `moved {
  from = entity.user.u["al"]
  to   = entity.user.u["bob"]
}`, "Moved to an undeclared instance"},
		{"moved from an existing instance", `moved {
  from = entity.user.u["alice"]
  to   = entity.team.eng
}`, "Moved from a declared instance"},
		{"duplicate moved", `moved {
  from = entity.team.old
  to   = entity.team.eng
}
moved {
  from = entity.team.old
  to   = entity.user.u["alice"]
}`, "Duplicate moved block"},
		{"two moves to one block", `moved {
  from = entity.team.a
  to   = entity.team.eng
}
moved {
  from = entity.team.b
  to   = entity.team.eng
}`, "Duplicate moved block"},
		{"chained moves", `moved {
  from = entity.team.a
  to   = entity.team.b
}
moved {
  from = entity.team.b
  to   = entity.team.eng
}`, "Chained moved blocks"},
		{"same address", `moved {
  from = entity.team.eng
  to   = entity.team.eng
}`, "Move to the same address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := load(t, map[string]string{"main.hcl": integ + blocks + tt.src}, lang.Options{})
			for _, d := range diags {
				if d.Summary == tt.summary {
					if d.Subject == nil || d.Subject.Start.Line < 22 {
						t.Errorf("diagnostic at %v, want the block's argument", d.Subject)
					}
					if !strings.HasSuffix(strings.TrimSpace(d.Detail), ".") {
						t.Errorf("detail is not a sentence: %q", d.Detail)
					}
					return
				}
			}
			t.Fatalf("no %q diagnostic in %v", tt.summary, diags)
		})
	}
}
