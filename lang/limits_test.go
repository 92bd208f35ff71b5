package lang_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/lang"
)

const deep = 70_000

// TestDeepNestingRefused loads text nested far past lang.MaxNesting in every syntax and place
// users can write it: each must come back as one clear diagnostic at the right line, not a
// stack overflow.
func TestDeepNestingRefused(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		opts    lang.Options
		varFile string // a -var-file written into the directory
		file    string // the file the diagnostic names ("" when it is a -var value)
		line    int
	}{
		{name: "parentheses", files: map[string]string{"main.hcl": integ + "locals {\n  a = " + strings.Repeat("(", deep) + "1" + strings.Repeat(")", deep) + "\n}\n"}, file: "main.hcl", line: 8},
		{name: "objects", files: map[string]string{"main.hcl": integ + "locals {\n  a = " + strings.Repeat("{a=", deep) + "1" + strings.Repeat("}", deep) + "\n}\n"}, file: "main.hcl", line: 8},
		{name: "lists", files: map[string]string{"main.hcl": integ + "locals {\n  a = " + strings.Repeat("[", deep) + strings.Repeat("]", deep) + "\n}\n"}, file: "main.hcl", line: 8},
		{name: "interpolations", files: map[string]string{"main.hcl": integ + "locals {\n  a = " + strings.Repeat(`"${`, deep) + "1" + strings.Repeat(`}"`, deep) + "\n}\n"}, file: "main.hcl", line: 8},
		{name: "unary operators", files: map[string]string{"main.hcl": integ + "locals {\n  a = " + strings.Repeat("!", deep) + "true\n}\n"}, file: "main.hcl", line: 8},
		{name: "chained conditionals", files: map[string]string{"main.hcl": integ + "locals {\n  a = " + strings.Repeat("true ? 1 : ", deep) + "2\n}\n"}, file: "main.hcl", line: 8},
		{name: "JSON arrays", files: map[string]string{"main.hcl": integ, "data.hcl.json": `{"locals": {"a": ` + strings.Repeat("[", deep) + strings.Repeat("]", deep) + "}}"}, file: "data.hcl.json", line: 1},
		{name: "JSON objects", files: map[string]string{"main.hcl": integ, "data.hcl.json": `{"locals": {"a": ` + strings.Repeat(`{"a":`, deep) + "1" + strings.Repeat("}", deep) + "}}"}, file: "data.hcl.json", line: 1},
		{name: "JSON string template", files: map[string]string{"main.hcl": integ, "data.hcl.json": "{\"locals\": {\n\"a\": \"${" + strings.Repeat("(", deep) + "1" + strings.Repeat(")", deep) + "}\"}}"}, file: "data.hcl.json", line: 2},
		{name: "var file", files: map[string]string{"main.hcl": integ + "variable \"v\" {}\n", "in.j1vars": "\nv = " + strings.Repeat("[", deep) + strings.Repeat("]", deep) + "\n"}, varFile: "in.j1vars", file: "in.j1vars", line: 2},
		{name: "JSON var file", files: map[string]string{"main.hcl": integ + "variable \"v\" {}\n", "in.j1vars.json": `{"v": ` + strings.Repeat("[", deep) + strings.Repeat("]", deep) + "}"}, varFile: "in.j1vars.json", file: "in.j1vars.json", line: 1},
		{name: "-var value", files: map[string]string{"main.hcl": integ + "variable \"v\" { type = list(any) }\n"}, opts: lang.Options{Vars: []string{"v=" + strings.Repeat("[", deep) + strings.Repeat("]", deep)}}},
		{name: "template file", files: map[string]string{"main.hcl": integ + "locals {\n  a = templatefile(\"t.tpl\", {})\n}\n", "t.tpl": "x\n${" + strings.Repeat("(", deep) + "1" + strings.Repeat(")", deep) + "}"}, file: "main.hcl", line: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			opts := tt.opts
			opts.Dir = dir
			if tt.varFile != "" {
				opts.VarFiles = []string{filepath.Join(dir, tt.varFile)}
			}
			_, diags := lang.Load(opts)
			if !diags.HasErrors() {
				t.Fatal("deep nesting was accepted")
			}
			d := diags[0]
			if !strings.Contains(d.Summary+d.Detail, "Nesting too deep") && !strings.Contains(d.Detail, "nested more than 256 levels") {
				t.Fatalf("first diagnostic is not about nesting: %s: %s", d.Summary, d.Detail)
			}
			if tt.file == "" {
				return
			}
			if d.Subject == nil || filepath.Base(d.Subject.Filename) != tt.file || d.Subject.Start.Line != tt.line {
				t.Fatalf("diagnostic at %v, want %s line %d", d.Subject, tt.file, tt.line)
			}
		})
	}
}

// TestNestingLimitPosition puts the error where the limit is passed.
func TestNestingLimitPosition(t *testing.T) {
	src := "a = " + strings.Repeat("[", lang.MaxNesting+5)
	diags := lang.CheckNesting("x.hcl", []byte(src))
	if len(diags) != 1 {
		t.Fatalf("got %d diagnostics, want 1", len(diags))
	}
	if got, want := diags[0].Subject.Start.Column, len("a = ")+lang.MaxNesting+1; got != want {
		t.Errorf("column %d, want %d (the bracket that passes the limit)", got, want)
	}
}

