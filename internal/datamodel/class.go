package datamodel

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Class is one entity class of the data model, e.g. Host, with its place in the class
// hierarchy and the properties its schema defines.
type Class struct {
	// Name is the class name used in _class.
	Name string
	// Description is the schema's description of the class.
	Description string
	// Abstract marks the bases GraphObject, Entity and RecordEntity: other classes extend
	// them, and entities should not use them as _class (J1D405). The package itself does
	// not mark them; j1hcl's specification does.
	Abstract bool

	parent      *Class
	parentName  string
	own         []*Property // sorted by name
	ownByName   map[string]*Property
	ownRequired []string
	// GraphObject's constraints on every property name and on tag.* properties.
	propertyNames *node
	patternProps  []patternProperty
}

type patternProperty struct {
	pattern *jsRegexp
	node    *node
}

// Property is a class's definition of one property.
type Property struct {
	// Name is the property name.
	Name string
	// Class is the class whose schema defines the property.
	Class string
	// Description is that class's description of the property.
	Description string
	// Types lists the JSON Schema types a value may have ("string", "number", "integer",
	// "boolean", "array", "object", "null"), merged over oneOf/anyOf alternatives; empty
	// when the schema does not restrict the type.
	Types []string
	// Format is the value's format ("email", "uri", "ip", …), or that of its list items;
	// "" for none.
	Format string
	// Pattern is the ECMAScript pattern the value (or each list item) must match; "" for
	// none.
	Pattern string
	// Enum lists the allowed values when the schema enumerates them (null may be allowed
	// too, see Types); nil otherwise.
	Enum []any
	// Deprecated marks a property the class keeps only for compatibility.
	Deprecated bool
	// Replacement is the property to use instead of a deprecated one, when the schema's
	// description names it ("Prefer property 'isActive'"); "" otherwise.
	Replacement string
	// Examples are the schema's example values, if any.
	Examples []any
	// Expect says in words what values are valid, e.g. "a list of unique email addresses,
	// or null".
	Expect string

	node *node
}

// Parent returns the class this one extends, or nil for GraphObject.
func (c *Class) Parent() *Class { return c.parent }

// Chain returns the class followed by its ancestors, ending with GraphObject: Host, Entity,
// GraphObject. Every class in the chain constrains the entity (allOf).
func (c *Class) Chain() []*Class {
	var out []*Class
	for x := c; x != nil; x = x.parent {
		out = append(out, x)
	}
	return out
}

// depth is the length of the class's chain: 1 for GraphObject.
func (c *Class) depth() int {
	d := 0
	for x := c; x != nil; x = x.parent {
		d++
	}
	return d
}

// Extends reports whether the class is name or has it as an ancestor.
func (c *Class) Extends(name string) bool {
	for x := c; x != nil; x = x.parent {
		if x.Name == name {
			return true
		}
	}
	return false
}

// OwnRequired returns the properties this class's schema itself requires, in schema order.
func (c *Class) OwnRequired() []string { return append([]string(nil), c.ownRequired...) }

