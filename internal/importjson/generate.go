package importjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/model"
)

const (
	mainFile = "main.hcl"
	// singleFileLimit is the object count up to which everything goes into main.hcl, as in
	// the examples; larger payloads get a file per entity resource and per relationship kind.
	singleFileLimit = 50
	// blocksPerFile splits very large groups, so that no file is too big to review.
	blocksPerFile = 1000
)

// files lays the blocks out: main.hcl with the variable and integration blocks, then either
// every block in it (small payloads, in payload order) or one file per entity resource and
// per relationship kind, split every blocksPerFile blocks.
func (c *converter) files(r *Result) []File {
	var main bytes.Buffer
	c.header(&main, r)
	if len(c.entities)+len(c.relationships) <= singleFileLimit {
		for _, o := range c.entities {
			main.WriteByte('\n')
			c.block(o).write(&main)
		}
		for _, o := range c.relationships {
			main.WriteByte('\n')
			c.block(o).write(&main)
		}
		return []File{{Name: mainFile, Content: main.Bytes()}}
	}

	out := []File{{Name: mainFile, Content: main.Bytes()}}
	names := map[string]bool{mainFile: true, "relationships.hcl": true, "mapped_relationships.hcl": true}
	var groups [][]*object
	var groupNames []string
	index := map[string]int{}
	for _, o := range c.entities {
		i, ok := index[o.resource]
		if !ok {
			i = len(groups)
			index[o.resource] = i
			groups = append(groups, nil)
			name := fileBase(o.resource)
			if names[name+".hcl"] {
				// A resource named main or relationships, or two that differ only in case.
				// Resource labels hold no dots and parts add ".N": neither can collide.
				base := name + ".entities"
				name = base
				for n := 2; names[name+".hcl"]; n++ {
					name = base + "-" + strconv.Itoa(n)
				}
			}
			names[name+".hcl"] = true
			groupNames = append(groupNames, name)
		}
		groups[i] = append(groups[i], o)
	}
	var direct, mapped []*object
	for _, o := range c.relationships {
		if o.kind == model.KindRelationship {
			direct = append(direct, o)
		} else {
			mapped = append(mapped, o)
		}
	}
	groups = append(groups, direct, mapped)
	groupNames = append(groupNames, "relationships", "mapped_relationships")
	for g, objs := range groups {
		for part, lo := 1, 0; lo < len(objs); part, lo = part+1, lo+blocksPerFile {
			var buf bytes.Buffer
			for i, o := range objs[lo:min(lo+blocksPerFile, len(objs))] {
				if i > 0 {
					buf.WriteByte('\n')
				}
				c.block(o).write(&buf)
			}
			name := groupNames[g]
			if part > 1 {
				name += "." + strconv.Itoa(part)
			}
			out = append(out, File{Name: name + ".hcl", Content: buf.Bytes()})
		}
	}
	return out
}

// fileBase names a resource's file: its label in lower case, cut to a length every file
// system accepts.
func fileBase(resource string) string {
	name := strings.ToLower(resource)
	const maxBytes = 100
	if len(name) > maxBytes {
		cut := maxBytes
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut]
	}
	return name
}

// header writes main.hcl's comment, the instance_id variable and the integration block. The
// payload does not hold the instance id (it is not a secret, but it belongs to the target, not
// the graph), so the variable defaults to null and the environment can supply it.
func (c *converter) header(w *bytes.Buffer, r *Result) {
	source := c.opts.Source
	if source == "" {
		source = "an upload payload"
	}
	list := r.Summary()
	normalized := ""
	if len(r.Notes) > 0 {
		normalized = ", with the normalizations import-json reported"
	}
	text := fmt.Sprintf("Imported by j1hcl import-json from %s: %s. j1hcl export of this configuration reproduces that payload%s.", source, list, normalized)
	if len(r.Warnings) > 0 {
		text = fmt.Sprintf("Imported by j1hcl import-json from %s: %s. This configuration evaluates to that payload%s, but j1hcl validate rejects it until the objects import-json warned about are fixed.", source, list, normalized)
	}
	writeComment(w, "", text)
	w.WriteByte('\n')

	in := &block{typ: "integration"}
	in.set("type", hclwrite.TokensForValue(cty.StringVal(c.integrationType)))
	if c.opts.Scope != "" {
		in.set("scope", hclwrite.TokensForValue(cty.StringVal(c.opts.Scope)))
	} else {
		v := &block{typ: "variable", labels: []string{"instance_id"}}
		v.set("type", hclwrite.TokensForIdentifier("string"))
		v.set("description", hclwrite.TokensForValue(cty.StringVal("The custom integration instance this configuration owns.")))
		if c.opts.InstanceID != "" {
			v.comment("The instance import-remote read; -var instance_id=ID or J1HCL_VAR_instance_id overrides it.")
			v.set("default", hclwrite.TokensForValue(cty.StringVal(c.opts.InstanceID)))
		} else {
			v.comment("Set it with -var instance_id=ID or J1HCL_VAR_instance_id, or leave it null and set JUPITERONE_INTEGRATION_INSTANCE_ID.")
			v.set("default", hclwrite.TokensForIdentifier("null"))
		}
		v.write(w)
		w.WriteByte('\n')
		in.set("instance_id", hclwrite.TokensForTraversal(hcl.Traversal{hcl.TraverseRoot{Name: "var"}, hcl.TraverseAttr{Name: "instance_id"}}))
	}
	if r.KeyPrefix != "" {
		in.set("key_prefix", hclwrite.TokensForValue(cty.StringVal(r.KeyPrefix)))
	}
	in.write(w)
}

