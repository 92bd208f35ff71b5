// Package e2e_test runs the real j1hcl binary against `j1hcl serve` over loopback HTTP: the
// apply lifecycle, saved plans, locks, injected faults, permanent failures, processes killed
// mid-apply, and the API key's absence from everything written.
package e2e_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/backend/backendtest"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
)

// apiKey is the bearer key of every emulator and client here; TestAPIKeyIsNeverWritten
// looks for it everywhere.
const apiKey = "e2e-secret-key-3b9f1d27c4a8"

// binary is the j1hcl built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "j1hcl-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "j1hcl")
	build := exec.Command("go", "build", "-o", binary, "github.com/j1hcl/j1hcl")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build j1hcl:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	backendtest.StopPostgres()
	backendtest.StopS3()
	os.RemoveAll(dir)
	os.Exit(code)
}

// lockedBuffer collects a subprocess's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveProcess is a running `j1hcl serve`.
type serveProcess struct {
	cmd *exec.Cmd
	// url is http://HOST:PORT, from the address line serve prints when ready.
	url            string
	stdout, stderr *lockedBuffer
	// exited is closed once the process has ended, with Wait's answer in waitErr.
	exited  chan struct{}
	waitErr error
}

// startServe runs `j1hcl serve --listen 127.0.0.1:0` with args in env, waits for its address
// line and kills it when the test ends.
func startServe(t *testing.T, env []string, args ...string) *serveProcess {
	t.Helper()
	p := &serveProcess{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(binary, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		_, rest, ok := strings.Cut(p.stdout.String(), "j1hcl serve: listening on ")
		if url, _, full := strings.Cut(rest, "\n"); ok && full {
			p.url = url
			return p
		}
	}
	t.Fatalf("j1hcl serve did not report its address; output:\n%s%s", p.stdout.String(), p.stderr.String())
	return nil
}

// exitWithin waits for the process to end and returns Wait's answer; the test fails if it
// is still running after d.
func (p *serveProcess) exitWithin(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.waitErr
	case <-time.After(d):
		t.Fatalf("j1hcl serve still runs after %s", d)
		return nil
	}
}

// emulator is a `j1hcl serve` subprocess.
type emulator struct {
	url string
	// account is the --account the emulator requires, sent by graph.
	account string
	stdout  *lockedBuffer
	stderr  *lockedBuffer
}

// startEmulator runs `j1hcl serve --listen 127.0.0.1:0 --api-key KEY` with extra flags,
// waits for its address line and stops it when the test ends. Its log (J1HCL_LOG=info, one
// line per request) is in stderr.
func startEmulator(t *testing.T, flags ...string) *emulator {
	t.Helper()
	p := startServe(t, baseEnv("J1HCL_LOG=info"), append([]string{"--api-key", apiKey}, flags...)...)
	e := &emulator{url: p.url, stdout: p.stdout, stderr: p.stderr}
	for i, f := range flags {
		if f == "--account" && i+1 < len(flags) {
			e.account = flags[i+1]
		}
	}
	return e
}

// startJobs counts the job-start requests the emulator has logged.
func (e *emulator) startJobs() int {
	return strings.Count(e.stderr.String(), `method=POST path=/persister/synchronization/jobs status=`)
}

// get sends an authenticated GET and returns the body.
func (e *emulator) get(t *testing.T, path string) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", e.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	if e.account != "" {
		req.Header.Set("JupiterOne-Account", e.account)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v: %s", path, resp.StatusCode, err, body)
	}
	return body
}

// jobStatus returns the status of a job.
func (e *emulator) jobStatus(t *testing.T, id string) string {
	t.Helper()
	var answer struct {
		Job struct {
			Status string `json:"status"`
		} `json:"job"`
	}
	if err := json.Unmarshal(e.get(t, "/persister/synchronization/jobs/"+id), &answer); err != nil {
		t.Fatal(err)
	}
	return answer.Job.Status
}

// graph returns the emulator's objects of an integration instance, reduced to what was
// uploaded: `_`-prefixed metadata other than the payload's reserved fields is removed.
func (e *emulator) graph(t *testing.T, instance string) map[string]string {
	t.Helper()
	body := e.get(t, "/_emulator/graph?instance="+instance)
	g, err := model.DecodePayload(body)
	if err != nil {
		t.Fatalf("decode the emulator's graph: %v", err)
	}
	out := map[string]string{}
	for _, o := range g.All() {
		out[o.Key()] = string(model.MarshalObject(uploaded(o.Props)))
	}
	return out
}

