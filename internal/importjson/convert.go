// Package importjson turns a Sync API upload payload into idiomatic j1hcl configuration files.
package importjson

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/lang"
)

// Options tune a conversion.
type Options struct {
	// Source names the payload in the generated header comment, e.g. "payload.json".
	Source string
	// IntegrationType overrides the integration type derived from the entities' _type values.
	IntegrationType string
	// InstanceID, when set, becomes the default of the instance_id variable; Scope, when set,
	// targets that api scope instead of an integration instance (import-remote knows the
	// target it read).
	InstanceID, Scope string
}

// File is one generated configuration file.
type File struct {
	// Name is the file's base name, e.g. "main.hcl".
	Name    string
	Content []byte
}

// Note is a way in which j1hcl's upload of the generated configuration differs from the
// payload: something HCL or j1hcl normalizes, such as a missing displayName it fills in.
type Note struct {
	// Message says what changes and why.
	Message string
	// Elements are the payload objects it concerns, e.g. `entities[3] (_key "x")`.
	Elements []string
}

// Result is a converted payload.
type Result struct {
	// Files are the configuration files, main.hcl first.
	Files []File
	// IntegrationType is the integration block's type.
	IntegrationType string
	// KeyPrefix is the integration block's key_prefix, "" when the type serves (the default).
	KeyPrefix string
	// Counts of the generated blocks.
	Entities, Relationships, MappedRelationships int
	// Notes list every difference between the payload and what j1hcl export of Files
	// produces. Without notes, export reproduces the payload exactly.
	Notes []Note
	// Warnings list what j1hcl validate will reject although it is written faithfully, such as
	// a direct relationship to an entity outside the payload.
	Warnings []Note

	// expected is the graph j1hcl evaluates Files to: the payload with Notes applied.
	expected *model.Graph
}

// Summary counts the generated blocks in words: "2 entities, 1 relationship and 1 mapped
// relationship", leaving out kinds with none.
func (r *Result) Summary() string {
	var counts []string
	for _, c := range []struct {
		n         int
		one, many string
	}{
		{r.Entities, "entity", "entities"},
		{r.Relationships, "relationship", "relationships"},
		{r.MappedRelationships, "mapped relationship", "mapped relationships"},
	} {
		switch {
		case c.n == 1:
			counts = append(counts, "1 "+c.one)
		case c.n > 1:
			counts = append(counts, strconv.Itoa(c.n)+" "+c.many)
		}
	}
	if len(counts) <= 1 {
		return strings.Join(counts, "")
	}
	return strings.Join(counts[:len(counts)-1], ", ") + " and " + counts[len(counts)-1]
}

// Convert turns an upload payload into configuration files. Invalid input is an error naming
// the element (entities[3], with its _key) and what is wrong with it.
func Convert(data []byte, opts Options) (*Result, error) {
	p, err := decodePayload(data)
	if err != nil {
		return nil, err
	}
	if len(p.entities) == 0 && len(p.relationships) == 0 {
		return nil, fmt.Errorf("the payload holds no entities and no relationships: nothing to import")
	}
	c := &converter{opts: opts}
	if err := c.check(p); err != nil {
		return nil, err
	}
	if err := c.deriveIntegration(); err != nil {
		return nil, err
	}
	c.assignLabels()
	c.linkRelationships()
	return c.result(), nil
}

// object is one payload element, checked, with everything generation needs.
type object struct {
	*element
	kind model.Kind
	// want is what j1hcl will upload for this object: strings in Unicode NFC, numbers
	// canonical, nulls left out, defaults filled in.
	want     model.Properties
	key, typ string

	// Entities: the block labels, and whether _key and _type are the defaults.
	resource, name   string
	omitKey, omitTyp bool

	// Relationships and mapped relationships.
	class    string
	label    string
	from, to *object // endpoints that are entities of the payload; nil for other keys
	mapping  *mapping
}

// address is the object's configuration address.
func (o *object) address() string {
	if o.kind == model.KindEntity {
		return "entity." + o.resource + "." + o.name
	}
	return o.kind.String() + "." + o.label
}

// mapping is a mapped relationship's _mapping, checked.
type mapping struct {
	source     string
	direction  string // upper-case, as uploaded
	filterKeys []any  // as written; nil when absent
	target     map[string]any
	targetWant map[string]any
	skip       bool
}

type converter struct {
	opts                    Options
	entities, relationships []*object
	byKey                   map[string]*object // entities by _key
	integrationType         string
	keyPrefix               string
	notes, warnings         notes
}

