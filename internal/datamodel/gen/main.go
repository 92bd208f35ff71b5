// Command gen regenerates the embedded JupiterOne data model from the pinned npm package:
// it runs npm pack, verifies the tarball's sha512 integrity, extracts the class schemas,
// relationship classes and relationship rules, checks that the datamodel package can
// evaluate every schema, and writes schema/datamodel.json, schema/README.md and
// schema/LICENSE.
//
// Run it through go generate in internal/datamodel (make datamodel). With -oracle it also
// installs the verified tarball in a temporary directory and runs gen/oracle.js, the
// package's own validator, to refresh the expected verdicts in testdata; do that after a
// version bump, then review the test changes.
//
// To bump the version: change Version and Integrity in datamodel.go (from
// `npm view @jupiterone/data-model@VERSION dist.integrity`), which this command fetches
// and verifies, then run `go run ./gen -oracle` in internal/datamodel and `go test`.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/j1hcl/j1hcl/internal/datamodel"
)

func main() {
	out := flag.String("out", "schema", "directory to write datamodel.json, README.md and LICENSE to")
	tarball := flag.String("tarball", "", "use this package tarball instead of running npm pack (it is verified all the same)")
	oracle := flag.Bool("oracle", false, "also run gen/oracle.js with the package's own validator to refresh testdata")
	testdata := flag.String("testdata", "testdata", "testdata directory the oracle reads and writes")
	flag.Parse()
	if err := run(*out, *tarball, *oracle, *testdata); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out, tarballPath string, oracle bool, testdata string) error {
	tmp, err := os.MkdirTemp("", "j1hcl-datamodel-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	if tarballPath == "" {
		if tarballPath, err = npmPack(tmp); err != nil {
			return err
		}
	}
	tgz, err := os.ReadFile(tarballPath)
	if err != nil {
		return err
	}
	if got := integrity(tgz); got != datamodel.Integrity {
		return fmt.Errorf("%s: integrity %s does not match the pinned %s", tarballPath, got, datamodel.Integrity)
	}
	files, err := untar(tgz)
	if err != nil {
		return fmt.Errorf("read %s: %w", tarballPath, err)
	}
	doc, license, err := extract(files)
	if err != nil {
		return err
	}
	data, err := encode(doc)
	if err != nil {
		return err
	}
	// The evaluator must understand everything before the data is committed.
	m, err := datamodel.Parse(data)
	if err != nil {
		return fmt.Errorf("the datamodel package cannot use this version: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "datamodel.json"), data); err != nil {
		return err
	}
	if err := writeLicense(filepath.Join(out, "LICENSE"), license); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "README.md"), provenance(doc, m, license != nil)); err != nil {
		return err
	}
	fmt.Printf("gen: %s@%s: %d entity classes, %d relationship classes, %d relationship rules\n",
		datamodel.Package, datamodel.Version, len(doc.EntityClasses), len(doc.RelationshipClasses), len(doc.RelationshipRules))
	if oracle {
		return runOracle(tmp, tarballPath, testdata)
	}
	return nil
}

// npmPack downloads the pinned tarball into dir and returns its path.
func npmPack(dir string) (string, error) {
	cmd := exec.Command("npm", "pack", "--json", datamodel.Package+"@"+datamodel.Version)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("npm pack %s@%s: %w", datamodel.Package, datamodel.Version, err)
	}
	var packed []struct {
		Filename string `json:"filename"`
	}
	if err := json.Unmarshal(outb, &packed); err != nil || len(packed) != 1 || packed[0].Filename == "" {
		return "", fmt.Errorf("npm pack: unexpected output %q", outb)
	}
	return filepath.Join(dir, packed[0].Filename), nil
}

// integrity returns the npm (Subresource Integrity) sha512 string of data.
func integrity(data []byte) string {
	sum := sha512.Sum512(data)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// untar reads a gzipped npm tarball into memory, keyed by path below "package/".
func untar(tgz []byte) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name, ok := strings.CutPrefix(path.Clean(h.Name), "package/")
		if !ok {
			return nil, fmt.Errorf("unexpected path %q outside package/", h.Name)
		}
		b, err := io.ReadAll(io.LimitReader(tr, 16<<20))
		if err != nil {
			return nil, err
		}
		files[name] = b
	}
}

