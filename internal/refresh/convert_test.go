package refresh

import (
	"encoding/json"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

func TestEntityOfKeepsOnlyWhatWasUploaded(t *testing.T) {
	row := syncapi.QueryItem{
		ID: "id-1",
		Entity: map[string]any{
			"_id": "id-1", "_key": "k", "_type": []any{"acme_team"}, "_class": []any{"Team"}, "displayName": "K",
			"_integrationInstanceId": "i", "_integrationName": "n", "_source": "integration-external",
			"_createdOn": json.Number("1"), "_beginOn": json.Number("2"), "_version": json.Number("3"),
			"_accountId": "a", "_rawDataHashes": "h", "_deleted": false,
		},
		Properties: map[string]any{"name": "k", "budget": json.Number("1420.50"), "_endOn": json.Number("4"), "tag.Env": "prod"},
	}
	tests := []struct {
		name     string
		recorded *model.Object
		want     string
		address  string
	}{
		{"unknown to the state", nil,
			`{"_key":"k","_type":"acme_team","_class":"Team","name":"k","displayName":"K","budget":1420.5,"tag.Env":"prod"}`, ""},
		{"the state records _class as a list", &model.Object{Address: "entity.team.k", Props: model.Properties{"_class": []any{"Team"}}},
			`{"_key":"k","_type":"acme_team","_class":["Team"],"name":"k","displayName":"K","budget":1420.5,"tag.Env":"prod"}`, "entity.team.k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx := model.Index{}
			if tt.recorded != nil {
				idx["k"] = tt.recorded
			}
			// entityOf normalizes in place: give each case its own row.
			r := row
			r.Entity, r.Properties = clone(row.Entity), clone(row.Properties)
			o, err := entityOf(r, idx)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(model.MarshalObject(o.Props)); got != tt.want || o.Address != tt.address || o.Kind != model.KindEntity {
				t.Errorf("got %s %q %s\nwant %s %q", got, o.Address, o.Kind, tt.want, tt.address)
			}
		})
	}
}

func TestRelationshipOf(t *testing.T) {
	mapping := map[string]any{"sourceEntityKey": "a", "relationshipDirection": "FORWARD",
		"targetFilterKeys": []any{[]any{"_type", "login"}}, "targetEntity": map[string]any{"_type": "github_user", "login": "o"}}
	read := func(extra map[string]any) map[string]any {
		r := map[string]any{"_id": "r1", "_key": "a|has|b", "_type": "t", "_class": "HAS",
			"_fromEntityKey": "a", "_toEntityKey": "b", "_fromEntityId": "id-a", "_toEntityId": "id-b",
			"_integrationInstanceId": "i", "_source": "integration-external", "_version": json.Number("2"), "since": json.Number("2021")}
		for k, v := range extra {
			r[k] = v
		}
		return r
	}
	tests := []struct {
		name     string
		r        map[string]any
		recorded *model.Object
		kind     model.Kind
		want     string
	}{
		{"direct", read(nil), nil, model.KindRelationship,
			`{"_key":"a|has|b","_type":"t","_class":"HAS","_fromEntityKey":"a","_toEntityKey":"b","since":2021}`},
		{"endpoint uploaded by _id", read(nil), &model.Object{Props: model.Properties{"_toEntityId": "id-b"}}, model.KindRelationship,
			`{"_key":"a|has|b","_type":"t","_class":"HAS","_fromEntityKey":"a","_toEntityKey":"b","_toEntityId":"id-b","since":2021}`},
		{"mapped: the mapper's endpoints are not what was uploaded", read(map[string]any{"_mapping": mapping}), nil, model.KindMappedRelationship,
			`{"_key":"a|has|b","_type":"t","_class":"HAS","_mapping":{"sourceEntityKey":"a","relationshipDirection":"FORWARD","targetFilterKeys":[["_type","login"]],"targetEntity":{"_type":"github_user","login":"o"}},"since":2021}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx := model.Index{}
			if tt.recorded != nil {
				idx["a|has|b"] = tt.recorded
			}
			o, err := relationshipOf(tt.r, idx)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(model.MarshalObject(o.Props)); got != tt.want || o.Kind != tt.kind {
				t.Errorf("got %s %s\nwant %s %s", o.Kind, got, tt.kind, tt.want)
			}
		})
	}

	// A mapped relationship read back without its _mapping keeps its state address, so the
	// change is shown where the configuration declares it.
	recorded := &model.Object{Kind: model.KindMappedRelationship, Address: "mapped_relationship.x", Props: model.Properties{"_mapping": mapping}}
	o, err := relationshipOf(read(nil), model.Index{"a|has|b": recorded})
	if err != nil || o.Address != "mapped_relationship.x" {
		t.Errorf("address %q, err %v", o.Address, err)
	}
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestEntityOfWithoutProperties: a row whose properties part is missing still yields the
// entity's _key, _type, _class and displayName (the properties map is reused when present).
func TestEntityOfWithoutProperties(t *testing.T) {
	row := syncapi.QueryItem{ID: "id-1", Entity: map[string]any{"_id": "id-1", "_key": "k", "_type": []any{"acme_team"}, "_class": []any{"Team"}, "displayName": "K"}}
	o, err := entityOf(row, model.Index{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(model.MarshalObject(o.Props)), `{"_key":"k","_type":"acme_team","_class":"Team","displayName":"K"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
