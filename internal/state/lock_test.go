package state

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func statePath(t *testing.T) string { return filepath.Join(t.TempDir(), "j1hcl.state.json") }

func mustAcquire(t *testing.T, path string) *Lock {
	t.Helper()
	l, err := Acquire(context.Background(), path, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func asLocked(t *testing.T, err error) *LockedError {
	t.Helper()
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("error = %v, want a *LockedError", err)
	}
	return locked
}

func TestLockFileContent(t *testing.T) {
	path := statePath(t)
	created := time.Date(2026, 1, 2, 4, 4, 5, 0, time.FixedZone("CET", 3600))
	l, err := Locker{Now: func() time.Time { return created }}.Acquire(context.Background(), path, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()

	data, err := os.ReadFile(path + LockSuffix)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatalf("lock file is not JSON: %v\n%s", err, data)
	}
	for _, name := range []string{"id", "operation", "who", "pid", "created"} {
		if _, ok := fields[name]; !ok || len(fields) != 5 {
			t.Errorf("lock file %s lacks %q or has other fields", data, name)
		}
	}
	info := l.Info()
	if info.Operation != "apply" || info.PID != os.Getpid() || info.Created != "2026-01-02T03:04:05Z" ||
		!strings.Contains(info.Who, "@") || info.ID == "" {
		t.Errorf("lock info = %+v", info)
	}
	read, err := ReadLock(path)
	if err != nil || *read != info {
		t.Errorf("ReadLock = %+v, %v; want %+v", read, err, info)
	}
}

func TestAcquireIsExclusive(t *testing.T) {
	path := statePath(t)
	first := mustAcquire(t, path)

	_, err := Acquire(context.Background(), path, "plan", 0)
	locked := asLocked(t, err)
	if locked.Info == nil || *locked.Info != first.Info() || locked.Path != path+LockSuffix || locked.Waited != 0 {
		t.Errorf("LockedError = %+v, want the first lock's info, its path and no wait", locked)
	}

	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + LockSuffix); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Unlock left the lock file (%v)", err)
	}
	second := mustAcquire(t, path)
	if second.Info().ID == first.Info().ID {
		t.Error("two locks got the same id")
	}
	if err := second.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := second.Unlock(); err != nil {
		t.Errorf("second Unlock: %v", err)
	}
}

func TestLockedErrorMessage(t *testing.T) {
	info := &LockInfo{ID: "0a1b", Operation: "apply", Who: "alice@build-7", PID: 4242, Created: "2026-01-02T03:04:05Z"}
	tests := []struct {
		name string
		err  *LockedError
		want []string
	}{
		{"held", &LockedError{Path: "j1hcl.state.json.lock", Info: info}, []string{
			`the state is locked: alice@build-7 (pid 4242) holds it for "apply" since 2026-01-02T03:04:05Z`,
			"lock ID 0a1b", "lock file j1hcl.state.json.lock", "-lock-timeout=DURATION", "`j1hcl force-unlock 0a1b`",
		}},
		{"after waiting", &LockedError{Path: "s.lock", Info: info, Waited: 1500 * time.Millisecond}, []string{
			"the state is locked (waited 1.5s): alice@build-7",
		}},
		{"unreadable", &LockedError{Path: "s.lock"}, []string{
			"the lock file s.lock exists but its content cannot be read", "-lock-timeout=DURATION", "delete s.lock by hand",
		}},
	}
	for _, tt := range tests {
		msg := tt.err.Error()
		for _, want := range tt.want {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: %q does not contain %q", tt.name, msg, want)
			}
		}
	}
}

func TestAcquireWaitsUntilReleased(t *testing.T) {
	path := statePath(t)
	first := mustAcquire(t, path)
	released := make(chan struct{})
	go func() {
		time.Sleep(100 * time.Millisecond)
		if err := first.Unlock(); err != nil {
			t.Error(err)
		}
		close(released)
	}()
	second, err := Locker{RetryInterval: 10 * time.Millisecond}.Acquire(context.Background(), path, "apply", 10*time.Second)
	if err != nil {
		t.Fatalf("Acquire with a timeout: %v", err)
	}
	select {
	case <-released:
	default:
		t.Error("Acquire succeeded while the first lock was held")
	}
	if err := second.Unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestAcquireTimesOut(t *testing.T) {
	path := statePath(t)
	first := mustAcquire(t, path)
	defer first.Unlock()
	_, err := Locker{RetryInterval: 10 * time.Millisecond}.Acquire(context.Background(), path, "apply", 50*time.Millisecond)
	locked := asLocked(t, err)
	if locked.Waited < 50*time.Millisecond || locked.Info == nil || locked.Info.ID != first.Info().ID {
		t.Errorf("LockedError after timeout = %+v", locked)
	}
}

func TestAcquireStopsWhenTheContextEnds(t *testing.T) {
	path := statePath(t)
	first := mustAcquire(t, path)
	defer first.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := Locker{RetryInterval: 10 * time.Millisecond}.Acquire(ctx, path, "apply", time.Hour)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire after the context ended: %v, want context.DeadlineExceeded", err)
	}
}

