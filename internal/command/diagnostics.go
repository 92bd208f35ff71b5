package command

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/validate"
)

// consolidate folds diagnostics that differ only in the for_each instance they are about (same
// severity, rule code, summary and source range) into the first of them, which then says how
// many more there are: 100,000 rows of a CSV missing the same column make one message, not
// 100,000. The JSON output keeps every diagnostic.
func consolidate(diags hcl.Diagnostics) hcl.Diagnostics {
	type group struct {
		first *hcl.Diagnostic
		more  int
	}
	groups := map[validate.FoldKey]*group{}
	var order []*group
	for _, d := range diags {
		key := validate.FoldKeyOf(d)
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
