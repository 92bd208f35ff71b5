package command

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/internal/validate"
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
	if err := render.DiagnosticsText(m.env.Stderr, consolidate(diags), files, render.TextOptions{Color: m.color, Width: m.env.Width}); err != nil {
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

// consolidate folds diagnostics that differ only in the for_each instance they are about (same
// severity, rule code, summary and source range) into the first of them, which then says how
// many more there are: 100,000 rows of a CSV missing the same column make one message, not
// 100,000. The JSON output keeps every diagnostic.
func consolidate(diags hcl.Diagnostics) hcl.Diagnostics {
	type group struct {
		first *hcl.Diagnostic
		more  int
	}
	groups := map[string]*group{}
	var order []*group
	for _, d := range diags {
		key := fmt.Sprintf("%d|%s|%s", d.Severity, validate.CodeOf(d), d.Summary)
		if d.Subject != nil {
			key += "|" + d.Subject.String()
		} else {
			key += "|" + d.Detail // no location: only identical messages fold
		}
		if g, ok := groups[key]; ok {
			g.more++
			continue
		}
		g := &group{first: d}
		groups[key] = g
		order = append(order, g)
	}
	if len(order) == len(diags) {
		return diags
	}
	out := make(hcl.Diagnostics, 0, len(order))
	for _, g := range order {
		d := g.first
		if g.more > 0 {
			c := *d
			c.Detail += fmt.Sprintf("\n\n(and %d more like it, for other instances of the same block)", g.more)
			d = &c
		}
		out = append(out, d)
	}
	return out
}
