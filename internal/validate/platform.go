package validate

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/suggest"
)

// Platform limits, as JupiterOne enforces them.
const (
	MaxStringLength = 4096
	MaxKeyLength    = 7000
)

// The underscore names the platform accepts on each kind besides ordinary properties
// (J1P003); it requires every one of them (J1P001).
var (
	entityReserved       = []string{model.PropKey, model.PropType, model.PropClass}
	relationshipReserved = []string{model.PropKey, model.PropType, model.PropClass, model.PropFromKey, model.PropToKey}
	mappedReserved       = []string{model.PropKey, model.PropType, model.PropClass, model.PropMapping}
)

// entityRequired are the fields J1P001 requires of every entity: its reserved names, name
// and displayName. J1D401 and J1D402 leave them to J1P001.
var entityRequired = append(slices.Clip(entityReserved), model.PropName, model.PropDisplayName)

func reservedFor(k model.Kind) []string {
	switch k {
	case model.KindRelationship:
		return relationshipReserved
	case model.KindMappedRelationship:
		return mappedReserved
	}
	return entityReserved
}

// reservedList names a kind's reserved names for a message: "_key, _type and _class".
func reservedList(k model.Kind) string {
	names := reservedFor(k)
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// platformObject runs J1P001–J1P005.
func (c *checker) platformObject(o *model.Object) {
	c.load(o)
	c.requiredFields(o)
	reserved := reservedFor(o.Kind)
	for _, p := range c.props {
		name, v := p.name, p.value
		if strings.HasPrefix(name, "_") && !slices.Contains(reserved, name) {
			c.report("J1P003", o, name, "Reserved property name",
				fmt.Sprintf("%s: property %q (value %s) starts with \"_\", which JupiterOne reserves for %s. Rename it, e.g. to %q.",
					describe(o), name, shown(o, name, v), reservedList(o.Kind), strings.TrimLeft(name, "_")))
			continue
		}
		if name == model.PropMapping && o.Kind == model.KindMappedRelationship {
			c.mappingNumbers(o, v)
			continue // its shape is checked by J1P009
		}
		if name == model.PropClass {
			continue // checked by J1P001 (string or list of strings)
		}
		if c.valueShape(o, name, v) {
			c.stringLengths(o, name, v)
		}
	}
	c.keyShape(o, model.PropKey, c.reserved[rankKey])
	if o.Kind == model.KindRelationship {
		c.keyShape(o, model.PropFromKey, c.reserved[rankFromKey])
		c.keyShape(o, model.PropToKey, c.reserved[rankToKey])
	}
}

// endpointOutside reports whether a relationship of the configuration (not an upload checked
// by PlatformObject, where every property was written) left its _type to the default while
// an endpoint is a key that matches no entity of the configuration.
func (c *checker) endpointOutside(o *model.Object) bool {
	if o.Kind != model.KindRelationship || c.opts.Written == nil || c.opts.Written(o, model.PropType) {
		return false
	}
	return c.ends[0] == nil || c.ends[1] == nil
}

// requiredFields is J1P001.
func (c *checker) requiredFields(o *model.Object) {
	required := reservedFor(o.Kind)
	if o.Kind == model.KindEntity {
		required = entityRequired
	}
	for _, name := range required {
		v := c.reserved[model.LeadingRank(name)]
		switch {
		case v == nil && name == model.PropType && c.endpointOutside(o):
			// The default _type comes from the endpoints' types, and an endpoint is a key
			// that matches no entity of the configuration. In DIFF mode that endpoint is the
			// problem (J1P008, reported at it); in PATCH mode it is allowed, so ask for _type.
			if c.opts.Mode == "PATCH" {
				c.report("J1P001", o, name, "Missing required field",
					fmt.Sprintf("%s has no _type, and none can be derived: an endpoint is a key that matches no entity of this configuration, so its type is unknown. Set _type explicitly, e.g. _type = \"<from type>_<verb>_<to type>\".", describe(o)))
			}
		case v == nil:
			c.report("J1P001", o, name, "Missing required field",
				fmt.Sprintf("%s has no %s. JupiterOne rejects %s without it: set %s.", describe(o), name, plural(o.Kind), name))
		case name == model.PropClass:
			if !isClassValue(v) {
				c.report("J1P001", o, name, "Invalid _class",
					fmt.Sprintf("%s: _class is %s, but it must be a non-empty string or a non-empty list of strings naming data-model classes (e.g. \"Application\").", describe(o), quote(v)))
			}
		case name == model.PropMapping:
			if _, ok := v.(map[string]any); !ok {
				c.report("J1P001", o, name, "Invalid _mapping",
					fmt.Sprintf("%s: _mapping is %s, but it must be an object with sourceEntityKey and targetEntity. Declare the relationship with a mapped_relationship block, which builds it.", describe(o), quote(v)))
			}
		default:
			if s, ok := v.(string); !ok {
				c.report("J1P001", o, name, "Required field is not a string",
					fmt.Sprintf("%s: %s is the %s %s, but JupiterOne requires a string. Convert it, e.g. with tostring().", describe(o), name, model.TypeName(v), shown(o, name, v)))
			} else if s == "" && name != model.PropKey && name != model.PropFromKey && name != model.PropToKey {
				c.report("J1P001", o, name, "Required field is empty",
					fmt.Sprintf("%s: %s is an empty string, and JupiterOne requires a value. Set %s to a non-empty string.", describe(o), name, name))
			}
		}
	}
	if o.Kind == model.KindMappedRelationship {
		m, _ := c.reserved[rankMapping].(map[string]any)
		if m == nil {
			return
		}
		if s, _ := m[model.MappingSourceEntityKey].(string); s == "" {
			c.report("J1P001", o, model.PropMapping, "Mapped relationship has no source",
				fmt.Sprintf("%s: _mapping.sourceEntityKey is missing or empty. Set the block's from argument to the entity this relationship starts at.", describe(o)))
		}
		if _, ok := m[model.MappingTargetEntity].(map[string]any); !ok {
			c.report("J1P001", o, model.PropMapping, "Mapped relationship has no target",
				fmt.Sprintf("%s: _mapping.targetEntity is missing or not an object. Set the block's target argument to the properties that identify the target entity, e.g. { _type = \"aws_iam_role\", _key = \"arn:…\" }.", describe(o)))
		}
	}
}

func plural(k model.Kind) string {
	if k == model.KindEntity {
		return "entities"
	}
	return "relationships"
}

func isClassValue(v any) bool {
	switch x := v.(type) {
	case string:
		return x != ""
	case []any:
		if len(x) == 0 {
			return false
		}
		for _, e := range x {
			if s, ok := e.(string); !ok || s == "" {
				return false
			}
		}
		return true
	}
	return false
}

// valueShape is J1P002. It reports whether the value is well-formed (so later rules may look
// inside it).
func (c *checker) valueShape(o *model.Object, name string, v any) bool {
	switch x := v.(type) {
	case nil, string, bool:
		return true
	case json.Number:
		return c.finite(o, name, x)
	case []any:
		if o.Kind != model.KindEntity {
			c.report("J1P002", o, name, "List property on a relationship",
				fmt.Sprintf("%s: property %q is the list %s, but relationship properties must be strings, numbers or booleans. Join it into a string (join(\",\", LIST)) or move it to an entity.", describe(o), name, shown(o, name, v)))
			return false
		}
		var first string
		for i, e := range x {
			if e == nil {
				c.report("J1P002", o, name, "List contains null",
					fmt.Sprintf("%s: property %q has null at index %d (%s). JupiterOne rejects lists containing null: drop the element (compact() removes nulls).", describe(o), name, i, shown(o, name, v)))
				return false
			}
			if !model.IsScalar(e) {
				c.report("J1P002", o, name, "Nested value in list",
					fmt.Sprintf("%s: property %q holds %s %s at index %d. Property lists may only hold strings, numbers or booleans: flatten it into separate properties.", describe(o), name, article(model.TypeName(e)), model.TypeName(e), i))
				return false
			}
			if n, ok := e.(json.Number); ok && !c.finite(o, name, n) {
				return false
			}
			t := model.TypeName(e)
			if first == "" {
				first = t
			} else if t != first {
				c.report("J1P002", o, name, "Mixed-type list",
					fmt.Sprintf("%s: property %q mixes %s and %s values (%s). JupiterOne rejects mixed-type lists: convert every element to one type, e.g. [for v in LIST : tostring(v)].", describe(o), name, first, t, shown(o, name, v)))
				return false
			}
		}
		return true
	case map[string]any:
		c.report("J1P002", o, name, "Nested object property",
			fmt.Sprintf("%s: property %q is an object (%s), but JupiterOne accepts only strings, numbers, booleans and lists of one of those. Flatten it, e.g. %sName instead of %s.name.", describe(o), name, shown(o, name, v), name, name))
		return false
	}
	c.report("J1P002", o, name, "Unsupported property value",
		fmt.Sprintf("%s: property %q holds %s %s, which JupiterOne cannot store. Use a string, number, boolean or a list of one of those.", describe(o), name, article(model.TypeName(v)), model.TypeName(v)))
	return false
}

// finite is J1P002 for numbers: arithmetic can reach infinity (1/0, log(0, 10)), which JSON
// cannot carry and JupiterOne cannot store. It reports whether n is finite.
func (c *checker) finite(o *model.Object, name string, n json.Number) bool {
	if model.IsFinite(n) {
		return true
	}
	value := string(n)
	if o.IsSensitive(name) {
		value = sensitiveValue
	}
	c.report("J1P002", o, name, "Number is not finite",
		fmt.Sprintf("%s: property %q evaluates to %s, an infinite number (a division by zero or the logarithm of zero gives one). JSON and JupiterOne have no infinity: fix the expression, e.g. guard the divisor with a conditional (x == 0 ? 0 : y / x).", describe(o), name, value))
	return false
}

// mappingNumbers is J1P002 inside _mapping, whose shape J1P009 checks: its target values
// must be finite numbers too.
func (c *checker) mappingNumbers(o *model.Object, v any) {
	m, _ := v.(map[string]any)
	target, _ := m[model.MappingTargetEntity].(map[string]any)
	for _, k := range model.OrderedNames(model.MappingTargetEntity, target) {
		switch x := target[k].(type) {
		case json.Number:
			if !c.finite(o, model.PropMapping, x) {
				return
			}
		case []any:
			for _, e := range x {
				if n, ok := e.(json.Number); ok && !c.finite(o, model.PropMapping, n) {
					return
				}
			}
		}
	}
}

// stringLengths is J1P004.
func (c *checker) stringLengths(o *model.Object, name string, v any) {
	check := func(s string) bool {
		if len(s) <= MaxStringLength { // fast path: bytes >= runes
			return true
		}
		n := utf8.RuneCountInString(s)
		if n <= MaxStringLength {
			return true
		}
		c.report("J1P004", o, name, "String too long",
			fmt.Sprintf("%s: property %q holds a string of %d characters (%s), but JupiterOne accepts at most %d. Shorten it, e.g. substr(x, 0, %d).", describe(o), name, n, shown(o, name, s), MaxStringLength, MaxStringLength))
		return false
	}
	switch x := v.(type) {
	case string:
		if name != model.PropKey { // _key has its own limit (J1P005)
			check(x)
		}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && !check(s) {
				return
			}
		}
	}
}

