package refresh

import (
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

func TestKeepUnreadableKeepsOnlyRecordedMappedRelationshipsTheReadMissed(t *testing.T) {
	obj := func(kind model.Kind, key string) *model.Object {
		return &model.Object{Kind: kind, Address: "a." + key, Props: model.Properties{model.PropKey: key}}
	}
	recorded := &model.Graph{Relationships: []*model.Object{
		obj(model.KindMappedRelationship, "m-unlinked"),
		obj(model.KindMappedRelationship, "m-linked"),
		obj(model.KindRelationship, "r-deleted-outside"),
	}}
	live := &model.Graph{Relationships: []*model.Object{obj(model.KindMappedRelationship, "m-linked")}}

	if kept := KeepUnreadable(live, recorded); kept != 1 {
		t.Fatalf("kept %d, want 1", kept)
	}
	var keys []string
	for _, o := range live.Relationships {
		keys = append(keys, o.Key())
	}
	if len(keys) != 2 || keys[0] != "m-linked" || keys[1] != "m-unlinked" {
		t.Errorf("live relationships %v, want [m-linked m-unlinked]: a direct relationship missing live is a deletion, not unreadable", keys)
	}
	if KeepUnreadable(&model.Graph{}, nil) != 0 {
		t.Error("no recorded graph: nothing to keep")
	}
}