// Required returns every property the class requires, its ancestors' included, most
// general class first (GraphObject's _key, _class, _type come first), without duplicates.
func (c *Class) Required() []string {
	chain := c.Chain()
	var out []string
	seen := map[string]bool{}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, r := range chain[i].ownRequired {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// OwnProperties returns the properties this class's schema itself defines, by name.
func (c *Class) OwnProperties() []*Property { return append([]*Property(nil), c.own...) }

// Property returns the most specific definition of a property in the class's chain, or nil
// when neither the class nor an ancestor defines it. Ancestors' constraints still apply to
// the value; this is the definition to quote.
func (c *Class) Property(name string) *Property {
	for x := c; x != nil; x = x.parent {
		if p := x.ownByName[name]; p != nil {
			return p
		}
	}
	return nil
}

// Definitions returns every definition of a property in the class's chain, the class's own
// first. All of them constrain the value: Finding allows a list for category, but its
// parent RecordEntity requires a string, so only a string is valid.
func (c *Class) Definitions(name string) []*Property {
	var out []*Property
	for x := c; x != nil; x = x.parent {
		if p := x.ownByName[name]; p != nil {
			out = append(out, p)
		}
	}
	return out
}

// Properties returns every property the class or an ancestor defines, each with its most
// specific definition, sorted by name.
func (c *Class) Properties() []*Property {
	var out []*Property
	seen := map[string]bool{}
	for x := c; x != nil; x = x.parent {
		for _, p := range x.own {
			if !seen[p.Name] {
				seen[p.Name] = true
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Keys a class schema may have at its top level, and in an allOf member that is not a
// $ref. Anything else is refused.
var (
	classKeywords = map[string]bool{
		"$schema": true, "$id": true, "description": true, "type": true, "allOf": true,
		"properties": true, "required": true, "propertyNames": true, "patternProperties": true,
	}
	allOfKeywords = map[string]bool{
		"properties": true, "required": true, "propertyNames": true, "patternProperties": true,
		"description": true,
	}
)

const draft07 = "http://json-schema.org/draft-07/schema#"

// compileClass compiles one class schema. The package writes every class as
// {allOf: [{$ref: parent}, {properties, required}]} (GraphObject has no parent and holds
// its keywords at the top level); that shape, in any mix of top level and allOf members,
// is what is accepted.
func (c *compiler) compileClass(name string, raw json.RawMessage) (*Class, error) {
	var m map[string]any
	if err := decodeJSON(raw, &m); err != nil {
		return nil, fmt.Errorf("class %s: %w", name, err)
	}
	cls := &Class{Name: name, ownByName: map[string]*Property{}}
	at := "#" + name
	if err := checkKeys(m, classKeywords, at); err != nil {
		return nil, err
	}
	if m["$schema"] != draft07 {
		return nil, fmt.Errorf("%s: $schema is %v, want %s", at, m["$schema"], draft07)
	}
	if m["$id"] != "#"+name {
		return nil, fmt.Errorf("%s: $id is %v, want #%s", at, m["$id"], name)
	}
	if t, ok := m["type"]; ok && t != "object" {
		return nil, fmt.Errorf("%s: type is %v, want object", at, t)
	}
	cls.Description, _ = m["description"].(string)

	parts := []map[string]any{m}
	if all, ok := m["allOf"]; ok {
		list, ok := all.([]any)
		if !ok {
			return nil, fmt.Errorf("%s/allOf: must be an array", at)
		}
		for i, item := range list {
			iat := fmt.Sprintf("%s/allOf/%d", at, i)
			im, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: must be an object", iat)
			}
			if ref, ok := im["$ref"]; ok {
				s, _ := ref.(string)
				if len(im) != 1 || !strings.HasPrefix(s, "#") {
					return nil, fmt.Errorf("%s: only {\"$ref\": \"#Class\"} is supported", iat)
				}
				if cls.parentName != "" {
					return nil, fmt.Errorf("%s: a second parent class (%s) is not supported", iat, s)
				}
				cls.parentName = s[1:]
				continue
			}
			if err := checkKeys(im, allOfKeywords, iat); err != nil {
				return nil, err
			}
			parts = append(parts, im)
		}
	}
	for i, part := range parts {
		pat := at
		if i > 0 {
			pat = fmt.Sprintf("%s/allOf[%d]", at, i)
		}
		if err := c.addClassPart(cls, part, pat); err != nil {
			return nil, err
		}
	}
	sort.Slice(cls.own, func(i, j int) bool { return cls.own[i].Name < cls.own[j].Name })
	return cls, nil
}

func (c *compiler) addClassPart(cls *Class, part map[string]any, at string) error {
	if props, ok := part["properties"]; ok {
		pm, ok := props.(map[string]any)
		if !ok {
			return fmt.Errorf("%s/properties: must be an object", at)
		}
		for _, pname := range slices.Sorted(maps.Keys(pm)) {
			if cls.ownByName[pname] != nil {
				return fmt.Errorf("%s/properties/%s: defined twice in the class", at, pname)
			}
			n, err := c.compileNode(pm[pname], at+"/properties/"+pname)
			if err != nil {
				return err
			}
			p := newProperty(cls.Name, pname, n)
			cls.own = append(cls.own, p)
			cls.ownByName[pname] = p
		}
	}
	if req, ok := part["required"]; ok {
		list, ok := req.([]any)
		if !ok {
			return fmt.Errorf("%s/required: must be an array of property names", at)
		}
		for _, r := range list {
			s, ok := r.(string)
			if !ok {
				return fmt.Errorf("%s/required: must be an array of property names", at)
			}
			if !slices.Contains(cls.ownRequired, s) {
				cls.ownRequired = append(cls.ownRequired, s)
			}
		}
	}
	if pn, ok := part["propertyNames"]; ok {
		if cls.propertyNames != nil {
			return fmt.Errorf("%s/propertyNames: given twice in the class", at)
		}
		n, err := c.compileNode(pn, at+"/propertyNames")
		if err != nil {
			return err
		}
		cls.propertyNames = n
	}
	if pp, ok := part["patternProperties"]; ok {
		pm, ok := pp.(map[string]any)
		if !ok {
			return fmt.Errorf("%s/patternProperties: must be an object", at)
		}
		for _, src := range slices.Sorted(maps.Keys(pm)) {
			re, err := c.regexp(src)
			if err != nil {
				return fmt.Errorf("%s/patternProperties: %w", at, err)
			}
			n, err := c.compileNode(pm[src], at+"/patternProperties/"+src)
			if err != nil {
				return err
			}
			cls.patternProps = append(cls.patternProps, patternProperty{pattern: re, node: n})
		}
	}
	return nil
}

// replacementRe finds the property a deprecated property's description points to:
// "Prefer property 'isActive'", "Use 'remediationActions' field instead".
var replacementRe = regexp.MustCompile(`(?i)\b(?:prefer|use)\s+(?:property\s+)?'([A-Za-z0-9_.]+)'`)

func newProperty(class, name string, n *node) *Property {
	p := &Property{
		Name:        name,
		Class:       class,
		Description: n.description,
		Deprecated:  n.deprecated,
		Examples:    n.examples,
		Expect:      n.expect,
		node:        n,
	}
	var types typeSet
	var walk func(n *node, top bool)
	walk = func(n *node, top bool) {
		if top {
			types |= n.types
			if p.Enum == nil && n.enum != nil {
				p.Enum = n.enum
			}
		}
		if p.Format == "" && n.format != nil {
			p.Format = n.format.name
		}
		if p.Pattern == "" && n.pattern != nil {
			p.Pattern = n.pattern.source
		}
		if n.items != nil {
			walk(n.items, false)
		}
		for _, a := range append(append([]*node(nil), n.oneOf...), n.anyOf...) {
			walk(a, top)
		}
	}
	walk(n, true)
	p.Types = types.names()
	if p.Deprecated {
		if m := replacementRe.FindStringSubmatch(p.Description); m != nil {
			p.Replacement = m[1]
		}
	}
	return p
}

func checkKeys(m map[string]any, allowed map[string]bool, at string) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !allowed[k] {
			return fmt.Errorf("%s: keyword %q is not supported by j1hcl's evaluator", at, k)
		}
	}
	return nil
}
