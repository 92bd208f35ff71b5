package ci

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const marker = "<!-- j1hcl-plan -->"

// binDir holds the j1hcl binary built once for the tests that run it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "j1hcl-ci-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "j1hcl"), "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build j1hcl:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needTools skips the test when a tool the scripts call is missing (every CI runner has them).
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the CI steps are bash scripts")
	}
	for _, tool := range append([]string{"bash"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
}

// script runs ci/NAME in dir with env added to a clean environment (PATH with j1hcl first).
type result struct {
	code           int
	stdout, stderr string
}

func script(t *testing.T, dir string, env []string, name string, args ...string) result {
	t.Helper()
	self, err := filepath.Abs(name)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{self}, args...)...)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"NO_COLOR=1",
	}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// fakeRelease serves version 0.3.0 like the release page: an archive for this machine holding
// a stand-in j1hcl and ci/plan.sh, and SHA256SUMS.
func fakeRelease(t *testing.T, tamper bool) *httptest.Server {
	t.Helper()
	arch := map[string]string{"amd64": "amd64", "arm64": "arm64"}[runtime.GOARCH]
	name := fmt.Sprintf("j1hcl_0.3.0_%s_%s.tar.gz", runtime.GOOS, arch)
	var archive bytes.Buffer
	gz := gzip.NewWriter(&archive)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name, body string
	}{{"j1hcl", "#!/bin/sh\necho 'j1hcl 0.3.0'\n"}, {"ci/plan.sh", "#!/bin/sh\n"}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o755, Size: int64(len(f.body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(f.body))
	}
	tw.Close()
	gz.Close()
	sum := sha256.Sum256(archive.Bytes())
	sums := hex.EncodeToString(sum[:]) + "  " + name + "\n"
	if tamper {
		sums = strings.Repeat("0", 64) + "  " + name + "\n"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v0.3.0/"+name, func(w http.ResponseWriter, r *http.Request) { w.Write(archive.Bytes()) })
	mux.HandleFunc("/v0.3.0/SHA256SUMS", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, sums) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestInstall(t *testing.T) {
	needTools(t, "curl", "tar", "awk")
	for _, tt := range []struct {
		name    string
		tamper  bool
		version string
		code    int
		stderr  string
	}{
		{"installs a checked archive", false, "v0.3.0", 0, ""},
		{"refuses an archive that does not match SHA256SUMS", true, "0.3.0", 1, "refusing to install it"},
		{"names a version that was never released", false, "9.9.9", 1, "is 9.9.9 a released version?"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeRelease(t, tt.tamper)
			dest := filepath.Join(t.TempDir(), "j1hcl")
			ghPath := filepath.Join(t.TempDir(), "github_path")
			r := script(t, t.TempDir(), []string{"J1HCL_RELEASE_URL=" + srv.URL, "GITHUB_PATH=" + ghPath}, "install.sh", tt.version, dest)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("install.sh exited %d (want %d), stderr %q (want %q)", r.code, tt.code, r.stderr, tt.stderr)
			}
			_, err := os.Stat(filepath.Join(dest, "bin", "j1hcl"))
			if tt.code != 0 {
				if err == nil {
					t.Fatal("a refused archive was installed")
				}
				return
			}
			out, err := exec.Command(filepath.Join(dest, "bin", "j1hcl")).Output()
			if err != nil || string(out) != "j1hcl 0.3.0\n" {
				t.Fatalf("installed binary says %q, %v", out, err)
			}
			if _, err := os.Stat(filepath.Join(dest, "ci", "plan.sh")); err != nil {
				t.Errorf("the archive's ci/ scripts were not installed: %v", err)
			}
			if p, _ := os.ReadFile(ghPath); strings.TrimSpace(string(p)) != filepath.Join(dest, "bin") {
				t.Errorf("GITHUB_PATH holds %q, want %s", p, filepath.Join(dest, "bin"))
			}
		})
	}
}

