package atomicfile

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := WriteBytes(path, 0o600, []byte("old")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	boom := errors.New("boom")
	err := Write(path, 0o600, func(w *bufio.Writer) error {
		w.Write([]byte("half of the new"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error = %v, want the writer's", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("a failed write changed the file: %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the temporary file was left behind: %v", entries)
	}
	if err := WriteBytes(path, 0o644, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("content = %q, want new", got)
	}
	if err := WriteBytes(filepath.Join(dir, "missing", "f"), 0o644, nil); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dirNames lists a folder, so tests can see that no temporary file is left behind.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

var withBackup = Writer{BackupSuffix: ".backup"}

func TestWriteKeepsTheBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j1hcl.state.json")
	data := []string{"one", "two", "three"}
	for i, d := range data {
		if err := withBackup.WriteBytes(path, 0o600, []byte(d)); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, path); got != d {
			t.Fatalf("write %d: file holds %q", i, got)
		}
		if i == 0 {
			if _, err := os.Stat(path + ".backup"); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("first write left a backup (%v)", err)
			}
		} else if got := readFile(t, path+".backup"); got != data[i-1] {
			t.Fatalf("write %d: backup does not hold the previous content", i)
		}
	}
	if got, want := dirNames(t, dir), []string{"j1hcl.state.json", "j1hcl.state.json.backup"}; !slices.Equal(got, want) {
		t.Errorf("folder holds %v, want %v", got, want)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("new file mode %v, want 0600", info.Mode().Perm())
	}
}

func TestWriteKeepsTheFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j1hcl.state.json")
	if err := withBackup.WriteBytes(path, 0o600, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := withBackup.WriteBytes(path, 0o600, []byte("two")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".backup"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o640 {
			t.Errorf("%s mode %v, want 0640", filepath.Base(p), mode)
		}
	}
}

var errInjected = errors.New("injected fault")

// A write that fails at any step leaves the previous content byte for byte; at every instant
// the file is the old or the new one, never anything else.
func TestWriteFailureLeavesThePreviousContent(t *testing.T) {
	tests := []struct {
		fail        []string
		wantErr     bool
		wantNew     bool   // the file holds the new content afterwards
		wantBackup  string // "old" or "" (none)
		description string
	}{
		{[]string{StepLinkBackup}, false, true, "old", "no hard links: the backup is copied"},
		{[]string{StepLinkBackup, StepCopyBackup}, true, false, "", "no backup possible"},
		{[]string{StepRenameBackup}, true, false, "", "backup cannot be renamed"},
		{[]string{StepCreateTemp}, true, false, "old", "folder full or read-only"},
		{[]string{StepWriteTemp}, true, false, "old", "disk full while writing"},
		{[]string{StepSyncTemp}, true, false, "old", "fsync fails"},
		{[]string{StepRename}, true, false, "old", "rename fails"},
		{[]string{StepSyncDir}, true, true, "old", "folder fsync fails after the rename"},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "j1hcl.state.json")
			old, next := "the old content\n", "the new content\n"
			if err := withBackup.WriteBytes(path, 0o600, []byte(old)); err != nil {
				t.Fatal(err)
			}
			var steps []string
			w := Writer{BackupSuffix: ".backup", Fault: func(step string) error {
				steps = append(steps, step)
				if got := readFile(t, path); got != old && got != next {
					t.Errorf("before %s the file is neither the old nor the new content", step)
				}
				if slices.Contains(tt.fail, step) {
					return errInjected
				}
				return nil
			}}
			err := w.WriteBytes(path, 0o600, []byte(next))
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, errInjected)) {
				t.Fatalf("write error = %v, want error: %v", err, tt.wantErr)
			}
			want := old
			if tt.wantNew {
				want = next
			}
			if readFile(t, path) != want {
				t.Errorf("after the write the file is not the %s content", map[bool]string{true: "new", false: "old"}[tt.wantNew])
			}
			switch backup, err := os.ReadFile(path + ".backup"); {
			case tt.wantBackup == "old" && string(backup) != old:
				t.Errorf("backup does not hold the previous content (%v)", err)
			case tt.wantBackup == "" && err == nil:
				t.Errorf("a backup exists though it could not be made")
			}
			wantNames := []string{"j1hcl.state.json"}
			if tt.wantBackup != "" {
				wantNames = append(wantNames, "j1hcl.state.json.backup")
			}
			if got := dirNames(t, dir); !slices.Equal(got, wantNames) {
				t.Errorf("folder holds %v, want %v (temporary files left behind?)", got, wantNames)
			}
			if !slices.Contains(steps, tt.fail[len(tt.fail)-1]) {
				t.Errorf("the write never reached step %q (steps: %v)", tt.fail, steps)
			}
		})
	}
}

// A real failure, no injection: the backup's name is taken by a folder.
func TestWriteFailsBeforeTouchingTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j1hcl.state.json")
	if err := withBackup.WriteBytes(path, 0o600, []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path+".backup", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path+".backup", "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := withBackup.WriteBytes(path, 0o600, []byte("new")); err == nil {
		t.Fatal("Write succeeded though the backup cannot be made")
	}
	if readFile(t, path) != "old" {
		t.Error("the failed write changed the file")
	}
}

func TestWriteThroughASymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "states", "prod.json")
	if err := os.Mkdir(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "j1hcl.state.json")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	for _, d := range []string{"one", "two"} {
		if err := withBackup.WriteBytes(link, 0o600, []byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the symbolic link was replaced (%v)", err)
	}
	if readFile(t, real) != "two" || readFile(t, real+".backup") != "one" {
		t.Error("the link's target and its backup do not hold the new and previous content")
	}
}
