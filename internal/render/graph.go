package render

import (
	"io"
	"strconv"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
)

// nodeStyle is how a diagram draws a node or an edge.
type nodeStyle uint8

const (
	styleNone     nodeStyle = iota
	styleCreate             // created by the plan
	styleUpdate             // updated or moved by the plan
	styleDelete             // destroyed by the plan
	styleTarget             // the target of a mapped relationship
	styleExternal           // an entity referenced by _key that the graph does not hold
)

type diagramNode struct {
	id    string
	label []string // lines, not yet escaped
	style nodeStyle
}

type diagramEdge struct {
	from, to string
	label    string
	dashed   bool // a mapped relationship
	style    nodeStyle
}

// diagram is the format-neutral drawing that DOT and Mermaid are written from.
type diagram struct {
	nodes []diagramNode
	edges []diagramEdge
	// wanted counts the nodes that would be drawn without a cap; more than len(nodes) means
	// the diagram is cut.
	wanted int
}

// diagramBuilder adds nodes by identity, at most limit of them (0: no limit).
type diagramBuilder struct {
	d       diagram
	ids     map[string]string
	dropped map[string]bool
	limit   int
}

func newDiagramBuilder(limit int) *diagramBuilder {
	return &diagramBuilder{ids: map[string]string{}, dropped: map[string]bool{}, limit: limit}
}

// node returns the id of the node with the given identity, adding it with the label and style
// made by mk if it is new. It reports false when the node limit keeps it out.
func (b *diagramBuilder) node(identity string, mk func() ([]string, nodeStyle)) (string, bool) {
	if id, ok := b.ids[identity]; ok {
		return id, true
	}
	if b.dropped[identity] {
		return "", false
	}
	b.d.wanted++
	if b.limit > 0 && len(b.d.nodes) >= b.limit {
		b.dropped[identity] = true
		return "", false
	}
	id := "n" + strconv.Itoa(len(b.d.nodes))
	label, style := mk()
	b.ids[identity] = id
	b.d.nodes = append(b.d.nodes, diagramNode{id: id, label: label, style: style})
	return id, true
}

func entityIdentity(key string) string { return "e:" + key }

// entityLabel is an entity's class, display name (its name when it has none) and _key, each
// hidden when it derives from a sensitive value: every node of an entity reads the same way.
func entityLabel(props model.Properties, sensitive func(string) bool) []string {
	hide := func(name string) bool { return sensitive != nil && sensitive(name) }
	var class string
	switch {
	case hide(model.PropClass):
		class = SensitiveValue
	default:
		class = strings.Join((&model.Object{Props: props}).Classes(), ", ")
	}
	name := ""
	for _, prop := range []string{model.PropDisplayName, model.PropName} {
		if s, ok := props[prop].(string); ok && s != "" {
			name = s
			if hide(prop) {
				name = SensitiveValue
			}
			break
		}
	}
	key, _ := props[model.PropKey].(string)
	if hide(model.PropKey) {
		key = SensitiveValue
	}
	if name == "" || name == key {
		return []string{class, key}
	}
	return []string{class, name, key}
}

func externalNode(key string) func() ([]string, nodeStyle) {
	return func() ([]string, nodeStyle) { return []string{key}, styleExternal }
}

// mappedEnds returns the source key and the target of a mapped relationship, and whether the
// edge runs from the target to the source (relationshipDirection REVERSE).
func mappedEnds(props model.Properties) (source string, target map[string]any, reverse bool) {
	m, _ := props[model.PropMapping].(map[string]any)
	source, _ = m[model.MappingSourceEntityKey].(string)
	target, _ = m[model.MappingTargetEntity].(map[string]any)
	dir, _ := m[model.MappingRelationshipDirection].(string)
	return source, target, strings.EqualFold(dir, model.DirectionReverse)
}

// targetNode identifies and labels a mapped relationship's target: its _type and _key, or its
// _type and the other properties it is matched by.
func targetNode(target map[string]any) (string, func() ([]string, nodeStyle)) {
	identity := "t:" + string(model.AppendValueJSON(nil, target))
	return identity, func() ([]string, nodeStyle) {
		typ, _ := target[model.PropType].(string)
		if key, ok := target[model.PropKey].(string); ok {
			return []string{typ, key}, styleTarget
		}
		var parts []string
		for _, k := range model.OrderedNames(model.MappingTargetEntity, target) {
			if k != model.PropType {
				parts = append(parts, k+"="+inlineBare(target[k]))
			}
		}
		return []string{typ, strings.Join(parts, " ")}, styleTarget
	}
}

// inlineBare is a value inline, strings without quotes.
func inlineBare(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return inline(v)
}

