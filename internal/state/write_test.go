package state

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dirNames lists a directory, so tests can see that no temporary file is left behind.
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

// versions returns three successive states of one lineage and their encodings.
func versions(t *testing.T) ([]*File, []string) {
	var files []*File
	var data []string
	for i := range 3 {
		f := sampleFile()
		f.Serial = uint64(i + 1)
		files = append(files, f)
		data = append(data, string(mustEncode(t, f)))
	}
	return files, data
}

func TestWriteKeepsTheBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j1hcl.state.json")
	files, data := versions(t)

	for i, f := range files {
		if err := Write(path, f); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, path); got != data[i] {
			t.Fatalf("write %d: state is not the encoded file", i)
		}
		if i == 0 {
			if _, err := os.Stat(path + BackupSuffix); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("first write left a backup (%v)", err)
			}
		} else if got := readFile(t, path+BackupSuffix); got != data[i-1] {
			t.Fatalf("write %d: backup does not hold the previous state", i)
		}
	}
	if got, want := dirNames(t, dir), []string{"j1hcl.state.json", "j1hcl.state.json.backup"}; !slices.Equal(got, want) {
		t.Errorf("directory holds %v, want %v", got, want)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("new state file mode %v, want 0600", mode)
	}
}

func TestWriteKeepsTheFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j1hcl.state.json")
	files, _ := versions(t)
	if err := Write(path, files[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, files[1]); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + BackupSuffix} {
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

// A write that fails at any step leaves the previous state byte for byte; at every instant
// the state file is the old or the new one, never anything else.
func TestWriteFailureLeavesThePreviousState(t *testing.T) {
	tests := []struct {
		fail        []string
		wantErr     bool
		wantNew     bool   // the state holds the new content afterwards
		wantBackup  string // "old" or "" (none)
		description string
	}{
		{[]string{stepLinkBackup}, false, true, "old", "no hard links: the backup is copied"},
		{[]string{stepLinkBackup, stepCopyBackup}, true, false, "", "no backup possible"},
		{[]string{stepRenameBackup}, true, false, "", "backup cannot be renamed"},
		{[]string{stepCreateTemp}, true, false, "old", "directory full or read-only"},
		{[]string{stepWriteTemp}, true, false, "old", "disk full while writing"},
		{[]string{stepSyncTemp}, true, false, "old", "fsync fails"},
		{[]string{stepRename}, true, false, "old", "rename fails"},
		{[]string{stepSyncDir}, true, true, "old", "directory fsync fails after the rename"},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "j1hcl.state.json")
			files, data := versions(t)
			if err := Write(path, files[0]); err != nil {
				t.Fatal(err)
			}
			old, next := data[0], data[1]
			var steps []string
			w := atomicWriter{fault: func(step string) error {
				steps = append(steps, step)
				if got := readFile(t, path); got != old && got != next {
					t.Errorf("before %s the state file is neither the old nor the new state", step)
				}
				if slices.Contains(tt.fail, step) {
					return errInjected
				}
				return nil
			}}
			err := w.write(path, []byte(next))
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, errInjected)) {
				t.Fatalf("write error = %v, want error: %v", err, tt.wantErr)
			}
			want := old
			if tt.wantNew {
				want = next
			}
			if readFile(t, path) != want {
				t.Errorf("after the write the state is not the %s content", map[bool]string{true: "new", false: "old"}[tt.wantNew])
			}
			switch backup, err := os.ReadFile(path + BackupSuffix); {
			case tt.wantBackup == "old" && string(backup) != old:
				t.Errorf("backup does not hold the previous state (%v)", err)
			case tt.wantBackup == "" && err == nil:
				t.Errorf("a backup exists though it could not be made")
			}
			wantNames := []string{"j1hcl.state.json"}
			if tt.wantBackup != "" {
				wantNames = append(wantNames, "j1hcl.state.json.backup")
			}
			if got := dirNames(t, dir); !slices.Equal(got, wantNames) {
				t.Errorf("directory holds %v, want %v (temporary files left behind?)", got, wantNames)
			}
			if !slices.Contains(steps, tt.fail[len(tt.fail)-1]) {
				t.Errorf("the write never reached step %q (steps: %v)", tt.fail, steps)
			}
		})
	}
}

// A real failure, no injection: the backup's name is taken by a directory.
func TestWriteFailsBeforeTouchingTheState(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j1hcl.state.json")
	files, data := versions(t)
	if err := Write(path, files[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path+BackupSuffix, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path+BackupSuffix, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, files[1]); err == nil {
		t.Fatal("Write succeeded though the backup cannot be made")
	}
	if readFile(t, path) != data[0] {
		t.Error("the failed write changed the state")
	}
}

func TestWriteToAReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only directories; TestWriteFailureLeavesThePreviousState covers the failure")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "j1hcl.state.json")
	files, data := versions(t)
	if err := Write(path, files[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	if err := Write(path, files[1]); err == nil {
		t.Fatal("Write to a read-only directory succeeded")
	}
	if readFile(t, path) != data[0] {
		t.Error("the failed write changed the state")
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
	files, data := versions(t)
	for _, f := range files[:2] {
		if err := Write(link, f); err != nil {
			t.Fatal(err)
		}
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the symbolic link was replaced (%v)", err)
	}
	if readFile(t, real) != data[1] || readFile(t, real+BackupSuffix) != data[0] {
		t.Error("the link's target and its backup do not hold the new and previous states")
	}
}

func TestWriteRefusesAnInvalidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j1hcl.state.json")
	files, data := versions(t)
	if err := Write(path, files[0]); err != nil {
		t.Fatal(err)
	}
	bad := sampleFile()
	bad.Lineage = ""
	if err := Write(path, bad); err == nil {
		t.Fatal("Write of a state without lineage succeeded")
	}
	if readFile(t, path) != data[0] {
		t.Error("the refused write changed the state")
	}
}

func TestReadWhatWriteWrote(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j1hcl.state.json")
	f := sampleFile()
	if err := Write(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(mustEncode(t, got)) != string(mustEncode(t, f)) {
		t.Error("Read does not return what Write stored")
	}
}
