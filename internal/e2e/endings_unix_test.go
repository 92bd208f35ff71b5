//go:build unix

package e2e_test

import (
	"bufio"
	"bytes"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
)

// TestClosedPipeReleasesTheLock is `j1hcl plan | head -1`: the reader goes away after one
// line. The plan must not die of SIGPIPE holding the state lock: its write fails, it exits 1
// saying why, and the lock is gone.
func TestClosedPipeReleasesTheLock(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t)
	w := newWorkspace(t, emu)
	writeInventory(w, 3000) // far more plan text than a pipe buffers

	cmd := w.command(nil, "plan")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatalf("read the first line: %v", err)
	}
	stdout.Close()
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("plan with its reader gone: %v, want exit status 1\n%s", err, stderr.String())
	}
	if ws := exit.Sys().(syscall.WaitStatus); ws.Signaled() || ws.ExitStatus() != 1 {
		t.Fatalf("plan with its reader gone: %v, want exit status 1\n%s", err, stderr.String())
	}
	if !bytes.Contains(stderr.Bytes(), []byte("cannot write to standard output")) || !bytes.Contains(stderr.Bytes(), []byte("broken pipe")) {
		t.Errorf("stderr does not say the write failed:\n%s", stderr.String())
	}
	assertUnlocked(t, w)
}

// TestSignalReleasesTheLock interrupts plan while it holds the state lock (it is settling a
// pending job with an emulator that answers after a minute): the lock is released, and the
// process ends as the signal asks.
func TestSignalReleasesTheLock(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			emu := startEmulator(t, "--latency", "1m")
			w := newWorkspace(t, emu)
			writeInventory(w, 5)
			f := state.New(state.Target{Source: "integration-external", IntegrationInstanceID: inventoryInstance}, "test")
			f.RecordPending("6a1f1f6e-7d7b-4b52-9a8c-3c0f8f9f0a11", "DIFF", &model.Graph{}, time.Now())
			if err := backend.WriteState(t.Context(), backend.NewLocal(w.path("j1hcl.state.json")), f); err != nil {
				t.Fatal(err)
			}

			cmd := w.command(nil, "plan")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			store := backend.NewLocal(w.path("j1hcl.state.json"))
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if _, err := store.LockHolder(t.Context()); err == nil {
					break
				}
				if time.Now().After(deadline) {
					kill(cmd)
					t.Fatalf("plan never took the lock:\n%s", out.String())
				}
			}
			_ = cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				kill(cmd)
				t.Fatalf("plan still runs 10s after %s:\n%s", sig, out.String())
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("plan after %s: %v\n%s", sig, err, out.String())
			}
			if ws := exit.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("plan after %s: %v, want ended by the signal\n%s", sig, err, out.String())
			}
			if !bytes.Contains(out.Bytes(), []byte("state locks this process held were released")) {
				t.Errorf("plan did not say it released its lock:\n%s", out.String())
			}
			assertUnlocked(t, w)
		})
	}
}

// assertUnlocked fails the test when the workspace's state is locked.
func assertUnlocked(t *testing.T, w *workspace) {
	t.Helper()
	if info, err := backend.NewLocal(w.path("j1hcl.state.json")).LockHolder(t.Context()); !errors.Is(err, backend.ErrNotLocked) {
		t.Errorf("the state lock was left behind: %+v, %v", info, err)
	}
}