// addRelationship draws a relationship as an edge, adding its end nodes as needed. It reports
// false when an end did not fit under the node limit.
func (b *diagramBuilder) addRelationship(kind model.Kind, props model.Properties, sensitive func(string) bool, style nodeStyle, entityNode func(key string) func() ([]string, nodeStyle)) bool {
	label := inlineBare(props[model.PropClass])
	if sensitive != nil && sensitive(model.PropClass) {
		label = SensitiveValue
	}
	var from, to string
	var ok1, ok2 bool
	dashed := kind == model.KindMappedRelationship
	if dashed {
		source, target, reverse := mappedEnds(props)
		from, ok1 = b.node(entityIdentity(source), entityNode(source))
		identity, mk := targetNode(target)
		to, ok2 = b.node(identity, mk)
		if reverse {
			from, to = to, from
		}
	} else {
		f, _ := props[model.PropFromKey].(string)
		t, _ := props[model.PropToKey].(string)
		from, ok1 = b.node(entityIdentity(f), entityNode(f))
		to, ok2 = b.node(entityIdentity(t), entityNode(t))
	}
	if !ok1 || !ok2 {
		return false
	}
	b.d.edges = append(b.d.edges, diagramEdge{from: from, to: to, label: label, dashed: dashed, style: style})
	return true
}

// graphDiagram draws a whole graph: entities in _key order, then relationships in _key order.
func graphDiagram(g *model.Graph) diagram {
	b := newDiagramBuilder(0)
	ents := append([]*model.Object(nil), g.Entities...)
	model.SortObjects(ents)
	for _, o := range ents {
		b.node(entityIdentity(o.Key()), func() ([]string, nodeStyle) {
			return entityLabel(o.Props, sensitiveOf(o)), styleNone
		})
	}
	rels := append([]*model.Object(nil), g.Relationships...)
	model.SortObjects(rels)
	for _, o := range rels {
		b.addRelationship(o.Kind, o.Props, sensitiveOf(o), styleNone, externalNode)
	}
	return b.d
}

func sensitiveOf(o *model.Object) func(string) bool {
	if len(o.Sensitive) == 0 {
		return nil
	}
	return o.IsSensitive
}

// GraphDOT writes a graph as Graphviz DOT: entities as boxes labelled with their class and
// display name, relationships as edges labelled with their class, mapped relationships as
// dashed edges to a node for their target. Entities a relationship names by a _key the graph
// does not hold are drawn dashed and grey. The output depends only on the graph's content.
func GraphDOT(w io.Writer, g *model.Graph) error {
	out := newOutput(w)
	writeDOT(out, graphDiagram(g))
	return out.flush()
}

func writeDOT(out *output, d diagram) {
	out.line("digraph j1hcl {")
	out.line("  rankdir=LR;")
	out.line(`  node [shape=box, style=rounded, fontname="Helvetica"];`)
	out.line(`  edge [fontname="Helvetica", fontsize=10];`)
	for _, n := range d.nodes {
		attrs := ""
		switch n.style {
		case styleTarget:
			attrs = `, shape=ellipse, style=dashed`
		case styleExternal:
			attrs = `, style="rounded,dashed", color=gray50, fontcolor=gray30`
		}
		out.line("  ", n.id, " [label=", dotString(n.label), attrs, "];")
	}
	for _, e := range d.edges {
		attrs := ""
		if e.dashed {
			attrs = ", style=dashed"
		}
		out.line("  ", e.from, " -> ", e.to, " [label=", dotString([]string{e.label}), attrs, "];")
	}
	out.line("}")
}

