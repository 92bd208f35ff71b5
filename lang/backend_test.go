package lang_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/lang"
)

func TestBackendAndEncryptionBlocks(t *testing.T) {
	src := integ + `
variable "pass" {
  type      = string
  sensitive = true
}
backend "s3" {
  bucket         = "acme-j1hcl"
  key            = "inventory/j1hcl.state.json"
  use_path_style = true
  retry_max      = 3
}
encryption {
  passphrase = var.pass
}
`
	for _, loadSettings := range []bool{false, true} {
		var st lang.StateSettings
		if loadSettings {
			cfg, diags := load(t, map[string]string{"main.hcl": src}, lang.Options{Environ: []string{"J1HCL_VAR_pass=open sesame"}})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got, diags := lang.LoadStateSettings(lang.Options{Dir: cfg.Dir, Environ: []string{"J1HCL_VAR_pass=open sesame"}})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			st = *got
		} else {
			cfg, diags := load(t, map[string]string{"main.hcl": src}, lang.Options{Environ: []string{"J1HCL_VAR_pass=open sesame"}})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			st = cfg.State
		}
		b := st.Backend
		if b == nil || b.Kind != "s3" || b.Settings["bucket"].Value != "acme-j1hcl" || b.Settings["use_path_style"].Value != "true" ||
			b.Settings["retry_max"].Value != "3" || b.Settings["key"].Range.Start.Line != 14 || b.DeclRange.Start.Line != 12 {
			t.Errorf("backend = %+v", b)
		}
		if st.Encryption == nil || st.Encryption.Passphrase != "open sesame" {
			t.Errorf("encryption = %+v", st.Encryption)
		}
	}
}

func TestBackendBlockErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
		line            int
	}{
		{"a reference", `backend "pg" {
  conn_str = var.x
}
variable "x" { default = "y" }`, "Backend settings must be literal values", 2},
		{"two blocks", `backend "pg" {}
backend "s3" {}`, "Duplicate backend block", 2},
		{"no label", `backend {}`, "Missing kind for backend", 1},
		{"empty passphrase", `encryption {
  passphrase = ""
}`, "Invalid encryption passphrase", 2},
		{"no passphrase", `encryption {}`, `The argument "passphrase" is required`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := load(t, map[string]string{"main.hcl": integ + tt.src}, lang.Options{})
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			d := diags[0]
			if !strings.Contains(d.Summary+d.Detail, tt.want) || d.Subject == nil || d.Subject.Start.Line != tt.line+strings.Count(integ, "\n") {
				t.Errorf("diagnostic = %s: %s at %v, want %q at line %d", d.Summary, d.Detail, d.Subject, tt.want, tt.line)
			}
		})
	}
}

// A passphrase given through a variable that is not marked sensitive still never shows in a
// diagnostic.
func TestPassphraseNeverInDiagnostics(t *testing.T) {
	src := integ + `
variable "pass" { default = "hunter2-secret" }
encryption { passphrase = var.pass }
entity "team" "a" {
  _class = "Team"
  name   = "a"
  email  = upper(var.pass) == "" ? 1 : tonumber(var.pass)
}
`
	_, diags := load(t, map[string]string{"main.hcl": src}, lang.Options{})
	for _, d := range diags {
		if strings.Contains(d.Summary+d.Detail, "hunter2-secret") {
			t.Errorf("diagnostic shows the passphrase: %s: %s", d.Summary, d.Detail)
		}
	}
}

// The state commands read the backend of a configuration that has other problems (here no
// integration block and an entity without _class): those are plan's to report.
func TestLoadStateSettingsIgnoresTheRest(t *testing.T) {
	dir := t.TempDir()
	src := "backend \"pg\" {\n  schema_name = \"s\"\n}\nentity \"team\" \"a\" {\n  name = 1\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got, diags := lang.LoadStateSettings(lang.Options{Dir: dir})
	if diags.HasErrors() || got.Backend == nil || got.Backend.Kind != "pg" {
		t.Fatalf("LoadStateSettings = %+v, %v", got, diags)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte("backend {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, diags := lang.LoadStateSettings(lang.Options{Dir: dir}); !diags.HasErrors() {
		t.Error("a backend block without its kind was accepted")
	}
}