// writeComment writes text as # comment lines of at most 96 columns.
func writeComment(w *bytes.Buffer, indent, text string) {
	line := indent + "#"
	for _, word := range strings.Fields(text) {
		if len(line)+1+len(word) > 96 && line != indent+"#" {
			w.WriteString(line + "\n")
			line = indent + "#"
		}
		line += " " + word
	}
	w.WriteString(line + "\n")
}

// handled are the payload fields a block writes as meta-arguments, per kind; every other
// property follows them in payload order.
var handled = map[model.Kind][]string{
	model.KindEntity:             {model.PropKey, model.PropType, model.PropClass, model.PropName, model.PropDisplayName},
	model.KindRelationship:       {model.PropKey, model.PropType, model.PropClass, model.PropFromKey, model.PropToKey},
	model.KindMappedRelationship: {model.PropKey, model.PropType, model.PropClass, model.PropMapping},
}

// block writes one object. Attributes come in the order of examples/billing-acme: _key and
// _type when they are not the defaults, _class, the endpoints, name and displayName, the
// other properties in payload order, and properties = { } for names that are not
// identifiers.
func (c *converter) block(o *object) *block {
	b := &block{typ: o.kind.String(), labels: []string{o.label}}
	if o.kind == model.KindEntity {
		b.labels = []string{o.resource, o.name}
	}
	omitKey, omitType := o.omitKey, o.omitTyp
	if o.kind != model.KindEntity {
		omitKey = o.key == o.defaultKey()
		omitType = o.typ == o.defaultType()
	}
	if !omitKey {
		b.set(model.PropKey, valueTokens(o.props[model.PropKey]))
	}
	if !omitType {
		b.set(model.PropType, valueTokens(o.props[model.PropType]))
	}
	switch o.kind {
	case model.KindEntity:
		if v, ok := o.props[model.PropClass]; ok && v != nil {
			b.set(model.PropClass, valueTokens(v))
		}
		if v, ok := o.props[model.PropName]; ok && v != nil {
			b.set(model.PropName, valueTokens(v))
		}
		if v, ok := o.props[model.PropDisplayName]; ok && v != nil && !displayNameIsDefault(o) {
			b.set(model.PropDisplayName, valueTokens(v))
		}
	case model.KindRelationship:
		b.set(model.PropClass, valueTokens(o.class))
		b.set("from", endpointTokens(o.from, o.props[model.PropFromKey]))
		b.set("to", endpointTokens(o.to, o.props[model.PropToKey]))
	case model.KindMappedRelationship:
		m := o.mapping
		b.set(model.PropClass, valueTokens(o.class))
		b.set("from", endpointTokens(o.from, m.source))
		if m.direction != model.DirectionForward {
			b.set("direction", valueTokens(m.direction))
		}
		b.setObject("target", targetItems(m.target))
		if m.filterKeys != nil && !model.Equal(m.filterKeys, defaultFilterKeys) {
			b.set("target_filter_keys", valueTokens(m.filterKeys))
		}
		if !m.skip {
			b.set("skip_target_creation", valueTokens(false))
		}
	}
	var others []objectItem
	skip := handled[o.kind]
	for _, name := range o.order {
		v := o.props[name]
		if v == nil || slices.Contains(skip, name) {
			continue
		}
		if validIdentifier(name) {
			b.set(name, propertyTokens(name, v))
			continue
		}
		others = append(others, objectItem{key: objectKeyTokens(name), value: propertyTokens(name, v)})
	}
	if len(others) > 0 {
		b.setObject("properties", others)
	}
	return b
}

