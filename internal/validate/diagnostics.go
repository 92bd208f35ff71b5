package validate

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Locator maps objects and their properties back to the configuration that produced them.
type Locator interface {
	// Range returns the source range of prop on o: the attribute, or the key inside a
	// properties map. For prop "" or a property with no source of its own (a default), it
	// returns the range of the block's header. Nil when o has no source at all.
	Range(o *model.Object, prop string) *hcl.Range
}

// DiagnosticExtra is attached to every diagnostic made from a finding (hcl.Diagnostic.Extra),
// so renderers can show and filter by rule code.
type DiagnosticExtra struct {
	Code string
}

// extras holds each rule's DiagnosticExtra as an interface value, boxed once.
var extras = func() map[string]any {
	m := make(map[string]any, len(Rules))
	for _, r := range Rules {
		m[r.Code] = DiagnosticExtra{Code: r.Code}
	}
	return m
}()

func extraOf(code string) any {
	if x, ok := extras[code]; ok {
		return x
	}
	return DiagnosticExtra{Code: code}
}

// CodeOf returns the rule code a diagnostic carries, or "".
func CodeOf(d *hcl.Diagnostic) string {
	if x, ok := d.Extra.(DiagnosticExtra); ok {
		return x.Code
	}
	return ""
}

// Diagnostics turns findings into HCL diagnostics located by loc (which may be nil).
func Diagnostics(fs []Finding, loc Locator) hcl.Diagnostics {
	return diagnostics(fs, loc, false)
}

// FoldedDiagnostics is Diagnostics for a reader shown only the first of the diagnostics
// that share severity, rule code, summary and source range (the instances of one for_each
// block, which a terminal folds into "and N more like it"): the others come without a
// Detail, so that 100,000 instances missing the same property cost one detail, not 100,000.
// A diagnostic without a range always has its Detail.
func FoldedDiagnostics(fs []Finding, loc Locator) hcl.Diagnostics {
	return diagnostics(fs, loc, true)
}

// foldKey is what makes diagnostics alike for FoldedDiagnostics: the fields the text view
// compares, the range as hcl.Range.String shows it.
type foldKey struct {
	severity                hcl.DiagnosticSeverity
	code, summary, filename string
	startLine, startColumn  int
	endLine, endColumn      int
}

func diagnostics(fs []Finding, loc Locator, fold bool) hcl.Diagnostics {
	diags := make(hcl.Diagnostics, 0, len(fs))
	all := make([]hcl.Diagnostic, len(fs)) // one allocation rather than one per finding
	var seen map[foldKey]bool
	if fold {
		seen = map[foldKey]bool{}
	}
	for i, f := range fs {
		d := &all[i]
		*d = hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  f.Summary,
			Extra:    extraOf(f.Code),
		}
		if f.Severity == Error {
			d.Severity = hcl.DiagError
		}
		if loc != nil && f.Object != nil {
			d.Subject = loc.Range(f.Object, f.Property)
		}
		diags = append(diags, d)
		if s := d.Subject; fold && s != nil {
			k := foldKey{d.Severity, f.Code, f.Summary, s.Filename, s.Start.Line, s.Start.Column, s.End.Line, s.End.Column}
			if seen[k] {
				continue // folded into the first like it: no detail
			}
			seen[k] = true
		}
		d.Detail = f.Detail()
		if loc != nil && f.Object != nil && f.Related != nil {
			if r := loc.Range(f.Related, f.Property); r != nil {
				d.Detail += fmt.Sprintf(" The first one is at %s.", r.String())
				if d.Subject != nil && d.Subject.Filename == r.Filename {
					ctx := hcl.RangeOver(*d.Subject, *r)
					d.Context = &ctx
				}
			}
		}
	}
	return diags
}
