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

// FoldKey is what makes diagnostics alike for a reader shown only the first of each kind
// (FoldedDiagnostics, and the text view that folds the others into "and N more like it"):
// the same severity, rule code and summary, and the same source range, its positions compared
// as values. Diagnostics without a range are alike only when their details are the same too.
type FoldKey struct {
	severity               hcl.DiagnosticSeverity
	code, summary          string
	located                bool
	filename               string
	startLine, startColumn int
	endLine, endColumn     int
	detail                 string
}

// FoldKeyOf returns what makes d alike to other diagnostics (see FoldKey).
func FoldKeyOf(d *hcl.Diagnostic) FoldKey {
	k := FoldKey{severity: d.Severity, code: CodeOf(d), summary: d.Summary}
	if s := d.Subject; s != nil {
		k.located, k.filename = true, s.Filename
		k.startLine, k.startColumn = s.Start.Line, s.Start.Column
		k.endLine, k.endColumn = s.End.Line, s.End.Column
	} else {
		k.detail = d.Detail
	}
	return k
}

func diagnostics(fs []Finding, loc Locator, fold bool) hcl.Diagnostics {
	diags := make(hcl.Diagnostics, 0, len(fs))
	all := make([]hcl.Diagnostic, len(fs)) // one allocation rather than one per finding
	var seen map[FoldKey]bool
	if fold {
		seen = map[FoldKey]bool{}
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
		if fold && d.Subject != nil { // located: its key does not depend on the detail
			k := FoldKeyOf(d)
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
