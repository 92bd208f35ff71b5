package lang_test

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/lang"
)

// aliasBomb is a "billion laughs" YAML document of about 1 KB: nine levels of nine aliases
// each, 9^9 strings when expanded.
func aliasBomb() string {
	var sb strings.Builder
	sb.WriteString("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		sb.WriteString(n + ": &" + n + " [" + strings.Repeat("*"+prev+",", 8) + "*" + prev + "]\n")
		prev = n
	}
	return sb.String()
}

// TestDecoderLimits: hostile documents fail fast with a clear error; ordinary ones decode.
func TestDecoderLimits(t *testing.T) {
	funcs := lang.Functions(t.TempDir())
	deepBlock := strings.Repeat("- ", 100_000) + "x\n"
	tests := []struct {
		name, fn, src, err string
	}{
		{"YAML alias bomb", "yamldecode", aliasBomb(), "aliases expand to more than"},
		{"deep YAML flow", "yamldecode", strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000), "nested more than"},
		{"deep YAML block", "yamldecode", deepBlock, "deep"},
		{"YAML 257 levels", "yamldecode", strings.Repeat("[", 257) + strings.Repeat("]", 257), "nested more than 256 levels"},
		{"YAML huge number", "yamldecode", "a: 2e22221010\n", "out of range"},
		{"deep JSON", "jsondecode", strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000), "nested more than 256 levels"},
		{"JSON huge number", "jsondecode", `{"a": 2e22221010}`, "out of range"},
		{"tonumber of a huge exponent", "tonumber", "2e22221010", "out of range"},
		{"tonumber", "tonumber", "1.5e300", ""},
		{"YAML with a few aliases", "yamldecode", "base: &b {x: 1_000}\nthings: [*b, *b, *b]\nf: 1.\n", ""},
		{"YAML 200 levels", "yamldecode", strings.Repeat("[", 200) + strings.Repeat("]", 200), ""},
		{"JSON strings with brackets", "jsondecode", `{"a": "[[[[${x}", "b": [1e300]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := funcs[tt.fn].Call([]cty.Value{cty.StringVal(tt.src)})
			if tt.err == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("got error %v, want one containing %q", err, tt.err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s to refuse", d) // a hang guard, not a performance target
			}
		})
	}
}

// TestFileRefusesSpecialFiles: a named pipe in the configuration directory would block file().
func TestFileRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(dir+"/pipe", 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	_, err := lang.Functions(dir)["file"].Call([]cty.Value{cty.StringVal("pipe")})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("got %v", err)
	}
}
