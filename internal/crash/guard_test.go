package crash

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// goroutineStart matches the ways Go code starts a goroutine without this package.
var goroutineStart = regexp.MustCompile(`(^|[^.\w])go (func\b|[\w.]+\()|\bwg\.Go\(`)

// TestEveryGoroutineIsStartedThroughCrash keeps the promise of the package as code grows: a
// goroutine started with a bare go statement would bring back exit status 2 on a panic. The
// emulator is left out: net/http recovers its handlers' panics, and it is a server of its own;
// so is the benchmarks' standard-library floor, which must use nothing of j1hcl.
func TestEveryGoroutineIsStartedThroughCrash(t *testing.T) {
	root := filepath.Join("..", "..")
	var offenders []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch rel {
			case ".git", filepath.Join("internal", "emulator"), filepath.Join("internal", "crash"), filepath.Join("internal", "backend", "backendtest"), filepath.Join("internal", "benchfixture", "baseline"), "scripts", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			code, _, _ := strings.Cut(line, "//")
			if goroutineStart.MatchString(code) {
				offenders = append(offenders, rel+":"+strconv.Itoa(i+1)+": "+strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range offenders {
		t.Errorf("start this goroutine with crash.Go or crash.GoWait: %s", o)
	}
}
