package lang

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/j1hcl/j1hcl/internal/model"

	"github.com/j1hcl/j1hcl/internal/suggest"
)

// node is one unit of evaluation: the integration block, a local value, or an object block.
// Edges point at what a node's expressions reference.
type node struct {
	id    string
	rng   hcl.Range
	integ *integrationBlock
	local *localValue
	obj   *objectBlock

	deps       []*node
	refLocals  []*localValue
	refObjects []*objectBlock
}

// Root names an expression may start with.
var referenceRoots = []string{"var", "local", "each", "entity", "relationship", "mapped_relationship"}

// expressions returns every expression of a node, for dependency analysis.
func (n *node) expressions() []hcl.Expression {
	var out []hcl.Expression
	switch {
	case n.integ != nil:
		for _, a := range sortedAttrs(n.integ.attrs) {
			out = append(out, a.Expr)
		}
		// rules hold only literals; they are decoded without an evaluation context.
	case n.local != nil:
		out = append(out, n.local.attr.Expr)
	case n.obj != nil:
		for _, a := range n.obj.attrs {
			if a.expr != nil { // a constant references nothing
				out = append(out, a.expr)
			}
		}
		if n.obj.preventDestroyExpr != nil {
			out = append(out, n.obj.preventDestroyExpr)
		}
	}
	return out
}

// endpointTraversals returns the references that a relationship's from/to (or a mapped
// relationship's from) uses only as an endpoint: the whole expression is entity.R.N, or
// entity.R.N[KEY]. Such uses need only the entity's _key and _type.
func (n *node) endpointTraversals() map[hcl.Range]bool {
	if n.obj == nil || n.obj.kind == model.KindEntity {
		return nil
	}
	out := map[hcl.Range]bool{}
	for _, name := range []string{"from", "to"} {
		i, ok := n.obj.attrIndex(name)
		if !ok || n.obj.attrs[i].expr == nil { // a constant references no entity
			continue
		}
		expr := n.obj.attrs[i].expr
		if ix, ok := expr.(*hclsyntax.IndexExpr); ok {
			expr = ix.Collection
		}
		if st, ok := expr.(*hclsyntax.ScopeTraversalExpr); ok && st.Traversal.RootName() == "entity" {
			out[st.Traversal.SourceRange()] = true
		}
	}
	return out
}

// variables returns expr.Variables(): the references of an expression, in the order
// hclsyntax's walker finds them. The node types of plain blocks (literals, templates of
// them, traversals, tuples) are read directly; any other expression asks hclsyntax.
func variables(expr hcl.Expression) []hcl.Traversal {
	if vars, ok := appendVariables(nil, expr); ok {
		return vars
	}
	return expr.Variables()
}

func appendVariables(dst []hcl.Traversal, expr hcl.Expression) ([]hcl.Traversal, bool) {
	switch e := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		return dst, true
	case *hclsyntax.ScopeTraversalExpr:
		return append(dst, e.Traversal), true
	case *hclsyntax.TemplateExpr:
		return appendAllVariables(dst, e.Parts)
	case *hclsyntax.TupleConsExpr:
		return appendAllVariables(dst, e.Exprs)
	}
	return dst, false
}

func appendAllVariables(dst []hcl.Traversal, exprs []hclsyntax.Expression) ([]hcl.Traversal, bool) {
	for _, e := range exprs {
		var ok bool
		if dst, ok = appendVariables(dst, e); !ok {
			return dst, false
		}
	}
	return dst, true
}

