package lang

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// authoredDetail is set as hcl.Diagnostic.Extra on diagnostics whose Detail the
// configuration's author wrote (a validation block's error_message) and that were checked
// for sensitive values when they were made; redactDiagnostics leaves their Detail alone.
type authoredDetail struct{}

// sensitiveText collects the text forms of sensitive variable values (strings and numbers,
// nested ones included) of at least minSecretLength characters: shorter ones would match
// ordinary words of a diagnostic.
func sensitiveText(vals []cty.Value) []string {
	var out []string
	var walk func(v cty.Value)
	walk = func(v cty.Value) {
		v, _ = v.Unmark()
		if !v.IsKnown() || v.IsNull() {
			return
		}
		ty := v.Type()
		switch {
		case ty == cty.String:
			out = append(out, v.AsString())
		case ty == cty.Number:
			out = append(out, v.AsBigFloat().Text('f', -1), v.AsBigFloat().String())
		case ty.IsCollectionType() || ty.IsObjectType() || ty.IsTupleType():
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				if ty.IsMapType() {
					walk(k)
				}
				walk(e)
			}
		}
	}
	for _, v := range vals {
		walk(v)
	}
	kept := out[:0]
	for _, s := range out {
		if len(s) >= minSecretLength {
			kept = append(kept, s)
		}
	}
	// Longest first, so a secret that contains another is replaced whole.
	sort.Slice(kept, func(i, j int) bool { return len(kept[i]) > len(kept[j]) })
	return kept
}

const minSecretLength = 4

// redactDiagnostics keeps sensitive values out of diagnostics. A diagnostic about an
// expression that uses a sensitive value (function errors such as tonumber(var.s), whose
// messages quote their arguments) has its Detail replaced by a statement naming the
// sensitive references; then every literal occurrence of a sensitive variable's value left
// in any Summary or Detail is replaced by "(sensitive value)".
func redactDiagnostics(diags hcl.Diagnostics, secrets []string) hcl.Diagnostics {
	for _, d := range diags {
		if _, authored := d.Extra.(authoredDetail); !authored {
			if refs := sensitiveReferences(d); len(refs) > 0 {
				d.Detail = fmt.Sprintf("The details of this error are hidden because the expression uses a sensitive value (%s), which j1hcl never prints. Check that the value has the form this expression expects.", strings.Join(refs, ", "))
			}
		}
		for _, s := range secrets {
			d.Summary = strings.ReplaceAll(d.Summary, s, SensitiveValueText)
			d.Detail = strings.ReplaceAll(d.Detail, s, SensitiveValueText)
		}
	}
	return diags
}

// SensitiveValueText stands for a sensitive value wherever lang would print one.
const SensitiveValueText = "(sensitive value)"

// sensitiveReferences lists the references of a diagnostic's expression whose values are,
// or contain, sensitive values.
func sensitiveReferences(d *hcl.Diagnostic) []string {
	if d.Expression == nil || d.EvalContext == nil {
		return nil
	}
	var refs []string
	seen := map[string]bool{}
	for _, t := range d.Expression.Variables() {
		// A traversal that does not resolve (var.obj.missing) is shortened, but never to its
		// root alone: var as a whole holds every variable.
		for len(t) > 1 {
			val, diags := t.TraverseAbs(d.EvalContext)
			if diags.HasErrors() {
				t = t[:len(t)-1]
				continue
			}
			if val.ContainsMarked() {
				name := traversalName(t)
				if !seen[name] {
					seen[name] = true
					refs = append(refs, name)
				}
			}
			break
		}
	}
	sort.Strings(refs)
	return refs
}

func traversalName(t hcl.Traversal) string {
	var sb strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			sb.WriteString(s.Name)
		case hcl.TraverseAttr:
			sb.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String {
				fmt.Fprintf(&sb, "[%q]", s.Key.AsString())
			} else {
				sb.WriteString("[…]")
			}
		}
	}
	return sb.String()
}
