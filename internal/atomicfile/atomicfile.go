// Package atomicfile replaces files so that a crash at any instant leaves the old content or
// the new, never a torn file.
package atomicfile

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

// Write replaces path with what write produces, keeping no backup; see Writer.Write.
func Write(path string, perm fs.FileMode, write func(w *bufio.Writer) error) error {
	return Writer{}.Write(path, perm, write)
}

// WriteBytes is Write for content already in memory.
func WriteBytes(path string, perm fs.FileMode, data []byte) error {
	return Writer{}.WriteBytes(path, perm, data)
}

// Writer replaces files atomically. The zero value keeps no backup.
type Writer struct {
	// BackupSuffix, when set, names a copy of the previous content kept beside the file
	// (path+BackupSuffix), replaced atomically too.
	BackupSuffix string
	// Fault, when set, runs before each step of a write (the Step constants) and can fail
	// it. Tests use it to show that every step leaves the file intact when it fails, and to
	// look at the files at that instant.
	Fault func(step string) error
}

// The steps of a write, in order, as passed to Writer.Fault.
const (
	StepLinkBackup   = "link backup"
	StepCopyBackup   = "copy backup"
	StepRenameBackup = "rename backup"
	StepCreateTemp   = "create temp"
	StepWriteTemp    = "write temp"
	StepSyncTemp     = "sync temp"
	StepRename       = "rename"
	StepSyncDir      = "sync dir"
)

func (w Writer) step(name string) error {
	if w.Fault == nil {
		return nil
	}
	return w.Fault(name)
}

// WriteBytes is Writer.Write for content already in memory.
func (w Writer) WriteBytes(path string, perm fs.FileMode, data []byte) error {
	return w.Write(path, perm, func(bw *bufio.Writer) error {
		_, err := bw.Write(data)
		return err
	})
}

// Write replaces path with what write produces.
//
// The sequence is: with a BackupSuffix, the previous file is hard-linked (or, where links are
// not supported, copied) to a temporary name and renamed over the backup; the new content goes
// to a temporary file in the same folder, which is synced and renamed over path; finally the
// folder is synced so the renames survive a power loss. Renames within a folder are atomic, so
// a crash at any instant leaves either the old or the new content at path, never a torn file,
// and a failure leaves the old content byte for byte unchanged. A new file gets mode perm; an
// existing file keeps its mode. If path is a symbolic link, the file it points to is replaced.
func (w Writer) Write(path string, perm fs.FileMode, write func(w *bufio.Writer) error) error {
	path, err := followSymlinks(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)

	mode := perm
	info, err := os.Stat(path)
	switch {
	case err == nil:
		mode = info.Mode().Perm()
		if w.BackupSuffix != "" {
			if err := w.backup(path, mode); err != nil {
				return fmt.Errorf("keep the previous version as %s: %w", path+w.BackupSuffix, err)
			}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}

	if err := w.replace(path, mode, write); err != nil {
		return err
	}
	if err := w.step(StepSyncDir); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
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
func (w Writer) backup(path string, mode fs.FileMode) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+w.BackupSuffix+"."+randomSuffix()+".tmp")
	err := w.step(StepLinkBackup)
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
	err = w.step(StepRenameBackup)
	if err == nil {
		err = os.Rename(tmp, path+w.BackupSuffix)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// copyFile copies src to dst, synced: the fallback for file systems without hard links.
func (w Writer) copyFile(src, dst string, mode fs.FileMode) error {
	if err := w.step(StepCopyBackup); err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return CreateExclusive(dst, data, mode)
}

// CreateExclusive creates name holding data, synced, failing with fs.ErrExist if it exists
// (which is how a lock file is taken). A file it created but could not finish is removed: a
// half-written lock file would block everyone else.
func CreateExclusive(name string, data []byte, mode fs.FileMode) error {
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

// replace writes to a temporary file beside path and renames it over path.
func (w Writer) replace(path string, mode fs.FileMode, write func(w *bufio.Writer) error) error {
	if err := w.step(StepCreateTemp); err != nil {
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
	if err := w.step(StepWriteTemp); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := w.step(StepSyncTemp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := w.step(StepRename); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	done = true
	return nil
}

// syncDir makes renames in dir durable. Windows cannot open a folder for syncing, and its
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