// Messages of the notes, one per kind of normalization.
const (
	noteNull         = "null properties are left out: j1hcl omits null attributes, and the Sync API treats a null property as absent"
	noteNFC          = "strings are changed to Unicode normalization form C: HCL normalizes every string it reads"
	noteDisplayName  = "no displayName: j1hcl uploads displayName = name, which the guide requires anyway"
	noteClassCase    = "the relationship _class is not upper-case: j1hcl uploads relationship classes upper-case"
	noteDirection    = "_mapping.relationshipDirection is missing or not upper-case: j1hcl uploads FORWARD or REVERSE, FORWARD by default"
	noteFilterKeys   = "_mapping.targetFilterKeys is missing: j1hcl uploads the default [[\"_type\", \"_key\"]]"
	noteSkipCreation = "_mapping.skipTargetCreation is missing: j1hcl uploads the default true"
)

// warnOutsideEndpoint is the warning for direct relationships to keys outside the payload.
const warnOutsideEndpoint = "a direct relationship endpoint is not an entity of the payload, so it is written as a key string, which j1hcl validate rejects in DIFF mode (J1P008): add the entity, or make it a mapped_relationship"

// notes collects notes by message, in the order messages first occur.
type notes struct {
	byMessage map[string]*Note
	order     []string
}

// add records that message concerns o; an object is named once per message.
func (ns *notes) add(o *object, message string) {
	n, ok := ns.byMessage[message]
	if !ok {
		if ns.byMessage == nil {
			ns.byMessage = map[string]*Note{}
		}
		n = &Note{Message: message}
		ns.byMessage[message] = n
		ns.order = append(ns.order, message)
	}
	// An object's calls come together, so comparing with the last one is enough.
	if len(n.Elements) == 0 || n.Elements[len(n.Elements)-1] != o.where() {
		n.Elements = append(n.Elements, o.where())
	}
}

func (ns *notes) list() []Note {
	out := make([]Note, 0, len(ns.order))
	for _, msg := range ns.order {
		out = append(out, *ns.byMessage[msg])
	}
	return out
}

func (c *converter) note(o *object, message string) { c.notes.add(o, message) }

// metaArguments are, per kind, the names j1hcl reads as meta-arguments rather than
// properties: a payload property of that name cannot be written in a block.
var metaArguments = map[model.Kind][]string{
	model.KindEntity:             {"for_each", "properties"},
	model.KindRelationship:       {"for_each", "properties", "from", "to"},
	model.KindMappedRelationship: {"for_each", "properties", "from", "direction", "target", "target_filter_keys", "skip_target_creation"},
}

// check validates every element and computes what j1hcl will upload for it.
func (c *converter) check(p *payload) error {
	c.byKey = make(map[string]*object, len(p.entities))
	for _, e := range p.entities {
		o, err := c.object(e, model.KindEntity)
		if err != nil {
			return err
		}
		if prev, dup := c.byKey[o.key]; dup {
			return o.errorf("duplicate _key: %s has the same one", prev.where())
		}
		c.byKey[o.key] = o
		c.entities = append(c.entities, o)
	}
	relKeys := make(map[string]*object, len(p.relationships))
	for _, e := range p.relationships {
		kind := model.KindRelationship
		if m, ok := e.props[model.PropMapping]; ok && m != nil {
			kind = model.KindMappedRelationship
		}
		o, err := c.object(e, kind)
		if err != nil {
			return err
		}
		if prev, dup := relKeys[o.key]; dup {
			return o.errorf("duplicate _key: %s has the same one", prev.where())
		}
		relKeys[o.key] = o
		c.relationships = append(c.relationships, o)
	}
	return nil
}

