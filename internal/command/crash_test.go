package command

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/crash"
)

// A panic in a worker goroutine (lang's parallel parsing, upload workers, encoders) cannot be
// recovered by Main's deferred recover, which only sees its own goroutine; Go would end the
// process with exit status 2, the "changes" of plan -detailed-exitcode. The handler Main
// installs releases the locks and exits 1 instead. The child process does what Main does:
// holds a state lock, installs m.crashExit, and a worker panics.
func TestAPanicInAWorkerGoroutineExits1AndReleasesTheLock(t *testing.T) {
	if dir := os.Getenv("J1HCL_TEST_WORKER_PANIC_DIR"); dir != "" {
		workerPanicChild(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAPanicInAWorkerGoroutineExits1AndReleasesTheLock$")
	cmd.Env = append(os.Environ(), "J1HCL_TEST_WORKER_PANIC_DIR="+dir, "TMPDIR="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != ExitError {
		t.Fatalf("the child ended with %v, want exit status %d:\n%s", err, ExitError, out)
	}
	for _, want := range []string{"internal error: boom in a worker", "This is a bug in j1hcl", "Any state lock this process held was released"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	store := backend.NewLocal(filepath.Join(dir, DefaultStateFile))
	if _, err := store.LockHolder(context.Background()); err != backend.ErrNotLocked {
		t.Errorf("the lock was left behind: %v", err)
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "j1hcl-crash-*.txt"))
	if len(reports) != 1 {
		t.Errorf("%d crash reports, want 1", len(reports))
	}
}

func workerPanicChild(dir string) {
	env := benchEnv()
	env.Stderr = os.Stderr
	m := &meta{env: env}
	crash.SetHandler(m.crashExit)
	store := backend.NewLocal(filepath.Join(dir, DefaultStateFile))
	lk, err := backend.Acquire(context.Background(), store, "plan", 0)
	if err != nil {
		os.Stderr.WriteString("child: " + err.Error())
		os.Exit(3)
	}
	m.locks.add(func() { lk.Unlock(context.Background()) })
	crash.Go(func() { panic("boom in a worker") })
	select {}
}
