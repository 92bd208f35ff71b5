package command

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/lang"
)

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

// printDiagnostics writes diagnostics to stderr with file, line and snippet, then a count.
func (m *meta) printDiagnostics(cfg *lang.Config, diags hcl.Diagnostics) {
	if len(diags) == 0 {
		return
	}
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
	}
	if err := render.DiagnosticsText(m.env.Stderr, diags, files, render.TextOptions{Color: m.color, Width: m.env.Width}); err != nil {
		m.logger.Warn("render diagnostics", "error", err)
	}
	errs, warns := countDiagnostics(diags)
	if errs > 0 {
		fmt.Fprintf(m.env.Stderr, "%d %s, %d %s.\n", errs, plural(errs, "error", "errors"), warns, plural(warns, "warning", "warnings"))
	}
}

func (m *meta) diagnosticsJSON(l *loaded) error {
	var files map[string]*hcl.File
	if l.cfg != nil {
		files = l.cfg.Files
	}
	return render.DiagnosticsJSON(m.env.Stdout, l.diags, files)
}
