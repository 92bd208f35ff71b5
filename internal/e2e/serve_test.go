package e2e_test

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// TestServeFlags covers the emulator's flags that the apply tests do not: the loopback
// guard, the key from the environment, the account and the known instances.
func TestServeFlags(t *testing.T) {
	t.Parallel()

	t.Run("remote address refused", func(t *testing.T) {
		t.Parallel()
		cmd := exec.Command(binary, "serve", "--listen", "0.0.0.0:0")
		cmd.Env = baseEnv()
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "not a loopback address") {
			t.Errorf("serve on 0.0.0.0: %v\n%s", err, out)
		}
	})

	t.Run("key from the environment", func(t *testing.T) {
		t.Parallel()
		p := startServe(t, baseEnv("J1HCL_EMULATOR_API_KEY="+apiKey, "J1HCL_LOG=debug"))
		for key, want := range map[string]int{"": 401, "wrong": 401, apiKey: 200} {
			req, _ := http.NewRequest("GET", p.url+"/_emulator/graph", nil)
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("key %q: status %d, want %d", key, resp.StatusCode, want)
			}
		}
		if out := p.stdout.String() + p.stderr.String(); strings.Contains(out, apiKey) {
			t.Errorf("serve printed its key:\n%s", out)
		}
	})

	t.Run("account and instances", func(t *testing.T) {
		t.Parallel()
		emu := startEmulator(t, "--account", "acme", "--instance", "some-other-instance", "--instance", lifecycleInstance)
		w := newWorkspace(t, emu)
		w.copyFixture("lifecycle/1-create.hcl", "main.hcl")

		r := w.run("apply", "-auto-approve")
		if r.code != 1 || !strings.Contains(r.stderr, "HTTP 403 ACCOUNT_MISMATCH") || !strings.Contains(r.stderr, "JUPITERONE_ACCOUNT") {
			t.Errorf("apply without the account: %s", r)
		}
		w.env = append(w.env, "JUPITERONE_ACCOUNT=acme")
		r = w.runEnv([]string{"JUPITERONE_INTEGRATION_INSTANCE_ID=00000000-0000-4000-8000-0000000000ff"}, "apply", "-auto-approve")
		if r.code != 1 || !strings.Contains(r.stderr, "SYNC_JOB_INVALID_INTEGRATION_INSTANCE") || !strings.Contains(r.stderr, "Check the integration instance id") {
			t.Errorf("apply to an unknown instance: %s", r)
		}
		w.must("apply", "-auto-approve")
		w.assertConverged(lifecycleInstance)
	})
}
