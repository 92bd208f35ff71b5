package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"testing"
	"time"
)

func TestArchivesAreReproducible(t *testing.T) {
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	entries := []entry{{"j1hcl", []byte("binary"), 0o755}, {"LICENSE", []byte("licence text"), 0o644}}
	for _, tt := range []struct {
		name  string
		write func(io.Writer, []entry, time.Time) error
		read  func(t *testing.T, b []byte) map[string]readBack
	}{
		{"tar.gz", writeTarGz, readTarGz},
		{"zip", writeZip, readZip},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := tt.write(&a, entries, mtime); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1100 * time.Millisecond) // a writer that stamped the clock would differ now
			if err := tt.write(&b, entries, mtime); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("two writes of the same entries differ")
			}
			got := tt.read(t, a.Bytes())
			for _, e := range entries {
				r, ok := got[e.name]
				if !ok {
					t.Fatalf("%s is missing from the archive", e.name)
				}
				if r.data != string(e.data) || r.mode != e.mode || !r.mtime.Equal(mtime) {
					t.Errorf("%s read back as %q mode %o time %v; want %q mode %o time %v",
						e.name, r.data, r.mode, r.mtime, e.data, e.mode, mtime)
				}
			}
		})
	}
}

type readBack struct {
	data  string
	mode  int64
	mtime time.Time
}

func readTarGz(t *testing.T, b []byte) map[string]readBack {
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q and time %v; want neither", gz.Name, gz.ModTime)
	}
	out := map[string]readBack{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s has an owner (%d/%d %q/%q)", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		data, _ := io.ReadAll(tr)
		out[h.Name] = readBack{string(data), h.Mode, h.ModTime}
	}
}

func readZip(t *testing.T, b []byte) map[string]readBack {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]readBack{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = readBack{string(data), int64(f.Mode().Perm()), f.Modified.UTC()}
	}
	return out
}

func TestResolveVersion(t *testing.T) {
	for _, tt := range []struct{ in, want, err string }{
		{"0.3.0", "0.3.0", ""},
		{"v1.2.3-rc.1", "1.2.3-rc.1", ""},
		{"1.2", "", "not a semantic version"},
		{"abc1234", "", "not a semantic version"},
	} {
		got, err := resolveVersion(tt.in)
		if tt.err != "" {
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.err)) {
				t.Errorf("resolveVersion(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolveVersion(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
