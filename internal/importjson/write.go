package importjson

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/lang"
)

// Write creates the files in dir, which is made if missing. It refuses a directory that
// already holds configuration files (the import would become part of that configuration) and
// never overwrites a file: either every file is written, or none is left behind.
func (r *Result) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	existing, err := lang.ConfigFiles(dir)
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	if len(existing) > 0 {
		names := make([]string, 0, 3)
		for _, p := range existing[:min(3, len(existing))] {
			names = append(names, filepath.Base(p))
		}
		if len(existing) > 3 {
			names = append(names, "…")
		}
		return fmt.Errorf("%s already holds configuration files (%s); import-json never overwrites or adds to a configuration: choose an empty directory with -out", dir, strings.Join(names, ", "))
	}
	var created []string
	for _, f := range r.Files {
		path := filepath.Join(dir, f.Name)
		if err := writeNew(path, f.Content); err != nil {
			for _, p := range created {
				os.Remove(p)
			}
			return err
		}
		created = append(created, path)
	}
	return nil
}

// writeNew creates path, which must not exist, with content; on failure nothing is left.
func writeNew(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; import-json never overwrites files", path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Verify writes the files to a temporary directory, loads them as every j1hcl command does,
// and checks that they evaluate to exactly the payload (with Notes applied): the import's
// promise, checked rather than assumed. An error here is a bug in import-json.
func (r *Result) Verify() error {
	dir, err := os.MkdirTemp("", "j1hcl-import-json-")
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := r.Write(dir); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	cfg, diags := lang.Load(lang.Options{Dir: dir})
	if diags.HasErrors() {
		return fmt.Errorf("verify: the generated configuration does not load: %s", diags.Error())
	}
	if diffs := diffGraphs(r.expected, cfg.Graph); len(diffs) > 0 {
		if len(diffs) > 5 {
			diffs = append(diffs[:5], fmt.Sprintf("and %d more", len(diffs)-5))
		}
		return fmt.Errorf("verify: the generated configuration does not reproduce the payload: %s", strings.Join(diffs, "; "))
	}
	return nil
}

// diffGraphs compares two graphs as sets of objects keyed by _key, separately for entities
// and relationships, and describes every difference; none means they upload the same payload.
func diffGraphs(want, got *model.Graph) []string {
	var out []string
	for _, lists := range []struct {
		name      string
		want, got []*model.Object
	}{{"entity", want.Entities, got.Entities}, {"relationship", want.Relationships, got.Relationships}} {
		index := model.NewIndex(lists.got)
		if len(index) != len(lists.got) {
			out = append(out, fmt.Sprintf("the configuration has %d %s objects but only %d distinct _key values", len(lists.got), lists.name, len(index)))
		}
		found := make(map[string]bool, len(lists.want))
		for _, w := range lists.want {
			key := w.Key()
			found[key] = true
			g, ok := index[key]
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("%s %q is missing", lists.name, key))
			case g.Kind != w.Kind:
				out = append(out, fmt.Sprintf("%s %q is a %s, not a %s", lists.name, key, g.Kind, w.Kind))
			case !model.EqualProperties(w.Props, g.Props):
				out = append(out, fmt.Sprintf("%s %q (%s) differs in %s", lists.name, key, g.Address, strings.Join(differingProperties(w.Props, g.Props), ", ")))
			}
		}
		for _, g := range lists.got {
			if !found[g.Key()] {
				out = append(out, fmt.Sprintf("%s %q (%s) is not in the payload", lists.name, g.Key(), g.Address))
			}
		}
	}
	return out
}

// differingProperties names the properties whose values differ, with both values.
func differingProperties(want, got model.Properties) []string {
	names := map[string]bool{}
	for k := range want {
		names[k] = true
	}
	for k := range got {
		names[k] = true
	}
	var out []string
	for k := range names {
		w, inWant := want[k]
		g, inGot := got[k]
		if inWant != inGot || !model.Equal(w, g) {
			out = append(out, fmt.Sprintf("%s (payload %s, configuration %s)", k, jsonOrAbsent(w, inWant), jsonOrAbsent(g, inGot)))
		}
	}
	sort.Strings(out)
	return out
}

func jsonOrAbsent(v any, present bool) string {
	if !present {
		return "absent"
	}
	return string(model.AppendValueJSON(nil, v))
}
