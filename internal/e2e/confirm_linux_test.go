package e2e_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: what the test writes to term is what a process
// reading tty gets, as if typed.
func openPTY(t *testing.T) (term, tty *os.File) {
	t.Helper()
	term, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(term.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		term.Close()
		t.Skipf("unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		term.Close()
		t.Skipf("name the pseudo-terminal: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		term.Close()
		t.Skipf("open the pseudo-terminal: %v", err)
	}
	t.Cleanup(func() {
		tty.Close()
		term.Close()
	})
	return term, tty
}

// TestConfirmation answers apply's question on a terminal: only "yes" applies.
func TestConfirmation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		answer  string
		applied bool
	}{
		{"yes", true},
		{"y", false},
		{"no", false},
	} {
		t.Run(tc.answer, func(t *testing.T) {
			t.Parallel()
			emu := startEmulator(t)
			w := newWorkspace(t, emu)
			w.copyFixture("lifecycle/1-create.hcl", "main.hcl")
			term, tty := openPTY(t)
			cmd := w.command(nil, "apply")
			var stdout, stderr bytes.Buffer
			cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The terminal holds the answer until apply reads it.
			if _, err := term.Write([]byte(tc.answer + "\n")); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				kill(cmd)
				t.Fatalf("apply did not finish\nstdout:\n%s", stdout.String())
			}
			r := result{args: cmd.Args[1:], stdout: stdout.String(), stderr: stderr.String()}
			assertContains(t, r, r.stdout, "Do you want to apply these changes? Only 'yes' will be accepted:")
			var exit *exec.ExitError
			if tc.applied {
				if err != nil {
					t.Fatalf("apply answered yes: %v\n%s", err, r)
				}
				assertContains(t, r, r.stdout, "Apply complete!")
				w.assertConverged(lifecycleInstance)
				return
			}
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(r.stderr, "apply cancelled") {
				t.Fatalf("apply answered %q: %v\n%s", tc.answer, err, r)
			}
			if emu.startJobs() != 0 || w.stateBytes() != nil {
				t.Errorf("apply answered %q started a job or wrote a state", tc.answer)
			}
		})
	}
}
