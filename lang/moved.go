package lang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Move is a moved { from = ADDRESS  to = ADDRESS } block: the block (or for_each instance) at
// To was called From before, and keeps the identity From gave it. For an entity whose _key is
// not written, the default _key is derived from From's labels, so renaming a block does not
// replace the object. Relationship default keys come from their endpoints, not their labels,
// so a move of a relationship only records the old address.
type Move struct {
	From, To string
	// FromRange and ToRange locate the two addresses; DeclRange is the block's header.
	FromRange, ToRange, DeclRange hcl.Range
}

var movedSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "from", Required: true}, {Name: "to", Required: true}},
}

// moveDecl is a decoded moved block.
type moveDecl struct {
	Move
	from, to objectAddress
}

func (d *declarations) addMoved(b *hcl.Block) hcl.Diagnostics {
	content, diags := b.Body.Content(movedSchema)
	if diags.HasErrors() {
		return diags
	}
	fromAttr, toAttr := content.Attributes["from"], content.Attributes["to"]
	from, fromDiags := parseAddress(fromAttr.Expr, "from")
	to, toDiags := parseAddress(toAttr.Expr, "to")
	diags = append(diags, fromDiags...)
	diags = append(diags, toDiags...)
	if diags.HasErrors() {
		return diags
	}
	m := &moveDecl{
		Move: Move{From: from.String(), To: to.String(), FromRange: fromAttr.Expr.Range(), ToRange: toAttr.Expr.Range(), DeclRange: b.DefRange},
		from: from, to: to,
	}
	if from.kind != to.kind {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Move between different kinds of block",
			Detail:  fmt.Sprintf("%s and %s are blocks of different kinds (%s, %s): a moved block renames a block of one kind. Declare the new block and let the old object be destroyed instead.", m.From, m.To, from.kind, to.kind),
			Subject: m.ToRange.Ptr()})
	}
	if m.From == m.To {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Move to the same address",
			Detail: fmt.Sprintf("from and to are both %s. Remove this moved block.", m.From), Subject: b.DefRange.Ptr()})
	}
	d.moves = append(d.moves, m)
	return diags
}

// checkMoves reports moved blocks whose to names no block of the configuration, whose from
// is still declared, duplicates, and chains (A to B and B to C: write A to C). It runs when
// every block is decoded; instance addresses are checked after evaluation (checkMoveInstances).
func (d *declarations) checkMoves() hcl.Diagnostics {
	var diags hcl.Diagnostics
	byFrom := map[string]*moveDecl{}
	byTo := map[string]*moveDecl{}
	d.movedTo = map[string]*moveDecl{}
	for _, m := range d.moves {
		switch prev := byFrom[m.From]; {
		case prev != nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate moved block",
				Detail:  fmt.Sprintf("%s is already moved at %s. An address moves to one place only; remove one of the blocks.", m.From, prev.DeclRange),
				Subject: m.FromRange.Ptr()})
			continue
		case byTo[m.To] != nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate moved block",
				Detail:  fmt.Sprintf("Another moved block (%s) already moves an address to %s. Only one old address can give a block its identity; remove one of the blocks.", byTo[m.To].DeclRange, m.To),
				Subject: m.ToRange.Ptr()})
			continue
		}
		byFrom[m.From], byTo[m.To] = m, m
		target := d.byAddr[m.to.block()]
		switch {
		case target == nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Moved to an undeclared block",
				Detail:  fmt.Sprintf("to names %s, which is not a block of this configuration.%s A moved block's to is the block's new address.", m.to.block(), didYouMean(m.to.block(), d.addresses())),
				Subject: m.ToRange.Ptr()})
		case m.to.indexed && !target.forEach:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Instance key on a block without for_each",
				Detail:  fmt.Sprintf("%s has no for_each, so it has no instance %s. Write its address without [\"…\"].", m.to.block(), m.To),
				Subject: m.ToRange.Ptr()})
		}
		if !m.from.indexed && d.byAddr[m.From] != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Moved from a declared block",
				Detail:  fmt.Sprintf("%s is still declared at %s, so nothing moved from it. Remove or rename that block, or remove this moved block.", m.From, d.byAddr[m.From].defRange),
				Subject: m.FromRange.Ptr()})
		}
		d.movedTo[m.To] = m
	}
	for _, m := range d.moves {
		if next := byFrom[m.To]; next != nil && byFrom[m.From] == m {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Chained moved blocks",
				Detail:  fmt.Sprintf("%s moves to %s, which another moved block (%s) moves on to %s. Write one moved block from %s to the final address (and one from %s if it ever existed on its own).", m.From, m.To, next.DeclRange, next.To, m.From, m.To),
				Subject: m.ToRange.Ptr()})
		}
	}
	return diags
}

// checkMoveInstances runs after evaluation: a moved block's to instance must exist, and its
// from instance must not.
func (d *declarations) checkMoveInstances(addrs map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, m := range d.moves {
		if m.to.indexed && d.byAddr[m.to.block()] != nil && !addrs[m.To] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Moved to an undeclared instance",
				Detail:  fmt.Sprintf("%s has no instance %s: its for_each has no key %q. Check the key.", m.to.block(), m.To, m.to.key),
				Subject: m.ToRange.Ptr()})
		}
		if m.from.indexed && addrs[m.From] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Moved from a declared instance",
				Detail:  fmt.Sprintf("%s still exists in the configuration, so nothing moved from it. Remove this moved block, or the instance.", m.From),
				Subject: m.FromRange.Ptr()})
		}
	}
	return diags
}

func (d *declarations) addresses() []string {
	out := make([]string, 0, len(d.objects))
	for _, b := range d.objects {
		out = append(out, b.addr)
	}
	return out
}

// defaultEntityKey is an entity's _key when the block does not write one, and the address
// whose labels it comes from: the instance's own address, or the from address of the moved
// block that renamed it.
func (e *evaluator) defaultEntityKey(bl *builder) (key, from string) {
	b, addr := bl.b, bl.obj.Address
	name := e.instanceName(bl)
	if m := e.movedTo[addr]; m != nil {
		// The instance itself was moved: from names one object.
		n := m.from.name
		if m.from.indexed {
			n = m.from.key
		}
		return EntityKey(e.integ.KeyPrefix, m.from.resource, n), m.From
	}
	if m := e.movedTo[b.addr]; m != nil && bl.in.forEach {
		// The whole for_each block was moved: each instance keeps its key under the old block.
		if m.from.indexed {
			return EntityKey(e.integ.KeyPrefix, m.from.resource, m.from.key), m.From
		}
		old := objectAddress{kind: model.KindEntity, resource: m.from.resource, name: m.from.name, key: bl.in.key, indexed: true}
		return EntityKey(e.integ.KeyPrefix, m.from.resource, name), old.String()
	}
	return EntityKey(e.integ.KeyPrefix, b.resource, name), addr
}
