package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/lang"
)

// TestLanguageReferenceListsEveryFunction: each function a configuration can call is named in
// language.md, so a function added to lang cannot go undocumented.
func TestLanguageReferenceListsEveryFunction(t *testing.T) {
	page, err := os.ReadFile("language.md")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for name := range lang.Functions(t.TempDir()) {
		if !strings.Contains(string(page), "`"+name+"`") && !strings.Contains(string(page), "`"+name+"(") {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("language.md does not name these functions: %s", strings.Join(missing, ", "))
	}
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestLinksResolve: every relative link in the README and the pages under docs/ names a file
// of the repository (and never one outside it, such as ../shared).
func TestLinksResolve(t *testing.T) {
	pages := []string{"../README.md"}
	for _, pattern := range []string{"*.md", "*/*.md", "../examples/*/README.md"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, files...)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range pages {
		src, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.Contains(line, "-->") && !strings.Contains(line, "<!--") {
				t.Errorf("%s:%d shows the end of an HTML comment: %s", page, i+1, line)
			}
		}
		if strings.Contains(string(src), "../shared") {
			t.Errorf("%s points at ../shared, which is not part of the repository", page)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(src), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			abs, err := filepath.Abs(filepath.Join(filepath.Dir(page), target))
			if err != nil {
				t.Fatal(err)
			}
			if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s links %s, outside the repository", page, m[1])
				continue
			}
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s links %s, which does not exist", page, m[1])
			}
		}
	}
}
