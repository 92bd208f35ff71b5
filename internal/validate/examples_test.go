package validate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/j1hcl/j1hcl/internal/datamodel"
	"github.com/j1hcl/j1hcl/internal/validate"
	"github.com/j1hcl/j1hcl/lang"
)

// TestExamples runs every rule, with the embedded data model, over the configurations in
// examples/: none may have an error. The guide's own example (billing-acme) must be clean
// of warnings too; the others' warnings are logged, for a reviewer to judge.
func TestExamples(t *testing.T) {
	m, err := datamodel.Load()
	if err != nil {
		t.Fatal(err)
	}
	classes := validate.NewDataModelCatalog(m)
	dirs, err := filepath.Glob(filepath.Join("..", "..", "examples", "*"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range dirs {
		if files, err := lang.ConfigFiles(dir); err != nil || len(files) == 0 {
			continue // not a configuration (examples/ci holds CI recipes)
		}
		checked++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cfg, diags := lang.Load(lang.Options{Dir: dir, Environ: os.Environ()})
			if diags.HasErrors() {
				t.Fatalf("load: %s", diags.Error())
			}
			fs := validate.Graph(cfg.Graph, validate.Options{
				Mode: cfg.Integration.SyncMode, IntegrationType: cfg.Integration.Type,
				Written: cfg.Written, Classes: classes,
			})
			for _, f := range fs {
				t.Logf("%s %s %s: %s", f.Code, f.Severity, f.Summary, f.Detail())
				if f.Severity == validate.Error {
					t.Errorf("%s is an error", f.Code)
				}
			}
			if filepath.Base(dir) == "billing-acme" && len(fs) > 0 {
				t.Errorf("the integration guide's example has %d findings; it must be clean", len(fs))
			}
		})
	}
	if checked < 2 {
		t.Fatalf("checked %d example configurations; want billing-acme and csv-inventory at least", checked)
	}
}