// displayNameIsDefault reports whether j1hcl would fill in the entity's displayName as it is:
// it copies a string name.
func displayNameIsDefault(o *object) bool {
	name, ok := o.want[model.PropName].(string)
	display, isString := o.want[model.PropDisplayName].(string)
	return ok && isString && display == name
}

// endpointTokens refers to an entity of the configuration, or writes the key string.
func endpointTokens(entity *object, key any) hclwrite.Tokens {
	if entity == nil {
		return valueTokens(key)
	}
	return hclwrite.TokensForTraversal(hcl.Traversal{
		hcl.TraverseRoot{Name: "entity"},
		hcl.TraverseAttr{Name: entity.resource},
		hcl.TraverseAttr{Name: entity.name},
	})
}

// timestampProperty matches the guide's date convention, {action}On in epoch milliseconds.
var timestampProperty = regexp.MustCompile(`^[a-z][A-Za-z0-9]*On$`)

// Epoch milliseconds written as epochms("…"): from 1973 (smaller numbers are unlikely to be
// timestamps) to the end of year 9999 (the largest RFC 3339 year).
const (
	minEpochMS = 100_000_000_000
	maxEpochMS = 253_402_300_799_999
)

// propertyTokens writes a property value; a date property holding whole epoch milliseconds
// reads as epochms("2024-11-01T00:00:00Z"), as in the examples. The value is the same.
func propertyTokens(name string, v any) hclwrite.Tokens {
	if n, ok := v.(json.Number); ok && timestampProperty.MatchString(name) {
		if ms, err := strconv.ParseInt(string(n), 10, 64); err == nil && ms >= minEpochMS && ms <= maxEpochMS {
			return hclwrite.TokensForFunctionCall("epochms", hclwrite.TokensForValue(cty.StringVal(formatEpochMS(ms))))
		}
	}
	return valueTokens(v)
}

// formatEpochMS spells epoch milliseconds the shortest way epochms reads back exactly: a date
// at UTC midnight, else an RFC 3339 timestamp, with milliseconds when there are any.
func formatEpochMS(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	switch {
	case ms%86_400_000 == 0:
		return t.Format(time.DateOnly)
	case ms%1000 == 0:
		return t.Format(time.RFC3339)
	}
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

// valueTokens writes a scalar or list value: strings escaped (quotes, control characters, and
// the template sequences ${ and %{ as $${ and %%{), numbers exactly as the payload spells
// them, lists as tuples.
func valueTokens(v any) hclwrite.Tokens {
	switch x := v.(type) {
	case nil:
		return hclwrite.TokensForIdentifier("null")
	case bool:
		return hclwrite.TokensForValue(cty.BoolVal(x))
	case string:
		return hclwrite.TokensForValue(cty.StringVal(x))
	case json.Number:
		s := string(x)
		if rest, negative := strings.CutPrefix(s, "-"); negative {
			return hclwrite.Tokens{
				{Type: hclsyntax.TokenMinus, Bytes: []byte("-")},
				{Type: hclsyntax.TokenNumberLit, Bytes: []byte(rest)},
			}
		}
		return hclwrite.Tokens{{Type: hclsyntax.TokenNumberLit, Bytes: []byte(s)}}
	case []any:
		elems := make([]hclwrite.Tokens, len(x))
		for i, e := range x {
			elems[i] = valueTokens(e)
		}
		return hclwrite.TokensForTuple(elems)
	}
	// Unreachable for decoded JSON; fail loudly in the generated file rather than guess.
	panic(fmt.Sprintf("importjson: unexpected value of Go type %T", v))
}

// targetItems lists a mapped relationship's target: _type, _key and _class first, as in the
// guide, then the other fields in name order; null fields are left out, as j1hcl does.
func targetItems(m map[string]any) []objectItem {
	var items []objectItem
	first := []string{model.PropType, model.PropKey, model.PropClass}
	add := func(k string) {
		if v := m[k]; v != nil {
			items = append(items, objectItem{key: objectKeyTokens(k), value: valueTokens(v)})
		}
	}
	for _, k := range first {
		add(k)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(first, k) {
			add(k)
		}
	}
	return items
}

// objectKeyTokens writes an object key bare when that reads as the same string, else quoted.
// Keywords are quoted: { for = 1 } would start a for expression.
func objectKeyTokens(k string) hclwrite.Tokens {
	switch k {
	case "for", "if", "in", "true", "false", "null":
	default:
		if validIdentifier(k) {
			return hclwrite.TokensForIdentifier(k)
		}
	}
	return hclwrite.TokensForValue(cty.StringVal(k))
}