// dotString quotes label lines for DOT, lines separated by DOT's centred line break.
func dotString(lines []string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, l := range splitLabel(lines) {
		if i > 0 {
			b.WriteString(`\n`)
		}
		for _, r := range sanitize(l) {
			switch r {
			case '"', '\\':
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// GraphMermaid writes a graph as a Mermaid flowchart with the same drawing as GraphDOT.
func GraphMermaid(w io.Writer, g *model.Graph) error {
	out := newOutput(w)
	writeMermaid(out, graphDiagram(g), "")
	return out.flush()
}

// writeMermaid writes a flowchart, each line prefixed with indent.
func writeMermaid(out *output, d diagram, indent string) {
	out.line(indent, "flowchart LR")
	used := map[nodeStyle]bool{}
	for _, n := range d.nodes {
		open, close := `["`, `"]`
		if n.style == styleTarget {
			open, close = `(["`, `"])`
		}
		class := ""
		if n.style != styleNone {
			class = ":::" + styleClass[n.style]
			used[n.style] = true
		}
		out.line(indent, "  ", n.id, open, mermaidText(n.label), close, class)
	}
	for _, e := range d.edges {
		arrow := "-->"
		if e.dashed {
			arrow = "-.->"
		}
		out.line(indent, "  ", e.from, " ", arrow, `|"`, mermaidText([]string{edgeLabel(e)}), `"| `, e.to)
	}
	for i, e := range d.edges {
		if colour := edgeColour[e.style]; colour != "" {
			out.line(indent, "  linkStyle ", strconv.Itoa(i), " stroke:", colour)
		}
	}
	for _, st := range []nodeStyle{styleCreate, styleUpdate, styleDelete, styleTarget, styleExternal} {
		if used[st] {
			out.line(indent, "  classDef ", styleClass[st], " ", styleDef[st])
		}
	}
}

func edgeLabel(e diagramEdge) string {
	if sym := styleSymbol[e.style]; sym != "" {
		return sym + " " + e.label
	}
	return e.label
}

var (
	styleClass = map[nodeStyle]string{
		styleCreate: "create", styleUpdate: "update", styleDelete: "delete",
		styleTarget: "target", styleExternal: "external",
	}
	styleDef = map[nodeStyle]string{
		styleCreate:   "fill:#dafbe1,stroke:#1a7f37",
		styleUpdate:   "fill:#fff8c5,stroke:#9a6700",
		styleDelete:   "fill:#ffebe9,stroke:#cf222e",
		styleTarget:   "stroke-dasharray:4 3",
		styleExternal: "stroke-dasharray:4 3,color:#57606a",
	}
	styleSymbol = map[nodeStyle]string{styleCreate: "+", styleUpdate: "~", styleDelete: "-"}
	edgeColour  = map[nodeStyle]string{styleCreate: "#1a7f37", styleUpdate: "#9a6700", styleDelete: "#cf222e"}
)

// mermaidText escapes label lines for a quoted Mermaid label, lines separated by <br/>. Mermaid
// decodes #name; entity codes, so every character with a meaning to it or to HTML is spelled
// as one.
func mermaidText(lines []string) string {
	var b strings.Builder
	for i, l := range splitLabel(lines) {
		if i > 0 {
			b.WriteString("<br/>")
		}
		for _, r := range sanitize(l) {
			switch r {
			case '"':
				b.WriteString("#quot;")
			case '#':
				b.WriteString("#35;")
			case '<':
				b.WriteString("#lt;")
			case '>':
				b.WriteString("#gt;")
			case '&':
				b.WriteString("#amp;")
			case '`':
				b.WriteString("#96;")
			case '|':
				b.WriteString("#124;")
			default:
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// changeDiagram draws a plan's changed objects and their neighbours: changed entities, the
// entities at both ends of changed relationships, and the unchanged relationships (from the
// job's upload) that touch a changed entity. At most limit nodes are drawn; changed entities
// come first.
func changeDiagram(p *plan.Plan, limit int) diagram {
	b := newDiagramBuilder(limit)
	changedEntities := map[string]bool{}
	changedRels := map[string]bool{}
	for i := range p.Changes {
		ch := &p.Changes[i]
		if ch.Kind != model.KindEntity {
			changedRels[ch.Key] = true
			continue
		}
		changedEntities[ch.Key] = true
		props := ch.After
		if props == nil {
			props = ch.Before
		}
		style := actionStyle(ch.Action)
		b.node(entityIdentity(ch.Key), func() ([]string, nodeStyle) {
			return entityLabel(props, sensitiveOfChange(ch)), style
		})
	}
	// Endpoints not changed themselves are labelled from the upload when it holds them. Their
	// sensitivity is unknown here, so they are labelled by class and _key only, without the
	// display name a changed entity's node shows.
	var desired map[string]model.Properties
	neighbour := func(key string) func() ([]string, nodeStyle) {
		return func() ([]string, nodeStyle) {
			if desired == nil {
				desired = make(map[string]model.Properties, len(p.Upload.Entities))
				for _, e := range p.Upload.Entities {
					if k, ok := e[model.PropKey].(string); ok {
						desired[k] = e
					}
				}
			}
			if props, ok := desired[key]; ok {
				return []string{strings.Join((&model.Object{Props: props}).Classes(), ", "), key}, styleNone
			}
			return []string{key}, styleExternal
		}
	}
	for i := range p.Changes {
		ch := &p.Changes[i]
		if ch.Kind == model.KindEntity {
			continue
		}
		props := ch.After
		if props == nil {
			props = ch.Before
		}
		b.addRelationship(ch.Kind, props, sensitiveOfChange(ch), actionStyle(ch.Action), neighbour)
	}
	if len(changedEntities) > 0 {
		for _, r := range p.Upload.Relationships {
			key, _ := r[model.PropKey].(string)
			if changedRels[key] {
				continue
			}
			kind := model.KindOf(r, true)
			o := &model.Object{Kind: kind, Props: r}
			if !changedEntities[o.FromKey()] && !changedEntities[o.ToKey()] {
				continue
			}
			b.addRelationship(kind, r, nil, styleNone, neighbour)
		}
	}
	return b.d
}

func sensitiveOfChange(ch *plan.Change) func(string) bool {
	if len(ch.Sensitive) == 0 {
		return nil
	}
	return ch.IsSensitive
}

func actionStyle(a plan.Action) nodeStyle {
	switch a {
	case plan.Create:
		return styleCreate
	case plan.Delete:
		return styleDelete
	case plan.Update, plan.NoOp:
		return styleUpdate
	}
	return styleNone
}

// splitLabel splits label lines that contain line breaks themselves: a display name written
// on two lines is drawn on two lines.
func splitLabel(lines []string) []string {
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			var out []string
			for _, l := range lines {
				out = append(out, strings.FieldsFunc(l, func(r rune) bool { return r == '\n' || r == '\r' })...)
			}
			return out
		}
	}
	return lines
}
