package lang_test

import (
	"flag"
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
	// One directory for the whole run: the CSV files let the csv-inventory seed get past
	// file(), and the configuration itself is passed in memory. Writing and removing a
	// directory per input made each execution cost milliseconds of file-system calls, so the
	// fuzzer spent its whole budget minimizing its first interesting inputs.
	dir := f.TempDir()
	for name, data := range map[string]string{
		"teams.csv": "id,name,email,slack\na,A,a@x,#a\n",
		"hosts.csv": "id,hostname,ip,os,team,environment,created,last_seen\nh,h,1,l,a,p,2024-01-01,2024-01-01\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	limitMinimization()
	f.Fuzz(func(t *testing.T, src string) {
		cfg, diags := lang.Load(lang.Options{Dir: dir, Sources: map[string][]byte{"main.hcl": []byte(src)}})
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

// limitMinimization caps the fuzzer's minimization of each new input at 50 executions,
// unless -fuzzminimizetime is given. Almost every mutation of a configuration reaches new
// code, and by default the fuzzer minimizes each such input for up to 60 s with executions
// it does not count: a 25 s run reported 7 executions while its workers ran about 3,700 per
// second. Limited, the same run reports tens of thousands.
func limitMinimization() {
	set := false
	flag.Visit(func(fl *flag.Flag) { set = set || fl.Name == "test.fuzzminimizetime" })
	if fl := flag.Lookup("test.fuzzminimizetime"); fl != nil && !set {
		if err := fl.Value.Set("50x"); err != nil {
			panic(err)
		}
	}
}
