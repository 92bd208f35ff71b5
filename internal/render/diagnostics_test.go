package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/validate"
)

const diagSource = `integration {
  type = "my-billing-acme"
}

entity "application" "slack" {
  _class   = "Application"
  name     = "slack"
  apiToken = "xoxb-0000"
  owner    = var.owners[each.key]
  seats    = var.token
}
`

// diagFixture parses diagSource and makes diagnostics like validate and lang do: with a rule
// code, with an expression and its evaluation context, and without a source range.
func diagFixture(t *testing.T) (hcl.Diagnostics, map[string]*hcl.File) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(diagSource), "main.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files := map[string]*hcl.File{"main.hcl": f}
	attrs, _ := f.Body.(*hclsyntax.Body).Blocks[1].Body.JustAttributes()
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"var": cty.ObjectVal(map[string]cty.Value{
			"owners": cty.MapVal(map[string]cty.Value{"a": cty.StringVal("it")}),
			"token":  cty.StringVal(secret).Mark("sensitive"),
		}),
		"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal("b")}),
	}}
	token := attrs["apiToken"]
	owner := attrs["owner"]
	seats := attrs["seats"]
	return hcl.Diagnostics{
		{
			Severity: hcl.DiagError,
			Summary:  "Secret in a property",
			Detail:   "The value of apiToken looks like a Slack token.\n\nMove it to a sensitive variable, or remove it.",
			Subject:  token.Expr.Range().Ptr(),
			Context:  token.Range.Ptr(),
			Extra:    validate.DiagnosticExtra{Code: "J1S301"},
		},
		{
			Severity:    hcl.DiagError,
			Summary:     "Invalid index",
			Detail:      "The given key does not identify an element in this collection value.",
			Subject:     owner.Expr.Range().Ptr(),
			Expression:  owner.Expr,
			EvalContext: ctx,
		},
		{
			Severity:    hcl.DiagWarning,
			Summary:     "Property is not a number",
			Detail:      "seats should be a number.",
			Subject:     seats.Expr.Range().Ptr(),
			Expression:  seats.Expr,
			EvalContext: ctx,
			Extra:       validate.DiagnosticExtra{Code: "J1D201"},
		},
		{
			Severity: hcl.DiagWarning,
			Summary:  "No integration instance",
			Detail:   "Set JUPITERONE_INTEGRATION_INSTANCE_ID.",
		},
	}, files
}

func TestDiagnosticsGolden(t *testing.T) {
	diags, files := diagFixture(t)
	for _, f := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"diagnostics.txt", func(b *bytes.Buffer) error { return DiagnosticsText(b, diags, files, TextOptions{}) }},
		{"diagnostics.color.txt", func(b *bytes.Buffer) error {
			return DiagnosticsText(b, diags, files, TextOptions{Color: true, Width: 60})
		}},
		{"diagnostics.json", func(b *bytes.Buffer) error { return DiagnosticsJSON(b, diags, files) }},
	} {
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.render(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, "diagnostics/"+f.name, buf.Bytes())
			if bytes.Contains(buf.Bytes(), []byte(secret)) {
				t.Error("a sensitive value reaches the diagnostics")
			}
			if hasEsc := bytes.Contains(buf.Bytes(), []byte("\x1b[")); hasEsc != strings.Contains(f.name, "color") {
				t.Errorf("ANSI escapes present = %v", hasEsc)
			}
		})
	}
}

func TestDiagnosticsJSONShape(t *testing.T) {
	diags, files := diagFixture(t)
	var buf bytes.Buffer
	if err := DiagnosticsJSON(&buf, diags, files); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion string `json:"format_version"`
		Valid         bool
		ErrorCount    int `json:"error_count"`
		WarningCount  int `json:"warning_count"`
		Diagnostics   []struct {
			Severity, Code, Summary string
			Range                   *struct {
				Filename   string
				Start, End struct{ Line, Column, Byte int }
			}
			Snippet *struct {
				Context              *string
				Code                 string
				StartLine            int `json:"start_line"`
				HighlightStartOffset int `json:"highlight_start_offset"`
				HighlightEndOffset   int `json:"highlight_end_offset"`
				Values               []struct{ Traversal, Statement string }
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != "1.0" || doc.Valid || doc.ErrorCount != 2 || doc.WarningCount != 2 || len(doc.Diagnostics) != 4 {
		t.Fatalf("header: %+v", doc)
	}
	d := doc.Diagnostics[0]
	if d.Code != "J1S301" || d.Severity != "error" || d.Range == nil || d.Range.Start.Line != 8 {
		t.Errorf("first diagnostic: %+v", d)
	}
	s := d.Snippet
	if s == nil || s.Context == nil || *s.Context != `entity "application" "slack"` || s.StartLine != 8 {
		t.Fatalf("snippet: %+v", s)
	}
	if got := s.Code[s.HighlightStartOffset:s.HighlightEndOffset]; got != `"xoxb-0000"` {
		t.Errorf("highlight = %q", got)
	}
	values := doc.Diagnostics[1].Snippet.Values
	if len(values) != 2 || values[0].Traversal != "each.key" || values[0].Statement != `is "b"` || values[1].Traversal != "var.owners" {
		t.Errorf("values: %+v", values)
	}
	if v := doc.Diagnostics[2].Snippet.Values; len(v) != 1 || v[0].Statement != "has a sensitive value" {
		t.Errorf("sensitive values: %+v", v)
	}
	if doc.Diagnostics[3].Range != nil || doc.Diagnostics[3].Snippet != nil {
		t.Error("a diagnostic without subject has a range")
	}

	var none bytes.Buffer
	if err := DiagnosticsJSON(&none, nil, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(none.String(), `"valid": true`) || !strings.Contains(none.String(), `"diagnostics": []`) {
		t.Errorf("no diagnostics: %s", none.String())
	}
}

func TestDiagnosticsTextShowsCodeInHeader(t *testing.T) {
	diags, files := diagFixture(t)
	var buf bytes.Buffer
	if err := DiagnosticsText(&buf, diags, files, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Error: Secret in a property [J1S301]\n",
		"Error: Invalid index\n",
		"on main.hcl line 8, in entity \"application\" \"slack\":",
		`   8:   apiToken = "xoxb-0000"`,
		`with each.key as "b"`,
		"Move it to a sensitive variable, or remove it.",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("missing %q in:\n%s", want, buf.String())
		}
	}
	if diags[0].Summary != "Secret in a property" {
		t.Error("DiagnosticsText changed the caller's diagnostic")
	}
}