// fakeComments is the part of GitHub's and GitLab's APIs that comment.sh uses.
type fakeComments struct {
	mu       sync.Mutex
	comments []map[string]any
	nextID   int
	auth     []string
}

func (f *fakeComments) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	list := func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.auth = append(f.auth, r.Header.Get("Authorization")+r.Header.Get("PRIVATE-TOKEN"))
		json.NewEncoder(w).Encode(f.comments)
	}
	create := func(body string) {
		f.nextID++
		f.comments = append(f.comments, map[string]any{"id": f.nextID, "body": body})
	}
	update := func(id, body string) {
		for _, c := range f.comments {
			if fmt.Sprint(c["id"]) == id {
				c["body"] = body
				return
			}
		}
		t.Errorf("update of unknown comment %s", id)
	}
	jsonBody := func(r *http.Request) string {
		var p struct{ Body string }
		json.NewDecoder(r.Body).Decode(&p)
		return p.Body
	}
	formBody := func(r *http.Request) string {
		r.ParseForm()
		return r.PostForm.Get("body")
	}
	mux.HandleFunc("GET /repos/acme/graph/issues/7/comments", list)
	mux.HandleFunc("POST /repos/acme/graph/issues/7/comments", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		create(jsonBody(r))
	})
	mux.HandleFunc("PATCH /repos/acme/graph/issues/comments/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		update(r.PathValue("id"), jsonBody(r))
	})
	mux.HandleFunc("GET /api/v4/projects/42/merge_requests/7/notes", list)
	mux.HandleFunc("POST /api/v4/projects/42/merge_requests/7/notes", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		create(formBody(r))
	})
	mux.HandleFunc("PUT /api/v4/projects/42/merge_requests/7/notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		update(r.PathValue("id"), formBody(r))
	})
	return mux
}

// TestCommentIsPostedOnceThenUpdated: the first run posts the plan comment, the second edits
// it (found by the marker among other comments), on GitHub and on GitLab.
func TestCommentIsPostedOnceThenUpdated(t *testing.T) {
	needTools(t, "curl", "jq")
	for _, tt := range []struct {
		name string
		env  func(url string) []string
		auth string
	}{
		{"GitHub", func(url string) []string {
			return []string{"GITHUB_TOKEN=gh-secret", "GITHUB_REPOSITORY=acme/graph", "PR_NUMBER=7", "GITHUB_API_URL=" + url}
		}, "Bearer gh-secret"},
		{"GitLab", func(url string) []string {
			return []string{"GITLAB_NOTE_TOKEN=gl-secret", "CI_API_V4_URL=" + url + "/api/v4", "CI_PROJECT_ID=42", "CI_MERGE_REQUEST_IID=7"}
		}, "gl-secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeComments{comments: []map[string]any{{"id": 100, "body": "Looks good to me"}}, nextID: 100}
			srv := httptest.NewServer(fake.handler(t))
			defer srv.Close()
			dir := t.TempDir()
			for i, body := range []string{"first plan", "second plan"} {
				os.WriteFile(filepath.Join(dir, "comment.md"), []byte(marker+"\n"+body+"\n"), 0o644)
				r := script(t, dir, tt.env(srv.URL), "comment.sh", "comment.md")
				if r.code != 0 {
					t.Fatalf("run %d: comment.sh exited %d: %s", i+1, r.code, r.stderr)
				}
				if strings.Contains(r.stdout+r.stderr, "secret") {
					t.Errorf("comment.sh printed the token: %s%s", r.stdout, r.stderr)
				}
			}
			if len(fake.comments) != 2 {
				t.Fatalf("%d comments, want the reviewer's and one plan comment: %v", len(fake.comments), fake.comments)
			}
			if got := fake.comments[1]["body"]; got != marker+"\nsecond plan\n" {
				t.Errorf("the plan comment is %q, want the second plan", got)
			}
			if fake.comments[0]["body"] != "Looks good to me" {
				t.Errorf("another comment was changed: %v", fake.comments[0])
			}
			if fake.auth[0] != tt.auth {
				t.Errorf("sent credentials %q, want %q", fake.auth[0], tt.auth)
			}
		})
	}
}