// uploaded strips the platform metadata the emulator adds on read-back.
func uploaded(p model.Properties) model.Properties {
	out := model.Properties{}
	for k, v := range p {
		switch k {
		case model.PropKey, model.PropType, model.PropClass, model.PropFromKey, model.PropToKey, model.PropMapping:
		default:
			if strings.HasPrefix(k, "_") {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// result is a finished j1hcl run.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("j1hcl %s: exit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// workspace is a configuration directory with a client environment pointing at an emulator.
type workspace struct {
	t   *testing.T
	dir string
	emu *emulator
	env []string
	// outputs collects everything every run printed, for TestAPIKeyIsNeverWritten.
	outputs []string
}

// newWorkspace copies the fixture files into a temporary directory.
func newWorkspace(t *testing.T, emu *emulator, fixtures ...string) *workspace {
	t.Helper()
	w := &workspace{t: t, dir: t.TempDir(), emu: emu}
	w.env = baseEnv("JUPITERONE_API_KEY="+apiKey, "JUPITERONE_API_BASE="+emu.url)
	for _, f := range fixtures {
		w.copyFixture(f, filepath.Base(f))
	}
	return w
}

// copyFixture copies testdata/src to dst in the workspace.
func (w *workspace) copyFixture(src, dst string) {
	w.t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", src))
	if err != nil {
		w.t.Fatal(err)
	}
	w.write(dst, data)
}

func (w *workspace) write(name string, data []byte) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), data, 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *workspace) path(name string) string { return filepath.Join(w.dir, name) }

// baseEnv is a clean environment for subprocesses: nothing of the test's own JupiterOne or
// j1hcl settings leaks in.
func baseEnv(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "NO_COLOR=1"}
	return append(env, extra...)
}

// run runs j1hcl in the workspace and waits for it.
func (w *workspace) run(args ...string) result {
	w.t.Helper()
	return w.runEnv(nil, args...)
}

func (w *workspace) runEnv(extraEnv []string, args ...string) result {
	w.t.Helper()
	cmd := w.command(extraEnv, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		w.t.Fatalf("run j1hcl %v: %v", args, err)
	}
	w.outputs = append(w.outputs, r.stdout, r.stderr)
	return r
}

// command prepares j1hcl in the workspace; standard input is not a terminal.
func (w *workspace) command(extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	cmd.Dir = w.dir
	cmd.Env = append(append([]string(nil), w.env...), extraEnv...)
	return cmd
}

// must runs j1hcl and fails the test unless it exits 0.
func (w *workspace) must(args ...string) result {
	w.t.Helper()
	r := w.run(args...)
	if r.code != 0 {
		w.t.Fatalf("%s", r)
	}
	return r
}

// desired returns the configuration's graph as `j1hcl export` writes it.
func (w *workspace) desired(args ...string) map[string]string {
	w.t.Helper()
	r := w.must(append([]string{"export"}, args...)...)
	g, err := model.DecodePayload([]byte(r.stdout))
	if err != nil {
		w.t.Fatalf("decode export: %v\n%s", err, r.stdout)
	}
	return canonical(g)
}

// state reads the workspace's state file; nil when there is none.
func (w *workspace) state() *state.File {
	w.t.Helper()
	f, err := state.Read(w.path("j1hcl.state.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return f
}

func (w *workspace) stateBytes() []byte {
	w.t.Helper()
	b, err := os.ReadFile(w.path("j1hcl.state.json"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		w.t.Fatal(err)
	}
	return b
}

func canonical(g *model.Graph) map[string]string {
	out := map[string]string{}
	for _, o := range g.All() {
		out[o.Key()] = string(model.MarshalObject(o.Props))
	}
	return out
}

// assertConverged checks that the emulator's graph of the instance, the desired graph
// (export) and the state's objects are the same objects.
func (w *workspace) assertConverged(instance string, exportArgs ...string) {
	w.t.Helper()
	want := w.desired(exportArgs...)
	assertSame(w.t, "emulator graph", w.emu.graph(w.t, instance), "desired graph", want)
	f := w.state()
	if f == nil {
		w.t.Fatal("no state file")
	}
	if f.PendingJob != nil {
		w.t.Errorf("the state still records job %s as pending", f.PendingJob.ID)
	}
	assertSame(w.t, "state", canonical(f.Graph()), "desired graph", want)
}

func assertSame(t *testing.T, gotName string, got map[string]string, wantName string, want map[string]string) {
	t.Helper()
	var b strings.Builder
	for k, v := range want {
		if g, ok := got[k]; !ok {
			fmt.Fprintf(&b, "  %s lacks %s\n", gotName, k)
		} else if g != v {
			fmt.Fprintf(&b, "  %s:\n    %-14s %s\n    %-14s %s\n", k, gotName, g, wantName, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "  %s has %s, which the %s does not\n", gotName, k, wantName)
		}
	}
	if b.Len() > 0 {
		t.Errorf("%s differs from the %s:\n%s", gotName, wantName, b.String())
	}
}

// assertContains fails unless every want is in text.
func assertContains(t *testing.T, r result, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("output lacks %q\n%s", w, r)
		}
	}
}

// jobID returns the job id of an "Apply complete! Job ID: …" line.
func jobID(t *testing.T, r result) string {
	t.Helper()
	_, rest, ok := strings.Cut(r.stdout, "Apply complete! Job ")
	if !ok {
		t.Fatalf("no \"Apply complete! Job\" line\n%s", r)
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

// kill ends a started command at once (SIGKILL on Unix) and reaps it.
func kill(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}
