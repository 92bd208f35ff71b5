// Package model defines the graph objects j1hcl uploads (entities, relationships and mapped
// relationships), their canonical JSON form and content hashes; it knows nothing of HCL or HTTP.
package model

import (
	"fmt"
	"slices"
	"strings"
)

// Reserved property names of the Sync API payload.
const (
	PropKey         = "_key"
	PropType        = "_type"
	PropClass       = "_class"
	PropFromKey     = "_fromEntityKey"
	PropToKey       = "_toEntityKey"
	PropMapping     = "_mapping"
	PropName        = "name"
	PropDisplayName = "displayName"
)

// Keys of a mapped relationship's _mapping object.
const (
	MappingSourceEntityKey       = "sourceEntityKey"
	MappingRelationshipDirection = "relationshipDirection"
	MappingTargetFilterKeys      = "targetFilterKeys"
	MappingTargetEntity          = "targetEntity"
	MappingSkipTargetCreation    = "skipTargetCreation"
)

// Values of _mapping.relationshipDirection.
const (
	DirectionForward = "FORWARD"
	DirectionReverse = "REVERSE"
)

// Kind says which of the three object kinds an Object is.
type Kind uint8

// The object kinds. Mapped relationships travel in the payload's "relationships" list.
const (
	KindEntity Kind = iota
	KindRelationship
	KindMappedRelationship
)

// String returns the kind's name as used in addresses and JSON plans.
func (k Kind) String() string {
	switch k {
	case KindEntity:
		return "entity"
	case KindRelationship:
		return "relationship"
	case KindMappedRelationship:
		return "mapped_relationship"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "entity":
		return KindEntity, nil
	case "relationship":
		return KindRelationship, nil
	case "mapped_relationship":
		return KindMappedRelationship, nil
	}
	return 0, fmt.Errorf("unknown object kind %q", s)
}

// IsRelationship reports whether the kind travels in the payload's "relationships" list.
func (k Kind) IsRelationship() bool { return k != KindEntity }

// Properties is an object's full payload, reserved fields included. Values are JSON-shaped:
// string, json.Number, bool, nil, []any (a list of those scalars) and, for _mapping only,
// map[string]any.
type Properties = map[string]any

// Object is one entity, relationship or mapped relationship, as uploaded, plus the
// configuration metadata j1hcl keeps beside it.
type Object struct {
	Kind Kind
	// Address is the configuration address, e.g. entity.application.slack or
	// entity.host.all["web-1"]. It is a label only: identity is the _key.
	Address string
	// Props is the upload payload. It is never modified once the object is built: plans,
	// states and decoders share one map between objects (see Sharing) and values between
	// properties.
	Props Properties
	// Sensitive names the properties whose values derive from sensitive variables; renderers
	// show them as "(sensitive value)". Nil for most objects.
	Sensitive map[string]bool
	// PreventDestroy is set by lifecycle { prevent_destroy = true }.
	PreventDestroy bool
	// DefaultKeyFrom is set on entities of a configuration whose _key was not written: it is
	// the address whose labels the default _key was derived from, the object's own Address,
	// or the from address of the moved block that renamed its block. Empty when _key was
	// written (or the object does not come from a configuration). A plan that sees an
	// object's _key change while DefaultKeyFrom is set can say that its block was renamed.
	DefaultKeyFrom string
}

// Key returns the object's _key, or "" when it has none.
func (o *Object) Key() string { return stringProp(o.Props, PropKey) }

// Type returns the object's _type, or "" when it has none.
func (o *Object) Type() string { return stringProp(o.Props, PropType) }

