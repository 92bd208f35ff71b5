package command

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/validate"
)

func TestExtractGlobals(t *testing.T) {
	tests := []struct {
		args    []string
		want    globals
		rest    []string
		wantErr string
	}{
		{[]string{"plan", "-no-color"}, globals{noColor: true, color: "auto"}, []string{"plan"}, ""},
		{[]string{"-chdir=dir", "plan"}, globals{chdir: "dir", color: "auto"}, []string{"plan"}, ""},
		{[]string{"--chdir", "dir", "validate", "--color=always"}, globals{chdir: "dir", color: "always"}, []string{"validate"}, ""},
		{[]string{"plan", "-var", "x=1", "--", "-no-color"}, globals{color: "auto"}, []string{"plan", "-var", "x=1", "--", "-no-color"}, ""},
		{[]string{"plan", "--color=sometimes"}, globals{}, nil, "auto, always or never"},
		{[]string{"plan", "-chdir"}, globals{}, nil, "needs a value"},
	}
	for _, tt := range tests {
		g, rest, err := extractGlobals(tt.args)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("extractGlobals(%q) error = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || g != tt.want || !reflect.DeepEqual(rest, tt.rest) {
			t.Errorf("extractGlobals(%q) = %+v, %q, %v; want %+v, %q", tt.args, g, rest, err, tt.want, tt.rest)
		}
	}
}

func TestPermuteArgs(t *testing.T) {
	app := newApp(&meta{env: benchEnv()})
	tests := []struct{ in, want []string }{
		{[]string{"import-json", "payload.json", "-out", "dir"}, []string{"import-json", "-out", "dir", "--", "payload.json"}},
		{[]string{"plan", "-var", "a=1", "-json"}, []string{"plan", "-var", "a=1", "-json"}},
		{[]string{"state", "rm", "entity.a.b", "-lock=false"}, []string{"state", "rm", "-lock=false", "--", "entity.a.b"}},
		{[]string{"apply", "plan.j1plan", "-auto-approve"}, []string{"apply", "-auto-approve", "--", "plan.j1plan"}},
		{[]string{"--help"}, []string{"--help"}},
		{[]string{"unknown", "-x"}, []string{"unknown", "-x"}},
	}
	for _, tt := range tests {
		if got := permuteArgs(app.Commands, tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("permuteArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestColorChoice(t *testing.T) {
	env := benchEnv()
	env.StdoutTerminal = true
	if !useColor(env, globals{color: "auto"}) {
		t.Error("auto on a terminal should colour")
	}
	if useColor(env, globals{color: "auto", noColor: true}) {
		t.Error("-no-color ignored")
	}
	env.Getenv = func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	}
	if useColor(env, globals{color: "always"}) {
		t.Error("NO_COLOR must win over --color=always")
	}
	env = benchEnv()
	if useColor(env, globals{color: "auto"}) || !useColor(env, globals{color: "always"}) {
		t.Error("auto off a terminal must not colour; always must")
	}
}

func TestUsageErrorsExitOne(t *testing.T) {
	var stderr bytes.Buffer
	env := benchEnv()
	env.Stderr = &stderr
	if code := Main(env, []string{"j1hcl", "plan", "-nosuch"}); code != ExitError {
		t.Errorf("exit code = %d, want %d", code, ExitError)
	}
	if !strings.Contains(stderr.String(), "nosuch") {
		t.Errorf("stderr = %q", stderr.String())
	}
}

func TestConsolidate(t *testing.T) {
	r := func(line int) *hcl.Range {
		return &hcl.Range{Filename: "main.hcl", Start: hcl.Pos{Line: line, Column: 1}, End: hcl.Pos{Line: line, Column: 5}}
	}
	w := func(summary string, rng *hcl.Range, detail string) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Subject: rng, Detail: detail, Extra: validate.DiagnosticExtra{Code: "J1D401"}}
	}
	diags := hcl.Diagnostics{
		w("Missing", r(20), `entity.host.all["a"] lacks x.`),
		w("Missing", r(20), `entity.host.all["b"] lacks x.`),
		w("Other", r(20), "other"),
		w("Missing", r(20), `entity.host.all["c"] lacks x.`),
		w("Missing", r(30), `entity.team.t lacks y.`),
	}
	got := consolidate(diags)
	if len(got) != 3 {
		t.Fatalf("%d diagnostics, want 3: %v", len(got), got)
	}
	if !strings.HasPrefix(got[0].Detail, `entity.host.all["a"]`) || !strings.Contains(got[0].Detail, "and 2 more like it") {
		t.Errorf("first group: %q", got[0].Detail)
	}
	if diags[0].Detail != `entity.host.all["a"] lacks x.` {
		t.Error("consolidate changed its input")
	}
	if got[1].Summary != "Other" || strings.Contains(got[2].Detail, "more like it") {
		t.Errorf("groups: %v", got)
	}
}

func TestModuleVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"v0.3.0", "0.3.0"},
		{"v0.3.1-rc.1", "0.3.1-rc.1"},
		{"v0.3.0+dirty", "0.3.0+dirty"},
		{"(devel)", ""},
		{"", ""},
		{"v0.0.0-20261206031500-abcdef123456", ""},
		{"v0.3.1-0.20261206031500-abcdef123456+dirty", ""},
	}
	for _, tt := range tests {
		if got := moduleVersion(tt.in); got != tt.want {
			t.Errorf("moduleVersion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Progress lines quote the server (job ids, statuses, reasons): the text view's log escapes
// their control characters, and keeps line breaks.
func TestTextViewLogEscapesControlCharacters(t *testing.T) {
	var out bytes.Buffer
	env := benchEnv()
	env.Stdout = &out
	m := &meta{env: env}
	tests := []struct{ in, want string }{
		{"Started DIFF job 42.\n", "Started DIFF job 42.\n"},
		{"Job \x1b]0;pwned\x07 FINISHED.\n", `Job \u001b]0;pwned\u0007 FINISHED.` + "\n"},
		{"aborted: \x1b[2J\r\n", `aborted: \u001b[2J\r` + "\n"},
	}
	for _, tt := range tests {
		out.Reset()
		if _, err := io.WriteString(textView{m}.Log(), tt.in); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("Log of %q wrote %q, want %q", tt.in, out.String(), tt.want)
		}
	}
}
