package command

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The bash script completes commands, subcommands and each command's own flags; run by a
// real bash.
func TestBashCompletionCompletes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	var script bytes.Buffer
	app := newApp(&meta{env: benchEnv()})
	if err := bashCompletion(&script, completionTree(app.Commands)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "j1hcl.bash")
	if err := os.WriteFile(file, script.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		words []string // the last one is being completed
		want  string
	}{
		{[]string{"pl"}, "plan"},
		{[]string{"state", "r"}, "rm"},
		{[]string{"plan", "-var", "x=1", "-for"}, "-format"},
		{[]string{"apply", "-auto"}, "-auto-approve"},
		{[]string{"state", "rm", "-loc"}, "-lock -lock-timeout"},
		{[]string{"validate", "-for"}, ""}, // validate has no -format
	}
	for _, tt := range tests {
		words := append([]string{"j1hcl"}, tt.words...)
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = shellQuote(w)
		}
		cmd := exec.Command(bash, "-c", "source "+shellQuote(file)+"; COMP_WORDS=("+strings.Join(quoted, " ")+"); COMP_CWORD="+
			strconv.Itoa(len(words)-1)+`; _j1hcl; echo "${COMPREPLY[*]}"`)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tt.words, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != tt.want {
			t.Errorf("completing %q = %q, want %q", tt.words, got, tt.want)
		}
	}
}
