//go:build unix

package e2e_test

import (
	"bufio"
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/j1hcl/j1hcl/internal/state"
)

// TestInterruptAborts interrupts apply during its upload with SIGINT or SIGTERM: the job is
// aborted, never finalized, and the state and the graph stay as they were.
func TestInterruptAborts(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			emu := startEmulator(t, "--latency", "40ms")
			w := newWorkspace(t, emu)
			writeInventory(w, 20)
			w.must("apply", "-auto-approve", "-var=generation=1")
			beforeState, beforeGraph := w.stateBytes(), emu.graph(t, inventoryInstance)

			writeInventory(w, 1000)
			cmd := w.command(nil, "apply", "-auto-approve", "-compact", "-batch-size=10", "-var=generation=2")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				out.WriteString(sc.Text() + "\n")
				if strings.HasPrefix(sc.Text(), "Uploaded 10%") {
					_ = cmd.Process.Signal(sig)
				}
			}
			err = cmd.Wait()
			r := result{args: cmd.Args[1:], stdout: out.String(), stderr: stderr.String()}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("interrupted apply: %v\n%s", err, r)
			}
			assertContains(t, r, r.stderr, "interrupted", sig.String()+" signal received", "was aborted", "the state is unchanged")
			assertContains(t, r, r.stdout, "Aborted job")
			_, rest, _ := strings.Cut(r.stdout, "Started DIFF job ")
			if id, _, _ := strings.Cut(rest, " "); emu.jobStatus(t, id) != "ABORTED" {
				t.Errorf("job %q is not ABORTED", id)
			}
			if strings.Contains(r.stdout, "Finalizing") || strings.Count(emu.stderr.String(), "/finalize status=") != 1 {
				t.Error("the interrupted job was finalized")
			}
			if !bytes.Equal(w.stateBytes(), beforeState) {
				t.Error("the state changed")
			}
			if _, err := state.ReadLock(w.path("j1hcl.state.json")); err == nil {
				t.Error("the interrupted apply left its lock behind")
			}
			assertSame(t, "emulator graph", emu.graph(t, inventoryInstance), "graph before", beforeGraph)
		})
	}
}
