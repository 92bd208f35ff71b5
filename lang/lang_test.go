package lang_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/lang"
)

// load writes files into a temporary directory and loads it.
func load(t *testing.T, files map[string]string, opts lang.Options) (*lang.Config, hcl.Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts.Dir = dir
	return lang.Load(opts)
}

const integ = `
integration {
  type        = "my-billing-acme"
  instance_id = "i-1"
  key_prefix  = "billing-acme"
}
`

func mustLoad(t *testing.T, src string, opts lang.Options) *lang.Config {
	t.Helper()
	cfg, diags := load(t, map[string]string{"main.hcl": integ + src}, opts)
	if diags.HasErrors() {
		t.Fatalf("unexpected diagnostics: %s", diags.Error())
	}
	return cfg
}

func objectJSON(o *model.Object) string { return string(model.MarshalObject(o.Props)) }

func TestDefaults(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // canonical JSON of every object, entities then relationships
	}{
		{
			name: "entity defaults",
			src:  "entity \"team\" \"engineering\" {\n  _class = \"Team\"\n  name = \"engineering\"\n}\n",
			want: []string{`{"_key":"billing-acme:team:engineering","_type":"team_my-billing-acme","_class":"Team","name":"engineering","displayName":"engineering"}`},
		},
		{
			name: "null attributes omitted and properties map",
			src: `entity "app" "x" {
  _class     = ["Application", "Service"]
  name       = "x"
  owner      = null
  properties = { "tag.Environment" = "prod", note = null }
}
`,
			want: []string{`{"_key":"billing-acme:app:x","_type":"app_my-billing-acme","_class":["Application","Service"],"name":"x","displayName":"x","tag.Environment":"prod"}`},
		},
		{
			name: "for_each over a set uses each.key in the key",
			src: `entity "team" "all" {
  for_each = toset(["b", "a"])
  _class   = "Team"
  name     = upper(each.value)
}
`,
			want: []string{
				`{"_key":"billing-acme:team:a","_type":"team_my-billing-acme","_class":"Team","name":"A","displayName":"A"}`,
				`{"_key":"billing-acme:team:b","_type":"team_my-billing-acme","_class":"Team","name":"B","displayName":"B"}`,
			},
		},
		{
			name: "relationship defaults and upper-cased class",
			src: `entity "team" "eng" {
  _class = "Team"
  name   = "eng"
}
entity "application" "slack" {
  _class = "Application"
  name   = "slack"
}
relationship "owns" {
  _class = "owns"
  from   = entity.team.eng
  to     = entity.application.slack
  weight = 3
}
`,
			want: []string{
				`{"_key":"billing-acme:team:eng","_type":"team_my-billing-acme","_class":"Team","name":"eng","displayName":"eng"}`,
				`{"_key":"billing-acme:application:slack","_type":"application_my-billing-acme","_class":"Application","name":"slack","displayName":"slack"}`,
				`{"_key":"billing-acme:team:eng|owns|billing-acme:application:slack","_type":"team_my-billing-acme_owns_application_my-billing-acme","_class":"OWNS","_fromEntityKey":"billing-acme:team:eng","_toEntityKey":"billing-acme:application:slack","weight":3}`,
			},
		},
		{
			name: "relationship endpoint as a key string of a configured entity",
			src: `entity "team" "eng" {
  _class = "Team"
  name   = "eng"
}
relationship "self" {
  _class = "MANAGES"
  from   = "billing-acme:team:eng"
  to     = entity.team.eng._key
}
`,
			want: []string{
				`{"_key":"billing-acme:team:eng","_type":"team_my-billing-acme","_class":"Team","name":"eng","displayName":"eng"}`,
				`{"_key":"billing-acme:team:eng|manages|billing-acme:team:eng","_type":"team_my-billing-acme_manages_my-billing-acme","_class":"MANAGES","_fromEntityKey":"billing-acme:team:eng","_toEntityKey":"billing-acme:team:eng"}`,
			},
		},
		{
			name: "mapped relationship defaults without target _key",
			src: `entity "user" "ann" {
  _class = "User"
  name   = "ann"
}
mapped_relationship "ann_is_person" {
  _class = "IS"
  from   = entity.user.ann
  target = { _type = "employee", _class = "Person", email = "ann@example.com" }
  target_filter_keys = [["_type", "email"]]
  skip_target_creation = false
}
`,
			want: []string{
				`{"_key":"billing-acme:user:ann","_type":"user_my-billing-acme","_class":"User","name":"ann","displayName":"ann"}`,
				`{"_key":"billing-acme:user:ann|is|FORWARD:_type=employee:email=ann@example.com","_type":"user_my-billing-acme_is_employee","_class":"IS","_mapping":{"sourceEntityKey":"billing-acme:user:ann","relationshipDirection":"FORWARD","targetFilterKeys":[["_type","email"]],"targetEntity":{"_type":"employee","_class":"Person","email":"ann@example.com"},"skipTargetCreation":false}}`,
			},
		},
		{
			name: "locals, variables and functions",
			src: `variable "owner" {
  type    = string
  default = "Platform"
}
locals {
  created = epochms("2024-11-01")
  id      = uuidv5("dns", "example.com")
}
entity "team" "p" {
  _class    = "Team"
  name      = lower(var.owner)
  createdOn = local.created
  uid       = local.id
  digest    = substr(sha256("x"), 0, 8)
  sso       = startswith("abc", "ab") && endswith("abc", "bc") && strcontains("abc", "b")
  all       = alltrue([true, true])
}
`,
			want: []string{`{"_key":"billing-acme:team:p","_type":"team_my-billing-acme","_class":"Team","name":"platform","displayName":"platform","all":true,"createdOn":1730419200000,"digest":"2d711642","sso":true,"uid":"cfbff0d1-9375-5685-968c-48ce8b15ae17"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, tt.src, lang.Options{})
			var got []string
			for _, o := range cfg.Graph.All() {
				got = append(got, objectJSON(o))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("objects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestRelationshipType(t *testing.T) {
	tests := []struct{ from, class, to, want string }{
		{"team_my-billing-acme", "OWNS", "application_my-billing-acme", "team_my-billing-acme_owns_application_my-billing-acme"},
		{"aws_account", "HAS", "aws_iam_user", "aws_account_has_iam_user"},
		{"user_acme", "MANAGES", "user_acme", "user_acme_manages_acme"},
		{"x_y", "HAS", "x", "x_y_has_x"},
		{"a_b_c", "USES", "a_b_d", "a_b_c_uses_d"},
		{"application_my-billing-acme", "USES", "aws_iam_role", "application_my-billing-acme_uses_aws_iam_role"},
	}
	for _, tt := range tests {
		if got := lang.RelationshipType(tt.from, tt.class, tt.to); got != tt.want {
			t.Errorf("RelationshipType(%q, %q, %q) = %q, want %q", tt.from, tt.class, tt.to, got, tt.want)
		}
	}
}

func TestVariables(t *testing.T) {
	src := `variable "count" {
  type = number
}
variable "tags" {
  type    = list(string)
  default = []
}
variable "secret" {
  type      = string
  sensitive = true
  default   = "s3cr3t"
}
variable "opts" {
  type = object({ env = string, tier = optional(number, 1) })
  default = { env = "prod" }
}
entity "team" "t" {
  _class = "Team"
  name   = "t"
  size   = var.count
  tags   = var.tags
  note   = var.secret
  env    = var.opts.env
  tier   = var.opts.tier
}
`
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "prod.j1vars"), []byte(`count = 3
tags = ["a", "b"]
`), 0o644)
	cfg := mustLoad(t, src, lang.Options{
		VarFiles: []string{filepath.Join(dir, "prod.j1vars")},
		Vars:     []string{"count=5"},
		Environ:  []string{"J1HCL_VAR_count=4", "J1HCL_VAR_unrelated=1"},
	})
	o := cfg.Graph.Entities[0]
	want := `{"_key":"billing-acme:team:t","_type":"team_my-billing-acme","_class":"Team","name":"t","displayName":"t","env":"prod","note":"s3cr3t","size":5,"tags":["a","b"],"tier":1}`
	if got := objectJSON(o); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !o.IsSensitive("note") || o.IsSensitive("size") {
		t.Errorf("sensitive = %v, want only note", o.Sensitive)
	}

	// The environment applies when no flag or file sets the variable.
	cfg = mustLoad(t, src, lang.Options{Environ: []string{"J1HCL_VAR_count=4"}})
	if got := string(model.AppendValueJSON(nil, cfg.Graph.Entities[0].Props["size"])); got != "4" {
		t.Errorf("size from environment = %v, want 4", got)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		opts    lang.Options
		summary string
		line    int
		detail  string
	}{
		{"missing integration", map[string]string{"main.hcl": `entity "a" "b" { _class = "Team" }`}, lang.Options{}, "Missing integration block", 1, "exactly one integration block"},
		{"syntax error", map[string]string{"main.hcl": integ + "entity \"a\" {\n"}, lang.Options{}, "", 0, ""},
		{"unknown block", map[string]string{"main.hcl": integ + "resource \"a\" \"b\" {}\n"}, lang.Options{}, "Unsupported block type", 7, ""},
		{"unknown variable", map[string]string{"main.hcl": integ + "entity \"team\" \"a\" {\n  _class = \"Team\"\n  name = var.nmae\n}\nvariable \"name\" { default = \"x\" }\n"}, lang.Options{}, "Reference to undeclared input variable", 9, `Did you mean "name"?`},
		{"missing variable value", map[string]string{"main.hcl": integ + "variable \"region\" { type = string }\n"}, lang.Options{}, "No value for required variable", 7, "-var 'region=…'"},
		{"wrong variable type", map[string]string{"main.hcl": integ + "variable \"n\" { type = number }\n"}, lang.Options{Vars: []string{"n=abc"}}, "Invalid value for variable", 0, "-var \"n=abc\""},
		{"variable validation", map[string]string{"main.hcl": integ + "variable \"n\" {\n  type = number\n  default = 11\n  validation {\n    condition = var.n < 10\n    error_message = \"n must be below 10.\"\n  }\n}\n"}, lang.Options{}, "Invalid value for variable", 11, "n must be below 10."},
		{"undeclared -var", map[string]string{"main.hcl": integ}, lang.Options{Vars: []string{"nope=1"}}, "Value for undeclared variable", 0, "declares no variable"},
		{"cycle", map[string]string{"main.hcl": integ + "locals {\n  a = local.b\n  b = local.a\n}\n"}, lang.Options{}, "Dependency cycle", 0, "local.a -> local.b -> local.a"},
		{"entity cycle", map[string]string{"main.hcl": integ + "entity \"t\" \"a\" {\n  _class = \"Team\"\n  name = entity.t.b.name\n}\nentity \"t\" \"b\" {\n  _class = \"Team\"\n  name = entity.t.a.name\n}\n"}, lang.Options{}, "Dependency cycle", 7, "entity.t.a -> entity.t.b -> entity.t.a"},
		{"each outside for_each", map[string]string{"main.hcl": integ + "entity \"t\" \"a\" {\n  _class = \"Team\"\n  name = each.key\n}\n"}, lang.Options{}, `Reference to "each" in a block without for_each`, 9, ""},
		{"for_each over numbers", map[string]string{"main.hcl": integ + "entity \"t\" \"a\" {\n  for_each = [1, 2]\n  _class = \"Team\"\n  name = each.key\n}\n"}, lang.Options{}, "Invalid for_each argument", 8, "needs strings"},
		{"for_each null", map[string]string{"main.hcl": integ + "entity \"t\" \"a\" {\n  for_each = null\n  _class = \"Team\"\n  name = each.key\n}\n"}, lang.Options{}, "Invalid for_each argument", 8, "null"},
		{"file outside the directory", map[string]string{"main.hcl": integ + "locals {\n  s = file(\"../secret\")\n}\n"}, lang.Options{}, "Invalid function argument", 8, "outside the configuration directory"},
		{"proc environ", map[string]string{"main.hcl": integ + "locals {\n  s = file(\"/proc/self/environ\")\n}\n"}, lang.Options{}, "Invalid function argument", 8, "outside the configuration directory"},
		{"property set twice", map[string]string{"main.hcl": integ + "entity \"t\" \"a\" {\n  _class = \"Team\"\n  name = \"a\"\n  properties = { name = \"b\" }\n}\n"}, lang.Options{}, "Property set twice", 10, ""},
		{"from is a for_each map", map[string]string{"main.hcl": integ + "entity \"t\" \"all\" {\n  for_each = toset([\"a\"])\n  _class = \"Team\"\n  name = each.key\n}\nrelationship \"r\" {\n  _class = \"HAS\"\n  from = entity.t.all\n  to = entity.t.all[\"a\"]\n}\n"}, lang.Options{}, "Invalid from value", 14, "pick one instance"},
		{"unknown entity reference", map[string]string{"main.hcl": integ + "entity \"team\" \"eng\" { _class = \"Team\" }\nrelationship \"r\" {\n  _class = \"HAS\"\n  from = entity.team.egn\n  to = entity.team.eng\n}\n"}, lang.Options{}, "Reference to undeclared entity", 10, `Did you mean "eng"?`},
		{"duplicate blocks", map[string]string{"a.hcl": integ + "entity \"t\" \"a\" { _class = \"Team\" }\n", "b.hcl": "entity \"t\" \"a\" { _class = \"Team\" }\n"}, lang.Options{}, "Duplicate block", 1, "already declared"},
		{"bad integration type", map[string]string{"main.hcl": "integration {\n  type = \"My Type\"\n}\n"}, lang.Options{}, "Invalid integration type", 2, "kebab-case"},
		{"bad sync mode", map[string]string{"main.hcl": "integration {\n  type = \"x\"\n  sync_mode = \"CREATE_OR_UPDATE\"\n}\n"}, lang.Options{}, "Invalid sync_mode", 3, ""},
		{"nested block in entity", map[string]string{"main.hcl": integ + "entity \"t\" \"a\" {\n  _class = \"Team\"\n  target {\n  }\n}\n"}, lang.Options{}, "Unsupported block type", 9, ""},
		{"no timestamp function", map[string]string{"main.hcl": integ + "locals {\n  t = timestamp()\n}\n"}, lang.Options{}, "Call to unknown function", 8, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := load(t, tt.files, tt.opts)
			if !diags.HasErrors() {
				t.Fatal("expected an error")
			}
			d := diags.Errs()[0].(*hcl.Diagnostic)
			for _, e := range diags {
				if e.Severity == hcl.DiagError {
					d = e
					break
				}
			}
			if tt.summary != "" && d.Summary != tt.summary {
				t.Errorf("summary = %q, want %q (detail %q)", d.Summary, tt.summary, d.Detail)
			}
			if tt.line > 0 {
				if d.Subject == nil {
					t.Fatalf("no subject range; want line %d", tt.line)
				}
				if d.Subject.Start.Line != tt.line {
					t.Errorf("line = %d, want %d (%s)", d.Subject.Start.Line, tt.line, d.Subject)
				}
			}
			if tt.detail != "" && !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("detail = %q, want it to contain %q", d.Detail, tt.detail)
			}
		})
	}
}

func TestFileFunctions(t *testing.T) {
	files := map[string]string{
		"main.hcl": integ + `locals {
  rows  = csvdecode(file("data/teams.csv"))
  cfg   = yamldecode(file("data/cfg.yaml"))
  exist = [fileexists("data/teams.csv"), fileexists("data/none.csv")]
  set   = fileset(".", "data/**/*.csv")
  note  = templatefile("data/note.tmpl", { team = "eng" })
}
entity "team" "all" {
  for_each = { for r in local.rows : r.id => r }
  _class   = "Team"
  name     = each.value.name
  region   = local.cfg.region
  exists   = local.exist
  files    = tolist(local.set)
  note     = local.note
}
`,
		"data/teams.csv":      "id,name\neng,Engineering\n",
		"data/sub/other.csv":  "x\n",
		"data/cfg.yaml":       "region: eu\n",
		"data/note.tmpl":      "owned by ${team}",
		"data/ignored.hcl.no": "",
	}
	cfg, diags := load(t, files, lang.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := `{"_key":"billing-acme:team:eng","_type":"team_my-billing-acme","_class":"Team","name":"Engineering","displayName":"Engineering","exists":[true,false],"files":["data/sub/other.csv","data/teams.csv"],"note":"owned by eng","region":"eu"}`
	if got := objectJSON(cfg.Graph.Entities[0]); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestSymlinkEscape(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("TOKEN"), 0o600)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(integ+"locals {\n  s = file(\"link/secret\")\n}\n"), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	_, diags := lang.Load(lang.Options{Dir: dir})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "outside the configuration directory") {
		t.Fatalf("want an outside-the-directory error, got %v", diags)
	}
	if strings.Contains(diags.Error(), "TOKEN") {
		t.Fatal("the secret leaked into a diagnostic")
	}
}

func TestJSONSyntax(t *testing.T) {
	files := map[string]string{
		"main.hcl.json": `{
  "integration": {"type": "my-billing-acme", "instance_id": "i-1", "key_prefix": "billing-acme"},
  "variable": {"n": {"default": 2}},
  "entity": {"team": {"eng": {"_class": "Team", "name": "eng", "size": "${var.n * 2}"}}}
}`,
	}
	cfg, diags := load(t, files, lang.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := `{"_key":"billing-acme:team:eng","_type":"team_my-billing-acme","_class":"Team","name":"eng","displayName":"eng","size":4}`
	if got := objectJSON(cfg.Graph.Entities[0]); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestLocatorAndProtection(t *testing.T) {
	cfg := mustLoad(t, `entity "team" "eng" {
  _class     = "Team"
  name       = "eng"
  properties = { "tag.Owner" = "x" }
  lifecycle {
    prevent_destroy = true
  }
}
`, lang.Options{})
	o := cfg.Graph.Entities[0]
	if r := cfg.Range(o, "name"); r == nil || r.Start.Line != 9 {
		t.Errorf("range of name = %v, want line 9", r)
	}
	if r := cfg.Range(o, "tag.Owner"); r == nil || r.Start.Line != 10 || r.Start.Column != 18 {
		t.Errorf("range of tag.Owner = %v, want line 10 column 18", r)
	}
	if r := cfg.Range(o, "_key"); r == nil || r.Start.Line != 7 {
		t.Errorf("range of defaulted _key = %v, want the block header on line 7", r)
	}
	if cfg.Written(o, "_key") || !cfg.Written(o, "name") {
		t.Error("Written: _key is a default, name is written")
	}
	if !cfg.Protected("entity.team.eng") || !cfg.Protected(`entity.team.eng["x"]`) || cfg.Protected("entity.team.other") {
		t.Error("Protected does not follow prevent_destroy")
	}
}

// TestLoadSources evaluates configuration text given in memory, without reading Dir's files.
func TestLoadSources(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ignored.hcl"), []byte("this is not HCL {"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(lang.Options{Dir: dir, Sources: map[string][]byte{
		"main.hcl": []byte(integ + "entity \"team\" \"a\" {\n  _class = \"Team\"\n  name = \"a\"\n}\n"),
	}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if cfg.Graph.Len() != 1 || cfg.Files[filepath.Join(dir, "main.hcl")] == nil {
		t.Fatalf("got %d objects and files %v", cfg.Graph.Len(), cfg.Files)
	}
}

// TestAutoVarFiles: j1hcl.j1vars, then *.auto.j1vars files in name order, are loaded without
// -var-file, as Terraform loads terraform.tfvars and *.auto.tfvars; -var-file and -var
// override them, and the environment is overridden by them.
func TestAutoVarFiles(t *testing.T) {
	src := integ + `
variable "a" {}
variable "b" {}
variable "c" {}
variable "d" {}
entity "t" "x" {
  _class = "Team"
  name   = "x"
  a      = var.a
  b      = var.b
  c      = var.c
  d      = var.d
}
`
	dir := t.TempDir()
	files := map[string]string{
		"main.hcl":            src,
		"j1hcl.j1vars":        "a = \"default\"\nb = \"default\"\nc = \"default\"\nd = \"default\"\n",
		"1.auto.j1vars":       "b = \"auto1\"\nc = \"auto1\"\n",
		"2.auto.j1vars.json":  `{"c": "auto2"}`,
		"flag.j1vars":         "d = \"flag-file\"\n",
		"ignored.j1vars":      "a = \"never\"\n",
		"sub.auto.j1vars.txt": "not a variable file",
	}
	for name, s := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := lang.AutoVarFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"j1hcl.j1vars", "1.auto.j1vars", "2.auto.j1vars.json"}
	if len(got) != len(want) {
		t.Fatalf("AutoVarFiles = %v, want %v", got, want)
	}
	for i := range want {
		if filepath.Base(got[i]) != want[i] {
			t.Fatalf("AutoVarFiles = %v, want %v", got, want)
		}
	}
	cfg, diags := lang.Load(lang.Options{Dir: dir, VarFiles: []string{filepath.Join(dir, "flag.j1vars")}, Environ: []string{"J1HCL_VAR_a=env"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	o := cfg.Graph.Entities[0]
	for prop, want := range map[string]string{"a": "default", "b": "auto1", "c": "auto2", "d": "flag-file"} {
		if o.Props[prop] != want {
			t.Errorf("%s = %v, want %q", prop, o.Props[prop], want)
		}
	}
}

// TestKeyStringEndpointsInParallel: relationships whose endpoints are _key strings take the
// _type of the entities evaluated before them, also when enough of them are evaluated by
// several workers at once (go test -race checks the lookup table they share). The entities
// come from two blocks, so the table is built from both.
func TestKeyStringEndpointsInParallel(t *testing.T) {
	src := integ + `entity "team" "all" {
  for_each = toset([for i in concat(range(1000), range(1000, 1500)) : tostring(i)])
  _class   = "Team"
  name     = "t${each.key}"
}
entity "host" "one" {
  _class = "Host"
  name   = "h"
}
relationship "team_has_host" {
  for_each = toset([for i in concat(range(1000), range(1000, 1500)) : tostring(i)])
  _class   = "HAS"
  from     = "billing-acme:team:${each.key}"
  to       = "billing-acme:host:one"
}
`
	cfg, diags := lang.Load(lang.Options{Dir: t.TempDir(), Sources: map[string][]byte{"main.hcl": []byte(src)}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(cfg.Graph.Relationships) != 1500 {
		t.Fatalf("%d relationships, want 1500", len(cfg.Graph.Relationships))
	}
	for _, r := range cfg.Graph.Relationships {
		if got, want := r.Type(), "team_my-billing-acme_has_host_my-billing-acme"; got != want {
			t.Fatalf("%s: _type %q, want %q", r.Address, got, want)
		}
	}
}

// TestEndpointsInAnyOrder: relationships whose for_each runs in another order than their
// endpoints' blocks (reversed keys, one key many times, a key of another block) find the
// right entities.
func TestEndpointsInAnyOrder(t *testing.T) {
	src := `
locals {
  hosts = { for i in range(40) : format("h%02d", i) => i }
  pairs = { for i in range(40) : format("p%02d", i) => { from = format("h%02d", 39 - i), to = format("h%02d", (i * 7) % 40) } }
}
entity "host" "all" {
  for_each = local.hosts
  _class   = "Host"
  name     = each.key
}
relationship "connects" {
  for_each = local.pairs
  _class   = "CONNECTS"
  from     = entity.host.all[each.value.from]
  to       = entity.host.all[each.value.to]
}
relationship "self" {
  for_each = local.hosts
  _class   = "HAS"
  from     = entity.host.all[each.key]
  to       = entity.host.all["h00"]
}
`
	cfg, diags := load(t, map[string]string{"main.hcl": integ + src}, lang.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	byAddr := map[string]*model.Object{}
	for _, r := range cfg.Graph.Relationships {
		byAddr[r.Address] = r
	}
	host := func(i int) string { return fmt.Sprintf("billing-acme:host:h%02d", i) }
	for i := range 40 {
		r := byAddr[fmt.Sprintf(`relationship.connects["p%02d"]`, i)]
		if r == nil || r.Props["_fromEntityKey"] != host(39-i) || r.Props["_toEntityKey"] != host((i*7)%40) {
			t.Errorf("connects p%02d = %v, want %s -> %s", i, r, host(39-i), host((i*7)%40))
		}
		s := byAddr[fmt.Sprintf(`relationship.self["h%02d"]`, i)]
		if s == nil || s.Props["_fromEntityKey"] != host(i) || s.Props["_toEntityKey"] != host(0) {
			t.Errorf("self h%02d = %v, want %s -> %s", i, s, host(i), host(0))
		}
	}
}

// TestDerivedPropertiesPerInstance checks the properties an instance derives (a relationship's
// _class, _type and _key, an entity's default _type and displayName) when they change from
// one instance of a block to the next: each worker reuses the last one while it stays the same.
func TestDerivedPropertiesPerInstance(t *testing.T) {
	src := `
locals {
  xs = { for i in range(40) : format("x%02d", i) => i }
}
entity "team" "t" {
  _class = "Team"
  name   = "t"
}
entity "user" "u" {
  _class = "User"
  name   = "u"
}
entity "source" "all" {
  for_each = local.xs
  _class   = "Resource"
  _type    = each.value % 2 == 0 ? "even_source" : "odd_source"
  name     = each.key
}
entity "host" "all" {
  for_each = local.xs
  _class   = "Host"
  name     = each.key
  tags     = ["fixed", "list"]
}
relationship "mixed" {
  for_each = local.xs
  _class   = each.value % 3 == 0 ? "has" : "OWNS"
  from     = each.value % 2 == 0 ? entity.team.t : entity.user.u
  to       = entity.host.all[each.key]
}
relationship "typed" {
  for_each = local.xs
  _class   = "USES"
  from     = entity.source.all[each.key]
  to       = entity.host.all[each.key]
}
`
	cfg, diags := load(t, map[string]string{"main.hcl": integ + src}, lang.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	byAddr := map[string]*model.Object{}
	for _, o := range cfg.Graph.All() {
		byAddr[o.Address] = o
	}
	for i := range 40 {
		host := byAddr[fmt.Sprintf(`entity.host.all["x%02d"]`, i)]
		if host == nil || host.Props["displayName"] != fmt.Sprintf("x%02d", i) || host.Type() != "host_my-billing-acme" ||
			!reflect.DeepEqual(host.Props["tags"], []any{"fixed", "list"}) {
			t.Fatalf("host x%02d = %v", i, host)
		}
		cls, from, fromType := "OWNS", "billing-acme:user:u", "user_my-billing-acme"
		if i%3 == 0 {
			cls = "HAS"
		}
		if i%2 == 0 {
			from, fromType = "billing-acme:team:t", "team_my-billing-acme"
		}
		r := byAddr[fmt.Sprintf(`relationship.mixed["x%02d"]`, i)]
		want := model.Properties{
			"_class": cls, "_fromEntityKey": from, "_toEntityKey": host.Key(),
			"_key":  lang.RelationshipKey(from, cls, host.Key()),
			"_type": lang.RelationshipType(fromType, cls, "host_my-billing-acme"),
		}
		if r == nil || !reflect.DeepEqual(r.Props, want) {
			t.Errorf("mixed x%02d = %v, want %v", i, r, want)
		}
		srcType := "odd_source"
		if i%2 == 0 {
			srcType = "even_source"
		}
		r = byAddr[fmt.Sprintf(`relationship.typed["x%02d"]`, i)]
		if want := lang.RelationshipType(srcType, "USES", "host_my-billing-acme"); r == nil || r.Type() != want {
			t.Errorf("typed x%02d = %v, want _type %s", i, r, want)
		}
	}
}
