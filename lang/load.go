// Package lang loads a j1hcl configuration (HCL native or JSON syntax) and evaluates it into
// the desired graph, with variables, locals, for_each, functions and source ranges.
package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	hcljson "github.com/hashicorp/hcl/v2/json"

	"github.com/j1hcl/j1hcl/internal/crash"
)

// Configuration file name suffixes. Variable files conventionally end in .j1vars.
const (
	SuffixNative = ".hcl"
	SuffixJSON   = ".hcl.json"
)

// Options say where the configuration is and where variable values come from.
type Options struct {
	// Dir is the configuration directory; every *.hcl and *.hcl.json file directly in it is
	// read, in name order. File functions are confined to it.
	Dir string
	// Vars are -var NAME=VALUE arguments, in command-line order.
	Vars []string
	// VarFiles are -var-file paths (relative to the working directory), in order.
	VarFiles []string
	// Environ is the process environment (os.Environ()), for J1HCL_VAR_<name> values.
	Environ []string
	// Sources, when not nil, are the configuration files by name (relative to Dir), read
	// from memory instead of Dir's *.hcl and *.hcl.json files; file functions still read Dir.
	// Tests and fuzzing use it to evaluate text without writing files.
	Sources map[string][]byte
}

// configSources lists the configuration files in name order and returns how to read them.
func configSources(opts Options) ([]string, func(string) ([]byte, error), error) {
	if opts.Sources == nil {
		paths, err := ConfigFiles(opts.Dir)
		return paths, os.ReadFile, err
	}
	byPath := make(map[string][]byte, len(opts.Sources))
	paths := make([]string, 0, len(opts.Sources))
	for name, src := range opts.Sources {
		p := filepath.Join(opts.Dir, name)
		byPath[p] = src
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths, func(p string) ([]byte, error) { return byPath[p], nil }, nil
}

// ConfigFiles lists the configuration files of dir in name order.
func ConfigFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasSuffix(name, SuffixNative) || strings.HasSuffix(name, SuffixJSON) {
			files = append(files, filepath.Join(dir, name))
		}
	}
	sort.Strings(files)
	return files, nil
}

// ParseFile parses one configuration or variable file, choosing the syntax by its name. Input
// limits (nesting depth, number literals) are checked before parsing; a file that breaks them
// comes back with an empty body and the diagnostics, its bytes kept for snippets.
func ParseFile(name string, src []byte) (*hcl.File, hcl.Diagnostics) {
	if diags := checkSource(name, src); diags.HasErrors() {
		return &hcl.File{Body: hcl.EmptyBody(), Bytes: src}, diags
	}
	if strings.HasSuffix(name, ".json") {
		return hcljson.Parse(src, name)
	}
	return parseNative(src, name)
}

// parseFiles reads and parses files concurrently (see readFiles); the result keeps the input
// order.
func parseFiles(paths []string, read func(string) ([]byte, error)) ([]*hcl.File, hcl.Diagnostics) {
	return readFiles(paths, read, func(_ int, name string, src []byte) (*hcl.File, hcl.Diagnostics) {
		return ParseFile(name, src)
	})
}

// readFiles reads files concurrently, as many at a time as there are CPUs (the scanner's
// token list of a file is several times its size: parsing hundreds of files at once would
// hold them all), and hands each one's text to parse, in the goroutine that read it, with
// its index; the result keeps the input order.
func readFiles(paths []string, read func(string) ([]byte, error), parse func(i int, name string, src []byte) (*hcl.File, hcl.Diagnostics)) ([]*hcl.File, hcl.Diagnostics) {
	files := make([]*hcl.File, len(paths))
	diags := make([]hcl.Diagnostics, len(paths))
	var wg sync.WaitGroup
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, p := range paths {
		wg.Add(1)
		slots <- struct{}{}
		crash.Go(func() {
			defer func() { <-slots; wg.Done() }()
			src, err := read(p)
			if err != nil {
				diags[i] = hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Cannot read configuration file",
					Detail:   fmt.Sprintf("Reading %s failed: %s. Check that the file exists and is readable.", p, err),
				}}
				return
			}
			files[i], diags[i] = parse(i, p, src)
		})
	}
	wg.Wait()
	var all hcl.Diagnostics
	for _, d := range diags {
		all = append(all, d...)
	}
	return files, all
}
