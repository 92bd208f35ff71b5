package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/datamodel"
)

func TestIntegrity(t *testing.T) {
	// sha512 of the empty input, as npm would write it.
	const want = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
	if got := integrity(nil); got != want {
		t.Errorf("integrity(empty) = %s, want %s", got, want)
	}
}

// fakePackage is a miniature of the package's tarball layout.
func fakePackage(t *testing.T, edit func(map[string]string)) []byte {
	t.Helper()
	schema := func(name, body string) string {
		return `{"$schema":"http://json-schema.org/draft-07/schema#","$id":"#` + name + `","type":"object"` + body + `}`
	}
	files := map[string]string{
		"package.json":                 `{"name":"@jupiterone/data-model","version":"` + datamodel.Version + `","license":"MPL-2.0"}`,
		classDir + "GraphObject.json":  schema("GraphObject", `,"properties":{"_key":{"type":"string","minLength":10}},"required":["_key"]`),
		classDir + "Entity.json":       schema("Entity", `,"allOf":[{"$ref":"#GraphObject"},{"properties":{"name":{"type":"string"}},"required":["name"]}]`),
		classDir + "RecordEntity.json": schema("RecordEntity", `,"allOf":[{"$ref":"#GraphObject"}]`),
		classDir + "Host.json":         schema("Host", `,"allOf":[{"$ref":"#Entity"},{"properties":{"hostname":{"type":"string"}},"required":["hostname"]}]`),
		"dist/RelationshipClass.js": `exports.RelationshipClass = void 0;
var RelationshipClass;
(function (RelationshipClass) {
    /**
     * A possessive association.
     *
     * - Account - HAS -> User
     */
    RelationshipClass["HAS"] = "HAS";
    RelationshipClass["IS"] = "IS";
})(RelationshipClass = exports.RelationshipClass || (exports.RelationshipClass = {}));
`,
		"dist/RelationshipClass.d.ts": `export declare enum RelationshipClass {
    /** A possessive association. */
    HAS = "HAS",
    IS = "IS"
}
`,
		"dist/index.js": `const HostRelationshipsSchema_json_1 = __importDefault(require("./relationship_schemas/HostRelationshipsSchema.json"));
exports.relationshipRules = [
    ...HostRelationshipsSchema_json_1.default.rules,
];
`,
		ruleDir + "HostRelationshipsSchema.json": `{"rules":[{"id":"r1","description":"Host -> Host must use HAS","sourceClass":"Host","targetClass":"Host","allowedVerbs":["HAS"],"directionEnforced":true,"status":"proposed"}]}`,
	}
	var index strings.Builder
	for _, n := range []string{"Entity", "GraphObject", "Host", "RecordEntity"} {
		index.WriteString("const " + n + `_json_1 = __importDefault(require("./` + n + `.json"));` + "\n")
		index.WriteString("exports." + n + " = " + n + "_json_1.default;\n")
	}
	files[classDir+"index.js"] = index.String()
	if edit != nil {
		edit(files)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExtractProducesAParsableDocument(t *testing.T) {
	files, err := untar(fakePackage(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	doc, license, err := extract(files)
	if err != nil {
		t.Fatal(err)
	}
	if license != nil {
		t.Errorf("licence found in a package without one")
	}
	data, err := encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := datamodel.Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, data)
	}
	if got := m.ClassNames(); strings.Join(got, ",") != "Entity,GraphObject,Host,RecordEntity" {
		t.Errorf("classes %v", got)
	}
	if rc, ok := m.RelationshipClass("HAS"); !ok || rc.Description != "A possessive association.\n\n- Account - HAS -> User" {
		t.Errorf("HAS = %+v", rc)
	}
	if rc, _ := m.RelationshipClass("IS"); rc.Description != "" {
		t.Errorf("IS has description %q", rc.Description)
	}
	if got := m.Class("Host").Required(); strings.Join(got, ",") != "_key,name,hostname" {
		t.Errorf("Host requires %v", got)
	}
	if len(m.RelationshipRules()) != 1 {
		t.Errorf("rules %+v", m.RelationshipRules())
	}
}

func TestExtractRefusals(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(map[string]string)
		wantErr string
	}{
		{"wrong version", func(f map[string]string) {
			f["package.json"] = `{"name":"@jupiterone/data-model","version":"0.0.1","license":"MPL-2.0"}`
		}, "want @jupiterone/data-model@" + datamodel.Version},
		{"licence changed", func(f map[string]string) {
			f["package.json"] = `{"name":"@jupiterone/data-model","version":"` + datamodel.Version + `","license":"UNLICENSED"}`
		}, "not MPL-2.0"},
		{"schema not exported", func(f map[string]string) { f[classDir+"Extra.json"] = `{"$id":"#Extra"}` }, "not exported"},
		{"relationship classes disagree", func(f map[string]string) {
			f["dist/RelationshipClass.d.ts"] = strings.Replace(f["dist/RelationshipClass.d.ts"], `IS = "IS"`, `ISA = "ISA"`, 1)
		}, ".d.ts has ISA"},
		{"unknown rule file", func(f map[string]string) { f[ruleDir+"Other.json"] = `{"rules":[]}` }, "not part of relationshipRules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := untar(fakePackage(t, tt.edit))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = extract(files)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("extract error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// A tarball whose hash is not the pinned one is refused before anything is written.
func TestRunRefusesUnpinnedTarball(t *testing.T) {
	dir := t.TempDir()
	tgz := filepath.Join(dir, "pkg.tgz")
	if err := os.WriteFile(tgz, fakePackage(t, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	err := run(out, tgz, false, filepath.Join(dir, "testdata"))
	if err == nil || !strings.Contains(err.Error(), "does not match the pinned") {
		t.Fatalf("run error %v, want an integrity mismatch", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output directory was created: %v", err)
	}
}
