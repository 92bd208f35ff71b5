package backend

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/user"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// DefaultRetryInterval is how often Acquire retries a held lock while it may wait.
const DefaultRetryInterval = 250 * time.Millisecond

// LockInfo says who holds a lock and since when.
type LockInfo struct {
	ID        string `json:"id"`
	Operation string `json:"operation"` // the command holding it, e.g. "apply"
	Who       string `json:"who"`       // user@host
	PID       int    `json:"pid"`
	Created   string `json:"created"` // RFC 3339 UTC
}

// NewLockInfo describes a lock this process is about to take for operation.
func NewLockInfo(operation string, now time.Time) LockInfo {
	return LockInfo{
		ID:        uuid.NewString(),
		Operation: operation,
		Who:       whoAmI(),
		PID:       os.Getpid(),
		Created:   now.UTC().Format(time.RFC3339),
	}
}

// LockedError reports a state lock held by someone else.
type LockedError struct {
	Where  string        // the lock, as its backend names it (e.g. "lock file j1hcl.state.json.lock")
	Info   *LockInfo     // nil when who holds it cannot be read
	Waited time.Duration // how long Acquire waited; 0 when it did not wait
	// Note, when set, is the backend's extra word on the holder (e.g. the server process
	// holding a PostgreSQL advisory lock).
	Note string
}

func (e *LockedError) Error() string {
	waited := ""
	if e.Waited > 0 {
		waited = fmt.Sprintf(" (waited %s)", e.Waited)
	}
	note := ""
	if e.Note != "" {
		note = " " + e.Note + "."
	}
	if e.Info == nil {
		return fmt.Sprintf("the state is locked%s: the %s exists but its content cannot be read.%s "+
			"If another j1hcl is working on this state, wait for it, or retry with -lock-timeout=DURATION; "+
			"if none is, delete the %s by hand", waited, e.Where, note, e.Where)
	}
	i := e.Info
	if holderGone(i) {
		return fmt.Sprintf("the state is locked%s: %s took the lock for %q at %s (lock ID %s, %s), but process %d no longer runs on this host: it probably died.%s "+
			"Check nothing else is working on this state, then release the lock with `j1hcl force-unlock %s`",
			waited, i.Who, i.Operation, i.Created, i.ID, e.Where, i.PID, note, i.ID)
	}
	return fmt.Sprintf("the state is locked%s: %s (pid %d) holds it for %q since %s (lock ID %s, %s).%s "+
		"Retry with -lock-timeout=DURATION to wait for it; if that process is gone, release the lock with `j1hcl force-unlock %s`",
		waited, i.Who, i.PID, i.Operation, i.Created, i.ID, e.Where, note, i.ID)
}

// Lock is a held state lock. It is released by Unlock.
type Lock struct {
	backend Backend
	info    LockInfo

	mu       sync.Mutex
	released bool
}

// Info returns what the backend records about this lock.
func (l *Lock) Info() LockInfo { return l.info }

// Unlock releases the lock. A lock that was force-unlocked and taken by someone else is left
// alone (and reported). Unlocking twice is harmless.
func (l *Lock) Unlock(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return nil
	}
	l.released = true
	if err := l.backend.Unlock(ctx, l.info.ID); err != nil {
		return fmt.Errorf("unlock state: %w", err)
	}
	return nil
}

// Locker acquires state locks. The zero value is ready to use.
type Locker struct {
	// Now stamps the lock's creation time; nil means time.Now.
	Now func() time.Time
	// RetryInterval is the pause between attempts while waiting (a little jitter is added so
	// that waiting processes do not retry in step); zero means DefaultRetryInterval.
	RetryInterval time.Duration
}

// Acquire takes b's lock for operation, with the zero Locker.
func Acquire(ctx context.Context, b Backend, operation string, timeout time.Duration) (*Lock, error) {
	return Locker{}.Acquire(ctx, b, operation, timeout)
}

// Acquire takes b's lock for operation. A lock held by someone else fails with a *LockedError
// at once when timeout is 0; otherwise Acquire retries until the lock is free, the timeout has
// passed (a *LockedError again) or ctx is done (ctx's error). This is the only wait loop: every
// backend's Lock makes one attempt.
func (lk Locker) Acquire(ctx context.Context, b Backend, operation string, timeout time.Duration) (*Lock, error) {
	now := time.Now
	if lk.Now != nil {
		now = lk.Now
	}
	interval := lk.RetryInterval
	if interval <= 0 {
		interval = DefaultRetryInterval
	}
	l := &Lock{backend: b, info: NewLockInfo(operation, now())}

	start := time.Now()
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		err := b.Lock(ctx, l.info)
		if err == nil {
			return l, nil
		}
		var locked *LockedError
		if !errors.As(err, &locked) {
			return nil, fmt.Errorf("lock state in %s: %w", b, err)
		}
		if timeout <= 0 {
			return nil, locked
		}
		// Jitter of up to a fifth of the interval, either way.
		pause := interval + time.Duration(rand.Int64N(int64(interval)/5*2+1)) - interval/5
		retry := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			retry.Stop()
			return nil, fmt.Errorf("wait for the state lock in %s: %w", b, ctx.Err())
		case <-deadline:
			retry.Stop()
			// One last attempt: the holder may have let go just now.
			err := b.Lock(ctx, l.info)
			if err == nil {
				return l, nil
			}
			if errors.As(err, &locked) {
				locked.Waited = time.Since(start).Round(time.Millisecond)
				return nil, locked
			}
			return nil, fmt.Errorf("lock state in %s: %w", b, err)
		case <-retry.C:
		}
	}
}

// whoAmI returns user@host for the lock, with placeholders where the system cannot say.
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