func (c *converter) object(e *element, kind model.Kind) (*object, error) {
	o := &object{element: e, kind: kind, want: make(model.Properties, len(e.props)+1)}
	meta := metaArguments[kind]
	for _, name := range e.order {
		v := e.props[name]
		if v == nil {
			c.note(o, noteNull)
			continue
		}
		if kind == model.KindMappedRelationship && name == model.PropMapping {
			continue
		}
		if !norm.NFC.IsNormalString(name) {
			return nil, o.errorf("property name %q is not in Unicode normalization form C; HCL would change it. Normalize it in the script that produces the payload", name)
		}
		for _, m := range meta {
			if name == m {
				return nil, o.errorf("property %q cannot be written in j1hcl: it is a meta-argument of %s blocks. Rename it in the script that produces the payload", name, kind)
			}
		}
		w, changed, err := canonical(v)
		if err != nil {
			return nil, o.errorf("property %q %s", name, err)
		}
		if changed {
			c.note(o, noteNFC)
		}
		o.want[name] = w
	}
	var err error
	if o.key, err = requireString(o, model.PropKey); err != nil {
		return nil, err
	}
	if o.typ, err = requireString(o, model.PropType); err != nil {
		return nil, err
	}
	switch kind {
	case model.KindEntity:
		if name, ok := o.want[model.PropName].(string); ok {
			if _, has := o.want[model.PropDisplayName]; !has {
				o.want[model.PropDisplayName] = name
				c.note(o, noteDisplayName)
			}
		}
	case model.KindRelationship:
		if err := c.relationshipFields(o); err != nil {
			return nil, err
		}
		for _, end := range []string{model.PropFromKey, model.PropToKey} {
			if _, err := requireString(o, end); err != nil {
				return nil, err
			}
		}
	case model.KindMappedRelationship:
		if err := c.relationshipFields(o); err != nil {
			return nil, err
		}
		if err := c.mapping(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// relationshipFields checks the _class every relationship needs; j1hcl uploads it upper-case.
func (c *converter) relationshipFields(o *object) error {
	cls, err := requireString(o, model.PropClass)
	if err != nil {
		return err
	}
	o.class = strings.ToUpper(cls)
	if o.class != cls {
		o.want[model.PropClass] = o.class
		c.note(o, noteClassCase)
	}
	return nil
}

// requireString returns a property that must be a non-empty string.
func requireString(o *object, name string) (string, error) {
	v, ok := o.want[name]
	if !ok {
		return "", o.errorf("%s is missing", name)
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", o.errorf("%s must be a non-empty string, not %s", name, describe(v))
	}
	return s, nil
}

// defaultFilterKeys is the target_filter_keys j1hcl uploads for a mapped_relationship block
// that sets none. It is shared: never modify it.
var defaultFilterKeys = lang.DefaultTargetFilterKeys()

var mappingKeys = []string{
	model.MappingSourceEntityKey, model.MappingRelationshipDirection, model.MappingTargetFilterKeys,
	model.MappingTargetEntity, model.MappingSkipTargetCreation,
}

// mapping checks a mapped relationship's _mapping and fills in what j1hcl uploads by default.
func (c *converter) mapping(o *object) error {
	raw, ok := o.props[model.PropMapping].(map[string]any)
	if !ok {
		return o.errorf("_mapping must be an object, not %s", describe(o.props[model.PropMapping]))
	}
	for k := range raw {
		if !slices.Contains(mappingKeys, k) {
			return o.errorf("_mapping has the unknown field %q; j1hcl writes only %s", k, strings.Join(mappingKeys, ", "))
		}
	}
	m := &mapping{direction: model.DirectionForward, skip: true}
	src, ok := raw[model.MappingSourceEntityKey].(string)
	if !ok || src == "" {
		return o.errorf("_mapping.sourceEntityKey must be a non-empty string, not %s", describe(raw[model.MappingSourceEntityKey]))
	}
	m.source = norm.NFC.String(src)
	if m.source != src {
		c.note(o, noteNFC)
	}
	switch d := raw[model.MappingRelationshipDirection].(type) {
	case nil:
		c.note(o, noteDirection)
	case string:
		m.direction = strings.ToUpper(d)
		if m.direction != model.DirectionForward && m.direction != model.DirectionReverse {
			return o.errorf("_mapping.relationshipDirection must be \"FORWARD\" or \"REVERSE\", not %q", d)
		}
		if m.direction != d {
			c.note(o, noteDirection)
		}
	default:
		return o.errorf("_mapping.relationshipDirection must be \"FORWARD\" or \"REVERSE\", not %s", describe(d))
	}
	filterKeys := defaultFilterKeys
	if fk, present := raw[model.MappingTargetFilterKeys]; present && fk != nil {
		if !isFilterKeys(fk) {
			return o.errorf("_mapping.targetFilterKeys must be a list of lists of property names, e.g. [[\"_type\", \"_key\"]]")
		}
		m.filterKeys = fk.([]any)
		w, changed, _ := canonical(fk)
		filterKeys = w.([]any)
		if changed {
			c.note(o, noteNFC)
		}
	} else {
		c.note(o, noteFilterKeys)
	}
	target, ok := raw[model.MappingTargetEntity].(map[string]any)
	if !ok {
		return o.errorf("_mapping.targetEntity must be an object of the properties that identify the target, not %s", describe(raw[model.MappingTargetEntity]))
	}
	m.target = target
	m.targetWant = make(map[string]any, len(target))
	for k, v := range target {
		if v == nil {
			c.note(o, noteNull)
			continue
		}
		if !norm.NFC.IsNormalString(k) {
			return o.errorf("_mapping.targetEntity property name %q is not in Unicode normalization form C; HCL would change it", k)
		}
		w, changed, err := canonical(v)
		if err != nil {
			return o.errorf("_mapping.targetEntity.%s %s", k, err)
		}
		if changed {
			c.note(o, noteNFC)
		}
		m.targetWant[k] = w
	}
	switch s := raw[model.MappingSkipTargetCreation].(type) {
	case nil:
		c.note(o, noteSkipCreation)
	case bool:
		m.skip = s
	default:
		return o.errorf("_mapping.skipTargetCreation must be true or false, not %s", describe(s))
	}
	o.mapping = m
	o.want[model.PropMapping] = map[string]any{
		model.MappingSourceEntityKey:       m.source,
		model.MappingRelationshipDirection: m.direction,
		model.MappingTargetFilterKeys:      filterKeys,
		model.MappingTargetEntity:          m.targetWant,
		model.MappingSkipTargetCreation:    m.skip,
	}
	return nil
}

func isFilterKeys(v any) bool {
	sets, ok := v.([]any)
	if !ok {
		return false
	}
	for _, set := range sets {
		names, ok := set.([]any)
		if !ok {
			return false
		}
		for _, n := range names {
			if _, ok := n.(string); !ok {
				return false
			}
		}
	}
	return true
}

// canonical returns a property value as j1hcl uploads it: strings in NFC, numbers canonical.
// changed reports whether a string changed. Objects are an error: payload properties are
// scalars or lists.
func canonical(v any) (out any, changed bool, err error) {
	switch x := v.(type) {
	case string:
		n := norm.NFC.String(x)
		return n, n != x, nil
	case []any:
		list := make([]any, len(x))
		for i, e := range x {
			var ch bool
			if list[i], ch, err = canonical(e); err != nil {
				return nil, false, err
			}
			changed = changed || ch
		}
		return list, changed, nil
	case map[string]any:
		return nil, false, fmt.Errorf("holds an object; properties are strings, numbers, booleans or lists of them (flatten it: osName, not os: {name})")
	}
	n, err := model.NormalizeValue(v)
	return n, false, err
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if x == "" {
			return "an empty string"
		}
		return fmt.Sprintf("the string %q", x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "the " + model.TypeName(v) + " " + string(model.AppendValueJSON(nil, v))
}

// linkRelationships resolves endpoints to entities of the payload and decides which of _key
// and _type the defaults regenerate.
func (c *converter) linkRelationships() {
	for _, o := range c.relationships {
		if o.kind == model.KindRelationship {
			o.from = c.byKey[o.want[model.PropFromKey].(string)]
			o.to = c.byKey[o.want[model.PropToKey].(string)]
			if o.from == nil || o.to == nil {
				c.warnings.add(o, warnOutsideEndpoint)
			}
		} else {
			o.from = c.byKey[o.mapping.source]
		}
	}
	c.assignRelationshipLabels()
}

// defaultKey is lang's default _key for the relationship.
func (o *object) defaultKey() string {
	if o.kind == model.KindRelationship {
		return lang.RelationshipKey(o.want[model.PropFromKey].(string), o.class, o.want[model.PropToKey].(string))
	}
	m := o.want[model.PropMapping].(map[string]any)
	return lang.RelationshipKey(o.mapping.source, o.class, lang.MappedKeySuffix(o.mapping.direction, o.mapping.targetWant, m[model.MappingTargetFilterKeys].([]any)))
}

// defaultType is lang's default _type for the relationship, "" when j1hcl cannot derive one
// (an endpoint is not an entity of the configuration, or the target has no _type).
func (o *object) defaultType() string {
	if o.from == nil {
		return ""
	}
	if o.kind == model.KindRelationship {
		if o.to == nil {
			return ""
		}
		return lang.RelationshipType(o.from.typ, o.class, o.to.typ)
	}
	targetType, _ := o.mapping.targetWant[model.PropType].(string)
	if targetType == "" {
		return ""
	}
	return lang.RelationshipType(o.from.typ, o.class, targetType)
}

// result generates the files and the graph they evaluate to.
func (c *converter) result() *Result {
	r := &Result{
		IntegrationType: c.integrationType,
		Entities:        len(c.entities),
		expected:        &model.Graph{},
	}
	if c.keyPrefix != c.integrationType {
		r.KeyPrefix = c.keyPrefix
	}
	for _, o := range c.entities {
		r.expected.Add(&model.Object{Kind: o.kind, Address: o.address(), Props: o.want})
	}
	for _, o := range c.relationships {
		if o.kind == model.KindRelationship {
			r.Relationships++
		} else {
			r.MappedRelationships++
		}
		r.expected.Add(&model.Object{Kind: o.kind, Address: o.address(), Props: o.want})
	}
	r.Notes, r.Warnings = c.notes.list(), c.warnings.list()
	r.Files = c.files(r)
	return r
}
