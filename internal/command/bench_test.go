package command

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/benchfixture"
)

// benchEnv is an Env for in-process runs: no terminal, output discarded.
func benchEnv() *Env {
	return &Env{
		Stdout:  io.Discard,
		Stderr:  io.Discard,
		Stdin:   strings.NewReader(""),
		Getenv:  func(string) string { return "" },
		Environ: func() []string { return nil },
	}
}

// matchingState writes a state that records exactly the configuration in dir.
func matchingState(b *testing.B, dir string) {
	if err := benchfixture.MatchingState(dir, filepath.Join(dir, DefaultStateFile)); err != nil {
		b.Fatal(err)
	}
}

// benchPlan runs the whole `plan` command (load, validate, state, diff, render) in process.
func benchPlan(b *testing.B, dir string, args ...string) {
	b.Helper()
	b.ReportAllocs()
	var stderr bytes.Buffer
	env := benchEnv()
	env.Stderr = &stderr
	for b.Loop() {
		stderr.Reset()
		code := Main(env, append([]string{"j1hcl", "-chdir=" + dir, "plan"}, args...))
		if code != ExitOK {
			b.Fatalf("plan exited %d: %s", code, stderr.String())
		}
	}
}

func chdirBack(b *testing.B) {
	wd, _ := os.Getwd()
	b.Cleanup(func() { os.Chdir(wd) })
}

// BenchmarkPlanCSV100kEmptyState: 100,000 entities + 100,000 relationships from CSV via
// for_each, nothing applied yet (README §5: under 3 s).
func BenchmarkPlanCSV100kEmptyState(b *testing.B) {
	chdirBack(b)
	dir := b.TempDir()
	if err := benchfixture.CSVInventory(dir, 100_000); err != nil {
		b.Fatal(err)
	}
	benchPlan(b, dir, "-compact")
}

// BenchmarkPlanCSV100kMatchingState: the same graph against a state that already records it.
func BenchmarkPlanCSV100kMatchingState(b *testing.B) {
	chdirBack(b)
	dir := b.TempDir()
	if err := benchfixture.CSVInventory(dir, 100_000); err != nil {
		b.Fatal(err)
	}
	matchingState(b, dir)
	benchPlan(b, dir, "-compact")
}

// BenchmarkPlanBlocks10kEmptyState: 10,000 entity blocks written one by one (README §5:
// under 1.5 s).
func BenchmarkPlanBlocks10kEmptyState(b *testing.B) {
	chdirBack(b)
	dir := b.TempDir()
	if err := benchfixture.Blocks(dir, 10_000); err != nil {
		b.Fatal(err)
	}
	benchPlan(b, dir, "-compact")
}

// BenchmarkPlanBlocks10kMatchingState: the same blocks against a matching state.
func BenchmarkPlanBlocks10kMatchingState(b *testing.B) {
	chdirBack(b)
	dir := b.TempDir()
	if err := benchfixture.Blocks(dir, 10_000); err != nil {
		b.Fatal(err)
	}
	matchingState(b, dir)
	benchPlan(b, dir, "-compact")
}
