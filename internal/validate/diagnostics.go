package validate

import (
	"fmt"
	"strings"

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

// CodeOf returns the rule code a diagnostic carries, or "".
func CodeOf(d *hcl.Diagnostic) string {
	if x, ok := d.Extra.(DiagnosticExtra); ok {
		return x.Code
	}
	return ""
}

// Diagnostics turns findings into HCL diagnostics located by loc (which may be nil).
//
// The instances of a for_each block share their source: when several of them break a rule
// in the same way (same code, severity, summary and source range), they make one
// diagnostic, the first instance's, which names how many others share it and a few of
// them. A block of 100,000 instances thus yields one warning rather than 100,000 copies of
// the same snippet.
func Diagnostics(fs []Finding, loc Locator) hcl.Diagnostics {
	diags := make(hcl.Diagnostics, 0, len(fs))
	type groupKey struct {
		code, summary string
		severity      Severity
		subject       hcl.Range
	}
	type group struct {
		diag   *hcl.Diagnostic
		last   *model.Object
		others []string
		count  int
	}
	groups := map[groupKey]*group{}
	var order []*group
	for _, f := range fs {
		d := &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  f.Summary,
			Detail:   f.Detail,
			Extra:    DiagnosticExtra{Code: f.Code},
		}
		if f.Severity == Error {
			d.Severity = hcl.DiagError
		}
		if loc != nil && f.Object != nil {
			d.Subject = loc.Range(f.Object, f.Property)
			if f.Related != nil {
				if r := loc.Range(f.Related, f.Property); r != nil {
					d.Detail += fmt.Sprintf(" The first one is at %s.", r.String())
					d.Context = r
					if d.Subject != nil && d.Subject.Filename == r.Filename {
						ctx := hcl.RangeOver(*d.Subject, *r)
						d.Context = &ctx
					} else {
						d.Context = nil
					}
				}
			}
		}
		if d.Subject != nil && f.Related == nil {
			k := groupKey{code: f.Code, summary: f.Summary, severity: f.Severity, subject: *d.Subject}
			g := groups[k]
			if g != nil && g.last != f.Object {
				g.last = f.Object
				g.count++
				if len(g.others) < shownInstances {
					g.others = append(g.others, describe(f.Object))
				}
				continue
			}
			if g == nil {
				g = &group{diag: d, last: f.Object}
				groups[k] = g
				order = append(order, g)
			}
		}
		diags = append(diags, d)
	}
	for _, g := range order {
		if g.count == 0 {
			continue
		}
		more := ""
		if n := g.count - len(g.others); n > 0 {
			more = fmt.Sprintf(" and %d more", n)
		}
		instances := "instances"
		if g.count == 1 {
			instances = "instance"
		}
		g.diag.Detail += fmt.Sprintf(" The same applies to %d other %s of this block: %s%s.", g.count, instances, strings.Join(g.others, ", "), more)
	}
	return diags
}

// shownInstances is how many other instances a consolidated diagnostic names.
const shownInstances = 3