func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// buildGraph creates the nodes, resolves every reference (reporting unknown ones with
// suggestions), and returns the nodes in evaluation order, or a cycle diagnostic.
func buildGraph(d *declarations) ([]*node, hcl.Diagnostics) {
	var nodes []*node
	byLocal := map[*localValue]*node{}
	byObject := map[*objectBlock]*node{}
	var integ *node
	if len(d.integration) > 0 {
		integ = &node{id: "integration", rng: d.integration[0].block.DefRange, integ: d.integration[0]}
		nodes = append(nodes, integ)
	}
	for _, l := range d.locals {
		n := &node{id: "local." + l.name, rng: l.attr.NameRange, local: l}
		byLocal[l] = n
		nodes = append(nodes, n)
	}
	// Entities come before relationships so that, in the depth-first order below, an entity
	// is evaluated before a relationship that names it by _key string.
	objs := append([]*objectBlock(nil), d.objects...)
	sort.SliceStable(objs, func(i, j int) bool { return objs[i].kind < objs[j].kind })
	for _, o := range objs {
		n := &node{id: o.addr, rng: o.defRange, obj: o}
		byObject[o] = n
		nodes = append(nodes, n)
	}

	var diags hcl.Diagnostics
	for _, n := range nodes {
		forEach := n.obj != nil && n.obj.forEach
		var forEachExpr hcl.Expression
		if forEach {
			forEachExpr = n.obj.expr("for_each")
		}
		var seenL map[*localValue]bool
		var seenO map[*objectBlock]bool
		endpoints := n.endpointTraversals()
		for _, expr := range n.expressions() {
			isForEach := forEach && expr == forEachExpr
			for _, tr := range variables(expr) {
				ls, os, refDiags := resolveTraversal(d, tr, forEach && !isForEach)
				if !endpoints[tr.SourceRange()] {
					for _, o := range os {
						o.fullValue = true
					}
				}
				diags = append(diags, refDiags...)
				for _, l := range ls {
					if seenL == nil {
						seenL = map[*localValue]bool{}
					}
					if !seenL[l] {
						seenL[l] = true
						n.refLocals = append(n.refLocals, l)
						n.deps = append(n.deps, byLocal[l])
					}
				}
				for _, o := range os {
					if seenO == nil {
						seenO = map[*objectBlock]bool{}
					}
					if !seenO[o] {
						seenO[o] = true
						o.needValue = true
						n.refObjects = append(n.refObjects, o)
						n.deps = append(n.deps, byObject[o])
					}
				}
			}
		}
		// Default _key and _type values need the integration's type and key prefix.
		if n.obj != nil && integ != nil {
			n.deps = append(n.deps, integ)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	order, cycle := topoSort(nodes)
	if cycle != nil {
		ids := make([]string, len(cycle))
		for i, n := range cycle {
			ids[i] = n.id
		}
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Dependency cycle",
			Detail:   fmt.Sprintf("These references form a cycle: %s. Break it by writing one of the values (for example a _key string) instead of referencing it.", strings.Join(ids, " -> ")),
			Subject:  cycle[0].rng.Ptr(),
		}}
	}
	return order, nil
}

