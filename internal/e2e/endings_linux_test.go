//go:build linux

package e2e_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestFullDiskFails runs commands with standard output on /dev/full, where every write fails
// with ENOSPC: each must exit 1 and say that its output was lost, never exit 0 as if it had
// printed, and leave no lock behind.
func TestFullDiskFails(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t)
	w := newWorkspace(t, emu)
	writeInventory(w, 3)
	w.must("apply", "-auto-approve")
	tests := []struct {
		args  []string
		stdin string
	}{
		{args: []string{"validate"}},
		{args: []string{"validate", "-json"}},
		{args: []string{"plan"}},
		{args: []string{"plan", "-json"}},
		{args: []string{"show"}},
		{args: []string{"state", "list"}},
		{args: []string{"export"}},
		{args: []string{"graph"}},
		{args: []string{"version"}},
		{args: []string{"fmt", "-"}, stdin: "a   =  1\n"},
	}
	for _, tt := range tests {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Skipf("no /dev/full: %v", err)
		}
		cmd := w.command(nil, tt.args...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr, cmd.Stdin = full, &stderr, strings.NewReader(tt.stdin)
		err = cmd.Run()
		full.Close()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("j1hcl %s >/dev/full: %v, want exit status 1\n%s", strings.Join(tt.args, " "), err, stderr.String())
			continue
		}
		if !strings.Contains(stderr.String(), "cannot write to standard output") || !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("j1hcl %s >/dev/full does not say its output was lost:\n%s", strings.Join(tt.args, " "), stderr.String())
		}
	}
	assertUnlocked(t, w)
}
