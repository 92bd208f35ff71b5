package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/j1hcl/j1hcl/internal/validate"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

// binDir holds the j1hcl binary built once for every script.
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "j1hcl-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "j1hcl"), ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build j1hcl:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestScripts runs the end-to-end cases in testdata/script: each is a txtar archive with the
// commands (run against the real j1hcl binary) and the files they work on.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("NO_COLOR", "")
			env.Setenv("HOME", env.WorkDir)
			addr, err := freeLoopbackAddr()
			if err != nil {
				return err
			}
			env.Setenv("EMULATOR_ADDR", addr)
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"hasdiag":  cmdHasDiag,
			"cmpjson":  cmdCmpJSON,
			"waitport": cmdWaitPort,
			"exitcode": cmdExitCode,
			"editjson": cmdEditJSON,
			"syncjob":  cmdSyncJob,
		},
	})
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// cmdHasDiag checks the last command's `validate -json` output for a diagnostic:
//
//	hasdiag CODE SEVERITY FILE LINE
//
// FILE matches the end of the diagnostic's file name; LINE is the start line of its range.
func cmdHasDiag(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: hasdiag CODE SEVERITY FILE LINE")
	}
	line, err := strconv.Atoi(args[3])
	ts.Check(err)
	var doc struct {
		Valid       bool `json:"valid"`
		Diagnostics []struct {
			Severity string `json:"severity"`
			Code     string `json:"code"`
			Summary  string `json:"summary"`
			Detail   string `json:"detail"`
			Range    *struct {
				Filename string `json:"filename"`
				Start    struct {
					Line int `json:"line"`
				} `json:"start"`
			} `json:"range"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &doc); err != nil {
		ts.Fatalf("stdout is not a validate -json document: %v", err)
	}
	found := false
	var seen []string
	for _, d := range doc.Diagnostics {
		loc := "(no range)"
		if d.Range != nil {
			loc = fmt.Sprintf("%s:%d", filepath.Base(d.Range.Filename), d.Range.Start.Line)
		}
		seen = append(seen, fmt.Sprintf("%s %s %s %q", d.Code, d.Severity, loc, d.Summary))
		if d.Code == args[0] && d.Severity == args[1] && d.Range != nil &&
			strings.HasSuffix(d.Range.Filename, args[2]) && d.Range.Start.Line == line {
			if d.Detail == "" {
				ts.Fatalf("%s has no detail", d.Code)
			}
			found = true
		}
	}
	if found == neg {
		ts.Fatalf("want %sdiagnostic %s; have:\n%s", map[bool]string{true: "no ", false: ""}[neg], strings.Join(args, " "), strings.Join(seen, "\n"))
	}
}

// cmdCmpJSON compares two JSON files semantically: key order, spacing and the spelling of
// numbers do not matter.
func cmdCmpJSON(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cmpjson FILE1 FILE2")
	}
	norm := func(name string) string {
		var v any
		// Numbers decode as float64, so 1420.50 equals 1420.5 (every value here is exact).
		if err := json.Unmarshal([]byte(ts.ReadFile(name)), &v); err != nil {
			ts.Fatalf("%s: %v", name, err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		ts.Check(enc.Encode(v))
		return buf.String()
	}
	a, b := norm(args[0]), norm(args[1])
	if (a == b) == neg {
		ts.Fatalf("%s and %s %s:\n%s\n---\n%s", args[0], args[1], map[bool]string{true: "are equal", false: "differ"}[neg], a, b)
	}
}

// cmdWaitPort waits until something accepts connections on ADDR.
func cmdWaitPort(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitport ADDR")
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", args[0], 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("nothing listens on %s", args[0])
}

// cmdExitCode runs a command and checks its exact exit status (testscript's exec only tells
// zero from non-zero):
//
//	exitcode N COMMAND ARGS...
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N COMMAND ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		got = exitErr.ExitCode()
	case err != nil:
		ts.Fatalf("run %s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// cmdSyncJob changes the emulator's graph the way another client (an old script, an engineer
// with curl) does, outside j1hcl: it runs one whole Sync API job with its own HTTP client.
//
//	syncjob MODE INSTANCE-ID FILE
//
// FILE is the body posted to the job's /upload route ({"entities", "relationships",
// "deleteEntities", ...}). JUPITERONE_API_BASE and JUPITERONE_API_KEY come from the script's
// environment.
func cmdSyncJob(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: syncjob MODE INSTANCE-ID FILE")
	}
	base, key := ts.Getenv("JUPITERONE_API_BASE"), ts.Getenv("JUPITERONE_API_KEY")
	client := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path string, body []byte) map[string]any {
		// Every step of a job is safe to repeat (a second start only leaves an unused job,
		// uploads are idempotent within a job, finalize twice answers the job), so a
		// connection lost to a busy machine is retried.
		var resp *http.Response
		var err error
		for try := 0; try < 3; try++ {
			var req *http.Request
			req, err = http.NewRequest(method, base+path, bytes.NewReader(body))
			ts.Check(err)
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			if resp, err = client.Do(req); err == nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		ts.Check(err)
		defer resp.Body.Close()
		var doc map[string]any
		ts.Check(json.NewDecoder(resp.Body).Decode(&doc))
		if resp.StatusCode != http.StatusOK {
			ts.Fatalf("syncjob: %s %s: %s %v", method, path, resp.Status, doc)
		}
		job, _ := doc["job"].(map[string]any)
		if job == nil {
			ts.Fatalf("syncjob: %s %s: no job in %v", method, path, doc)
		}
		return job
	}
	start, err := json.Marshal(map[string]string{"source": "integration-external", "integrationInstanceId": args[1], "syncMode": args[0]})
	ts.Check(err)
	id, _ := call(http.MethodPost, "/persister/synchronization/jobs", start)["id"].(string)
	jobs := "/persister/synchronization/jobs/" + id
	call(http.MethodPost, jobs+"/upload", []byte(ts.ReadFile(args[2])))
	job := call(http.MethodPost, jobs+"/finalize", []byte("{}"))
	for deadline := time.Now().Add(15 * time.Second); job["done"] != true; {
		if time.Now().After(deadline) {
			ts.Fatalf("syncjob: job %s still %v", id, job["status"])
		}
		time.Sleep(50 * time.Millisecond)
		job = call(http.MethodGet, jobs, nil)
	}
	if job["status"] != "FINISHED" {
		ts.Fatalf("syncjob: job %s ended %v", id, job["status"])
	}
}

// cmdEditJSON edits a JSON file in place, as a person with an editor would:
//
//	editjson FILE PATH VALUE
//
// PATH is dot-separated object keys and list indexes (upload.entities.0.name); VALUE is JSON
// to set there, or "delete" to remove an object key. A PATH ending in "+" appends VALUE to the
// list it names (upload.entities+).
func cmdEditJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: editjson FILE PATH VALUE")
	}
	dec := json.NewDecoder(strings.NewReader(ts.ReadFile(args[0])))
	dec.UseNumber()
	var doc any
	ts.Check(dec.Decode(&doc))
	parts := strings.Split(args[1], ".")
	parent := doc
	for _, p := range parts[:len(parts)-1] {
		switch x := parent.(type) {
		case map[string]any:
			parent = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				ts.Fatalf("editjson: %s: no element %q", args[1], p)
			}
			parent = x[i]
		default:
			ts.Fatalf("editjson: %s: %q is inside neither an object nor a list", args[1], p)
		}
	}
	var value any
	if args[2] != "delete" {
		vdec := json.NewDecoder(strings.NewReader(args[2]))
		vdec.UseNumber()
		ts.Check(vdec.Decode(&value))
	}
	last := parts[len(parts)-1]
	switch x := parent.(type) {
	case map[string]any:
		if name, ok := strings.CutSuffix(last, "+"); ok {
			l, isList := x[name].([]any)
			if !isList {
				ts.Fatalf("editjson: %s: %q is not a list", args[1], name)
			}
			x[name] = append(l, value)
		} else if args[2] == "delete" {
			delete(x, last)
		} else {
			x[last] = value
		}
	case []any:
		i, err := strconv.Atoi(last)
		if err != nil || i < 0 || i >= len(x) {
			ts.Fatalf("editjson: %s: no element %q", args[1], last)
		}
		x[i] = value
	default:
		ts.Fatalf("editjson: %s: the parent is neither an object nor a list", args[1])
	}
	out, err := json.MarshalIndent(doc, "", " ")
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), out, 0o600))
}

// TestExamplesAreFormatted: what we ship is what `j1hcl fmt` would write.
func TestExamplesAreFormatted(t *testing.T) {
	files, err := filepath.Glob("examples/*/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example files: %v", err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := hclwrite.Format(src); !bytes.Equal(got, src) {
			t.Errorf("%s is not formatted: run j1hcl fmt -recursive examples", f)
		}
	}
}

// TestREADMEDocumentsEverything: every command the binary has and every rule code is in the
// README, so the documentation cannot silently fall behind.
func TestREADMEDocumentsEverything(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(binDir, "j1hcl"), "--help").Output()
	if err != nil {
		t.Fatal(err)
	}
	inCommands := false
	var commands []string
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "COMMANDS:"):
			inCommands = true
		case inCommands && strings.TrimSpace(line) == "":
			inCommands = false
		case inCommands:
			name := strings.TrimSuffix(strings.Fields(line)[0], ",")
			commands = append(commands, name)
		}
	}
	if len(commands) < 10 {
		t.Fatalf("found only %d commands in --help: %q", len(commands), commands)
	}
	for _, c := range commands {
		if !strings.Contains(string(readme), "`"+c) {
			t.Errorf("README does not document the command %q", c)
		}
	}
	for _, r := range validate.Rules {
		if !strings.Contains(string(readme), "| "+r.Code+" |") {
			t.Errorf("README's rule table lacks %s", r.Code)
		}
	}
}
