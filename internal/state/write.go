package state

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// BackupSuffix is appended to the state path to name the copy of the previous version.
const BackupSuffix = ".backup"

// Write encodes f and stores it at path atomically, keeping the previous content as
// path+BackupSuffix.
//
// The sequence is: the previous file is hard-linked (or, where links are not supported, copied)
// to a temporary name and renamed over the backup; the new content goes to a temporary file in
// the same directory, which is synced and renamed over path; finally the directory is synced so
// the renames survive a power loss. Renames within a directory are atomic, so a crash at any
// instant leaves either the old or the new state at path, never a torn file, and a failure
// leaves the old state byte-for-byte unchanged. A new file gets mode 0600 (the state may hold
// sensitive values); an existing file keeps its mode. If path is a symbolic link, the file it
// points to is replaced.
func Write(path string, f *File) error {
	parts, err := f.encodeParts()
	if err != nil {
		return err
	}
	return atomicWriter{}.write(path, parts...)
}

// atomicWriter performs Write's file operations.
type atomicWriter struct {
	// fault, when set, runs before each step of a write and can fail it. Tests use it to show
	// that every step leaves the state intact when it fails, and to look at the files at that
	// instant.
	fault func(step string) error
}

// The steps of a write, in order, as passed to atomicWriter.fault.
const (
	stepLinkBackup   = "link backup"
	stepCopyBackup   = "copy backup"
	stepRenameBackup = "rename backup"
	stepCreateTemp   = "create temp"
	stepWriteTemp    = "write temp"
	stepSyncTemp     = "sync temp"
	stepRename       = "rename"
	stepSyncDir      = "sync dir"
)

func (w atomicWriter) step(name string) error {
	if w.fault == nil {
		return nil
	}
	return w.fault(name)
}

// write stores the concatenation of parts at path.
func (w atomicWriter) write(path string, parts ...[]byte) error {
	path, err := followSymlinks(path)
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	dir := filepath.Dir(path)

	mode := fs.FileMode(0o600)
	info, err := os.Stat(path)
	switch {
	case err == nil:
		mode = info.Mode().Perm()
		if err := w.backup(path, mode); err != nil {
			return fmt.Errorf("write state: keep the previous state as %s: %w (the state was not changed)", path+BackupSuffix, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("write state: %w", err)
	}

	if err := w.replace(path, mode, parts); err != nil {
		return fmt.Errorf("write state: %w (the state was not changed)", err)
	}
	if err := w.step(stepSyncDir); err != nil {
		return fmt.Errorf("write state: sync directory %s: %w", dir, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write state: sync directory %s: %w", dir, err)
	}
	return nil
}

// followSymlinks returns the file that path names once symbolic links are followed, even when
// the last link dangles (its target is created then), so that a write replaces the target and
// not the link.
func followSymlinks(path string) (string, error) {
	for range 40 {
		info, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && info.Mode()&fs.ModeSymlink == 0) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// backup makes path+BackupSuffix hold the current content of path, replacing it atomically.
func (w atomicWriter) backup(path string, mode fs.FileMode) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+BackupSuffix+"."+randomSuffix()+".tmp")
	err := w.step(stepLinkBackup)
	if err == nil {
		// A hard link costs nothing and is the previous file itself: rename then moves the
		// new content to path and leaves this inode as the backup.
		err = os.Link(path, tmp)
	}
	if err != nil {
		if err := w.copyFile(path, tmp, mode); err != nil {
			return err
		}
	}
	err = w.step(stepRenameBackup)
	if err == nil {
		err = os.Rename(tmp, path+BackupSuffix)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// copyFile copies src to dst, synced: the fallback for file systems without hard links.
func (w atomicWriter) copyFile(src, dst string, mode fs.FileMode) error {
	if err := w.step(stepCopyBackup); err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return createExclusive(dst, data, mode)
}

// createExclusive creates name holding data, synced, failing with fs.ErrExist if it exists
// (which is how a lock is taken). A file it created but could not finish is removed: a
// half-written lock file would block everyone else.
func createExclusive(name string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(name)
	}
	return err
}

// replace writes parts to a temporary file beside path and renames it over path.
func (w atomicWriter) replace(path string, mode fs.FileMode, parts [][]byte) error {
	if err := w.step(stepCreateTemp); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if err := w.step(stepWriteTemp); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	for _, p := range parts {
		if _, err := bw.Write(p); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := w.step(stepSyncTemp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := w.step(stepRename); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	done = true
	return nil
}

// syncDir makes renames in dir durable. Windows cannot open a directory for syncing, and its
// renames are durable once MoveFileEx returns.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func randomSuffix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