// emulator starts `j1hcl serve` on a free loopback port and returns its URL.
func emulator(t *testing.T, key string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "j1hcl"), "serve", "--listen", "127.0.0.1:0", "--api-key", key)
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindString(sc.Text()); m != "" {
				found <- m
				break
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case url := <-found:
		return url
	case <-time.After(30 * time.Second):
		t.Fatal("the emulator did not say where it listens")
		return ""
	}
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStepsAgainstTheEmulator runs the steps in the order the action and the template do, on
// a repository with the guide's example, against a real `j1hcl serve`: a pull request's plan
// and its comment, the merge's apply of the saved plan and the state commit, a plan without
// changes, a stale plan refused, and a formatting failure.
func TestStepsAgainstTheEmulator(t *testing.T) {
	needTools(t, "git", "realpath")
	const key = "ci-steps-key"
	base := emulator(t, key)

	origin := t.TempDir()
	git(t, origin, "init", "-q", "--bare", "-b", "main")
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	git(t, repo, "remote", "add", "origin", origin)
	graph := filepath.Join(repo, "graph")
	os.MkdirAll(graph, 0o755)
	src := readFile(t, filepath.Join("..", "examples", "billing-acme", "main.hcl"))
	os.WriteFile(filepath.Join(graph, "main.hcl"), []byte(src), 0o644)
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "graph")
	git(t, repo, "push", "-q", "origin", "main")

	outputs := filepath.Join(t.TempDir(), "github_output")
	env := []string{
		"J1HCL_DIR=graph", "PLAN_FILE=pr.j1plan", "COMMENT_FILE=comment.md", "GITHUB_OUTPUT=" + outputs,
		"COMMIT_SHA=0123456789abcdef", "JUPITERONE_API_BASE=" + base,
		"GIT_AUTHOR_EMAIL=bot@example.com", "GIT_COMMITTER_NAME=bot", "GIT_COMMITTER_EMAIL=bot@example.com",
	}
	withKey := append([]string{"JUPITERONE_API_KEY=" + key}, env...)

	// Pull request: changes; plan.sh succeeds, writes the outputs and the comment.
	r := script(t, repo, env, "plan.sh")
	if r.code != 0 {
		t.Fatalf("plan.sh exited %d: %s", r.code, r.stderr)
	}
	if got := readFile(t, outputs); got != "exitcode=2\nchanges=true\n" {
		t.Errorf("GITHUB_OUTPUT = %q, want exitcode=2 changes=true", got)
	}
	comment := readFile(t, filepath.Join(repo, "comment.md"))
	for _, want := range []string{marker + "\n", "### j1hcl plan for `graph` at 0123456", "**Plan: 4 to add, 0 to change, 0 to destroy.**", "Merging applies exactly this plan"} {
		if !strings.Contains(comment, want) {
			t.Errorf("the comment lacks %q:\n%s", want, comment)
		}
	}
	// No token: the comment goes to a file, not to an API.
	r = script(t, repo, append([]string{"J1HCL_COMMENT_OUT=unposted.md"}, env...), "comment.sh", "comment.md")
	if r.code != 0 || readFile(t, filepath.Join(repo, "unposted.md")) != comment {
		t.Fatalf("comment.sh without a token: exit %d, %s%s", r.code, r.stdout, r.stderr)
	}

	// Merge: without the key apply.sh says what to set; with it the saved plan is applied.
	if r = script(t, repo, env, "apply.sh", "pr.j1plan"); r.code != 1 || !strings.Contains(r.stderr, "JUPITERONE_API_KEY is not set") {
		t.Errorf("apply.sh without a key: exit %d, %q", r.code, r.stderr)
	}
	r = script(t, repo, withKey, "apply.sh", "pr.j1plan")
	if r.code != 0 || !strings.Contains(r.stdout, "Apply complete!") {
		t.Fatalf("apply.sh exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, key) {
		t.Error("apply.sh printed the API key")
	}
	r = script(t, repo, append([]string{"APPLIED=the plan of #7"}, env...), "commit-state.sh")
	if r.code != 0 {
		t.Fatalf("commit-state.sh exited %d: %s", r.code, r.stderr)
	}
	if log := git(t, origin, "log", "-1", "--format=%s", "main"); log != "j1hcl: state after applying the plan of #7 [skip ci]\n" {
		t.Errorf("origin's main ends with %q", log)
	}
	if r = script(t, repo, env, "commit-state.sh"); !strings.Contains(r.stdout, "did not change") {
		t.Errorf("a second commit-state.sh: %q", r.stdout)
	}

	// The next pull request without graph changes: exit code 0, no "Merging applies".
	os.Remove(outputs)
	if r = script(t, repo, env, "plan.sh"); r.code != 0 || readFile(t, outputs) != "exitcode=0\nchanges=false\n" {
		t.Errorf("plan.sh without changes: exit %d, outputs %q", r.code, readFile(t, outputs))
	}
	if c := readFile(t, filepath.Join(repo, "comment.md")); !strings.Contains(c, "No changes") || strings.Contains(c, "Merging applies") {
		t.Errorf("the no-change comment:\n%s", c)
	}

	// A stale plan: planned, then the state moved on (a re-plan and apply): refused, with the way out.
	os.WriteFile(filepath.Join(graph, "main.hcl"), []byte(strings.Replace(src, "memberCount = 42", "memberCount = 43", 1)), 0o644)
	if r = script(t, repo, env, "plan.sh"); r.code != 0 {
		t.Fatalf("plan.sh of a change: %d %s", r.code, r.stderr)
	}
	os.WriteFile(filepath.Join(graph, "main.hcl"), []byte(strings.Replace(src, "memberCount = 42", "memberCount = 44", 1)), 0o644)
	if r = script(t, repo, withKey, "apply.sh", "--replan"); r.code != 0 {
		t.Fatalf("apply.sh --replan: %d %s%s", r.code, r.stdout, r.stderr)
	}
	r = script(t, repo, withKey, "apply.sh", "pr.j1plan")
	if r.code != 1 || !strings.Contains(r.stderr, "stale") || !strings.Contains(r.stderr, "re-plan") {
		t.Errorf("a stale plan: exit %d, stderr %q", r.code, r.stderr)
	}

	// Formatting: plan.sh fails the job, and the comment says how to fix it.
	os.WriteFile(filepath.Join(graph, "extra.hcl"), []byte("locals {\nx=1\n}\n"), 0o644)
	if r = script(t, repo, env, "plan.sh"); r.code != 1 {
		t.Errorf("plan.sh with an unformatted file exited %d, want 1", r.code)
	}
	if c := readFile(t, filepath.Join(repo, "comment.md")); !strings.Contains(c, "Run `j1hcl fmt` and push") {
		t.Errorf("the comment does not say to run j1hcl fmt:\n%s", c)
	}

	// A broken configuration: exit code 1, the comment shows the error.
	os.WriteFile(filepath.Join(graph, "extra.hcl"), []byte("entity \"team\" \"x\" {\n  _class = \"Team\"\n}\n"), 0o644)
	os.Remove(outputs)
	r = script(t, repo, env, "plan.sh")
	if r.code != 1 || readFile(t, outputs) != "exitcode=1\nchanges=error\n" {
		t.Errorf("plan.sh of a broken configuration: exit %d, outputs %q", r.code, readFile(t, outputs))
	}
	if c := readFile(t, filepath.Join(repo, "comment.md")); !strings.Contains(c, ":x: **The plan failed.**") || !strings.Contains(c, "J1P001") {
		t.Errorf("the failure comment:\n%s", c)
	}
}
