package lang

import (
	"reflect"
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
