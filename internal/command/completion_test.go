package command

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
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

// Every command's help has an example, and every flag with a value shows a typed placeholder
// (-format=text|markdown|json, never -format=VALUE).
func TestEveryCommandHasExamplesAndTypedFlags(t *testing.T) {
	app := newApp(&meta{env: benchEnv()})
	for _, e := range completionTree(app.Commands)[1:] {
		if len(commandDocs[e.path].examples) == 0 {
			t.Errorf("%s: no example in commandDocs", e.path)
		}
	}
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := strings.TrimSpace(path + " " + c.Name)
			for _, f := range c.Flags {
				head, _, _ := strings.Cut(flagString(f), "\t")
				if s := head; strings.HasSuffix(s, "-"+f.Names()[len(f.Names())-1]+"=VALUE") {
					t.Errorf("%s: flag %s has no typed placeholder: %q", p, f.Names()[0], s)
				}
			}
			walk(p, c.Subcommands)
		}
	}
	walk("", app.Commands)
}
