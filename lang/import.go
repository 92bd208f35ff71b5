package lang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Import is an import { to = ADDRESS  key = "_KEY" } block: the object of the configuration
// at To (a block, or a for_each instance) adopts the live object whose _key is Key.
type Import struct {
	To  string
	Key string
	// ToRange and KeyRange locate the two arguments; DeclRange is the block's header.
	ToRange, KeyRange, DeclRange hcl.Range
}

var importSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "to", Required: true}, {Name: "key", Required: true}},
}

// importDecl is a decoded import block; its key is evaluated with the variables.
type importDecl struct {
	to      objectAddress
	toRange hcl.Range
	key     *hcl.Attribute
	decl    hcl.Range
}

func (d *declarations) addImport(b *hcl.Block) hcl.Diagnostics {
	content, diags := b.Body.Content(importSchema)
	if diags.HasErrors() {
		return diags
	}
	toAttr := content.Attributes["to"]
	to, moreDiags := parseAddress(toAttr.Expr, "to")
	diags = append(diags, moreDiags...)
	if moreDiags.HasErrors() {
		return diags
	}
	d.imports = append(d.imports, &importDecl{to: to, toRange: toAttr.Expr.Range(), key: content.Attributes["key"], decl: b.DefRange})
	return diags
}

// evalImports evaluates the keys of the import blocks (they may use variables and functions)
// and checks that each names a block of the configuration, once, and each key once. Instance
// addresses are checked after evaluation (checkImportInstances).
func (d *declarations) evalImports(ctx *hcl.EvalContext) ([]Import, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := make([]Import, 0, len(d.imports))
	byTo := map[string]hcl.Range{}
	byKey := map[string]hcl.Range{}
	for _, im := range d.imports {
		v, moreDiags := im.key.Expr.Value(ctx)
		diags = append(diags, moreDiags...)
		if moreDiags.HasErrors() {
			continue
		}
		v, marks := v.Unmark()
		keyRange := im.key.Expr.Range()
		switch {
		case len(marks) > 0:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Sensitive import key",
				Detail: "The key is sensitive, but plans show it. Use a value that is not sensitive.", Subject: keyRange.Ptr()})
			continue
		case !v.IsKnown() || v.IsNull() || v.Type() != cty.String || v.AsString() == "":
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid import key",
				Detail: fmt.Sprintf("key must be the _key of the live object to adopt, a non-empty string, not %s.", describeValue(v)), Subject: keyRange.Ptr()})
			continue
		}
		imp := Import{To: im.to.String(), Key: v.AsString(), ToRange: im.toRange, KeyRange: keyRange, DeclRange: im.decl}
		target := d.byAddr[im.to.block()]
		switch {
		case target == nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import to an undeclared block",
				Detail:  fmt.Sprintf("to names %s, which is not a block of this configuration.%s Declare the block the object should belong to, then import into it.", im.to.block(), didYouMean(im.to.block(), d.addresses())),
				Subject: im.toRange.Ptr()})
			continue
		case im.to.indexed && !target.forEach:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Instance key on a block without for_each",
				Detail: fmt.Sprintf("%s has no for_each, so it has no instance %s. Write its address without [\"…\"].", im.to.block(), imp.To), Subject: im.toRange.Ptr()})
			continue
		case !im.to.indexed && target.forEach:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import to a for_each block",
				Detail: fmt.Sprintf("%s has for_each: import into one of its instances, e.g. %s[\"KEY\"].", imp.To, imp.To), Subject: im.toRange.Ptr()})
			continue
		}
		if prev, dup := byTo[imp.To]; dup {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate import block",
				Detail: fmt.Sprintf("%s is already imported at %s. Remove one of the blocks.", imp.To, prev), Subject: im.toRange.Ptr()})
			continue
		}
		if prev, dup := byKey[imp.Key]; dup {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate import key",
				Detail: fmt.Sprintf("The key %q is already imported at %s; one live object belongs to one address. Remove one of the blocks.", imp.Key, prev), Subject: keyRange.Ptr()})
			continue
		}
		byTo[imp.To], byKey[imp.Key] = im.decl, im.decl
		out = append(out, imp)
	}
	return out, diags
}

// checkImportInstances runs after evaluation: an import into a for_each instance needs that
// instance.
func checkImportInstances(imports []Import, addrs map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, im := range imports {
		if !addrs[im.To] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import to an undeclared instance",
				Detail: fmt.Sprintf("%s does not exist: the block's for_each has no such key. Check the key.", im.To), Subject: im.ToRange.Ptr()})
		}
	}
	return diags
}
