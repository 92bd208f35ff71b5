package lang

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/rogpeppe/go-internal/txtar"
)

// forceChunks makes parseNative cut every file it can, one block per piece, for the test.
func forceChunks(t testing.TB) {
	minFile, size := chunkMinFile, chunkBytes
	chunkMinFile, chunkBytes = 0, 1
	t.Cleanup(func() { chunkMinFile, chunkBytes = minFile, size })
}

// sameAsWholeParse parses src in pieces and whole, and fails unless file and diagnostics are
// deeply equal. It reports whether the file was really cut.
func sameAsWholeParse(t *testing.T, name string, src []byte) bool {
	t.Helper()
	want, wantDiags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	got, gotDiags := parseNative(src, name)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: pieces parse to a different file than the whole", name)
	}
	if !reflect.DeepEqual(gotDiags, wantDiags) {
		t.Errorf("%s: diagnostics differ:\npieces: %v\nwhole:  %v", name, gotDiags, wantDiags)
	}
	_, chunked := parseChunked(src, name)
	return chunked
}

// TestParseChunkedProjectFiles parses every native file of the repository's examples and
// testscripts (including the ones with syntax errors) in pieces and whole.
func TestParseChunkedProjectFiles(t *testing.T) {
	forceChunks(t)
	files, chunked := 0, 0
	check := func(name string, src []byte) {
		files++
		if sameAsWholeParse(t, name, src) {
			chunked++
		}
	}
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		switch {
		case strings.HasSuffix(p, ".hcl") || strings.HasSuffix(p, ".j1vars"):
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			check(p, src)
		case strings.HasSuffix(p, ".txtar"):
			ar, err := txtar.ParseFile(p)
			if err != nil {
				return err
			}
			for _, f := range ar.Files {
				if strings.HasSuffix(f.Name, ".hcl") || strings.HasSuffix(f.Name, ".j1vars") {
					check(p+"/"+f.Name, f.Data)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files, %d parsed in pieces", files, chunked)
	if files < 50 || chunked < files/3 {
		t.Errorf("only %d of %d files were cut: the test no longer exercises parsing in pieces", chunked, files)
	}
}

// chunkCases are inputs where a naive cutter would go wrong: braces, quotes and block-like
// lines inside strings, templates, heredocs and comments.
var chunkCases = map[string]string{
	"plain":                 "a {\n}\nb \"x\" {\n  y = 1\n}\n",
	"no final newline":      "a {\n}\nb {\n}",
	"crlf":                  "a {\r\n  x = 1\r\n}\r\nb {\r\n}\r\n",
	"brace in string":       "a {\n  x = \"}\\n\"\n}\nb {\n  y = \"{\"\n}\n",
	"escaped quote":         "a {\n  x = \"\\\"}\"\n}\nb {\n}\n",
	"interpolation":         "a {\n  x = \"${ {a = \"}\"}.a }\"\n}\nb {\n  y = \"%{ if true }}%{ endif }\"\n}\n",
	"escaped interp":        "a {\n  x = \"$${x} %%{y} $$$${z}\"\n}\nb {\n}\n",
	"tilde":                 "a {\n  x = \"${~ 1 ~}\"\n}\nb {\n}\n",
	"heredoc":               "a {\n  x = <<EOT\n}\nb {\n  EOT = 1\n}\nEOT\n}\nc {\n  y = <<-EOT\n    }\n    ${ \"}\" }\n    EOT\n}\nd {\n}\n",
	"heredoc interp marker": "a {\n  x = <<EOT\n${1}EOT\n}\nb {\nEOT\n}\nc {\n}\n",
	"nested heredoc":        "a {\n  x = <<A\n${<<B\n}\nB\n}\nA\n}\nb {\n}\n",
	"comments":              "# }\na { # {\n  // }\n  /* }\n}\n */\n}\n/* a {\n} */\nb {\n}\n",
	"comment after brace":   "a {\n} # done\nb {\n}\n",
	"top attribute":         "x = {\n}\na {\n}\nx = 2\n",
	"object in list":        "a {\n  x = [\n    {\n    }\n  ]\n}\nb {\n}\n",
	"unclosed":              "a {\n}\nb {\n  x = 1\n",
	"stray brace":           "a {\n}\n}\nb {\n}\n",
	"unterminated string":   "a {\n  x = \"}\n}\nb {\n}\n",
	"unterminated heredoc":  "a {\n  x = <<EOT\n}\nb {\n}\n",
	"error in piece":        "a {\n  x = \n}\nb {\n  y = 1\n}\n",
	"unicode":               "a \"é\" {\n  x = \"ü}\"\n}\nb {\n  y = \"👍🏽\"\n}\n",
	"bad utf8":              "a {\n  x = \"\xff\"\n}\nb {\n}\n",
	"two blocks one line":   "a {\n} b {\n}\n",
	"block after attr line": "a {\n  x = 1 }\nb {\n}\n",
	"directive":             "a {\n  x = <<EOT\n%{ for v in [1] }\n}\n%{ endfor }\nEOT\n}\nb {\n}\n",
	"lone carriage return":  "a {\n}\r\nb {\n}\r \n c {\n}\n",
}

// TestParseChunkedTrickyInputs checks the cutter on inputs built to confuse it: each parses
// in pieces to exactly what it parses to whole (or falls back to a whole parse).
func TestParseChunkedTrickyInputs(t *testing.T) {
	forceChunks(t)
	for name, src := range chunkCases {
		t.Run(name, func(t *testing.T) {
			sameAsWholeParse(t, "main.hcl", []byte(src))
		})
	}
}

// TestTopLevelCuts checks where the cutter cuts, and where it refuses to.
func TestTopLevelCuts(t *testing.T) {
	tests := []struct {
		name, src string
		want      []cut
		ok        bool
	}{
		{"two blocks", "a {\n}\nb {\n}\n", []cut{{6, 3}, {12, 5}}, true},
		{"crlf", "a {\r\n}\r\nb {\r\n}\r\n", []cut{{8, 3}, {16, 5}}, true},
		{"heredoc hides brace", "a {\n  x = <<EOT\n}\nEOT\n}\n", []cut{{24, 6}}, true},
		{"string hides brace", "a {\n  x = \"}\"\n}\n", []cut{{16, 4}}, true},
		{"comment after brace", "a {\n} # c\n", nil, true},
		{"unterminated string", "a {\n  x = \"}\n}\n", nil, false},
		{"unterminated comment", "a {\n}\n/* x\n", nil, false},
		{"unterminated heredoc", "a {\n  x = <<EOT\n}\n", nil, false},
		{"stray closer", "a {\n}\n}\n", nil, false},
		{"unicode heredoc marker", "a {\n  x = <<É\nÉ\n}\n", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := topLevelCuts([]byte(tt.src))
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("topLevelCuts = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// FuzzParseChunked compares parsing in pieces with parsing whole on arbitrary text: the file
// and the diagnostics must be deeply equal.
func FuzzParseChunked(f *testing.F) {
	for _, src := range chunkCases {
		f.Add(src)
	}
	for _, p := range []string{"../examples/billing-acme/main.hcl", "../examples/csv-inventory/main.hcl"} {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(string(src))
		}
	}
	forceChunks(f)
	f.Fuzz(func(t *testing.T, src string) {
		if CheckNesting("main.hcl", []byte(src)).HasErrors() {
			return // hclsyntax would recurse too deep; ParseFile never parses such text
		}
		sameAsWholeParse(t, "main.hcl", []byte(src))
	})
}
