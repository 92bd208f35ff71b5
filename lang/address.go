package lang

import (
	"fmt"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/model"
)

// objectAddress is a parsed ADDRESS of an import or moved block: entity.RESOURCE.NAME,
// relationship.NAME or mapped_relationship.NAME, optionally with a for_each instance key
// (entity.user.u["alice"]).
type objectAddress struct {
	kind     model.Kind
	resource string // entities only
	name     string
	key      string
	indexed  bool
}

// block is the address of the block: without the instance key.
func (a objectAddress) block() string {
	if a.kind == model.KindEntity {
		return "entity." + a.resource + "." + a.name
	}
	return a.kind.String() + "." + a.name
}

// String is the address as lang writes it in model.Object.Address.
func (a objectAddress) String() string {
	if !a.indexed {
		return a.block()
	}
	return a.block() + "[" + strconv.Quote(a.key) + "]"
}

// parseAddress reads an address written as a reference (to = entity.team.eng), not a string.
func parseAddress(expr hcl.Expression, what string) (objectAddress, hcl.Diagnostics) {
	bad := func(detail string) (objectAddress, hcl.Diagnostics) {
		return objectAddress{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid address",
			Detail:   fmt.Sprintf("%s %s Write entity.RESOURCE.NAME, relationship.NAME or mapped_relationship.NAME, with [\"KEY\"] for a for_each instance, e.g. entity.user.all[\"alice\"] (a reference, not a quoted string).", what, detail),
			Subject:  expr.Range().Ptr(),
		}}
	}
	trav, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() {
		return bad("must be the address of a block of the configuration.")
	}
	var a objectAddress
	names := []string{}
	rest := trav
names:
	for len(rest) > 0 {
		switch s := rest[0].(type) {
		case hcl.TraverseRoot:
			names = append(names, s.Name)
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		default:
			break names
		}
		rest = rest[1:]
	}
	switch {
	case len(names) == 3 && names[0] == "entity":
		a.kind, a.resource, a.name = model.KindEntity, names[1], names[2]
	case len(names) == 2 && names[0] == model.KindRelationship.String():
		a.kind, a.name = model.KindRelationship, names[1]
	case len(names) == 2 && names[0] == model.KindMappedRelationship.String():
		a.kind, a.name = model.KindMappedRelationship, names[1]
	default:
		return bad(fmt.Sprintf("is %s, which is not a block address.", traversalName(trav)))
	}
	switch len(rest) {
	case 0:
	case 1:
		ix, ok := rest[0].(hcl.TraverseIndex)
		if !ok || ix.Key.Type() != cty.String || ix.Key.IsNull() {
			return bad("has an instance key that is not a string; for_each instance keys are strings.")
		}
		a.key, a.indexed = ix.Key.AsString(), true
	default:
		return bad("has more than one instance key.")
	}
	return a, nil
}
