package lang_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/j1hcl/j1hcl/lang"
)

// FuzzLoad feeds arbitrary configuration text to the loader: it must never panic, and every
// error must come back as a diagnostic.
func FuzzLoad(f *testing.F) {
	for _, p := range []string{"../examples/billing-acme/main.hcl", "../examples/csv-inventory/main.hcl"} {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(string(src))
		}
	}
	f.Add(integ + `entity "t" "a" {
  for_each = { a = 1, b = [2] }
  _class   = each.value
  name     = "${each.key}"
}
relationship "r" {
  _class = "HAS"
  from   = entity.t.a["a"]
  to     = "k"
}
`)
	f.Add(integ + "locals {\n  a = try(jsondecode(\"{\"), {})\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		// teams.csv lets the csv-inventory seed get past file().
		os.WriteFile(filepath.Join(dir, "teams.csv"), []byte("id,name,email,slack\na,A,a@x,#a\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "hosts.csv"), []byte("id,hostname,ip,os,team,environment,created,last_seen\nh,h,1,l,a,p,2024-01-01,2024-01-01\n"), 0o644)
		cfg, diags := lang.Load(lang.Options{Dir: dir})
		if cfg == nil {
			t.Fatal("Load returned no config")
		}
		for _, d := range diags {
			if d.Summary == "" {
				t.Errorf("diagnostic without a summary: %#v", d)
			}
		}
	})
}