// document mirrors the shape datamodel.Parse reads.
type document struct {
	Package             string                     `json:"package"`
	Version             string                     `json:"version"`
	Integrity           string                     `json:"integrity"`
	License             string                     `json:"license"`
	EntityClasses       map[string]json.RawMessage `json:"entityClasses"`
	RelationshipClasses []relationshipClass        `json:"relationshipClasses"`
	RelationshipRules   []json.RawMessage          `json:"relationshipRules"`
}

type relationshipClass struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

const (
	classDir = "dist/class_schemas/"
	ruleDir  = "dist/relationship_schemas/"
)

// extract builds the document from the package's files; license is the package's licence
// text, or nil when it ships none.
func extract(files map[string][]byte) (doc *document, license []byte, err error) {
	var pkg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		License string `json:"license"`
	}
	if err := json.Unmarshal(files["package.json"], &pkg); err != nil {
		return nil, nil, fmt.Errorf("package.json: %w", err)
	}
	if pkg.Name != datamodel.Package || pkg.Version != datamodel.Version {
		return nil, nil, fmt.Errorf("package.json names %s@%s, want %s@%s", pkg.Name, pkg.Version, datamodel.Package, datamodel.Version)
	}
	if pkg.License != "MPL-2.0" {
		return nil, nil, fmt.Errorf("package licence is %q, not MPL-2.0: review before embedding", pkg.License)
	}
	doc = &document{
		Package: pkg.Name, Version: pkg.Version, Integrity: datamodel.Integrity, License: pkg.License,
		EntityClasses: map[string]json.RawMessage{},
	}

	exported, err := classIndex(files[classDir+"index.js"])
	if err != nil {
		return nil, nil, err
	}
	for _, name := range exported {
		raw, ok := files[classDir+name+".json"]
		if !ok {
			return nil, nil, fmt.Errorf("%sindex.js exports %s but %s.json is missing", classDir, name, name)
		}
		var id struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(raw, &id); err != nil {
			return nil, nil, fmt.Errorf("%s%s.json: %w", classDir, name, err)
		}
		if id.ID != "#"+name {
			return nil, nil, fmt.Errorf("%s%s.json: $id is %q", classDir, name, id.ID)
		}
		doc.EntityClasses[name] = raw
	}
	for f := range files {
		if n, ok := strings.CutPrefix(f, classDir); ok && strings.HasSuffix(n, ".json") {
			if _, listed := doc.EntityClasses[strings.TrimSuffix(n, ".json")]; !listed {
				return nil, nil, fmt.Errorf("%s is not exported by %sindex.js", f, classDir)
			}
		}
	}

	if doc.RelationshipClasses, err = relationshipClasses(files["dist/RelationshipClass.js"], files["dist/RelationshipClass.d.ts"]); err != nil {
		return nil, nil, err
	}
	if doc.RelationshipRules, err = relationshipRules(files); err != nil {
		return nil, nil, err
	}
	for _, name := range []string{"LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE"} {
		if b, ok := files[name]; ok {
			license = b
			break
		}
	}
	return doc, license, nil
}

var (
	exportRe  = regexp.MustCompile(`(?m)^exports\.(\w+) = (\w+)_json_1\.default;$`)
	requireRe = regexp.MustCompile(`(?m)^const (\w+)_json_1 = __importDefault\(require\("\./(\w+)\.json"\)\);$`)
)

// classIndex returns the class names dist/class_schemas/index.js exports, each from the
// JSON file of the same name.
func classIndex(js []byte) ([]string, error) {
	requires := map[string]string{}
	for _, m := range requireRe.FindAllSubmatch(js, -1) {
		requires[string(m[1])] = string(m[2])
	}
	var names []string
	for _, m := range exportRe.FindAllSubmatch(js, -1) {
		name, v := string(m[1]), string(m[2])
		if requires[v] != name || v != name {
			return nil, fmt.Errorf("%sindex.js: export %s is not %s.json", classDir, name, name)
		}
		names = append(names, name)
	}
	if len(names) == 0 || len(names) != len(requires) {
		return nil, fmt.Errorf("%sindex.js: %d exports for %d JSON files", classDir, len(names), len(requires))
	}
	sort.Strings(names)
	return names, nil
}

