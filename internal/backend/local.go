package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/j1hcl/j1hcl/internal/atomicfile"
	"github.com/j1hcl/j1hcl/internal/state"
)

// File name suffixes of the local backend, appended to the state path.
const (
	LockSuffix   = ".lock"
	BackupSuffix = state.BackupSuffix
)

// Local keeps the state in a file, the previous version beside it (path+BackupSuffix) and the
// lock in a file taken exclusively (path+LockSuffix) holding the LockInfo as JSON.
type Local struct {
	Path string
}

var _ Backend = (*Local)(nil)

// NewLocal returns the local backend of the state file at path.
func NewLocal(path string) *Local { return &Local{Path: path} }

func (l *Local) String() string { return l.Path }

func (l *Local) lockPath() string { return l.Path + LockSuffix }

// Get reads the state file.
func (l *Local) Get(context.Context) ([]byte, error) {
	data, err := os.ReadFile(l.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoState
	}
	return data, err
}

// Put replaces the state file atomically, keeping the previous one as the backup (see
// state.WriteParts). A new file gets mode 0600: the state may hold sensitive values.
func (l *Local) Put(_ context.Context, data []byte) error {
	return state.WriteParts(l.Path, state.Parts{data})
}

// PutParts is Put for a document in parts, written one after the other.
func (l *Local) PutParts(_ context.Context, parts state.Parts) error {
	return state.WriteParts(l.Path, parts)
}

// Delete removes the state file (not its backup).
func (l *Local) Delete(context.Context) error {
	err := os.Remove(l.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Lock creates the lock file exclusively.
func (l *Local) Lock(_ context.Context, info LockInfo) error {
	content, err := jsonLine(info)
	if err != nil {
		return err
	}
	err = atomicfile.CreateExclusive(l.lockPath(), content, 0o600)
	if errors.Is(err, fs.ErrExist) {
		e := &LockedError{Where: "lock file " + l.lockPath()}
		if held, err := l.readLock(); err == nil {
			e.Info = held
		}
		return e
	}
	return err
}

// Unlock removes the lock file while it still holds id.
func (l *Local) Unlock(_ context.Context, id string) error {
	held, err := l.readLock()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("the lock file %s was removed by someone else (force-unlock?) while this lock was held", l.lockPath())
	case err != nil:
		return err
	case held.ID != id:
		return fmt.Errorf("the lock file %s now holds lock %s of %s, not this lock %s; left it in place",
			l.lockPath(), held.ID, held.Who, id)
	}
	return os.Remove(l.lockPath())
}

// LockHolder reads the lock file.
func (l *Local) LockHolder(context.Context) (*LockInfo, error) {
	info, err := l.readLock()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotLocked
	}
	return info, err
}

// ForceUnlock removes the lock file if it holds id. An unreadable lock file is left for the
// user to delete by hand.
func (l *Local) ForceUnlock(_ context.Context, id string) error {
	held, err := l.readLock()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ErrNotLocked
	case err != nil:
		return fmt.Errorf("%w; if no j1hcl is working on this state, delete %s by hand", err, l.lockPath())
	case held.ID != id:
		return &LockIDError{Want: id, Held: *held}
	}
	return os.Remove(l.lockPath())
}

// Close does nothing: the local backend holds no connection.
func (l *Local) Close() error { return nil }

func (l *Local) readLock() (*LockInfo, error) {
	data, err := os.ReadFile(l.lockPath())
	if err != nil {
		return nil, err
	}
	return decodeLockInfo(data, "lock file "+l.lockPath())
}

// jsonLine encodes info as one line of JSON.
func jsonLine(info LockInfo) ([]byte, error) {
	content, err := json.Marshal(info)
	return append(content, '\n'), err
}

// decodeLockInfo parses a LockInfo strictly; where names it in errors.
func decodeLockInfo(data []byte, where string) (*LockInfo, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var info LockInfo
	if err := dec.Decode(&info); err != nil {
		return nil, fmt.Errorf("%s is unreadable: %w", where, err)
	}
	if info.ID == "" {
		return nil, fmt.Errorf("%s is unreadable: it has no id", where)
	}
	return &info, nil
}
