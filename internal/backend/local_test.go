package backend

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
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/state"
)

func localKind() kind {
	return kind{name: "local", place: func(t *testing.T) func(t *testing.T) Backend {
		path := filepath.Join(t.TempDir(), "j1hcl.state.json")
		return func(*testing.T) Backend { return NewLocal(path) }
	}}
}

func TestLocalConformance(t *testing.T) { runConformance(t, localKind()) }

func TestLocalLockFileContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j1hcl.state.json")
	created := time.Date(2026, 1, 2, 4, 4, 5, 0, time.FixedZone("CET", 3600))
	l, err := Locker{Now: func() time.Time { return created }}.Acquire(context.Background(), NewLocal(path), "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock(context.Background())

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
}

func TestLocalWriteKeepsTheBackupAndMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j1hcl.state.json")
	b := NewLocal(path)
	ctx := context.Background()
	for _, s := range []string{"one", "two"} {
		if err := b.Put(ctx, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := os.ReadFile(path + BackupSuffix); string(got) != "one" {
		t.Errorf("backup holds %q, want the previous state", got)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", info.Mode().Perm())
	}
}

// TestPutParts: a document in parts is stored as the parts joined, whether the backend
// writes the parts one after the other (local) or needs one buffer (an encrypted one), and
// the local one keeps its backup and mode as Put does.
func TestPutParts(t *testing.T) {
	ctx := context.Background()
	parts := state.Parts{[]byte(`{"a": `), nil, []byte(strings.Repeat("x", 70_000)), []byte(`}` + "\n")}
	want := string(parts.Join())
	if len(want) != parts.Len() || !strings.HasPrefix(want, `{"a": xxx`) {
		t.Fatalf("Join/Len disagree: %d bytes, Len %d", len(want), parts.Len())
	}
	path := filepath.Join(t.TempDir(), "j1hcl.state.json")
	local := NewLocal(path)
	if err := local.Put(ctx, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if _, ok := Backend(local).(partsPutter); !ok {
		t.Fatal("the local backend does not write parts directly")
	}
	if err := PutParts(ctx, local, parts); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != want {
		t.Errorf("local: stored %d bytes, want the %d joined", len(got), len(want))
	}
	if got, _ := os.ReadFile(path + BackupSuffix); string(got) != "one" {
		t.Errorf("local: backup holds %q, want the previous state", got)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("local: state file mode %v, want 0600", info.Mode().Perm())
	}
	enc, err := NewEncrypted(NewLocal(filepath.Join(t.TempDir(), "sealed.json")), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if err := PutParts(ctx, enc, parts); err != nil {
		t.Fatal(err)
	}
	if got, err := enc.Get(ctx); err != nil || string(got) != want {
		t.Errorf("encrypted: read back %d bytes (%v), want the %d joined", len(got), err, len(want))
	}
}

func TestLockedErrorMessage(t *testing.T) {
	info := &LockInfo{ID: "0a1b", Operation: "apply", Who: "alice@build-7", PID: 4242, Created: "2026-01-02T03:04:05Z"}
	tests := []struct {
		name string
		err  *LockedError
		want []string
	}{
		{"held", &LockedError{Where: "lock file j1hcl.state.json.lock", Info: info}, []string{
			`the state is locked: alice@build-7 (pid 4242) holds it for "apply" since 2026-01-02T03:04:05Z`,
			"lock ID 0a1b", "lock file j1hcl.state.json.lock", "-lock-timeout=DURATION", "`j1hcl force-unlock 0a1b`",
		}},
		{"after waiting", &LockedError{Where: "lock file s.lock", Info: info, Waited: 1500 * time.Millisecond}, []string{
			"the state is locked (waited 1.5s): alice@build-7",
		}},
		{"unreadable", &LockedError{Where: "lock file s.lock"}, []string{
			"the lock file s.lock exists but its content cannot be read", "-lock-timeout=DURATION", "delete the lock file s.lock by hand",
		}},
		{"with the backend's note", &LockedError{Where: "advisory lock 7", Info: info, Note: "PostgreSQL server process 99 holds it"}, []string{
			"PostgreSQL server process 99 holds it.",
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

func TestAcquireStopsWhenTheContextEnds(t *testing.T) {
	b := NewLocal(filepath.Join(t.TempDir(), "j1hcl.state.json"))
	first, err := Acquire(context.Background(), b, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Unlock(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = Locker{RetryInterval: 10 * time.Millisecond}.Acquire(ctx, b, "apply", time.Hour)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire after the context ended: %v, want context.DeadlineExceeded", err)
	}
}

func TestLocalUnreadableLockBlocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j1hcl.state.json")
	b := NewLocal(path)
	if err := os.WriteFile(path+LockSuffix, []byte("{half a lock"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Acquire(context.Background(), b, "apply", 0)
	if locked := asLocked(t, err); locked.Info != nil || !strings.Contains(locked.Where, path+LockSuffix) {
		t.Errorf("LockedError = %+v, want no info and the lock path", locked)
	}
	if _, err := b.LockHolder(context.Background()); err == nil {
		t.Error("LockHolder of garbage succeeded")
	}
	err = b.ForceUnlock(context.Background(), "anything")
	if err == nil || !strings.Contains(err.Error(), "delete "+path+LockSuffix+" by hand") {
		t.Errorf("ForceUnlock of an unreadable lock = %v", err)
	}
	if _, err := os.Stat(path + LockSuffix); err != nil {
		t.Errorf("the unreadable lock was removed: %v", err)
	}
}

func TestAcquireReportsOtherFailures(t *testing.T) {
	b := NewLocal(filepath.Join(t.TempDir(), "missing-dir", "j1hcl.state.json"))
	_, err := Acquire(context.Background(), b, "apply", time.Second)
	var locked *LockedError
	if err == nil || errors.As(err, &locked) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Acquire in a missing folder = %v, want a plain not-exist error", err)
	}
}

// lockHelperEnv makes the test binary act as another j1hcl process holding the lock: it
// prints the lock id, holds the lock until its stdin closes, and then unlocks.
const lockHelperEnv = "J1HCL_BACKEND_TEST_LOCK_HELPER"

func TestLockHelperProcess(t *testing.T) {
	path := os.Getenv(lockHelperEnv)
	if path == "" {
		t.Skip("helper process for TestLocalLockAcrossProcesses")
	}
	l, err := Acquire(context.Background(), NewLocal(path), "apply", 0)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(l.Info().ID)
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := l.Unlock(context.Background()); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func TestLocalLockAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j1hcl.state.json")
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

	_, err = Acquire(context.Background(), NewLocal(path), "plan", 0)
	locked := asLocked(t, err)
	if locked.Info == nil || locked.Info.ID != id || locked.Info.PID != cmd.Process.Pid {
		t.Fatalf("LockedError = %+v, want the helper's lock %s (pid %d)", locked, id, cmd.Process.Pid)
	}
	done := make(chan error, 1)
	go func() {
		l, err := Locker{RetryInterval: 10 * time.Millisecond}.Acquire(context.Background(), NewLocal(path), "apply", 30*time.Second)
		if err == nil {
			err = l.Unlock(context.Background())
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

func TestLockedErrorSaysTheHolderIsGone(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip(err)
	}
	// A child that has exited: its pid is free (until reused, which this test tolerates by
	// only checking the message when the process is really gone).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	gone := &LockedError{Where: "lock file s.lock", Info: &LockInfo{ID: "id-1", Operation: "apply", Who: "ci@" + host, PID: cmd.Process.Pid, Created: "2026-01-01T00:00:00Z"}}
	if holderGone(gone.Info) && !strings.Contains(gone.Error(), "no longer runs on this host") {
		t.Errorf("message does not say the holder died: %s", gone.Error())
	}
	alive := &LockedError{Where: "lock file s.lock", Info: &LockInfo{ID: "id-2", Operation: "apply", Who: "ci@" + host, PID: os.Getpid(), Created: "2026-01-01T00:00:00Z"}}
	if holderGone(alive.Info) || !strings.Contains(alive.Error(), "holds it") {
		t.Errorf("a live holder is reported gone: %s", alive.Error())
	}
	elsewhere := &LockInfo{ID: "id-3", Who: "ci@another-host", PID: 1}
	if holderGone(elsewhere) {
		t.Error("a holder on another host cannot be known to be gone")
	}
}