// Classes returns the object's _class as a list, whether written as a string or a list.
func (o *Object) Classes() []string {
	switch c := o.Props[PropClass].(type) {
	case string:
		return []string{c}
	case []any:
		out := make([]string, 0, len(c))
		for _, v := range c {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// FromKey returns a direct relationship's _fromEntityKey, or a mapped relationship's
// _mapping.sourceEntityKey.
func (o *Object) FromKey() string {
	if o.Kind == KindMappedRelationship {
		if m, ok := o.Props[PropMapping].(map[string]any); ok {
			return stringProp(m, MappingSourceEntityKey)
		}
		return ""
	}
	return stringProp(o.Props, PropFromKey)
}

// ToKey returns a direct relationship's _toEntityKey.
func (o *Object) ToKey() string { return stringProp(o.Props, PropToKey) }

// IsSensitive reports whether the named property derives from a sensitive value.
func (o *Object) IsSensitive(prop string) bool { return o.Sensitive[prop] }

// SensitiveNames returns the names a sensitive set marks, sorted: the form state files and
// plans record.
func SensitiveNames(set map[string]bool) []string {
	var out []string
	for name, on := range set {
		if on {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// SensitiveSet is the inverse of SensitiveNames; nil for no names.
func SensitiveSet(names []string) map[string]bool {
	if len(names) == 0 {
		return nil
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set
}

// Clone returns a deep copy of the object.
func (o *Object) Clone() *Object {
	c := *o
	c.Props = CloneProperties(o.Props)
	if o.Sensitive != nil {
		c.Sensitive = make(map[string]bool, len(o.Sensitive))
		for k, v := range o.Sensitive {
			c.Sensitive[k] = v
		}
	}
	return &c
}

// PropertyNames returns the object's property names in canonical order (see MarshalObject).
func (o *Object) PropertyNames() []string { return OrderedNames("", o.Props) }

func stringProp(p map[string]any, name string) string {
	s, _ := p[name].(string)
	return s
}

// KindOf infers an object's kind from its payload, as the API does: entities come from the
// "entities" list; a relationship with _mapping is a mapped relationship.
func KindOf(p Properties, inRelationships bool) Kind {
	if !inRelationships {
		return KindEntity
	}
	if _, ok := p[PropMapping]; ok {
		return KindMappedRelationship
	}
	return KindRelationship
}

// Graph is a set of objects: the desired graph from the configuration, or the graph a state
// file records.
type Graph struct {
	Entities []*Object
	// Relationships holds direct and mapped relationships, as the upload payload does.
	Relationships []*Object
}

// Len returns the number of objects in the graph.
func (g *Graph) Len() int { return len(g.Entities) + len(g.Relationships) }

// All returns entities followed by relationships.
func (g *Graph) All() []*Object {
	out := make([]*Object, 0, g.Len())
	out = append(out, g.Entities...)
	return append(out, g.Relationships...)
}

// Add appends o to the list its kind belongs to.
func (g *Graph) Add(o *Object) {
	if o.Kind == KindEntity {
		g.Entities = append(g.Entities, o)
	} else {
		g.Relationships = append(g.Relationships, o)
	}
}

// SortByKey orders both lists by _key (then address, for duplicate keys), the canonical order
// of state files and payloads.
func (g *Graph) SortByKey() {
	SortObjects(g.Entities)
	SortObjects(g.Relationships)
}

// SortObjects orders objects by _key, then by address. Keys are looked up once per object,
// not once per comparison: this sorts 200,000 objects on every plan.
func SortObjects(objs []*Object) {
	ks := keyedObjects(objs)
	// Keys are unique in any graph that passed validation, and key+address always is, so an
	// unstable sort gives the same order as a stable one.
	slices.SortFunc(ks, compareKeyed)
	for i := range ks {
		objs[i] = ks[i].obj
	}
}

// keyedObject is an object with its _key, looked up once.
type keyedObject struct {
	key string
	obj *Object
}

func keyedObjects(objs []*Object) []keyedObject {
	ks := make([]keyedObject, len(objs))
	for i, o := range objs {
		ks[i] = keyedObject{o.Key(), o}
	}
	return ks
}

// compareKeyed is SortObjects' order.
func compareKeyed(a, b keyedObject) int {
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.obj.Address, b.obj.Address)
}

// Index maps _key to object for one list. Later duplicates do not replace earlier ones.
type Index map[string]*Object

// NewIndex indexes objs by _key.
func NewIndex(objs []*Object) Index {
	idx := make(Index, len(objs))
	for _, o := range objs {
		k := o.Key()
		if _, dup := idx[k]; !dup {
			idx[k] = o
		}
	}
	return idx
}

// GraphOf returns the graph of two indexes, entities and relationships, sorted by _key.
func GraphOf(entities, relationships Index) *Graph {
	g := &Graph{}
	for _, o := range entities {
		g.Entities = append(g.Entities, o)
	}
	for _, o := range relationships {
		g.Relationships = append(g.Relationships, o)
	}
	g.SortByKey()
	return g
}
