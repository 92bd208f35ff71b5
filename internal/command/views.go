package command

import (
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/render"
)

// view is where a command reports what is not its result: configuration diagnostics,
// warnings, and the error that ends it. Each command picks one when it has parsed its flags:
// the text view for people, the JSON view when the command prints a JSON document, so that
// -json output stays JSON when something goes wrong.
type view interface {
	// Diagnostics reports configuration problems; files supplies the source for snippets.
	Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics)
	// Warning reports a problem that does not stop the command.
	Warning(msg string)
	// Error reports the error that ends the command.
	Error(err error)
	// Log returns where step-by-step progress lines go (nil: nowhere).
	Log() io.Writer
}

// textView writes diagnostics, warnings and errors as prose on standard error.
type textView struct{ m *meta }

func (v textView) Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	m := v.m
	if len(diags) == 0 {
		return
	}
	if err := render.DiagnosticsText(m.env.Stderr, consolidate(diags), files, render.TextOptions{Color: m.color, Width: m.env.Width}); err != nil {
		m.logger.Warn("render diagnostics", "error", err)
	}
	errs, warns := countDiagnostics(diags)
	if errs > 0 {
		fmt.Fprintf(m.env.Stderr, "%s, %s.\n", render.Count(errs, "error", "errors"), render.Count(warns, "warning", "warnings"))
	}
}

func (v textView) Warning(msg string) {
	fmt.Fprintf(v.m.env.Stderr, "%s %s\n", v.m.pal.Bold(v.m.pal.Yellow("Warning:")), render.EscapeLines(msg))
}

func (v textView) Error(err error) {
	fmt.Fprintf(v.m.env.Stderr, "%s %s\n", v.m.pal.Bold(v.m.pal.Red("Error:")), render.EscapeLines(err.Error()))
}

// Log escapes what it is given line by line: progress lines quote what the server said.
func (v textView) Log() io.Writer { return escapingWriter{v.m.env.Stdout} }

// escapingWriter writes text with its control characters escaped (render.EscapeLines), so
// that server- or file-provided text in a line cannot drive the terminal.
type escapingWriter struct{ w io.Writer }

func (e escapingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(e.w, render.EscapeLines(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// jsonView keeps standard output one JSON document and standard error JSON lines. A command
// that fails before its document is written prints a diagnostics document instead (the shape
// of validate -json); anything reported after that, and every warning, is a line of JSON on
// standard error.
type jsonView struct{ m *meta }

func (v jsonView) Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	if !diags.HasErrors() {
		v.lines(files, diags)
		return
	}
	v.document(files, diags)
}

func (v jsonView) Warning(msg string) {
	v.lines(nil, hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Warning", Detail: msg}})
}

func (v jsonView) Error(err error) {
	v.document(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: v.m.failedSummary(), Detail: sentence(err.Error())}})
}

// document writes diags as standard output's document, or as lines on standard error when
// the document has been written already.
func (v jsonView) document(files map[string]*hcl.File, diags hcl.Diagnostics) {
	if v.m.stdout.written() {
		v.lines(files, diags)
		return
	}
	if err := render.DiagnosticsJSON(v.m.env.Stdout, diags, files); err != nil {
		v.m.logger.Warn("render diagnostics", "error", err)
	}
}

func (v jsonView) lines(files map[string]*hcl.File, diags hcl.Diagnostics) {
	if err := render.DiagnosticsJSONLines(v.m.env.Stderr, diags, files); err != nil {
		v.m.logger.Warn("render diagnostics", "error", err)
	}
}

func (v jsonView) Log() io.Writer { return &jsonLog{w: v.m.env.Stderr} }

// jsonLog turns lines of progress into {"type":"log","message":…} lines.
type jsonLog struct {
	w       io.Writer
	partial []byte
}

func (l *jsonLog) Write(p []byte) (int, error) {
	l.partial = append(l.partial, p...)
	for {
		i := strings.IndexByte(string(l.partial), '\n')
		if i < 0 {
			return len(p), nil
		}
		line := strings.TrimSpace(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
		if line == "" {
			continue
		}
		if err := writeJSONLine(l.w, logLine{Type: "log", Message: line}); err != nil {
			return len(p), err
		}
	}
}

type logLine struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) error {
	b, err := model.MarshalJSON(v, "")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// failedSummary is the summary of a diagnostic made from a plain error: "plan failed".
func (m *meta) failedSummary() string {
	if m.command == "" {
		return "j1hcl failed"
	}
	return m.command + " failed"
}

// sentence capitalises s and ends it with a period.
func sentence(s string) string {
	s = capitalizeFirst(strings.TrimSpace(s))
	if s != "" && !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func countDiagnostics(diags hcl.Diagnostics) (errs, warns int) {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}
