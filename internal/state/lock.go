package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/user"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// LockSuffix is appended to the state path to name its lock file.
const LockSuffix = ".lock"

// DefaultRetryInterval is how often Acquire retries a held lock while it may wait.
const DefaultRetryInterval = 250 * time.Millisecond

// LockInfo is the content of a lock file: who holds the lock and since when.
type LockInfo struct {
	ID        string `json:"id"`
	Operation string `json:"operation"` // the command holding it, e.g. "apply"
	Who       string `json:"who"`       // user@host
	PID       int    `json:"pid"`
	Created   string `json:"created"` // RFC 3339 UTC
}

// Lock is a held state lock. It is released by Unlock.
type Lock struct {
	path string
	info LockInfo

	mu       sync.Mutex
	released bool
}

// Info returns what the lock file says about this lock.
func (l *Lock) Info() LockInfo { return l.info }

// Locker acquires state locks. The zero value is ready to use.
type Locker struct {
	// Now stamps the lock's creation time; nil means time.Now.
	Now func() time.Time
	// RetryInterval is the pause between attempts while waiting (a little jitter is added so
	// that waiting processes do not retry in step); zero means DefaultRetryInterval.
	RetryInterval time.Duration
}

// Acquire takes the lock of the state at statePath for operation, with the zero Locker.
func Acquire(ctx context.Context, statePath, operation string, timeout time.Duration) (*Lock, error) {
	return Locker{}.Acquire(ctx, statePath, operation, timeout)
}

// Acquire takes the lock of the state at statePath: it creates statePath+LockSuffix
// exclusively and writes a LockInfo into it. A lock held by someone else fails with a
// *LockedError at once when timeout is 0; otherwise Acquire retries until the lock is free,
// the timeout has passed (a *LockedError again) or ctx is done (ctx's error).
func (lk Locker) Acquire(ctx context.Context, statePath, operation string, timeout time.Duration) (*Lock, error) {
	now := time.Now
	if lk.Now != nil {
		now = lk.Now
	}
	interval := lk.RetryInterval
	if interval <= 0 {
		interval = DefaultRetryInterval
	}
	l := &Lock{
		path: statePath + LockSuffix,
		info: LockInfo{
			ID:        uuid.NewString(),
			Operation: operation,
			Who:       whoAmI(),
			PID:       os.Getpid(),
			Created:   now().UTC().Format(time.RFC3339),
		},
	}
	content, err := json.Marshal(l.info)
	if err != nil {
		return nil, fmt.Errorf("lock state: %w", err)
	}
	content = append(content, '\n')

	start := time.Now()
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		err := createExclusive(l.path, content, 0o600)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock state: %w", err)
		}
		if timeout <= 0 {
			return nil, lockedError(l.path, 0)
		}
		// Jitter of up to a fifth of the interval, either way.
		pause := interval + time.Duration(rand.Int64N(int64(interval)/5*2+1)) - interval/5
		retry := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			retry.Stop()
			return nil, fmt.Errorf("wait for the state lock %s: %w", l.path, ctx.Err())
		case <-deadline:
			retry.Stop()
			// One last attempt: the holder may have let go just now.
			if createExclusive(l.path, content, 0o600) == nil {
				return l, nil
			}
			return nil, lockedError(l.path, time.Since(start).Round(time.Millisecond))
		case <-retry.C:
		}
	}
}

func lockedError(lockPath string, waited time.Duration) *LockedError {
	e := &LockedError{Path: lockPath, Waited: waited}
	if info, err := readLockFile(lockPath); err == nil {
		e.Info = info
	}
	return e
}

// whoAmI returns user@host for the lock file, with placeholders where the system cannot say.
func whoAmI() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	} else if env := os.Getenv("USER"); env != "" {
		name = env
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return name + "@" + host
}

