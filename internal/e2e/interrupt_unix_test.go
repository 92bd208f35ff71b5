//go:build unix

package e2e_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/backend"
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
			if _, err := backend.NewLocal(w.path("j1hcl.state.json")).LockHolder(t.Context()); err == nil {
				t.Error("the interrupted apply left its lock behind")
			}
			assertSame(t, "emulator graph", emu.graph(t, inventoryInstance), "graph before", beforeGraph)
		})
	}
}

// TestServeStopsOnSignal stops `j1hcl serve` with SIGINT: without requests in flight it
// shuts down and says so; with a request in flight, shutdown waits for it, and a second
// SIGINT ends the process at once.
func TestServeStopsOnSignal(t *testing.T) {
	t.Parallel()
	t.Run("graceful", func(t *testing.T) {
		t.Parallel()
		p := startServe(t, baseEnv())
		_ = p.cmd.Process.Signal(syscall.SIGINT)
		if err := p.exitWithin(t, 10*time.Second); err != nil || !strings.Contains(p.stdout.String(), "j1hcl serve: stopped") {
			t.Errorf("serve after SIGINT: %v\n%s", err, p.stdout.String())
		}
	})

	t.Run("second signal", func(t *testing.T) {
		t.Parallel()
		p := startServe(t, baseEnv())
		// A request whose body never ends holds shutdown. The server's 100 Continue says its
		// handler is reading the body: the request is in flight.
		body, more := io.Pipe()
		t.Cleanup(func() { more.Close() })
		reading := make(chan struct{})
		go func() {
			trace := &httptrace.ClientTrace{Got100Continue: func() { close(reading) }}
			req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), "POST", p.url+"/graphql", body)
			req.Header.Set("Expect", "100-continue")
			client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		select {
		case <-reading:
		case <-time.After(20 * time.Second):
			t.Fatalf("serve never read the request:\n%s", p.stderr.String())
		}
		_ = p.cmd.Process.Signal(syscall.SIGINT)
		// Shutdown closes the listener first: once connections are refused, the first signal
		// has been taken, and shutdown is waiting for the request.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			c, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatalf("serve still accepts connections after SIGINT:\n%s", p.stderr.String())
			}
		}
		_ = p.cmd.Process.Signal(syscall.SIGINT)
		err := p.exitWithin(t, 5*time.Second)
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("serve after a second SIGINT: %v\n%s", err, p.stderr.String())
		}
		if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
			t.Errorf("serve after a second SIGINT: %v, want killed by SIGINT\n%s", err, p.stderr.String())
		}
	})
}
