package refresh

import (
	"fmt"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// Platform metadata names that Read needs to look at.
const (
	metaID                    = "_id"
	metaSource                = "_source"
	metaScope                 = "_scope"
	metaIntegrationInstanceID = "_integrationInstanceId"
	metaFromEntityID          = "_fromEntityId"
	metaToEntityID            = "_toEntityId"
)

// platformMetadata are the properties JupiterOne adds to what was uploaded. They are never
// compared or recorded; every name starting with "_integration" is metadata too.
var platformMetadata = map[string]bool{
	metaID: true, "_createdOn": true, "_beginOn": true, "_endOn": true, "_version": true,
	"_deleted": true, metaSource: true, metaScope: true, "_accountId": true,
	"_rawDataHashes": true, "_placeholder": true, "_createdBy": true, "_updatedBy": true,
	"_modifiedOn": true, "_createdOnTimestamp": true,
}

func isMetadata(name string) bool {
	return platformMetadata[name] || strings.HasPrefix(name, "_integration")
}

// hints are the recorded objects, by _key, whose spelling Read follows.
type hints struct {
	entities, relationships model.Index
}

func (hints) of(g *model.Graph) hints {
	return hints{entities: model.NewIndex(g.Entities), relationships: model.NewIndex(g.Relationships)}
}

// entityOf turns one list row into an entity: _key, _type, _class and displayName from the
// row's entity part, every other property from its properties part (which wins where both
// have a name), metadata left out. The row is Read's own: its properties map becomes the
// entity's, which spares copying every property of every entity.
func entityOf(row syncapi.QueryItem, recorded model.Index) (*model.Object, error) {
	key, _ := row.Entity[model.PropKey].(string)
	if key == "" {
		return nil, fmt.Errorf("an entity (_id %q) without a _key", row.ID)
	}
	props := model.Properties(row.Properties)
	if props == nil {
		props = model.Properties{}
	}
	for name := range props {
		if isMetadata(name) {
			delete(props, name)
		}
	}
	if _, ok := props[model.PropKey]; !ok {
		props[model.PropKey] = key
	}
	for _, name := range []string{model.PropType, model.PropClass, model.PropDisplayName} {
		if v, ok := row.Entity[name]; ok {
			if _, own := props[name]; !own {
				props[name] = v
			}
		}
	}
	return object(model.KindEntity, props, recorded[key])
}

// relationshipOf turns one relationship, returned with its properties flattened, into a
// direct or mapped relationship. A mapped relationship carries _mapping as uploaded; its
// resolved endpoints are the mapper's work, not part of what was uploaded, so they are
// dropped unless the recorded object has them. r is Read's own and becomes the object's
// properties, the dropped names deleted from it.
func relationshipOf(r map[string]any, recorded model.Index) (*model.Object, error) {
	key, _ := r[model.PropKey].(string)
	if key == "" {
		return nil, fmt.Errorf("a relationship (_id %q) without a _key", r[metaID])
	}
	was := recorded[key]
	kind := model.KindRelationship
	if _, mapped := r[model.PropMapping]; mapped {
		kind = model.KindMappedRelationship
	}
	for name := range r {
		switch {
		case name == metaFromEntityID || name == metaToEntityID:
			// Metadata on every relationship, but also a way to upload an endpoint by _id.
			if was == nil || was.Props[name] == nil {
				delete(r, name)
			}
		case kind == model.KindMappedRelationship && (name == model.PropFromKey || name == model.PropToKey):
			if was == nil || was.Props[name] == nil {
				delete(r, name)
			}
		case isMetadata(name):
			delete(r, name)
		}
	}
	return object(kind, model.Properties(r), was)
}

// object normalizes props (numbers in canonical form), spells _type and _class as recorded,
// and takes the recorded object's address and sensitive names.
func object(kind model.Kind, props model.Properties, recorded *model.Object) (*model.Object, error) {
	if err := model.NormalizeValues(props); err != nil {
		return nil, fmt.Errorf("%s %q: %w", kind, props[model.PropKey], err)
	}
	// The platform answers _type and _class as lists. j1hcl uploads _type as a string, and
	// _class as the configuration wrote it: a string unless the state says a list.
	if t, ok := props[model.PropType].([]any); ok && len(t) == 1 {
		props[model.PropType] = t[0]
	}
	if c, ok := props[model.PropClass].([]any); ok && len(c) == 1 {
		_, recordedList := recordedClass(recorded).([]any)
		if !recordedList {
			props[model.PropClass] = c[0]
		}
	}
	o := &model.Object{Kind: kind, Props: props}
	if recorded != nil {
		// Even when the kind differs (a mapped relationship read back without its
		// _mapping), the object is the one the state records under this _key.
		o.Address = recorded.Address
		o.Sensitive = recorded.Sensitive
	}
	return o, nil
}

func recordedClass(o *model.Object) any {
	if o == nil {
		return nil
	}
	return o.Props[model.PropClass]
}