// Unlock releases the lock. It removes the lock file only while it still holds this lock's id,
// so a lock that was force-unlocked and taken by someone else is left alone (and reported).
// Unlocking twice is harmless.
func (l *Lock) Unlock() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return nil
	}
	info, err := readLockFile(l.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		l.released = true
		return fmt.Errorf("unlock state: the lock file %s was removed by someone else (force-unlock?) while this lock was held", l.path)
	case err != nil:
		return fmt.Errorf("unlock state: %w", err)
	case info.ID != l.info.ID:
		l.released = true
		return fmt.Errorf("unlock state: the lock file %s now holds lock %s of %s, not this lock %s; left it in place",
			l.path, info.ID, info.Who, l.info.ID)
	}
	if err := os.Remove(l.path); err != nil {
		return fmt.Errorf("unlock state: %w", err)
	}
	l.released = true
	return nil
}

// LockedError reports a state lock held by someone else.
type LockedError struct {
	Path   string        // the lock file
	Info   *LockInfo     // nil when the lock file's content is unreadable
	Waited time.Duration // how long Acquire waited; 0 when it did not wait
}

func (e *LockedError) Error() string {
	waited := ""
	if e.Waited > 0 {
		waited = fmt.Sprintf(" (waited %s)", e.Waited)
	}
	if e.Info == nil {
		return fmt.Sprintf("the state is locked%s: the lock file %s exists but its content cannot be read. "+
			"If another j1hcl is working on this state, wait for it, or retry with -lock-timeout=DURATION; "+
			"if none is, delete %s by hand", waited, e.Path, e.Path)
	}
	i := e.Info
	if holderGone(i) {
		return fmt.Sprintf("the state is locked%s: %s took the lock for %q at %s (lock ID %s, lock file %s), but process %d no longer runs on this host: it probably died. "+
			"Check nothing else is working on this state, then release the lock with `j1hcl force-unlock %s`",
			waited, i.Who, i.Operation, i.Created, i.ID, e.Path, i.PID, i.ID)
	}
	return fmt.Sprintf("the state is locked%s: %s (pid %d) holds it for %q since %s (lock ID %s, lock file %s). "+
		"Retry with -lock-timeout=DURATION to wait for it; if that process is gone, release the lock with `j1hcl force-unlock %s`",
		waited, i.Who, i.PID, i.Operation, i.Created, i.ID, e.Path, i.ID)
}

// ReadLock returns the lock held on the state at statePath. No lock is an error for which
// errors.Is(err, fs.ErrNotExist) holds.
func ReadLock(statePath string) (*LockInfo, error) {
	info, err := readLockFile(statePath + LockSuffix)
	if err != nil {
		return nil, fmt.Errorf("read state lock: %w", err)
	}
	return info, nil
}

func readLockFile(lockPath string) (*LockInfo, error) {
	data, err := os.ReadFile(lockPath)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var info LockInfo
	if err := dec.Decode(&info); err != nil {
		return nil, fmt.Errorf("lock file %s is unreadable: %w", lockPath, err)
	}
	if info.ID == "" {
		return nil, fmt.Errorf("lock file %s is unreadable: it has no id", lockPath)
	}
	return &info, nil
}

// ForceUnlock removes the lock of the state at statePath if its id is id. It refuses any other
// id, so that a lock taken since the user looked is not broken by mistake.
func ForceUnlock(statePath, id string) error {
	lockPath := statePath + LockSuffix
	info, err := readLockFile(lockPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("force-unlock: the state %s is not locked", statePath)
	case err != nil:
		return fmt.Errorf("force-unlock: %w; if no j1hcl is working on this state, delete %s by hand", err, lockPath)
	case info.ID != id:
		return fmt.Errorf("force-unlock: the lock of %s has ID %s (held by %s for %q since %s), not %s; nothing was changed",
			statePath, info.ID, info.Who, info.Operation, info.Created, id)
	}
	if err := os.Remove(lockPath); err != nil {
		return fmt.Errorf("force-unlock: %w", err)
	}
	return nil
}

// holderGone reports whether the lock was taken on this host by a process that no longer
// exists. The lock is never broken automatically (the holder might be on a machine that merely
// shares the host name); this only makes the error say what most likely happened.
func holderGone(i *LockInfo) bool {
	host, _ := os.Hostname()
	_, lockHost, ok := strings.Cut(i.Who, "@")
	if !ok || host == "" || lockHost != host || i.PID <= 0 {
		return false
	}
	p, err := os.FindProcess(i.PID)
	if err != nil {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return err != nil && !errors.Is(err, os.ErrPermission)
}
