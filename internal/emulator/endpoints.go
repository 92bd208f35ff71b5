package emulator

import (
	"fmt"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Properties by which a relationship names an endpoint that another source owns: by _id,
// or by _key together with the owner's source and scope.
const (
	propFromEntityID     = "_fromEntityId"
	propToEntityID       = "_toEntityId"
	propFromEntitySource = "_fromEntitySource"
	propFromEntityScope  = "_fromEntityScope"
	propToEntitySource   = "_toEntitySource"
	propToEntityScope    = "_toEntityScope"
)

// endpointRef is how an uploaded relationship names one endpoint.
type endpointRef struct {
	id            string // by _id, anywhere in the graph
	key           string
	source, scope string // with key: the entity of that source and scope
}

// endpointSide names one side's properties.
type endpointSide struct {
	name                       string // "from" or "to"
	key, id, sourceProp, scope string
}

var endpointSides = [2]endpointSide{
	{"from", model.PropFromKey, propFromEntityID, propFromEntitySource, propFromEntityScope},
	{"to", model.PropToKey, propToEntityID, propToEntitySource, propToEntityScope},
}

// refOf reads one endpoint of a direct relationship.
func refOf(p model.Properties, side endpointSide) endpointRef {
	var r endpointRef
	r.id, _ = p[side.id].(string)
	r.key, _ = p[side.key].(string)
	r.source, _ = p[side.sourceProp].(string)
	r.scope, _ = p[side.scope].(string)
	return r
}

// endpointView returns the object the platform rules check, and the problems of its
// endpoint references. The rules know endpoints by _key only, so a relationship that
// names an endpoint by _id, or by _key with source and scope, is checked without those
// properties, its _id standing in for the missing _key.
func endpointView(o *model.Object) (*model.Object, []string) {
	if o.Kind != model.KindRelationship {
		return o, nil
	}
	var view model.Properties
	var problems []string
	for _, side := range endpointSides {
		_, hasID := o.Props[side.id]
		_, hasSource := o.Props[side.sourceProp]
		_, hasScope := o.Props[side.scope]
		if !hasID && !hasSource && !hasScope {
			continue
		}
		if view == nil {
			view = model.CloneProperties(o.Props)
		}
		ref := refOf(o.Props, side)
		switch {
		case hasID && ref.id == "":
			problems = append(problems, fmt.Sprintf("%s must be a non-empty string (the _id of the %s entity)", side.id, side.name))
		case hasID && (hasSource || hasScope):
			problems = append(problems, fmt.Sprintf("%s names the %s entity by _id, so %s and %s must be left out", side.id, side.name, side.sourceProp, side.scope))
		case !hasID && (ref.source == "" || ref.scope == "" || ref.key == ""):
			problems = append(problems, fmt.Sprintf("an endpoint owned by another source needs %s, %s and %s together (non-empty strings)", side.key, side.sourceProp, side.scope))
		}
		delete(view, side.id)
		delete(view, side.sourceProp)
		delete(view, side.scope)
		if _, ok := view[side.key]; !ok && ref.id != "" {
			view[side.key] = ref.id
		}
	}
	if view == nil {
		return o, nil
	}
	return &model.Object{Kind: o.Kind, Props: view}, problems
}

// resolve finds the entity an endpoint reference names: by _id anywhere; by _key, source
// and scope (a scope of source api, or the instance id of an integration source) anywhere;
// by _key alone in the job's target first, then anywhere when exactly one entity holds it.
func (a *applier) resolve(ref endpointRef) *record {
	switch {
	case ref.id != "":
		return a.entityByID(ref.id)
	case ref.source != "":
		var found *record
		for _, e := range a.g.byKey[ref.key] {
			if e.source == ref.source && e.target.id.name == ref.scope {
				if found != nil {
					return nil // ambiguous
				}
				found = e
			}
		}
		return found
	}
	return a.g.entityFor(a.t, ref.key)
}

// entityByID finds an entity by _id, indexing the graph on first use in a finalize.
func (a *applier) entityByID(id string) *record {
	if a.byID == nil {
		a.byID = make(map[string]*record)
		for _, list := range a.g.byKey {
			for _, e := range list {
				a.byID[e.id] = e
			}
		}
	}
	e := a.byID[id]
	if e != nil && !e.stored {
		return nil // deleted since the index was built
	}
	return e
}