// topoSort orders nodes so that dependencies come first (depth-first, in input order), or
// returns a cycle as a path that starts and ends with the same node.
func topoSort(nodes []*node) ([]*node, []*node) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make(map[*node]int, len(nodes))
	order := make([]*node, 0, len(nodes))
	var stack []*node
	var visit func(n *node) []*node
	visit = func(n *node) []*node {
		switch state[n] {
		case done:
			return nil
		case visiting:
			for i, s := range stack {
				if s == n {
					return append(append([]*node(nil), stack[i:]...), n)
				}
			}
		}
		state[n] = visiting
		stack = append(stack, n)
		for _, dep := range n.deps {
			if cycle := visit(dep); cycle != nil {
				return cycle
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		order = append(order, n)
		return nil
	}
	for _, n := range nodes {
		if cycle := visit(n); cycle != nil {
			return nil, cycle
		}
	}
	return order, nil
}

// resolveTraversal finds what one reference names. eachAllowed is true inside a for_each
// block (except in the for_each expression itself).
func resolveTraversal(d *declarations, tr hcl.Traversal, eachAllowed bool) ([]*localValue, []*objectBlock, hcl.Diagnostics) {
	root := tr.RootName()
	rng := tr.SourceRange()
	attrs := attrNames(tr)
	bad := func(summary, detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &rng}}
	}
	switch root {
	case "var":
		if len(attrs) == 0 {
			return nil, nil, bad("Invalid reference", "var must be followed by a variable name, e.g. var.instance_id.")
		}
		if _, ok := d.varByName[attrs[0]]; !ok {
			return nil, nil, bad("Reference to undeclared input variable",
				fmt.Sprintf("No variable %q is declared.%s Declare it with a variable %q block.", attrs[0], didYouMean(attrs[0], keys(d.varByName)), attrs[0]))
		}
	case "local":
		if len(attrs) == 0 {
			return nil, nil, bad("Invalid reference", "local must be followed by a local value name, e.g. local.owner.")
		}
		l, ok := d.localByName[attrs[0]]
		if !ok {
			return nil, nil, bad("Reference to undeclared local value",
				fmt.Sprintf("No local value %q is defined.%s Define it in a locals block.", attrs[0], didYouMean(attrs[0], keys(d.localByName))))
		}
		return []*localValue{l}, nil, nil
	case "each":
		if !eachAllowed {
			return nil, nil, bad("Reference to \"each\" in a block without for_each",
				"each.key and each.value are only available inside a block that sets for_each (and not in the for_each expression itself).")
		}
		if len(attrs) == 0 || (attrs[0] != "key" && attrs[0] != "value") {
			return nil, nil, bad("Invalid \"each\" attribute", "Only each.key and each.value exist.")
		}
	case "entity":
		if len(attrs) == 0 {
			return nil, nil, bad("Invalid reference", "entity must be followed by a resource and a name, e.g. entity.application.slack.")
		}
		blocks, ok := d.resources[attrs[0]]
		if !ok {
			return nil, nil, bad("Reference to undeclared entity",
				fmt.Sprintf("No entity block has the resource label %q.%s", attrs[0], didYouMean(attrs[0], keys(d.resources))))
		}
		if len(attrs) == 1 {
			return nil, blocks, nil
		}
		if b, ok := d.byAddr["entity."+attrs[0]+"."+attrs[1]]; ok {
			return nil, []*objectBlock{b}, nil
		}
		names := make([]string, len(blocks))
		for i, b := range blocks {
			names[i] = b.name
		}
		return nil, nil, bad("Reference to undeclared entity",
			fmt.Sprintf("No entity %q %q is declared.%s", attrs[0], attrs[1], didYouMean(attrs[1], names)))
	case "relationship", "mapped_relationship":
		if len(attrs) == 0 {
			return nil, nil, bad("Invalid reference", root+" must be followed by a block name, e.g. "+root+".team_owns_app.")
		}
		b, ok := d.byAddr[root+"."+attrs[0]]
		if !ok {
			var names []string
			for _, o := range d.objects {
				if o.kind.String() == root {
					names = append(names, o.name)
				}
			}
			return nil, nil, bad("Reference to undeclared "+strings.ReplaceAll(root, "_", " "),
				fmt.Sprintf("No %s %q is declared.%s", root, attrs[0], didYouMean(attrs[0], names)))
		}
		return nil, []*objectBlock{b}, nil
	default:
		return nil, nil, bad("Unknown variable",
			fmt.Sprintf("There is no variable named %q.%s References start with var., local., each., entity., relationship. or mapped_relationship.", root, didYouMean(root, referenceRoots)))
	}
	return nil, nil, nil
}

func attrNames(tr hcl.Traversal) []string {
	var out []string
	for _, step := range tr[1:] {
		a, ok := step.(hcl.TraverseAttr)
		if !ok {
			break
		}
		out = append(out, a.Name)
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func didYouMean(given string, candidates []string) string {
	return suggest.DidYouMean(given, candidates)
}
