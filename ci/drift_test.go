package ci

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDriftCheckAgainstTheEmulator runs ci/drift.sh as the scheduled jobs do: no drift (exit
// 0), then a change made by another client (exit 2, the report names it, the outputs say
// so), then an API that cannot be reached (exit 1, nothing written as drift).
func TestDriftCheckAgainstTheEmulator(t *testing.T) {
	needTools(t)
	const key = "ci-drift-key"
	base := emulator(t, key)
	dir := t.TempDir()
	graph := filepath.Join(dir, "graph")
	if err := os.MkdirAll(graph, 0o755); err != nil {
		t.Fatal(err)
	}
	const instance = "5c4b3a29-1807-4f6e-9d8c-7b6a59483726"
	config := `integration {
  type        = "acme"
  instance_id = "` + instance + `"
}

entity "team" "ops" {
  _class      = "Team"
  name        = "ops"
  displayName = "Ops"
}
`
	if err := os.WriteFile(filepath.Join(graph, "main.hcl"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"JUPITERONE_API_KEY=" + key, "JUPITERONE_API_BASE=" + base, "J1HCL_DIR=graph"}
	if r := script(t, dir, nil, "drift.sh"); r.code != 1 || !strings.Contains(r.stderr, "JUPITERONE_API_KEY is not set") {
		t.Fatalf("drift.sh without a key: exit %d\n%s", r.code, r.stderr) // refused before anything runs
	}

	run := func(out string, args ...string) result {
		outputs := filepath.Join(dir, out)
		return script(t, dir, append(env, "GITHUB_OUTPUT="+outputs, "GITHUB_STEP_SUMMARY="+outputs+".summary"), "drift.sh", args...)
	}
	// The pipeline's apply job has applied the configuration.
	if r := script(t, dir, env, "apply.sh", "--replan"); r.code != 0 {
		t.Fatalf("apply.sh --replan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	r := run("out1")
	if r.code != 0 || !strings.Contains(r.stdout, "No drift") {
		t.Fatalf("no drift: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got := readFile(t, filepath.Join(dir, "out1")); got != "drift=false\n" {
		t.Errorf("outputs %q", got)
	}

	outsidePatch(t, base, key, instance)
	r = run("out2")
	if r.code != 2 || !strings.Contains(r.stdout, "Drift:") {
		t.Fatalf("drift: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	report := readFile(t, filepath.Join(dir, "drift.md"))
	if !strings.Contains(report, "entity.team.ops") || !strings.Contains(report, "has changed outside j1hcl") {
		t.Errorf("the report does not name the change:\n%s", report)
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "out2.summary")), "changed outside j1hcl") {
		t.Error("the step summary lacks the report")
	}
	if strings.Contains(report+r.stdout+r.stderr, key) {
		t.Error("the API key was printed")
	}

	env = append(env, "JUPITERONE_API_BASE=http://127.0.0.1:1") // nothing listens there
	r = run("out3")
	if r.code != 1 || !strings.Contains(r.stderr, "the drift check failed") {
		t.Fatalf("unreachable API: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got := readFile(t, filepath.Join(dir, "out3")); got != "drift=error\n" {
		t.Errorf("outputs %q", got)
	}
}

// outsidePatch changes the team's displayName through a PATCH job of its own, as another
// client would.
func outsidePatch(t *testing.T, base, key, instance string) {
	t.Helper()
	call := func(path, body string) map[string]any {
		req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc struct {
			Job map[string]any `json:"job"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %s %v", path, resp.Status, err)
		}
		return doc.Job
	}
	job := call("/persister/synchronization/jobs", `{"source":"integration-external","integrationInstanceId":"`+instance+`","syncMode":"PATCH"}`)
	jobs := "/persister/synchronization/jobs/" + job["id"].(string)
	call(jobs+"/upload", `{"entities":[{"_key":"acme:team:ops","_type":"acme_team","_class":"Team","name":"ops","displayName":"Ops (by hand)"}]}`)
	call(jobs+"/finalize", `{}`)
	time.Sleep(200 * time.Millisecond) // the emulator finalizes at once unless told to delay
}