var (
	relAssignRe = regexp.MustCompile(`^\s*RelationshipClass\["(\w+)"\] = "(\w+)";$`)
	relDeclRe   = regexp.MustCompile(`^\s*(\w+) = "(\w+)",?$`)
)

// relationshipClasses reads the RelationshipClass enum from the compiled JavaScript, with
// each value's documentation comment, and cross-checks the names with the .d.ts file.
func relationshipClasses(js, dts []byte) ([]relationshipClass, error) {
	if js == nil || dts == nil {
		return nil, fmt.Errorf("dist/RelationshipClass.js or .d.ts is missing")
	}
	var out []relationshipClass
	var comment []string
	inComment := false
	sc := bufio.NewScanner(bytes.NewReader(js))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "/**"):
			inComment, comment = true, nil
			if rest := strings.TrimSuffix(strings.TrimPrefix(line, "/**"), "*/"); strings.TrimSpace(rest) != "" {
				comment = append(comment, strings.TrimSpace(rest))
			}
			if strings.HasSuffix(line, "*/") {
				inComment = false
			}
		case inComment && strings.HasSuffix(line, "*/"):
			inComment = false
		case inComment:
			comment = append(comment, strings.TrimPrefix(strings.TrimPrefix(line, "*"), " "))
		case relAssignRe.MatchString(line):
			m := relAssignRe.FindStringSubmatch(line)
			if m[1] != m[2] {
				return nil, fmt.Errorf("RelationshipClass.js: %s = %q", m[1], m[2])
			}
			out = append(out, relationshipClass{Name: m[1], Description: strings.TrimSpace(strings.Join(comment, "\n"))})
			comment = nil
		case strings.Contains(line, `RelationshipClass["`):
			return nil, fmt.Errorf("RelationshipClass.js: line not understood: %s", line)
		default:
			comment = nil
		}
	}
	var declared []string
	inEnum := false
	sc = bufio.NewScanner(bytes.NewReader(dts))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "export declare enum RelationshipClass {"):
			inEnum = true
		case inEnum && strings.HasPrefix(line, "}"):
			inEnum = false
		case inEnum:
			if m := relDeclRe.FindStringSubmatch(line); m != nil {
				declared = append(declared, m[1])
			}
		}
	}
	if len(out) == 0 || len(out) != len(declared) {
		return nil, fmt.Errorf("RelationshipClass: %d values in .js, %d in .d.ts", len(out), len(declared))
	}
	for i := range out {
		if out[i].Name != declared[i] {
			return nil, fmt.Errorf("RelationshipClass: .js has %s where .d.ts has %s", out[i].Name, declared[i])
		}
	}
	return out, nil
}

var ruleRequireRe = regexp.MustCompile(`require\("\./relationship_schemas/(\w+)\.json"\)`)

// relationshipRules returns the rules dist/index.js exports as relationshipRules, in its
// order: the rules of every relationship_schemas file it requires.
func relationshipRules(files map[string][]byte) ([]json.RawMessage, error) {
	index := files["dist/index.js"]
	var rules []json.RawMessage
	used := map[string]bool{}
	for _, m := range ruleRequireRe.FindAllSubmatch(index, -1) {
		name := ruleDir + string(m[1]) + ".json"
		used[name] = true
		var list struct {
			Rules []json.RawMessage `json:"rules"`
		}
		if err := json.Unmarshal(files[name], &list); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		rules = append(rules, list.Rules...)
	}
	if !bytes.Contains(index, []byte("exports.relationshipRules = [")) {
		return nil, fmt.Errorf("dist/index.js no longer exports relationshipRules as a list")
	}
	for f := range files {
		if strings.HasPrefix(f, ruleDir) && !used[f] {
			return nil, fmt.Errorf("%s is not part of relationshipRules in dist/index.js", f)
		}
	}
	return rules, nil
}