// keyShape is J1P005, for _key and the endpoint keys of direct relationships.
func (c *checker) keyShape(o *model.Object, name string, v any) {
	s, ok := v.(string)
	if !ok {
		return // missing or wrong type: J1P001
	}
	if problem := KeyProblem(s); problem != "" {
		c.report("J1P005", o, name, "Invalid key",
			fmt.Sprintf("%s: %s %s %s. Build keys from values that are always present (guard optional parts with coalesce() or try()).", describe(o), name, quote(s), problem))
	}
}

// KeyProblem says what is wrong with a _key, or "" when it is acceptable to the platform.
func KeyProblem(k string) string {
	switch {
	case k == "":
		return "is empty"
	case len(k) > MaxKeyLength && utf8.RuneCountInString(k) > MaxKeyLength:
		return fmt.Sprintf("is %d characters long (at most %d)", utf8.RuneCountInString(k), MaxKeyLength)
	case strings.Contains(k, "<nil>"):
		return `contains "<nil>", the trace of a missing value`
	}
	if !strings.Contains(k, "undefined") && !strings.Contains(k, "null") {
		return "" // the common case, without splitting the key
	}
	for rest := k; ; {
		part, tail, more := cutAny(rest, ":|")
		if part == "undefined" || part == "null" {
			return fmt.Sprintf("contains %q as a part, the trace of a missing value", part)
		}
		if !more {
			return ""
		}
		rest = tail
	}
}

