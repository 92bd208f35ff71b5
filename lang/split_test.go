package lang

import (
	"fmt"
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

// sameAsWholeParse parses src in pieces (with and without fastBlock) and whole, and fails
// unless files and diagnostics are deeply equal. It reports whether the file was really cut
// and how many blocks fastBlock parsed.
func sameAsWholeParse(t *testing.T, name string, src []byte) (chunked bool, fast int) {
	t.Helper()
	want, wantDiags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	for _, fastOn := range []bool{true, false} {
		fastBlocks = fastOn
		got, gotDiags := parseNative(src, name)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s (fastBlock %t): pieces parse to a different file than the whole", name, fastOn)
			if gb, ok := got.Body.(*hclsyntax.Body); ok {
				wb := want.Body.(*hclsyntax.Body)
				for i := range min(len(gb.Blocks), len(wb.Blocks)) {
					if !reflect.DeepEqual(gb.Blocks[i], wb.Blocks[i]) {
						t.Logf("first different block %d:\npieces: %s\nwhole:  %s", i, spew(gb.Blocks[i]), spew(wb.Blocks[i]))
						break
					}
				}
			}
		}
		if !reflect.DeepEqual(gotDiags, wantDiags) {
			t.Errorf("%s (fastBlock %t): diagnostics differ:\npieces: %v\nwhole:  %v", name, fastOn, gotDiags, wantDiags)
		}
	}
	fastBlocks = true
	_, fast, chunked = parseChunked(src, name)
	return chunked, fast
}

// spew prints a syntax tree for a failure message.
func spew(v any) string {
	return strings.ReplaceAll(fmt.Sprintf("%#v", v), ", ", ",\n  ")
}

// TestParseChunkedProjectFiles parses every native file of the repository's examples and
// testscripts (including the ones with syntax errors) in pieces and whole.
func TestParseChunkedProjectFiles(t *testing.T) {
	forceChunks(t)
	files, chunked, fast := 0, 0, 0
	check := func(name string, src []byte) {
		files++
		cut, n := sameAsWholeParse(t, name, src)
		if cut {
			chunked++
		}
		fast += n
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
	t.Logf("%d files, %d parsed in pieces, %d blocks by fastBlock", files, chunked, fast)
	if files < 50 || chunked < files/3 || fast < 50 {
		t.Errorf("only %d of %d files were cut, %d blocks parsed by fastBlock: the test no longer exercises parsing in pieces", chunked, files, fast)
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
	"not UTF-8 in comment":  "#\na{#\n/*\xeb\n*/}\n/* a {\n} */\nb {\n}\n",
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

// TestParseChunkedGenerated parses a file of 1,000 generated blocks shaped like
// benchfixture.Blocks's (which imports lang) in pieces and whole: every block but the first
// takes fastBlock's path.
func TestParseChunkedGenerated(t *testing.T) {
	_, fast := sameAsWholeParse(t, "apps-000.hcl", generatedBlocks(false))
	if want := 1000 + 99 - 1; fast != want {
		t.Errorf("fastBlock parsed %d blocks, want %d", fast, want)
	}
}

// generatedBlocks returns a file of 1,000 entity blocks shaped like benchfixture.Blocks's,
// with a relationship after every tenth, and, with lifecycles, a block with a lifecycle
// block after every hundredth from the 50th.
func generatedBlocks(lifecycles bool) []byte {
	var src strings.Builder
	for k := range 1000 {
		fmt.Fprintf(&src, "entity \"application\" \"app_%d\" {\n  _class    = \"Application\"\n  name      = \"app-%d\"\n  vendor    = \"Vendor %d\"\n  userCount = %d\n  isSso     = %t\n  tags      = [\"tier-%d\", \"generated\"]\n}\n", k, k, k%50, k*7%1000, k%2 == 0, k%3)
		if k%10 == 0 && k > 0 {
			fmt.Fprintf(&src, "relationship \"app_%d_uses_app_%d\" {\n  _class = \"USES\"\n  from   = entity.application.app_%d\n  to     = entity.application.app_%d\n}\n", k, k-1, k, k-1)
		}
		if lifecycles && k%100 == 50 {
			fmt.Fprintf(&src, "entity \"application\" \"life_%d\" {\n  _class = \"Application\"\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n", k)
		}
		src.WriteString("\n")
	}
	return []byte(src.String())
}

// TestFastBlockShapes checks fastBlock on each value shape it takes and on near misses it
// must leave to hclsyntax; either way the pieces parse to the whole file's tree.
func TestFastBlockShapes(t *testing.T) {
	forceChunks(t)
	const head = "integration {\n  type = \"x\"\n}\n"
	const tail = "z {\n  a = -1\n}\n" // not fastBlock's shape
	tests := []struct {
		name, block string
		fast        bool
	}{
		{"strings", "entity \"a\" \"b\" {\n  _class = \"App # } // x\"\n  name   = \"it's {x}\"\n}\n", true},
		{"numbers", "e {\n  a = 0\n  b = 12.50\n  c = 123456789012345678901234567890\n}\n", true},
		{"literals", "e {\n  a = true\n  b = false\n  c = null\n}\n", true},
		{"traversals", "r {\n  from = entity.a-b.c_d\n  to = x\n  k = var.nul\n}\n", true},
		{"tuples", "e {\n  t = [\"a\", 1, true, null, x.y]\n  u = [ 2 ]\n}\n", true},
		{"blank lines and no labels", "\n\ne {\n\n  a = 1\n\n}   \n", true},
		{"no space before brace", "e\"a\"{\n}\n", false},
		{"empty body", "e {\n}\n", true},
		{"empty string", "e {\n  a = \"\"\n}\n", false},
		{"escape", "e {\n  a = \"a\\\"b\"\n}\n", false},
		{"template", "e {\n  a = \"${x}\"\n  b = \"$${x}\"\n}\n", false},
		{"dollar", "e {\n  a = \"US$\"\n}\n", false},
		{"negative", "e {\n  a = -1\n}\n", false},
		{"exponent", "e {\n  a = 1e3\n}\n", false},
		{"call", "e {\n  a = epochms(\"2024-01-01\")\n}\n", false},
		{"index", "e {\n  a = x[\"k\"]\n  b = x.0\n}\n", false},
		{"operator", "e {\n  a = 1 + 2\n}\n", false},
		{"comment", "e {\n  a = 1 # one\n}\n", false},
		{"tab", "e {\n\ta = 1\n}\n", false},
		{"crlf", "e {\r\n  a = 1\r\n}\r\n", false},
		{"unicode", "e \"é\" {\n  a = \"ü\"\n}\n", false},
		{"unicode ident", "e {\n  aé = 1\n}\n", false},
		{"nested block", "e {\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n", false},
		{"object", "e {\n  a = { b = 1 }\n}\n", false},
		{"duplicate", "e {\n  a = 1\n  a = 2\n}\n", false},
		{"trailing comma", "e {\n  a = [1, ]\n}\n", false},
		{"empty tuple", "e {\n  a = []\n}\n", false},
		{"multi-line tuple", "e {\n  a = [\n    1,\n  ]\n}\n", false},
		{"true traversal", "e {\n  a = true.x\n}\n", false},
		{"missing value", "e {\n  a =\n}\n", false},
		{"equals equals", "e {\n  a == 1\n}\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fast := sameAsWholeParse(t, "main.hcl", []byte(head+tt.block+tt.block+tail))
			if got := fast > 0; got != tt.fast {
				t.Errorf("fastBlock took %d blocks; want it to take them: %t", fast, tt.fast)
			}
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