func TestUnreadableLockBlocks(t *testing.T) {
	path := statePath(t)
	if err := os.WriteFile(path+LockSuffix, []byte("{half a lock"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Acquire(context.Background(), path, "apply", 0)
	if locked := asLocked(t, err); locked.Info != nil || locked.Path != path+LockSuffix {
		t.Errorf("LockedError = %+v, want no info and the lock path", locked)
	}
	if _, err := ReadLock(path); err == nil {
		t.Error("ReadLock of garbage succeeded")
	}
	err = ForceUnlock(path, "anything")
	if err == nil || !strings.Contains(err.Error(), "delete "+path+LockSuffix+" by hand") {
		t.Errorf("ForceUnlock of an unreadable lock = %v", err)
	}
	if _, err := os.Stat(path + LockSuffix); err != nil {
		t.Errorf("the unreadable lock was removed: %v", err)
	}
}

func TestAcquireReportsOtherFailures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "j1hcl.state.json")
	_, err := Acquire(context.Background(), path, "apply", time.Second)
	var locked *LockedError
	if err == nil || errors.As(err, &locked) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Acquire in a missing directory = %v, want a plain not-exist error", err)
	}
}

func TestForceUnlock(t *testing.T) {
	path := statePath(t)
	l := mustAcquire(t, path)

	err := ForceUnlock(path, "not-the-id")
	if err == nil || !strings.Contains(err.Error(), "has ID "+l.Info().ID) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("ForceUnlock with a wrong id = %v", err)
	}
	if _, err := ReadLock(path); err != nil {
		t.Fatalf("the lock is gone after a refused force-unlock: %v", err)
	}

	if err := ForceUnlock(path, l.Info().ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLock(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadLock after force-unlock = %v, want not-exist", err)
	}
	if err := ForceUnlock(path, l.Info().ID); err == nil || !strings.Contains(err.Error(), "is not locked") {
		t.Errorf("ForceUnlock without a lock = %v", err)
	}

	// The original holder's Unlock must not remove a lock someone took since.
	next := mustAcquire(t, path)
	if err := l.Unlock(); err == nil || !strings.Contains(err.Error(), "now holds lock "+next.Info().ID) {
		t.Errorf("Unlock of a force-unlocked lock = %v", err)
	}
	if info, err := ReadLock(path); err != nil || info.ID != next.Info().ID {
		t.Errorf("the new lock did not survive the old holder's Unlock: %v %v", info, err)
	}
	if err := next.Unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestLockAcrossGoroutines(t *testing.T) {
	path := statePath(t)
	var holders, entries atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				l, err := Locker{RetryInterval: time.Millisecond}.Acquire(context.Background(), path, "apply", 30*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if n := holders.Add(1); n != 1 {
					t.Errorf("%d holders at once", n)
				}
				entries.Add(1)
				time.Sleep(time.Millisecond)
				holders.Add(-1)
				if err := l.Unlock(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if entries.Load() != 40 {
		t.Errorf("%d critical sections ran, want 40", entries.Load())
	}
}

// lockHelperEnv makes the test binary act as another j1hcl process holding the lock: it
// prints the lock id, holds the lock until its stdin closes, and then unlocks.
const lockHelperEnv = "J1HCL_STATE_TEST_LOCK_HELPER"

func TestLockHelperProcess(t *testing.T) {
	path := os.Getenv(lockHelperEnv)
	if path == "" {
		t.Skip("helper process for TestLockAcrossProcesses")
	}
	l, err := Acquire(context.Background(), path, "apply", 0)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(l.Info().ID)
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := l.Unlock(); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func TestLockAcrossProcesses(t *testing.T) {
	path := statePath(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("helper process: %v", err)
	}
	id := strings.TrimSpace(line)

	_, err = Acquire(context.Background(), path, "plan", 0)
	locked := asLocked(t, err)
	if locked.Info == nil || locked.Info.ID != id || locked.Info.PID != cmd.Process.Pid {
		t.Fatalf("LockedError = %+v, want the helper's lock %s (pid %d)", locked, id, cmd.Process.Pid)
	}

	done := make(chan error, 1)
	go func() {
		l, err := Locker{RetryInterval: 10 * time.Millisecond}.Acquire(context.Background(), path, "apply", 30*time.Second)
		if err == nil {
			err = l.Unlock()
		}
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Acquire returned while the helper held the lock: %v", err)
	default:
	}
	_ = stdin.Close()
	if err := <-done; err != nil {
		t.Fatalf("Acquire after the helper released the lock: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v", err)
	}
}
