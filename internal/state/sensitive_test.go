package state

import (
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

func TestSensitiveRoundTrip(t *testing.T) {
	f := New(Target{Source: SourceIntegrationExternal, IntegrationInstanceID: "i-1"}, "test")
	o := &model.Object{Kind: model.KindEntity, Address: "entity.t.a", Props: model.Properties{"_key": "a", "token": "x"}, Sensitive: map[string]bool{"token": true}}
	if !f.SetObjects(&model.Graph{Entities: []*model.Object{o}}) {
		t.Fatal("SetObjects reported no change")
	}
	data, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"sensitive": ["token"]`) {
		t.Errorf("encoded entry lacks the sensitive list:\n%s", data)
	}
	back, err := Decode(data, "s.json")
	if err != nil {
		t.Fatal(err)
	}
	g := back.Graph()
	if !g.Entities[0].Sensitive["token"] {
		t.Error("decoded object lost its sensitive mark")
	}
	// A change of sensitivity alone is a change of the recorded content.
	plain := &model.Object{Kind: model.KindEntity, Address: "entity.t.a", Props: o.Props}
	if !back.SetObjects(&model.Graph{Entities: []*model.Object{plain}}) {
		t.Error("dropping the sensitive mark is not reported as a change")
	}
	if _, err := Decode([]byte(strings.Replace(string(data), `["token"]`, `[1]`, 1)), "s.json"); err == nil {
		t.Error("a non-string sensitive name was accepted")
	}
}
