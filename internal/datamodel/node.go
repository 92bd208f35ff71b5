package datamodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// node is one compiled JSON Schema (draft-07) subschema below the class level: the schema of
// a property, of list items, or of one alternative of oneOf/anyOf. Only the keywords the
// package uses are understood; compileNode refuses every other one.
type node struct {
	types       typeSet // 0: any type
	enum        []any   // nil: no enum
	constVal    any
	hasConst    bool
	format      *format
	pattern     *jsRegexp
	minLength   int // -1: none
	minItems    int // -1: none
	minimum     float64
	maximum     float64
	hasMinimum  bool
	hasMaximum  bool
	items       *node
	uniqueItems bool
	oneOf       []*node
	anyOf       []*node

	// Annotations.
	description string
	deprecated  bool
	examples    []any

	expect string // what a valid value is, for messages ("a list of unique strings, or null")
}

// typeSet is a set of JSON Schema type names.
type typeSet uint8

const (
	typeNull typeSet = 1 << iota
	typeBoolean
	typeObject
	typeArray
	typeNumber
	typeInteger
	typeString
)

var typeNames = [...]struct {
	t    typeSet
	name string
	noun string
}{
	{typeString, "string", "a string"},
	{typeNumber, "number", "a number"},
	{typeInteger, "integer", "an integer"},
	{typeBoolean, "boolean", "a boolean"},
	{typeArray, "array", "a list"},
	{typeObject, "object", "an object"},
	{typeNull, "null", "null"},
}

func parseType(name string) (typeSet, bool) {
	for _, tn := range typeNames {
		if tn.name == name {
			return tn.t, true
		}
	}
	return 0, false
}

// names lists the set's JSON Schema type names in a fixed order.
func (t typeSet) names() []string {
	var out []string
	for _, tn := range typeNames {
		if t&tn.t != 0 {
			out = append(out, tn.name)
		}
	}
	return out
}

// typeOf returns the JSON Schema type of a JSON-shaped value; integers are numbers whose
// value is whole, and have both bits set. Values that are not JSON-shaped have none.
func typeOf(v any) typeSet {
	switch x := v.(type) {
	case nil:
		return typeNull
	case bool:
		return typeBoolean
	case string:
		return typeString
	case json.Number:
		// Like JavaScript, read the number as a float64; a magnitude beyond its range is
		// Infinity, which Ajv counts as an integer.
		f, err := x.Float64()
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0
		}
		if f == math.Trunc(f) {
			return typeNumber | typeInteger
		}
		return typeNumber
	case []any:
		return typeArray
	case map[string]any:
		return typeObject
	}
	return 0
}

// accepts reports whether a value of type vt satisfies the "type" keyword set t.
func (t typeSet) accepts(vt typeSet) bool { return t == 0 || t&vt != 0 }

// Keywords every compiled subschema may carry. Annotations are understood and kept or
// ignored; anything else is refused so that a new data-model version cannot silently
// weaken validation.
var nodeKeywords = map[string]bool{
	"type": true, "enum": true, "const": true, "format": true, "pattern": true,
	"minLength": true, "minItems": true, "minimum": true, "maximum": true,
	"items": true, "uniqueItems": true, "oneOf": true, "anyOf": true,
	"description": true, "deprecated": true, "examples": true, "default": true,
	"title": true, "$comment": true,
}

// compiler turns decoded schema JSON into nodes.
type compiler struct {
	formats     formatSet
	regexps     map[string]*jsRegexp // compiled once per source
	formatsUsed map[string]bool
}

func (c *compiler) regexp(src string) (*jsRegexp, error) {
	if r, ok := c.regexps[src]; ok {
		return r, nil
	}
	// Ajv compiles "pattern" with the u flag.
	r, err := compileJS(src, "u")
	if err != nil {
		return nil, err
	}
	c.regexps[src] = r
	return r, nil
}

func (c *compiler) compileNode(raw any, at string) (*node, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: schema must be an object, not %s", at, jsonType(raw))
	}
	n := &node{minLength: -1, minItems: -1}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !nodeKeywords[k] {
			return nil, fmt.Errorf("%s: keyword %q is not supported by j1hcl's evaluator", at, k)
		}
		v := m[k]
		kat := at + "/" + k
		var err error
		switch k {
		case "type":
			n.types, err = parseTypes(v, kat)
		case "enum":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				err = fmt.Errorf("%s: must be a non-empty array", kat)
			}
			n.enum = list
		case "const":
			n.constVal, n.hasConst = v, true
		case "format":
			name, _ := v.(string)
			if n.format = c.formats[name]; n.format == nil {
				err = fmt.Errorf("%s: format %q is not supported by j1hcl's evaluator", kat, v)
			}
			c.formatsUsed[name] = true
		case "pattern":
			src, ok := v.(string)
			if !ok {
				err = fmt.Errorf("%s: must be a string", kat)
			} else {
				n.pattern, err = c.regexp(src)
			}
		case "minLength":
			n.minLength, err = nonNegativeInt(v, kat)
		case "minItems":
			n.minItems, err = nonNegativeInt(v, kat)
		case "minimum":
			n.minimum, err = number(v, kat)
			n.hasMinimum = true
		case "maximum":
			n.maximum, err = number(v, kat)
			n.hasMaximum = true
		case "items":
			// Draft-07 also allows an array of schemas (tuple validation); the package does
			// not use it, so it is refused by compileNode.
			n.items, err = c.compileNode(v, kat)
		case "uniqueItems":
			b, ok := v.(bool)
			if !ok {
				err = fmt.Errorf("%s: must be a boolean", kat)
			}
			n.uniqueItems = b
		case "oneOf":
			n.oneOf, err = c.compileList(v, kat)
		case "anyOf":
			n.anyOf, err = c.compileList(v, kat)
		case "description":
			n.description, _ = v.(string)
		case "deprecated":
			b, ok := v.(bool)
			if !ok {
				err = fmt.Errorf("%s: must be a boolean", kat)
			}
			n.deprecated = b
		case "examples":
			n.examples, _ = v.([]any)
		}
		if err != nil {
			return nil, err
		}
	}
	n.expect = describe(n)
	return n, nil
}

func (c *compiler) compileList(v any, at string) ([]*node, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("%s: must be a non-empty array of schemas", at)
	}
	out := make([]*node, len(list))
	for i, s := range list {
		n, err := c.compileNode(s, fmt.Sprintf("%s/%d", at, i))
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func parseTypes(v any, at string) (typeSet, error) {
	var names []any
	switch x := v.(type) {
	case string:
		names = []any{x}
	case []any:
		names = x
	}
	if len(names) == 0 {
		return 0, fmt.Errorf("%s: must be a type name or a non-empty list of them", at)
	}
	var t typeSet
	for _, nv := range names {
		name, _ := nv.(string)
		bit, ok := parseType(name)
		if !ok {
			return 0, fmt.Errorf("%s: unknown type %v", at, nv)
		}
		t |= bit
	}
	return t, nil
}

func number(v any, at string) (float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%s: must be a number", at)
	}
	f, err := n.Float64()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", at, err)
	}
	return f, nil
}

func nonNegativeInt(v any, at string) (int, error) {
	f, err := number(v, at)
	if err != nil || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, fmt.Errorf("%s: must be a non-negative integer", at)
	}
	return int(f), nil
}

// jsonType names a decoded JSON value's type for compile errors.
func jsonType(v any) string {
	names := typeOf(v).names()
	if len(names) == 0 {
		return fmt.Sprintf("%T", v)
	}
	return strings.Join(names, "/")
}
