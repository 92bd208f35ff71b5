// Command release builds j1hcl's release archives reproducibly: one archive per platform
// (tar.gz, zip for Windows) holding the binary, the licences, README.md and the CI steps
// (ci/*.sh), and a SHA256SUMS file.
// Two runs on the same commit give byte-identical archives: the binaries are built with
// -trimpath, without VCS stamping and without cgo, and every archive entry gets the commit's
// time, fixed permissions and no owner.
//
//	go run ./scripts/release [-version 0.3.0] [-out dist]   (make release)
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// versionVar is the variable the version is written into at link time.
const versionVar = "github.com/j1hcl/j1hcl/internal/command.Version"

// platforms are the release targets, GOOS/GOARCH.
var platforms = []string{
	"linux/amd64", "linux/arm64",
	"darwin/amd64", "darwin/arm64",
	"windows/amd64", "windows/arm64",
}

// extraFiles go into every archive beside the binary: archive name and repository path. The
// embedded data model keeps its own licence (MPL-2.0).
var extraFiles = [][2]string{
	{"LICENSE", "LICENSE"},
	{"LICENSE.data-model", "internal/datamodel/schema/LICENSE"},
	{"README.md", "README.md"},
}

// ciScripts are the CI steps (ci/*.sh), shipped so that the GitLab template can run them from
// the archive it installs.
var ciScripts = []string{"apply.sh", "comment.sh", "commit-state.sh", "find-plan-gitlab.sh", "install.sh", "plan.sh"}

func main() {
	version := flag.String("version", "", "semantic version to release, e.g. 0.3.0 (default: the commit's v* tag)")
	out := flag.String("out", "dist", "folder for the archives and SHA256SUMS (emptied first)")
	flag.Parse()
	if err := run(*version, *out); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(version, out string) error {
	version, err := resolveVersion(version)
	if err != nil {
		return err
	}
	epoch, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	files := map[string][]byte{}
	for _, f := range extraFiles {
		b, err := os.ReadFile(f[1])
		if err != nil {
			return fmt.Errorf("%w (run make release from the repository root)", err)
		}
		files[f[0]] = b
	}
	for _, name := range ciScripts {
		b, err := os.ReadFile(filepath.Join("ci", name))
		if err != nil {
			return fmt.Errorf("%w (run make release from the repository root)", err)
		}
		files["ci/"+name] = b
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "j1hcl-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	sums := map[string]string{}
	for _, p := range platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		exe := "j1hcl"
		if goos == "windows" {
			exe += ".exe"
		}
		binPath := filepath.Join(work, goos+"_"+goarch, exe)
		if err := build(version, goos, goarch, binPath); err != nil {
			return err
		}
		bin, err := os.ReadFile(binPath)
		if err != nil {
			return err
		}
		entries := []entry{{exe, bin, 0o755}}
		for _, f := range extraFiles {
			entries = append(entries, entry{f[0], files[f[0]], 0o644})
		}
		for _, name := range ciScripts {
			entries = append(entries, entry{"ci/" + name, files["ci/"+name], 0o755})
		}
		var archive bytes.Buffer
		name := fmt.Sprintf("j1hcl_%s_%s_%s", version, goos, goarch)
		if goos == "windows" {
			name += ".zip"
			err = writeZip(&archive, entries, epoch)
		} else {
			name += ".tar.gz"
			err = writeTarGz(&archive, entries, epoch)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(out, name), archive.Bytes(), 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(archive.Bytes())
		sums[name] = hex.EncodeToString(sum[:])
		fmt.Printf("%s  %s\n", sums[name], name)
	}
	return os.WriteFile(filepath.Join(out, "SHA256SUMS"), sumsFile(sums), 0o644)
}

// resolveVersion normalizes v (a leading "v" is dropped) or, when empty, takes the current
// commit's v* tag; an untagged commit builds 0.0.0-dev+COMMIT.
func resolveVersion(v string) (string, error) {
	if v == "" {
		if tag, err := gitOutput("describe", "--tags", "--exact-match", "--match", "v[0-9]*"); err == nil {
			v = tag
		} else {
			commit, err := gitOutput("rev-parse", "--short=12", "HEAD")
			if err != nil {
				return "", fmt.Errorf("no version given and no git commit to name one: run make release VERSION=X.Y.Z")
			}
			v = "0.0.0-dev+" + commit
			fmt.Fprintf(os.Stderr, "release: this commit has no vX.Y.Z tag; building %s (tag it, or run make release VERSION=X.Y.Z)\n", v)
		}
	}
	v = strings.TrimPrefix(v, "v")
	core, _, _ := strings.Cut(strings.SplitN(v, "+", 2)[0], "-")
	if !semver.IsValid("v"+v) || strings.Count(core, ".") != 2 {
		return "", fmt.Errorf("version %q is not a semantic version such as 0.3.0 or 1.0.0-rc.1", v)
	}
	return v, nil
}

// sourceDateEpoch is SOURCE_DATE_EPOCH when set, else the commit's time: the time of every
// archive entry.
func sourceDateEpoch() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		var err error
		if s, err = gitOutput("log", "-1", "--format=%ct"); err != nil {
			return time.Time{}, fmt.Errorf("no SOURCE_DATE_EPOCH and no git commit to take the time from: %w", err)
		}
	}
	secs, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", s)
	}
	return time.Unix(secs, 0).UTC(), nil
}

func gitOutput(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
	return strings.TrimSpace(string(out)), err
}

func build(version, goos, goarch, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid= -X "+versionVar+"="+version, "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build for %s/%s: %w", goos, goarch, err)
	}
	return nil
}

// entry is one file of an archive.
type entry struct {
	name string
	data []byte
	mode int64
}

// writeTarGz writes entries as a gzip-compressed tar whose bytes depend only on the entries
// and mtime: no owner names or ids, no gzip file name or time.
func writeTarGz(w io.Writer, entries []entry, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg, Name: e.name, Size: int64(len(e.data)), Mode: e.mode,
			ModTime: mtime, Format: tar.FormatPAX,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
			return err
		}
	}
	return errors.Join(tw.Close(), gz.Close())
}

// writeZip writes entries as a zip whose bytes depend only on the entries and mtime.
func writeZip(w io.Writer, entries []entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	for _, e := range entries {
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mtime}
		hdr.SetMode(os.FileMode(e.mode))
		f, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := f.Write(e.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// sumsFile renders sums in the format of sha256sum, which `sha256sum -c` checks.
func sumsFile(sums map[string]string) []byte {
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", sums[n], n)
	}
	return b.Bytes()
}
