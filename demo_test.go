package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDemoNeedsOnlyGo runs `make demo`'s script with a PATH holding Go, bash and the POSIX
// tools every shell has, and nothing else (no curl, no python3): the README promises that Go
// and make are all the demo needs.
func TestDemoNeedsOnlyGo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the demo is a bash script")
	}
	tools := t.TempDir()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	link := func(name, target string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(tools, name)); err != nil {
			t.Fatal(err)
		}
	}
	link("go", goBin)
	for _, name := range []string{
		"bash", "env", "cat", "cp", "dirname", "grep", "head", "kill", "mktemp", "od",
		"realpath", "rm", "sed", "seq", "sleep", "tr",
	} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("%s is not installed here: %v", name, err)
		}
		link(name, p)
	}
	cmd := exec.Command("bash", "scripts/demo.sh", filepath.Join(binDir, "j1hcl"))
	cmd.Path = filepath.Join(tools, "bash")
	env := []string{"PATH=" + tools}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "JUPITERONE_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the demo failed with only Go and POSIX tools on PATH: %v\n%s", err, out)
	}
	for _, want := range []string{"Apply complete!", "(2 entities)", "Demo complete."} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out)
		}
	}
}
