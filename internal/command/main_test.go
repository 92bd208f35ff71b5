package command

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// A panic anywhere in a command, here while the state lock is held (settling a pending job
// asks the environment for the API key), exits 1, not Go's 2, releases the lock, and writes
// a crash report that the message on standard error names.
func TestMainRecoversAPanicReleasesTheLockAndExits1(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", t.TempDir())
	t.Chdir(dir)
	const instance = "0f6c2a57-3f0e-4a53-8d4c-7a9b1e2c3d40"
	config := `integration {
  type        = "asset-inventory"
  instance_id = "` + instance + `"
}
`
	if err := os.WriteFile("main.hcl", []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	f := state.New(state.Target{Source: "integration-external", IntegrationInstanceID: instance}, "test")
	f.RecordPending("6a1f1f6e-7d7b-4b52-9a8c-3c0f8f9f0a11", "DIFF", &model.Graph{}, time.Now())
	store := backend.NewLocal(filepath.Join(dir, DefaultStateFile))
	if err := backend.WriteState(context.Background(), store, f); err != nil {
		t.Fatal(err)
	}

	var stderr bytes.Buffer
	env := benchEnv()
	env.Stderr = &stderr
	env.Getenv = func(name string) string {
		if name == syncapi.EnvAPIKey {
			panic("boom: a test panic")
		}
		return ""
	}
	if code := Main(env, []string{"j1hcl", "plan"}); code != ExitError {
		t.Errorf("exit status %d, want %d", code, ExitError)
	}
	if _, err := store.LockHolder(context.Background()); err != backend.ErrNotLocked {
		t.Errorf("the lock was left behind: %v", err)
	}
	msg := stderr.String()
	for _, want := range []string{"internal error: boom: a test panic", "This is a bug in j1hcl", bugURL} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr lacks %q:\n%s", want, msg)
		}
	}
	report := regexp.MustCompile(`crash report in (\S+)\.\n`).FindStringSubmatch(msg)
	if report == nil {
		t.Fatalf("stderr names no crash report:\n%s", msg)
	}
	data, err := os.ReadFile(report[1])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "panicked: boom: a test panic") || !strings.Contains(string(data), "goroutine ") {
		t.Errorf("the crash report lacks the panic value or the stack:\n%s", data)
	}
}
