package lang_test

import (
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/lang"
)

// TestSensitiveValuesNeverInDiagnostics drives every path by which a diagnostic could quote a
// sensitive variable's value: none may contain it, and each still says what went wrong.
func TestSensitiveValuesNeverInDiagnostics(t *testing.T) {
	const secret = "hunter2-s3cret"
	decl := `
variable "s" {
  type      = string
  sensitive = true
  default   = "` + secret + `"
}
variable "obj" {
  sensitive = true
  default   = { token = "` + secret + `" }
}
`
	tests := []struct {
		name  string
		src   string
		opts  lang.Options
		files map[string]string
		want  string // a phrase the diagnostic keeps
	}{
		{name: "validation error_message", src: `
variable "v" {
  type      = string
  sensitive = true
  default   = "` + secret + `"
  validation {
    condition     = length(var.v) < 5
    error_message = "the value ${var.v} is too long."
  }
}
`, want: "error_message is not shown"},
		{name: "tonumber", src: "locals {\n  a = tonumber(var.s)\n}\n", want: "var.s"},
		{name: "epochms", src: "locals {\n  a = epochms(var.s)\n}\n", want: "var.s"},
		{name: "epochms of a derived value", src: "locals {\n  a = epochms(upper(var.s))\n}\n", want: "var.s"},
		{name: "file", src: "locals {\n  a = file(var.s)\n}\n", want: "var.s"},
		{name: "through a local", src: "locals {\n  x = \"${var.s}!\"\n  a = tonumber(local.x)\n}\n", want: "local.x"},
		{name: "object attribute", src: "locals {\n  a = tonumber(var.obj.token)\n}\n", want: "var.obj.token"},
		{name: "in an entity", src: "entity \"t\" \"a\" {\n  _class = \"Team\"\n  name = \"a\"\n  n = tonumber(var.s)\n}\n", want: "var.s"},
		{name: "validation condition error", src: `
variable "v" {
  sensitive = true
  default   = "` + secret + `"
  validation {
    condition     = tonumber(var.v) > 1
    error_message = "too small."
  }
}
`, want: "var.v"},
		{name: "-var of a sensitive number", src: "variable \"n\" {\n  type = number\n  sensitive = true\n}\n", opts: lang.Options{Vars: []string{"n=" + secret}}, want: "var.n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"main.hcl": integ + decl + tt.src}
			_, diags := load(t, files, tt.opts)
			if !diags.HasErrors() {
				t.Fatal("expected an error")
			}
			all := ""
			for _, d := range diags {
				all += d.Summary + "\n" + d.Detail + "\n"
			}
			for _, leak := range []string{secret, strings.ToUpper(secret)} {
				if strings.Contains(all, leak) {
					t.Errorf("diagnostics contain the sensitive value:\n%s", all)
				}
			}
			if !strings.Contains(all, tt.want) {
				t.Errorf("diagnostics do not mention %q:\n%s", tt.want, all)
			}
		})
	}
}

// TestValidationMessageWithoutSecretIsKept: a validation of a sensitive variable whose
// error_message does not include the value still shows that message.
func TestValidationMessageWithoutSecretIsKept(t *testing.T) {
	_, diags := load(t, map[string]string{"main.hcl": integ + `
variable "v" {
  sensitive = true
  default   = "hunter2-s3cret"
  validation {
    condition     = length(var.v) < 5
    error_message = "The token must be short."
  }
}
`}, lang.Options{})
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "The token must be short.") {
		t.Fatalf("want the author's message, got %v", diags)
	}
}