// cutAny slices s around the first byte that is one of seps.
func cutAny(s, seps string) (before, after string, found bool) {
	if i := strings.IndexAny(s, seps); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// duplicateKey is J1P006: o holds the _key that first already holds.
func (c *checker) duplicateKey(o, first *model.Object) {
	f := c.report("J1P006", o, model.PropKey, "Duplicate _key",
		fmt.Sprintf("%s has _key %s, which %s already uses. Every entity and relationship needs its own _key: change one of them.", describe(o), quote(o.Key()), describe(first)))
	if f != nil {
		f.Related = first
	}
}

// classRule is J1P007.
func (c *checker) classRule(o *model.Object) {
	cat := c.opts.Classes
	if cat == nil {
		return
	}
	switch o.Kind {
	case model.KindEntity:
		for _, cls := range c.classes {
			if !cat.IsEntityClass(cls) {
				c.report("J1P007", o, model.PropClass, "Unknown entity class",
					fmt.Sprintf("%s: _class %q is not an entity class of the JupiterOne data model, which rejects it.%s Use the closest class the data model defines; the README links the class list.",
						describe(o), cls, suggest.Hint(closestName(cls, cat.EntityClasses(), classSynonyms))))
			}
		}
	default:
		cls := c.reservedString(rankClass)
		if cls == "" || cat.IsRelationshipClass(cls) {
			return
		}
		hint := suggest.Hint(closestName(cls, cat.RelationshipClasses(), nil))
		if s, ok := verbSynonyms[foldName(cls)]; ok && cat.IsRelationshipClass(s.verb) {
			hint = suggest.Hint(s.verb)
			if s.reversed {
				hint = fmt.Sprintf(" Did you mean %q, with from and to swapped? The data model reads relationships from the owner or container to the thing it has: the group HAS the user, not the user BELONGS_TO the group.", s.verb)
			}
		}
		c.report("J1P007", o, model.PropClass, "Unknown relationship class",
			fmt.Sprintf("%s: _class %q is not a relationship class of the JupiterOne data model, which rejects it.%s Use one of its verbs (HAS, OWNS, USES, CONTAINS, …).", describe(o), cls, hint))
	}
}

// endpointRule is J1P008.
func (c *checker) endpointRule(o *model.Object) {
	if o.Kind != model.KindRelationship {
		return
	}
	if c.opts.Mode == "PATCH" {
		return // PATCH may point at entities the graph already holds
	}
	for i, end := range []string{model.PropFromKey, model.PropToKey} {
		k := c.reservedString(rankFromKey + i)
		if k == "" || c.ends[i] != nil {
			continue
		}
		c.report("J1P008", o, end, "Relationship endpoint not in the configuration",
			fmt.Sprintf("%s: %s %s is not the _key of any entity in this configuration. A DIFF job deletes every entity it does not upload, so this relationship would have no endpoint. Reference an entity (entity.RESOURCE.NAME), or use a mapped_relationship for entities owned by other integrations.", describe(o), end, shown(o, end, k)))
	}
}

// mappingRule is J1P009.
func (c *checker) mappingRule(o *model.Object) {
	if o.Kind != model.KindMappedRelationship {
		return
	}
	m, _ := c.reserved[rankMapping].(map[string]any)
	if m == nil {
		return
	}
	bad := func(summary, detail string) {
		c.report("J1P009", o, model.PropMapping, summary, describe(o)+": "+detail)
	}
	switch d := m[model.MappingRelationshipDirection].(type) {
	case string:
		if d != model.DirectionForward && d != model.DirectionReverse {
			bad("Invalid mapping direction", fmt.Sprintf("direction is %q, but it must be \"FORWARD\" (from the source to the target) or \"REVERSE\".%s", d, suggest.Hint(closestName(d, []string{model.DirectionForward, model.DirectionReverse}, nil))))
		}
	case nil:
	default:
		bad("Invalid mapping direction", fmt.Sprintf("direction is %s, but it must be the string \"FORWARD\" (from the source to the target) or \"REVERSE\".", quote(d)))
	}
	target, _ := m[model.MappingTargetEntity].(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(target)) {
		v := target[k]
		if v == nil || model.IsScalar(v) {
			continue
		}
		if list, ok := v.([]any); ok && allScalars(list) {
			continue
		}
		bad("Invalid mapping target value", fmt.Sprintf("target.%s is %s, but target values must be strings, numbers, booleans or lists of those.", k, quote(v)))
	}
	filters, ok := m[model.MappingTargetFilterKeys].([]any)
	if !ok || len(filters) == 0 {
		bad("Empty target filter keys", fmt.Sprintf("target_filter_keys is %s, but JupiterOne needs at least one set of keys to find the target, e.g. [[\"_type\", \"_key\"]].", quote(m[model.MappingTargetFilterKeys])))
	}
	for _, f := range filters {
		set, ok := f.([]any)
		if !ok || len(set) == 0 {
			bad("Invalid target filter keys", fmt.Sprintf("target_filter_keys holds %s, but each element must be a non-empty list of property names, e.g. [\"_type\", \"_key\"].", quote(f)))
			continue
		}
		for _, k := range set {
			name, _ := k.(string)
			if _, present := target[name]; !present || name == "" {
				bad("Filter key missing from target", fmt.Sprintf("filter key %s is not set in target, so JupiterOne cannot match on it. Add it to target or remove it from target_filter_keys.", quote(k)))
			}
		}
	}
	if cls, ok := target[model.PropClass]; ok && c.opts.Classes != nil {
		names := []any{cls}
		if list, isList := cls.([]any); isList {
			names = list
		}
		for _, n := range names {
			s, _ := n.(string)
			if !c.opts.Classes.IsEntityClass(s) {
				bad("Unknown target class", fmt.Sprintf("target._class %s is not an entity class of the JupiterOne data model, so no entity can match it.%s", quote(n), suggest.Hint(closestName(s, c.opts.Classes.EntityClasses(), classSynonyms))))
			}
		}
	}
}

func allScalars(list []any) bool {
	for _, e := range list {
		if !model.IsScalar(e) {
			return false
		}
	}
	return true
}

// IsTimestampName reports whether a property name follows the {action}On convention
// (createdOn, lastSeenOn): it ends in "On" after a lower-case letter or digit.
func IsTimestampName(name string) bool {
	n := len(name)
	if n < 3 || !strings.HasSuffix(name, "On") {
		return false
	}
	p := name[n-3]
	return (p >= 'a' && p <= 'z') || (p >= '0' && p <= '9')
}

// timestampRule is J1P010.
func (c *checker) timestampRule(o *model.Object) {
	for _, p := range c.props {
		name, v := p.name, p.value
		if v == nil || !IsTimestampName(name) {
			continue
		}
		if _, ok := v.(json.Number); ok {
			continue
		}
		hint := "Convert it to epoch milliseconds with epochms(), e.g. epochms(\"2024-11-01T00:00:00Z\")."
		if _, isString := v.(string); !isString {
			hint = "Set it to a number of epoch milliseconds, or rename the property if it is not a time."
		}
		c.report("J1P010", o, name, "Timestamp is not a number",
			fmt.Sprintf("%s: property %q is the %s %s, but JupiterOne reads *On properties as epoch milliseconds. %s%s", describe(o), name, model.TypeName(v), shown(o, name, v), hint, c.classSays(o, name)))
	}
}
