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
