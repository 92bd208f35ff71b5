package render

import (
	"bufio"
	"io"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/validate"
)

// DiagnosticsText writes diagnostics as hcl's text writer does (severity and summary, the file
// and line, a source snippet with the subject highlighted, the values of the variables the
// expression references, the detail), with the rule code after the summary:
// "Error: Secret in a property [J1S301]". files gives the source for snippets; a diagnostic
// whose file is missing is shown without one. The count line after them is the caller's.
func DiagnosticsText(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, opts TextOptions) error {
	width := uint(0)
	if opts.Width > 0 {
		width = uint(opts.Width)
	}
	bw := bufio.NewWriter(w)
	dw := hcl.NewDiagnosticTextWriter(bw, files, width, opts.Color)
	for _, d := range diags {
		shown := *d
		shown.Summary = sanitize(d.Summary)
		shown.Detail = sanitizeProse(d.Detail)
		if code := validate.CodeOf(d); code != "" {
			shown.Summary += " [" + code + "]"
		}
		if err := dw.WriteDiagnostic(&shown); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// DiagnosticsJSON writes diagnostics as one JSON document, the shape of `terraform validate
// -json` with a rule code per diagnostic:
//
//	{"format_version":"1.0","valid","error_count","warning_count","diagnostics":[
//	  {"severity":"error|warning","code","doc","summary","detail",
//	   "range":{"filename","start":{"line","column","byte"},"end":{…}},
//	   "snippet":{"context","code","start_line","highlight_start_offset",
//	              "highlight_end_offset","values":[{"traversal","statement"}]}}]}
//
// doc is the repository path of the rule's page (docs/rules/CODE.md), left out for a
// diagnostic that is not a rule's.
// range is left out for a diagnostic without a subject and snippet when its source is not in
// files. Values derived from sensitive input (any cty mark) are never shown.
func DiagnosticsJSON(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) error {
	doc := diagnosticsDoc{FormatVersion: JSONFormatVersion, Diagnostics: make([]diagnosticJSON, 0, len(diags))}
	for _, d := range diags {
		switch d.Severity {
		case hcl.DiagError:
			doc.ErrorCount++
		case hcl.DiagWarning:
			doc.WarningCount++
		}
		doc.Diagnostics = append(doc.Diagnostics, newDiagnosticJSON(d, files))
	}
	doc.Valid = doc.ErrorCount == 0
	b, err := jsonIndent(doc)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

type diagnosticsDoc struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []diagnosticJSON `json:"diagnostics"`
}

type diagnosticJSON struct {
	Severity string       `json:"severity"`
	Code     string       `json:"code"`
	Doc      string       `json:"doc,omitempty"`
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *rangeJSON   `json:"range,omitempty"`
	Snippet  *snippetJSON `json:"snippet,omitempty"`
}

type posJSON struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type rangeJSON struct {
	Filename string  `json:"filename"`
	Start    posJSON `json:"start"`
	End      posJSON `json:"end"`
}

type snippetJSON struct {
	// Context names the block the subject is in, e.g. `entity "application" "slack"`.
	Context              *string     `json:"context"`
	Code                 string      `json:"code"`
	StartLine            int         `json:"start_line"`
	HighlightStartOffset int         `json:"highlight_start_offset"`
	HighlightEndOffset   int         `json:"highlight_end_offset"`
	Values               []valueJSON `json:"values"`
}

type valueJSON struct {
	Traversal string `json:"traversal"`
	Statement string `json:"statement"`
}

func newDiagnosticJSON(d *hcl.Diagnostic, files map[string]*hcl.File) diagnosticJSON {
	out := diagnosticJSON{
		Severity: "error",
		Code:     validate.CodeOf(d),
		Summary:  d.Summary,
		Detail:   d.Detail,
	}
	out.Doc = validate.DocPath(out.Code)
	if d.Severity == hcl.DiagWarning {
		out.Severity = "warning"
	}
	if d.Subject == nil {
		return out
	}
	subject := *d.Subject
	out.Range = &rangeJSON{
		Filename: subject.Filename,
		Start:    posJSON{subject.Start.Line, subject.Start.Column, subject.Start.Byte},
		End:      posJSON{subject.End.Line, subject.End.Column, subject.End.Byte},
	}
	file := files[subject.Filename]
	if file == nil || file.Bytes == nil {
		return out
	}
	out.Snippet = newSnippet(d, file)
	return out
}

// newSnippet cuts the lines of the subject (and context) out of the source, as Terraform's
// JSON diagnostics do, with the subject's offsets inside that text.
func newSnippet(d *hcl.Diagnostic, file *hcl.File) *snippetJSON {
	highlight := *d.Subject
	snip := highlight
	if d.Context != nil {
		snip = hcl.RangeOver(snip, *d.Context)
	}
	// An empty range cannot be shown; widen it to one character, as hcl's text writer does.
	if snip.Empty() {
		snip.End.Byte++
		snip.End.Column++
	}
	if highlight.Empty() {
		highlight.End.Byte++
		highlight.End.Column++
	}
	s := &snippetJSON{StartLine: snip.Start.Line, Values: []valueJSON{}}
	if ctx := blockContext(file, d.Subject.Start.Byte); ctx != "" {
		s.Context = &ctx
	}
	src := file.Bytes
	sc := hcl.NewRangeScanner(src, highlight.Filename, bufio.ScanLines)
	var code strings.Builder
	start := -1
	for sc.Scan() {
		lr := sc.Range()
		if !lr.Overlaps(snip) {
			continue
		}
		if start < 0 {
			start = lr.Start.Byte
			s.StartLine = lr.Start.Line
		}
		code.Write(lr.SliceBytes(src))
		code.WriteByte('\n')
	}
	s.Code = strings.TrimSuffix(code.String(), "\n")
	if start < 0 {
		start = 0
	}
	clamp := func(n int) int { return min(max(n, 0), len(s.Code)) }
	s.HighlightStartOffset = clamp(highlight.Start.Byte - start)
	s.HighlightEndOffset = clamp(highlight.End.Byte - start)
	s.Values = expressionValues(d)
	return s
}

// blockContext names the block around a source offset, as hcl's text writer does in its "on
// FILE line N, in BLOCK:" line.
func blockContext(file *hcl.File, offset int) string {
	type contextStringer interface {
		ContextString(offset int) string
	}
	if cs, ok := file.Nav.(contextStringer); ok {
		return cs.ContextString(offset)
	}
	return ""
}

// expressionValues states the values of the variables the diagnostic's expression
// references, in the evaluation context it failed in. A traversal that does not resolve is
// shortened until it does, so `var.obj.missing` still shows var.obj.
func expressionValues(d *hcl.Diagnostic) []valueJSON {
	values := []valueJSON{}
	if d.Expression == nil || d.EvalContext == nil {
		return values
	}
	seen := map[string]bool{}
	for _, t := range d.Expression.Variables() {
		for len(t) > 0 {
			val, diags := t.TraverseAbs(d.EvalContext)
			if diags.HasErrors() {
				t = t[:len(t)-1]
				continue
			}
			name := traversalString(t)
			if seen[name] {
				break
			}
			seen[name] = true
			if stmt := valueStatement(val); stmt != "" {
				values = append(values, valueJSON{Traversal: name, Statement: stmt})
			}
			break
		}
	}
	sort.Slice(values, func(i, j int) bool { return values[i].Traversal < values[j].Traversal })
	return values
}

// valueStatement describes a value briefly: `is "slack"`, `is null`, `is list of string with
// 3 elements`; "" for a value not known yet.
func valueStatement(v cty.Value) string {
	switch {
	case v.ContainsMarked():
		return "has a sensitive value"
	case !v.IsKnown():
		return ""
	case v.IsNull():
		return "is null"
	}
	return "is " + compactValue(v)
}

func compactValue(v cty.Value) string {
	ty := v.Type()
	switch {
	case v.IsNull():
		return "null"
	case !v.IsKnown():
		return "(not yet known)"
	case ty == cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	case ty == cty.Number:
		return v.AsBigFloat().Text('g', 10)
	case ty == cty.String:
		return quote(v.AsString())
	case ty.IsCollectionType() || ty.IsTupleType():
		switch n := v.LengthInt(); n {
		case 0:
			return "empty " + ty.FriendlyName()
		case 1:
			return ty.FriendlyName() + " with 1 element"
		default:
			return ty.FriendlyName() + " with " + itoa(n) + " elements"
		}
	case ty.IsObjectType():
		attrs := ty.AttributeTypes()
		if len(attrs) == 1 {
			for name := range attrs {
				return "object with 1 attribute " + quote(name)
			}
		}
		return "object with " + Count(len(attrs), "attribute", "attributes")
	}
	return ty.FriendlyName()
}

// traversalString spells a traversal as it is written: var.x, each.value["k"], local.l[0].
func traversalString(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteByte('.')
			b.WriteString(s.Name)
		case hcl.TraverseIndex:
			b.WriteByte('[')
			if s.Key.Type().IsPrimitiveType() && s.Key.IsKnown() && !s.Key.IsMarked() {
				b.WriteString(compactValue(s.Key))
			} else {
				b.WriteString("...")
			}
			b.WriteByte(']')
		}
	}
	return b.String()
}

// DiagnosticsJSONLines writes each diagnostic as one line of JSON,
// {"type":"diagnostic","diagnostic":{…}} with the diagnostic shaped as in DiagnosticsJSON:
// the form a command's JSON output takes on standard error, where its standard output
// already holds its one JSON document.
func DiagnosticsJSONLines(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) error {
	for _, d := range diags {
		b, err := compactJSON(struct {
			Type       string         `json:"type"`
			Diagnostic diagnosticJSON `json:"diagnostic"`
		}{"diagnostic", newDiagnosticJSON(d, files)})
		if err != nil {
			return err
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}
