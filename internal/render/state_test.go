package render

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
)

func sampleState() *state.File {
	f := state.New(target, "0.3.0")
	f.Lineage = "3f1c9a52-7d8e-4b6a-9c0d-2e1f3a4b5c6d"
	f.Serial = 12
	f.LastJob = &state.Job{ID: "job-1", SyncMode: "DIFF", Status: state.JobFinished, FinishedAt: "2026-01-02T03:04:05Z"}
	slack := entity("application", "slack", "tags", list("a", "b"), "description", description, "tag.Environment", "prod")
	f.Entities = []state.Entry{
		{Address: "entity.application.slack", Object: slack},
		{Address: "entity.team.engineering", Object: entity("team", "engineering", "_class", "Team")},
	}
	f.Relationships = []state.Entry{
		{Address: "mapped_relationship.slack_uses_role", Object: mapped(slackKey, "USES", "aws_iam_role", "arn:aws:iam::123456789012:role/SlackProvisioner")},
		{Address: "relationship.eng_owns_slack", Object: relationship(teamKey, "OWNS", slackKey)},
	}
	return f
}

func TestStateGolden(t *testing.T) {
	f := sampleState()
	secretObj := &model.Object{Kind: model.KindEntity, Address: "entity.application.vault",
		Props: entity("application", "vault", "apiToken", secret), Sensitive: map[string]bool{"apiToken": true}}
	for _, tt := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"state.txt", func(b *bytes.Buffer) error { return StateText(b, f, TextOptions{}) }},
		{"state.json", func(b *bytes.Buffer) error { return StateJSON(b, f) }},
		{"empty.txt", func(b *bytes.Buffer) error { return StateText(b, state.New(target, "0.3.0"), TextOptions{}) }},
		{"object.txt", func(b *bytes.Buffer) error { return ObjectText(b, secretObj, TextOptions{}) }},
		{"object.color.txt", func(b *bytes.Buffer) error {
			return ObjectText(b, f.Graph().Relationships[0], TextOptions{Color: true})
		}},
		{"object.json", func(b *bytes.Buffer) error { return ObjectJSON(b, secretObj) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.render(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, "state/"+tt.name, buf.Bytes())
			if bytes.Contains(buf.Bytes(), []byte(secret)) {
				t.Error("a sensitive value is shown")
			}
		})
	}
}

func TestStateJSONIsOneDocument(t *testing.T) {
	var buf bytes.Buffer
	if err := StateJSON(&buf, sampleState()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Serial  uint64
		Objects []struct {
			Address, Kind, Key string
			Values             map[string]any
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if doc.Serial != 12 || len(doc.Objects) != 4 || doc.Objects[2].Kind != "mapped_relationship" || doc.Objects[0].Values["_key"] != slackKey {
		t.Errorf("document: %+v", doc)
	}
}

// A state entry shows as the object it records, with the properties the state marks sensitive
// hidden in every form (state show, state show -json, state list).
func TestEntryHidesRecordedSensitive(t *testing.T) {
	e := state.Entry{Address: "entity.application.vault", Object: entity("application", "vault", "apiToken", secret), Sensitive: []string{"apiToken"}}
	keyed := state.Entry{Address: "entity.application.k", Object: entity("application", "k"), Sensitive: []string{model.PropKey}}
	for _, tt := range []struct {
		name   string
		render func(*bytes.Buffer) error
		want   string
	}{
		{"text", func(b *bytes.Buffer) error { return EntryText(b, e, model.KindEntity, TextOptions{}) }, "apiToken    = " + SensitiveValue},
		{"json", func(b *bytes.Buffer) error { return EntryJSON(b, e, model.KindEntity) }, `"apiToken": "` + SensitiveValue + `"`},
		{"key", func(b *bytes.Buffer) error { b.WriteString(EntryKey(keyed)); return nil }, SensitiveValue},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.render(&buf); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(buf.Bytes(), []byte(secret)) || !bytes.Contains(buf.Bytes(), []byte(tt.want)) {
				t.Errorf("want %q and no secret, got:\n%s", tt.want, buf.String())
			}
		})
	}
}
