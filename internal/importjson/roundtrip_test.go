package importjson

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/lang"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// importAndExport converts payload, writes the files into a fresh directory, loads that
// directory with lang.Load and exports it as j1hcl export does. It returns the result and the
// exported upload JSON.
func importAndExport(t testing.TB, payload []byte, opts Options) (*Result, []byte) {
	t.Helper()
	res, err := Convert(payload, opts)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	assertFormatted(t, res)
	dir := t.TempDir()
	if err := res.Write(dir); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return res, exportDir(t, dir)
}

// assertFormatted holds the generated files to hclwrite.Format's canonical layout, which
// j1hcl fmt -check enforces.
func assertFormatted(t testing.TB, res *Result) {
	t.Helper()
	for _, f := range res.Files {
		if formatted := hclwrite.Format(f.Content); !bytes.Equal(formatted, f.Content) {
			t.Fatalf("%s is not in canonical format; hclwrite.Format makes it:\n%s\nfrom:\n%s", f.Name, formatted, f.Content)
		}
	}
}

// exportDir is j1hcl export of a configuration directory.
func exportDir(t testing.TB, dir string) []byte {
	t.Helper()
	cfg, diags := lang.Load(lang.Options{Dir: dir})
	if diags.HasErrors() {
		t.Fatalf("lang.Load(%s): %s", dir, diags.Error())
	}
	var buf bytes.Buffer
	if err := model.PayloadOf(cfg.Graph).WriteJSON(&buf, "  "); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// assertSamePayload compares two upload payloads as sets of objects keyed by _key.
func assertSamePayload(t testing.TB, want, got []byte) {
	t.Helper()
	w, err := model.DecodePayload(want)
	if err != nil {
		t.Fatalf("decode the input payload: %v", err)
	}
	g, err := model.DecodePayload(got)
	if err != nil {
		t.Fatalf("decode the exported payload: %v", err)
	}
	if diffs := diffGraphs(w, g); len(diffs) > 0 {
		if len(diffs) > 10 {
			diffs = diffs[:10]
		}
		t.Fatalf("export does not reproduce the payload:\n%s", strings.Join(diffs, "\n"))
	}
	if w.Len() != g.Len() {
		t.Fatalf("export has %d objects, the payload %d", g.Len(), w.Len())
	}
}

// TestRoundTripPayloads imports the guide's payloads (and one of awkward strings, names and
// numbers), exports the result and expects the same payload back.
func TestRoundTripPayloads(t *testing.T) {
	for _, name := range []string{"guide.json", "guide_entity.json", "guide_relationship.json", "guide_mapped.json", "awkward.json"} {
		t.Run(name, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			res, exported := importAndExport(t, payload, Options{Source: name})
			if len(res.Notes) > 0 {
				t.Errorf("the guide's payloads need no normalization, got notes %v", res.Notes)
			}
			assertSamePayload(t, payload, exported)
			if err := res.Verify(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRoundTripExamples exports each example, imports the export and exports again: the two
// exports must be the same payload.
func TestRoundTripExamples(t *testing.T) {
	for _, dir := range []string{"billing-acme", "csv-inventory"} {
		t.Run(dir, func(t *testing.T) {
			first := exportDir(t, filepath.Join("..", "..", "examples", dir))
			res, second := importAndExport(t, first, Options{Source: dir + ".json"})
			assertSamePayload(t, first, second)
			if len(res.Notes) > 0 {
				t.Errorf("an export needs no normalization, got notes %v", res.Notes)
			}
		})
	}
}

// TestGolden pins the generated HCL of the guide's payloads, to review it for idiom: it should
// read like examples/billing-acme/main.hcl. Regenerate with go test -update.
func TestGolden(t *testing.T) {
	for _, name := range []string{"guide.json", "guide_entity.json", "guide_relationship.json", "guide_mapped.json", "awkward.json"} {
		t.Run(name, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Convert(payload, Options{Source: name})
			if err != nil {
				t.Fatal(err)
			}
			assertFormatted(t, res)
			ar := &txtar.Archive{}
			for _, f := range res.Files {
				ar.Files = append(ar.Files, txtar.File{Name: f.Name, Data: f.Content})
			}
			got := txtar.Format(ar)
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".json")+".txtar")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("generated files differ from %s (go test -update rewrites it):\n%s", golden, got)
			}
		})
	}
}
