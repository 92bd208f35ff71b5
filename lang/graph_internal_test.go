package lang

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestVariablesMatchesHCL checks that variables, which reads plain expressions directly,
// returns what hclsyntax's walker returns, in the same order, for plain and other
// expressions alike.
func TestVariablesMatchesHCL(t *testing.T) {
	exprs := []string{
		`"plain"`, `1`, `true`, `null`, `a`, `a.b.c`, `[a.b, "x", 1, c]`,
		`"${a} and ${b.c}"`, `["${a}", [b, [c]]]`, `{ k = a, (b) = c }`,
		`[for x in a : x.y if z]`, `f(a, b)`, `a[b]`, `a ? b : c`, `-a`, `(a)`,
		`<<EOT
${a}
%{ for v in b }${v}${c}%{ endfor }
EOT
`,
		`["${[for x in a : x]}", b]`,
	}
	for _, src := range exprs {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "x.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", src, diags)
		}
		if got, want := variables(expr), expr.Variables(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: variables = %v, want %v", src, got, want)
		}
	}
}

// TestASCIIIdentifier checks the fast label check against hclsyntax.ValidIdentifier: it may
// say no where hclsyntax says yes (the caller then asks hclsyntax), never the reverse.
func TestASCIIIdentifier(t *testing.T) {
	for _, s := range []string{"", "a", "_", "a-b", "a_1", "A9-", "1a", "-a", "a b", "a.b", "é", "aé", "a\n", "a$", "app_100"} {
		fast, valid := asciiIdentifier(s), hclsyntax.ValidIdentifier(s)
		if fast && !valid {
			t.Errorf("asciiIdentifier(%q) = true, ValidIdentifier = false", s)
		}
		if isASCII(s) && fast != valid {
			t.Errorf("asciiIdentifier(%q) = %t, ValidIdentifier = %t", s, fast, valid)
		}
	}
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// TestDecodeBodiesInParallel decodes a thousand object blocks, some with errors in their
// bodies, in ten files whose blocks are read as Load reads them (each in the goroutine that
// parsed the file) and one file after another: the diagnostics (in order) and the decoded
// blocks must be the same.
func TestDecodeBodiesInParallel(t *testing.T) {
	srcs := map[string][]byte{}
	var paths []string
	for file := range 10 {
		var src strings.Builder
		if file == 0 {
			src.WriteString("integration {\n  type = \"x\"\n}\n")
		}
		for i := file * 100; i < (file+1)*100; i++ {
			switch i % 4 {
			case 0:
				fmt.Fprintf(&src, "entity \"a\" \"e%d\" {\n  _class = \"A\"\n  n = %d\n  properties = { k%d = 1 }\n}\n", i, i, i)
			case 1:
				fmt.Fprintf(&src, "relationship \"r%d\" {\n  _class = \"HAS\"\n  from = entity.a.e%d\n}\n", i, i-1)
			case 2:
				fmt.Fprintf(&src, "entity \"a\" \"e%d\" {\n  nested {\n  }\n  lifecycle {\n    prevent_destroy = true\n  }\n  lifecycle {\n  }\n}\n", i)
			case 3:
				fmt.Fprintf(&src, "entity \"a\" \"e%d\" {\n}\nentity \"a\" \"e%d\" {\n}\n", i-1, i)
			}
		}
		path := fmt.Sprintf("f%d.hcl", file)
		paths = append(paths, path)
		srcs[path] = []byte(src.String())
	}
	read := func(path string) ([]byte, error) { return srcs[path], nil }
	decode := func(parallel bool) (*declarations, hcl.Diagnostics) {
		blocks := make([]*fileBlocks, len(paths))
		var files []*hcl.File
		if parallel {
			var diags hcl.Diagnostics
			files, blocks, diags = loadFiles(paths, read) // as Load reads files
			if diags.HasErrors() {
				t.Fatal(diags)
			}
		} else {
			for i, path := range paths {
				f, diags := ParseFile(path, srcs[path])
				if diags.HasErrors() {
					t.Fatal(diags)
				}
				files, blocks[i] = append(files, f), readBlocks(f)
			}
		}
		return decodeFiles(files, blocks)
	}
	seqDecls, seqDiags := decode(false)
	parDecls, parDiags := decode(true)
	if len(seqDiags) < 700 {
		t.Fatalf("only %d diagnostics: the test lost its errors", len(seqDiags))
	}
	if !reflect.DeepEqual(parDiags, seqDiags) {
		t.Errorf("diagnostics differ in parallel")
	}
	if names := attrNamesOf(seqDecls.objects[0]); !reflect.DeepEqual(names, []string{"_class", "n", "properties"}) {
		t.Fatalf("the first block's attributes are %q: the test lost its bodies", names)
	}
	if len(parDecls.objects) != len(seqDecls.objects) {
		t.Fatalf("%d objects in parallel, %d in sequence", len(parDecls.objects), len(seqDecls.objects))
	}
	for i, ob := range seqDecls.objects {
		p := parDecls.objects[i]
		if ob.addr != p.addr || !reflect.DeepEqual(attrNamesOf(ob), attrNamesOf(p)) || !reflect.DeepEqual(ob.propKeyRanges, p.propKeyRanges) || (ob.preventDestroyExpr == nil) != (p.preventDestroyExpr == nil) {
			t.Errorf("object %d (%s) decoded differently in parallel", i, ob.addr)
		}
	}
}

// attrNamesOf lists the names of a block's attributes, in its order.
func attrNamesOf(b *objectBlock) []string {
	var names []string
	return append(names, b.names...)
}