// TestNestingAcceptsLegitimateText: brackets in strings, heredocs and comments do not count,
// and nesting up to the limit is fine.
func TestNestingAcceptsLegitimateText(t *testing.T) {
	many := strings.Repeat("(", 1000)
	tests := map[string]string{
		"strings.hcl":  "a = \"" + many + "\"\nb = \"\\\"" + many + "\"\n",
		"heredoc.hcl":  "a = <<-EOT\n  " + many + "\n  ${x}\n  EOT\nb = " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n",
		"comments.hcl": "# " + many + "\n// " + many + "\n/* " + many + "\n*/\na = 1\n",
		"escapes.hcl":  "a = \"$${" + many + "\"\n",
		"ops.hcl":      strings.Repeat("a = x ? -1 : !y\nb = [1 - 2, -3, !z]\n", 500),
		"limit.hcl":    "a = " + strings.Repeat("[", lang.MaxNesting-1) + strings.Repeat("]", lang.MaxNesting-1) + "\n",
		"data.json":    `{"a": "` + many + `", "b": "\"` + many + `"}`,
		"limit.json":   strings.Repeat("[", lang.MaxNesting) + strings.Repeat("]", lang.MaxNesting),
	}
	for name, src := range tests {
		if diags := lang.CheckNesting(name, []byte(src)); diags.HasErrors() {
			t.Errorf("%s refused: %s", name, diags.Error())
		}
	}
	examples, _ := filepath.Glob("../examples/*/*.hcl")
	if len(examples) == 0 {
		t.Fatal("no examples found")
	}
	for _, p := range examples {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if diags := lang.CheckNesting(p, src); diags.HasErrors() {
			t.Errorf("%s refused: %s", p, diags.Error())
		}
	}
}

// TestNumberLiteralLimits applies the JSON inputs' number limits to HCL literals.
func TestNumberLiteralLimits(t *testing.T) {
	huge := strings.Repeat("9", 100_000)
	tests := []struct {
		name  string
		files map[string]string
		opts  lang.Options
		bad   bool
		file  string
		line  int
	}{
		{name: "exponent", files: map[string]string{"main.hcl": integ + "locals {\n  a = 1e999999\n}\n"}, bad: true, file: "main.hcl", line: 8},
		{name: "digits", files: map[string]string{"main.hcl": integ + "locals {\n  a = " + huge + "\n}\n"}, bad: true, file: "main.hcl", line: 8},
		{name: "in a template", files: map[string]string{"main.hcl": integ + "locals {\n  a = \"${1e999999}\"\n}\n"}, bad: true, file: "main.hcl", line: 8},
		{name: "JSON", files: map[string]string{"main.hcl": integ, "d.hcl.json": "{\"locals\": {\n\"a\": 1e999999}}"}, bad: true, file: "d.hcl.json", line: 2},
		{name: "JSON digits", files: map[string]string{"main.hcl": integ, "d.hcl.json": "{\"locals\": {\"a\": -" + huge + "}}"}, bad: true, file: "d.hcl.json", line: 1},
		{name: "-var", files: map[string]string{"main.hcl": integ + "variable \"n\" { type = number }\n"}, opts: lang.Options{Vars: []string{"n=1e999999"}}, bad: true},
		{name: "ordinary numbers", files: map[string]string{"main.hcl": integ + "locals {\n  a = [1e300, -1.5e-300, 0.25, 123456789012345678901234567890, 1E5]\n  b = x1e999999\n}\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := load(t, tt.files, tt.opts)
			var found *hcl.Diagnostic
			for _, d := range diags {
				if d.Summary == "Number out of range" {
					found = d
				}
			}
			if !tt.bad {
				if found != nil {
					t.Fatalf("refused: %s", found.Detail)
				}
				return
			}
			if found == nil {
				t.Fatalf("accepted; diagnostics: %v", diags)
			}
			if tt.file != "" && (found.Subject == nil || filepath.Base(found.Subject.Filename) != tt.file || found.Subject.Start.Line != tt.line) {
				t.Fatalf("diagnostic at %v, want %s line %d", found.Subject, tt.file, tt.line)
			}
		})
	}
}

// FuzzCheckNesting: the scanner never panics, and text it accepts parses without crashing.
func FuzzCheckNesting(f *testing.F) {
	f.Add("a = [[{b = (1)}]]\n", false)
	f.Add("a = <<-EOT\n  ${x}\n  EOT\n", false)
	f.Add(`{"a": "${[[1]]}", "b": -1e5}`, true)
	f.Add("a = \"${\"${1}\"}\" # (((\n", false)
	f.Fuzz(func(t *testing.T, src string, isJSON bool) {
		name := "f.hcl"
		if isJSON {
			name = "f.hcl.json"
		}
		if diags := lang.CheckNesting(name, []byte(src)); diags.HasErrors() {
			return
		}
		lang.ParseFile(name, []byte(src))
	})
}