func encode(doc *document) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeLicense writes the package's licence text. The package ships none (only
// "license": "MPL-2.0" in package.json), so then the committed copy of the MPL-2.0 text
// stays, and must be there.
func writeLicense(name string, license []byte) error {
	if license != nil {
		return writeFile(name, license)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("the package ships no licence text and %s is missing: add the MPL-2.0 text: %w", name, err)
	}
	if !bytes.HasPrefix(b, []byte("Mozilla Public License Version 2.0")) {
		return fmt.Errorf("%s is not the MPL-2.0 text", name)
	}
	return nil
}

func provenance(doc *document, m *datamodel.Model, shippedLicense bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Embedded JupiterOne data model\n\n")
	fmt.Fprintf(&b, "Generated by `internal/datamodel/gen`; do not edit. Regenerate with `make datamodel`\n")
	fmt.Fprintf(&b, "(`go generate ./internal/datamodel`).\n\n")
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| package | `%s` |\n", doc.Package)
	fmt.Fprintf(&b, "| version | `%s` |\n", doc.Version)
	fmt.Fprintf(&b, "| integrity | `%s` |\n", doc.Integrity)
	fmt.Fprintf(&b, "| licence | %s (see LICENSE) |\n", doc.License)
	fmt.Fprintf(&b, "| command | `npm pack --json %s@%s`, then sha512 of the tarball checked against the integrity above |\n", doc.Package, doc.Version)
	fmt.Fprintf(&b, "| entity classes | %d (from `dist/class_schemas/*.json`) |\n", len(m.ClassNames()))
	fmt.Fprintf(&b, "| relationship classes | %d (from `dist/RelationshipClass.js`) |\n", len(m.RelationshipClasses()))
	fmt.Fprintf(&b, "| relationship rules | %d (from `dist/relationship_schemas/*.json`) |\n\n", len(m.RelationshipRules()))
	fmt.Fprintf(&b, "`datamodel.json` holds the class schemas verbatim (re-indented), the relationship classes\n")
	fmt.Fprintf(&b, "with their documentation comments, and the relationship rules.\n\n")
	if shippedLicense {
		fmt.Fprintf(&b, "`LICENSE` is the licence text shipped in the package.\n")
	} else {
		fmt.Fprintf(&b, "The package ships no licence file; its package.json declares `\"license\": \"MPL-2.0\"`.\n")
		fmt.Fprintf(&b, "`LICENSE` is the Mozilla Public License 2.0 text (as distributed by Mozilla, and by\n")
		fmt.Fprintf(&b, "Debian in /usr/share/common-licenses/MPL-2.0); the generator keeps it and checks it is there.\n")
	}
	return []byte(b.String())
}

// writeFile replaces name atomically, so an interrupted run leaves the old file.
func writeFile(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".gen-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// runOracle installs the verified tarball (npm resolves ajv and ajv-formats) and runs
// gen/oracle.js on the testdata corpus.
func runOracle(tmp, tarball, testdata string) error {
	dir := filepath.Join(tmp, "oracle")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"private": true}`+"\n"), 0o644); err != nil {
		return err
	}
	abs, err := filepath.Abs(tarball)
	if err != nil {
		return err
	}
	install := exec.Command("npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", abs)
	install.Dir, install.Stdout, install.Stderr = dir, os.Stderr, os.Stderr
	if err := install.Run(); err != nil {
		return fmt.Errorf("npm install %s: %w", tarball, err)
	}
	script, err := filepath.Abs(filepath.Join("gen", "oracle.js"))
	if err != nil {
		return err
	}
	td, err := filepath.Abs(testdata)
	if err != nil {
		return err
	}
	node := exec.Command("node", script, filepath.Join(dir, "node_modules", datamodel.Package), td)
	node.Stdout, node.Stderr = os.Stdout, os.Stderr
	if err := node.Run(); err != nil {
		return fmt.Errorf("node oracle.js: %w", err)
	}
	return nil
}
