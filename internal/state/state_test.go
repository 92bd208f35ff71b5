package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff)\n--- got\n%s", name, got)
	}
}

func n(s string) json.Number { return json.Number(s) }

func entity(address string, props model.Properties) *model.Object {
	return &model.Object{Kind: model.KindEntity, Address: address, Props: props}
}

func relationship(address string, props model.Properties) *model.Object {
	return &model.Object{Kind: model.KindOf(props, true), Address: address, Props: props}
}

// sampleGraph has one of everything a state records: scalar kinds, lists, characters that need
// escaping, a mapped relationship with nested _mapping. Entities are deliberately out of _key
// order.
func sampleGraph() *model.Graph {
	return &model.Graph{
		Entities: []*model.Object{
			entity("entity.team.engineering", model.Properties{
				"_key": "acme:team:engineering", "_type": "team_acme", "_class": "Team",
				"name": "Engineering", "displayName": "Engineering", "email": "eng@acme.example",
			}),
			entity("entity.application.slack", model.Properties{
				"_key": "acme:application:slack", "_type": "application_acme", "_class": []any{"Application", "Service"},
				"name": "Slack", "displayName": "Slack <chat> & calls",
				"createdOn": n("1730419200000"), "cost": n("1420.5"), "active": true, "retired": false,
				"tags":     []any{"sanctioned", "tier-1"},
				"empty":    []any{},
				"note":     "line one\nline \"two\"\t\u00e9\u2028",
				"obsolete": nil,
			}),
		},
		Relationships: []*model.Object{
			relationship("relationship.eng_owns_slack", model.Properties{
				"_key": "acme:team:engineering|owns|acme:application:slack", "_type": "team_acme_owns_application_acme",
				"_class": "OWNS", "_fromEntityKey": "acme:team:engineering", "_toEntityKey": "acme:application:slack",
			}),
			relationship("mapped_relationship.slack_uses_role", model.Properties{
				"_key": "acme:application:slack|uses|arn:aws:iam::123456789012:role/SlackProvisioner", "_type": "application_acme_uses_aws_iam_role",
				"_class": "USES",
				"_mapping": map[string]any{
					"sourceEntityKey":       "acme:application:slack",
					"relationshipDirection": "FORWARD",
					"targetFilterKeys":      []any{[]any{"_type", "_key"}},
					"targetEntity":          map[string]any{"_type": "aws_iam_role", "_key": "arn:aws:iam::123456789012:role/SlackProvisioner"},
					"skipTargetCreation":    true,
				},
			}),
		},
	}
}

func sampleTarget() Target {
	return Target{Source: SourceIntegrationExternal, IntegrationInstanceID: "7b1f6a3e-0c1d-4d2e-9f00-1234567890ab"}
}

func sampleFile() *File {
	f := New(sampleTarget(), "0.3.0")
	f.Lineage = "3f1c2b9a-7d4e-4b8a-9e2f-0a1b2c3d4e5f"
	f.Serial = 12
	f.SetObjects(sampleGraph())
	f.LastJob = &Job{ID: "5d1a0000-0000-4000-8000-000000000001", SyncMode: "DIFF", Status: JobFinished, FinishedAt: "2026-01-02T03:04:05Z"}
	next := sampleGraph()
	next.Entities = next.Entities[:1]
	next.Relationships = nil
	f.RecordPending("5d1a0000-0000-4000-8000-000000000002", "DIFF", next, time.Date(2026, 1, 3, 4, 5, 6, 0, time.FixedZone("x", 3600)))
	return f
}

func mustEncode(t testing.TB, f *File) []byte {
	t.Helper()
	b, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncodeGolden(t *testing.T) {
	golden(t, "sample.state.json", mustEncode(t, sampleFile()))
	golden(t, "empty.state.json", mustEncode(t, &File{Lineage: "3f1c2b9a-7d4e-4b8a-9e2f-0a1b2c3d4e5f", Target: Target{Source: SourceAPI, Scope: "asset-inventory"}}))
}

func TestEncodeIsDeterministic(t *testing.T) {
	want := mustEncode(t, sampleFile())
	for i := range 20 {
		// Fresh maps each time (Go randomizes their iteration order) and lists in reverse.
		f := sampleFile()
		if i%2 == 1 {
			reverse := func(l []Entry) {
				for a, b := 0, len(l)-1; a < b; a, b = a+1, b-1 {
					l[a], l[b] = l[b], l[a]
				}
			}
			reverse(f.Entities)
			reverse(f.Relationships)
		}
		if got := mustEncode(t, f); string(got) != string(want) {
			t.Fatalf("encoding %d differs:\n%s\nwant:\n%s", i, got, want)
		}
	}
}

// The format is plain indented JSON: encoding/json, given each object's canonical JSON, must
// produce the very same bytes.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	f := sampleFile()
	type entry struct {
		Address string          `json:"address"`
		Object  json.RawMessage `json:"object"`
	}
	raw := func(list []Entry) []entry {
		out := []entry{}
		for _, e := range list {
			out = append(out, entry{e.Address, model.MarshalObject(e.Object)})
		}
		return out
	}
	type pending struct {
		ID            string  `json:"id"`
		SyncMode      string  `json:"sync_mode"`
		RecordedAt    string  `json:"recorded_at"`
		Entities      []entry `json:"entities"`
		Relationships []entry `json:"relationships"`
	}
	mirror := struct {
		FormatVersion int      `json:"format_version"`
		ToolVersion   string   `json:"tool_version"`
		Lineage       string   `json:"lineage"`
		Serial        uint64   `json:"serial"`
		Target        Target   `json:"target"`
		LastJob       *Job     `json:"last_job,omitempty"`
		PendingJob    *pending `json:"pending_job,omitempty"`
		Entities      []entry  `json:"entities"`
		Relationships []entry  `json:"relationships"`
	}{f.FormatVersion, f.ToolVersion, f.Lineage, f.Serial, f.Target, f.LastJob,
		&pending{f.PendingJob.ID, f.PendingJob.SyncMode, f.PendingJob.RecordedAt, raw(f.PendingJob.Entities), raw(f.PendingJob.Relationships)},
		raw(f.Entities), raw(f.Relationships)}
	var want strings.Builder
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(mirror); err != nil {
		t.Fatal(err)
	}
	if got := mustEncode(t, f); string(got) != want.String() {
		t.Errorf("Encode differs from encoding/json:\n%s\nwant:\n%s", got, want.String())
	}
}

func TestAppendIndentedMatchesJSONIndent(t *testing.T) {
	for _, compact := range []string{
		`{}`,
		`[]`,
		`{"a":1}`,
		`{"a":[],"b":{},"c":[1,2,[3,{}]],"d":{"e":{"f":null}}}`,
		`{"q":"a \"quoted\" {string} [with], : and \\","r":"\\","s":"\u2028"}`,
		`{"_key":"k","list":[[["deep"]]],"t":true,"f":false}`,
	} {
		for depth := range 4 {
			var want bytes.Buffer
			if err := json.Indent(&want, []byte(compact), strings.Repeat("  ", depth), "  "); err != nil {
				t.Fatal(err)
			}
			if got := string(appendIndented(nil, []byte(compact), depth)); got != want.String() {
				t.Errorf("appendIndented(%s, %d) =\n%s\nwant\n%s", compact, depth, got, want.String())
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	withoutPending := sampleFile()
	withoutPending.PendingJob = nil
	withoutPending.LastJob = nil
	apiScope := New(Target{Source: SourceAPI, Scope: "asset-inventory"}, "")
	big := sampleFile()
	big.Serial = 1<<64 - 1
	large := New(sampleTarget(), "0.3.0") // lists long enough to be parsed in parallel
	large.SetObjects(benchGraph(6000))
	for name, f := range map[string]*File{
		"large":           large,
		"sample":          sampleFile(),
		"new":             New(sampleTarget(), "0.3.0"),
		"no jobs":         withoutPending,
		"api scope":       apiScope,
		"largest serial":  big,
		"upgraded format": mustDecode(t, readTestdata(t, "v0.state.json")),
	} {
		t.Run(name, func(t *testing.T) {
			data := mustEncode(t, f)
			got, err := Decode(data, "state.json")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, f) {
				t.Errorf("Decode(Encode(f)) differs from f:\n%#v\nwant\n%#v", got, f)
			}
			if again := mustEncode(t, got); string(again) != string(data) {
				t.Errorf("second encoding differs")
			}
		})
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustDecode(t *testing.T, data []byte) *File {
	t.Helper()
	f, err := Decode(data, "state.json")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestEncodeRefusesWhatDecodeWouldRefuse(t *testing.T) {
	tests := []struct {
		name   string
		modify func(f *File)
		want   string
	}{
		{"no lineage", func(f *File) { f.Lineage = "" }, "no lineage"},
		{"bad target", func(f *File) { f.Target = Target{Source: SourceIntegrationExternal} }, "needs an integration_instance_id"},
		{"no _key", func(f *File) { delete(f.Entities[0].Object, "_key") }, `entities[0] (address "entity.application.slack"): the object has no _key`},
		{"duplicate _key", func(f *File) { f.Relationships[1].Object["_key"] = f.Relationships[0].Key() }, `relationships: _key "acme:application:slack|uses|arn:aws:iam::123456789012:role/SlackProvisioner" appears twice (addresses "mapped_relationship.slack_uses_role" and "relationship.eng_owns_slack")`},
		{"pending without id", func(f *File) { f.PendingJob.ID = "" }, "pending job has no id"},
		{"last job without id", func(f *File) { f.LastJob.ID = "" }, "last job has no id"},
		{"bad finished_at", func(f *File) { f.LastJob.FinishedAt = "2026-01-02 03:04" }, `last_job.finished_at is not an RFC 3339 time: "2026-01-02 03:04"`},
		{"bad recorded_at", func(f *File) { f.PendingJob.RecordedAt = "now" }, `pending_job.recorded_at is not an RFC 3339 time`},
		{"pending duplicate", func(f *File) {
			f.PendingJob.Entities = append(f.PendingJob.Entities, f.PendingJob.Entities[0])
		}, "pending_job.entities: _key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleFile()
			tt.modify(f)
			_, err := f.Encode()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Encode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEncodeDoesNotModifyTheFile(t *testing.T) {
	f := sampleFile()
	f.Entities[0], f.Entities[1] = f.Entities[1], f.Entities[0]
	before := append([]Entry(nil), f.Entities...)
	mustEncode(t, f)
	if !reflect.DeepEqual(f.Entities, before) {
		t.Errorf("Encode reordered the file's entities")
	}
}

func TestDecodeNormalizes(t *testing.T) {
	data := `{"format_version": 1, "lineage": "l", "serial": 3,
	  "target": {"source": "api", "scope": "s"},
	  "entities": [
	    {"address": "entity.b", "object": {"_key": "b", "n": [1.50, 1e3, -0, 0.0000001, 12345678901234567890]}},
	    {"object": {"_key": "a", "s": "caf\u00e9 \ud83d\ude00 \ud800 \"\\\/\b\f\n\r\t"}, "address": "entity.a"}
	  ],
	  "relationships": []}`
	f := mustDecode(t, []byte(data))
	if got := []string{f.Entities[0].Key(), f.Entities[1].Key()}; !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("entities not sorted by _key: %v", got)
	}
	wantNumbers := []any{n("1.5"), n("1000"), n("0"), n("1e-07"), n("12345678901234567890")}
	if got := f.Entities[1].Object["n"]; !reflect.DeepEqual(got, wantNumbers) {
		t.Errorf("numbers = %#v, want %#v", got, wantNumbers)
	}
	if got, want := f.Entities[0].Object["s"], "café 😀 \ufffd \"\\/\b\f\n\r\t"; got != want {
		t.Errorf("string = %q, want %q", got, want)
	}
	if f.ToolVersion != "" || f.LastJob != nil || f.PendingJob != nil {
		t.Errorf("absent optional fields decoded as %q %v %v", f.ToolVersion, f.LastJob, f.PendingJob)
	}
}

func TestDecodeErrors(t *testing.T) {
	const head = `"format_version": 1, "lineage": "l", "serial": 1, "target": {"source": "api", "scope": "s"}`
	entities := func(list string) string {
		return `{` + head + `, "entities": [` + list + `], "relationships": []}`
	}
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"empty file", ``, []string{"line 1, column 1: unexpected end of file", "restore the previous version from state.json.backup"}},
		{"truncated", `{` + head + `, "entities": [{"address": "a", "obj`, []string{"line 1, column ", "string is not terminated", "damaged"}},
		{"not an object", `[]`, []string{"line 1, column 1: unexpected '['"}},
		{"trailing data", entities(``) + `}`, []string{"after the top-level value"}},
		{"foreign file", `{"version": 4, "terraform_version": "1.9.0"}`, []string{"this is not a j1hcl state file (it has no format_version): check the path given with -state"}},
		{"newer version", `{"format_version": 2, "lineage": "l", "shiny": true}`, []string{"format version 2 was written by a newer j1hcl (this j1hcl reads versions up to 1): upgrade j1hcl"}},
		{"newer version, changed shape", `{"format_version": 7, "entities": {"by_key": {}}}`, []string{"format version 7 was written by a newer j1hcl"}},
		{"unknown field", `{` + head + `, "entities": [], "relationships": [], "extra": 1}`, []string{`line 1, column 132: unknown field "extra" in a format version 1 state`}},
		{"duplicate field", `{` + head + `, "serial": 2}`, []string{`field "serial" appears twice`}},
		{"no lineage", `{"format_version": 1, "target": {"source": "api"}}`, []string{"no lineage"}},
		{"empty lineage", `{"format_version": 1, "lineage": "", "target": {"source": "api"}}`, []string{"no lineage"}},
		{"no target", `{"format_version": 1, "lineage": "l"}`, []string{"the state has no target"}},
		{"invalid target", `{"format_version": 1, "lineage": "l", "target": {"source": "integration-external"}}`, []string{"needs an integration_instance_id"}},
		{"unknown target field", `{"format_version": 1, "lineage": "l", "target": {"source": "api", "region": "us"}}`, []string{`unknown field "region" in target`}},
		{"format 0 with a target", `{"format_version": 0, "lineage": "l", "integration_instance_id": "i", "target": {"source": "api"}}`, []string{`unknown field "target" in a format version 0 state`}},
		{"format 0 without instance", `{"format_version": 0, "lineage": "l"}`, []string{"needs integration_instance_id"}},
		{"negative serial", `{"format_version": 1, "serial": -1}`, []string{"serial must be a whole number from 0 to"}},
		{"fractional version", `{"format_version": 1.5}`, []string{"format_version must be a whole number"}},
		{"missing _key", entities(`{"address": "entity.a", "object": {"_type": "t"}}`), []string{"line 1, column 142: entities[0].object has no _key"}},
		{"_key not a string", entities(`{"address": "entity.a", "object": {"_key": 7}}`), []string{"entities[0].object has no _key"}},
		{"object not an object", entities(`{"address": "entity.a", "object": []}`), []string{"entities[0].object is a list, not an object"}},
		{"entry without object", entities(`{"address": "entity.a"}`), []string{`entities[0] has no "object"`}},
		{"unknown entry field", entities(`{"address": "entity.a", "kind": "entity", "object": {"_key": "a"}}`), []string{`entities[0]: unknown field "kind"`}},
		{"duplicate _key", entities(`{"address": "entity.a", "object": {"_key": "k"}}, {"address": "entity.b", "object": {"_key": "k"}}`),
			[]string{`entities: _key "k" appears twice (addresses "entity.a" and "entity.b")`}},
		{"duplicate _key, out of order", entities(`{"address": "entity.b", "object": {"_key": "k"}}, {"address": "entity.c", "object": {"_key": "a"}}, {"address": "entity.a", "object": {"_key": "k"}}`),
			[]string{`entities: _key "k" appears twice (addresses "entity.a" and "entity.b")`}},
		{"duplicate property", entities(`{"address": "entity.a", "object": {"_key": "a", "x": 1, "x": 2}}`), []string{`property "x" appears twice in one object`}},
		{"bad number", entities(`{"address": "entity.a", "object": {"_key": "a", "x": 01}}`), []string{"unexpected '1' after an object member"}},
		{"huge number", entities(`{"address": "entity.a", "object": {"_key": "a", "x": 1e999999999999}}`), []string{`line 1, column 161: number 1e999999999999 is out of range`}},
		{"control character", entities("{\"address\": \"entity.a\", \"object\": {\"_key\": \"a\tb\"}}"), []string{"control character byte 0x09 inside a string"}},
		{"bad escape", entities(`{"address": "entity.a", "object": {"_key": "a\qb"}}`), []string{`invalid escape "\\q"`}},
		{"last job without id", `{` + head + `, "last_job": {"status": "FINISHED"}}`, []string{"last_job has no id"}},
		{"bad finished_at", `{` + head + `, "last_job": {"id": "j", "finished_at": "yesterday"}}`, []string{`last_job.finished_at is not an RFC 3339 time: "yesterday"`}},
		{"pending job entries", `{` + head + `, "pending_job": {"id": "j", "entities": [{"object": {}}]}}`, []string{"pending_job.entities[0].object has no _key"}},
		{"line numbers", "{\n  \"format_version\": 1,\n  \"lineage\": 5\n}", []string{"line 3, column 14: unexpected '5' where lineage (a string) should be"}},
		{"deep nesting", entities(`{"address": "a", "object": {"_key": "a", "x": ` + strings.Repeat("[", model.MaxJSONDepth+1)), []string{"nested more than 10000 deep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.input), "state.json")
			if err == nil {
				t.Fatal("Decode succeeded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "state file state.json: ") {
				t.Errorf("error does not name the file: %s", msg)
			}
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if newer := strings.Contains(tt.name, "newer"); errors.Is(err, ErrNewerFormat) != newer {
				t.Errorf("errors.Is(err, ErrNewerFormat) = %v, want %v", !newer, newer)
			}
		})
	}
}

func TestReadMissingFile(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "j1hcl.state.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Read of a missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestUpgradeFromFormat0(t *testing.T) {
	f := mustDecode(t, readTestdata(t, "v0.state.json"))
	if f.FormatVersion != FormatVersion {
		t.Errorf("FormatVersion = %d, want %d", f.FormatVersion, FormatVersion)
	}
	want := Target{Source: SourceIntegrationExternal, IntegrationInstanceID: "7b1f6a3e-0c1d-4d2e-9f00-1234567890ab"}
	if !f.Target.Equal(want) {
		t.Errorf("Target = %+v, want %+v", f.Target, want)
	}
	if f.Serial != 4 || len(f.Entities) != 2 || len(f.Relationships) != 1 {
		t.Errorf("serial %d, %d entities, %d relationships; want 4, 2, 1", f.Serial, len(f.Entities), len(f.Relationships))
	}
	golden(t, "v0-upgraded.state.json", mustEncode(t, f))
}

func TestGraph(t *testing.T) {
	g := sampleFile().Graph()
	var got []string
	for _, o := range g.All() {
		got = append(got, o.Kind.String()+" "+o.Address+" "+o.Key())
	}
	want := []string{
		"entity entity.application.slack acme:application:slack",
		"entity entity.team.engineering acme:team:engineering",
		"mapped_relationship mapped_relationship.slack_uses_role acme:application:slack|uses|arn:aws:iam::123456789012:role/SlackProvisioner",
		"relationship relationship.eng_owns_slack acme:team:engineering|owns|acme:application:slack",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Graph objects:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestHash(t *testing.T) {
	f := sampleFile()
	if got, want := f.Hash(), model.HashGraph(sampleGraph()); got != want {
		t.Errorf("Hash = %s, want model.HashGraph of the same objects %s", got, want)
	}
	other := sampleFile()
	other.Entities[0].Object["cost"] = n("1")
	if f.Hash() == other.Hash() {
		t.Errorf("Hash did not change with a property")
	}
}

func TestSetObjects(t *testing.T) {
	tests := []struct {
		name        string
		modify      func(g *model.Graph)
		wantChanged bool
	}{
		{"same objects", func(*model.Graph) {}, false},
		{"other order", func(g *model.Graph) { g.Entities[0], g.Entities[1] = g.Entities[1], g.Entities[0] }, false},
		{"number spelled differently", func(g *model.Graph) { g.Entities[1].Props["cost"] = n("1420.50") }, false},
		{"property changed", func(g *model.Graph) { g.Entities[0].Props["email"] = "team@acme.example" }, true},
		{"property added", func(g *model.Graph) { g.Relationships[0].Props["weight"] = n("2") }, true},
		{"object removed", func(g *model.Graph) { g.Relationships = g.Relationships[:1] }, true},
		{"address moved", func(g *model.Graph) { g.Entities[0].Address = "entity.team.eng" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleFile()
			g := sampleGraph()
			tt.modify(g)
			if changed := f.SetObjects(g); changed != tt.wantChanged {
				t.Errorf("SetObjects changed = %v, want %v", changed, tt.wantChanged)
			}
			if f.Serial != 12 {
				t.Errorf("SetObjects changed Serial to %d", f.Serial)
			}
			if !reflect.DeepEqual(f.Entities, EntriesOf(g.Entities)) || !reflect.DeepEqual(f.Relationships, EntriesOf(g.Relationships)) {
				t.Errorf("SetObjects did not record the graph's objects")
			}
		})
	}
}

func TestEntriesOfSortsByKeyThenAddress(t *testing.T) {
	objs := []*model.Object{
		entity("entity.c", model.Properties{"_key": "b"}),
		entity("entity.b", model.Properties{"_key": "a"}),
		entity("entity.a", model.Properties{"_key": "b"}),
	}
	var got []string
	for _, e := range EntriesOf(objs) {
		got = append(got, e.Key()+" "+e.Address)
	}
	if want := []string{"a entity.b", "b entity.a", "b entity.c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("EntriesOf order = %v, want %v", got, want)
	}
}

func TestCommit(t *testing.T) {
	job := Job{ID: "5d1a0000-0000-4000-8000-000000000002", SyncMode: "DIFF", Status: JobFinished, FinishedAt: "2026-01-03T04:05:07Z"}
	t.Run("changed", func(t *testing.T) {
		f := sampleFile()
		next := f.PendingJob.Graph()
		if !f.Commit(next, job) {
			t.Error("Commit reported no change")
		}
		if f.Serial != 13 || *f.LastJob != job || f.PendingJob != nil {
			t.Errorf("after Commit: serial %d, last job %+v, pending %+v", f.Serial, f.LastJob, f.PendingJob)
		}
		if len(f.Entities) != 1 || len(f.Relationships) != 0 {
			t.Errorf("after Commit: %d entities, %d relationships; want 1, 0", len(f.Entities), len(f.Relationships))
		}
	})
	t.Run("unchanged", func(t *testing.T) {
		f := sampleFile()
		if f.Commit(sampleGraph(), job) {
			t.Error("Commit reported a change")
		}
		if f.Serial != 12 || *f.LastJob != job {
			t.Errorf("after Commit: serial %d, last job %+v", f.Serial, f.LastJob)
		}
	})
	t.Run("other pending job stays", func(t *testing.T) {
		f := sampleFile()
		other := job
		other.ID = "another"
		f.Commit(sampleGraph(), other)
		if f.PendingJob == nil {
			t.Error("Commit cleared the pending record of another job")
		}
	})
}

func TestResolvePending(t *testing.T) {
	const id = "5d1a0000-0000-4000-8000-000000000002"
	tests := []struct {
		name          string
		job           Job
		wantCommitted bool
		wantErr       string
		wantPending   bool
		wantSerial    uint64
	}{
		{"finished", Job{ID: id, Status: JobFinished}, true, "", false, 13},
		{"failed", Job{ID: id, Status: "ERROR_BAD_DATA"}, false, "", false, 12},
		{"aborted", Job{ID: id, Status: "ABORTED"}, false, "", false, 12},
		{"still running", Job{ID: id, Status: "FINALIZING_ENTITIES"}, false, "is still running", true, 12},
		{"another job", Job{ID: "x", Status: JobFinished}, false, "is not the pending job", true, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleFile()
			committed, err := f.ResolvePending(tt.job)
			if committed != tt.wantCommitted || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("ResolvePending = %v, %v; want %v, error containing %q", committed, err, tt.wantCommitted, tt.wantErr)
			}
			if (f.PendingJob != nil) != tt.wantPending || f.Serial != tt.wantSerial {
				t.Errorf("after ResolvePending: pending %v, serial %d; want pending %v, serial %d", f.PendingJob != nil, f.Serial, tt.wantPending, tt.wantSerial)
			}
			if committed && (f.LastJob.ID != id || f.LastJob.SyncMode != "DIFF") {
				t.Errorf("last job %+v, want the pending job with its sync mode", f.LastJob)
			}
		})
	}
	if _, err := New(sampleTarget(), "").ResolvePending(Job{ID: id}); err == nil {
		t.Error("ResolvePending without a pending job succeeded")
	}
}

func TestTarget(t *testing.T) {
	tests := []struct {
		target    Target
		str       string
		validErr  string
		equalSelf bool
	}{
		{Target{Source: SourceIntegrationExternal, IntegrationInstanceID: "abc"}, `integration instance "abc"`, "", true},
		{Target{Source: SourceAPI, Scope: "asset-inventory"}, `scope "asset-inventory"`, "", true},
		{Target{Source: SourceAPI}, `source "api" without a scope`, "", true},
		{Target{Source: SourceIntegrationExternal}, `integration instance ""`, "needs an integration_instance_id", true},
		{Target{Source: SourceIntegrationExternal, IntegrationInstanceID: "a", Scope: "s"}, `integration instance "a"`, "cannot have a scope", true},
		{Target{Source: SourceAPI, IntegrationInstanceID: "a"}, `source "api" without a scope`, "cannot have an integration_instance_id", true},
		{Target{Source: "integration-managed"}, `source "integration-managed"`, "unknown target source", true},
		{Target{}, `source ""`, "has no source", true},
	}
	for _, tt := range tests {
		if got := tt.target.String(); got != tt.str {
			t.Errorf("%+v.String() = %q, want %q", tt.target, got, tt.str)
		}
		err := tt.target.Validate()
		if (err == nil) != (tt.validErr == "") || (err != nil && !strings.Contains(err.Error(), tt.validErr)) {
			t.Errorf("%+v.Validate() = %v, want %q", tt.target, err, tt.validErr)
		}
	}
}

func TestCheckTarget(t *testing.T) {
	f := New(Target{Source: SourceIntegrationExternal, IntegrationInstanceID: "abc"}, "")
	if err := f.CheckTarget(Target{Source: SourceIntegrationExternal, IntegrationInstanceID: "abc"}); err != nil {
		t.Errorf("CheckTarget of the same target: %v", err)
	}
	for _, other := range []Target{
		{Source: SourceIntegrationExternal, IntegrationInstanceID: "def"},
		{Source: SourceAPI, Scope: "abc"},
	} {
		err := f.CheckTarget(other)
		var mismatch *TargetMismatchError
		if !errors.As(err, &mismatch) {
			t.Fatalf("CheckTarget(%v) = %v, want a *TargetMismatchError", other, err)
		}
		msg := err.Error()
		for _, want := range []string{`the state file records integration instance "abc"`, "the configuration targets " + other.String(), "-state=PATH"} {
			if !strings.Contains(msg, want) {
				t.Errorf("CheckTarget error %q does not contain %q", msg, want)
			}
		}
	}
}

func TestCheckReplace(t *testing.T) {
	current := sampleFile()
	newer := sampleFile()
	newer.Serial++
	older := sampleFile()
	older.Serial--
	other := sampleFile()
	other.Lineage = "00000000-0000-4000-8000-000000000000"
	edited := sampleFile()
	edited.SetObjects(&model.Graph{})
	tests := []struct {
		name          string
		current, next *File
		want          string // "" for no error
	}{
		{"no stored state", nil, newer, ""},
		{"a newer serial", current, newer, ""},
		{"the same state", current, sampleFile(), ""},
		{"another lineage", current, other, "different states"},
		{"an older serial", current, older, "newer than the new one's"},
		{"the same serial, other objects", current, edited, "edited by hand"},
	}
	for _, tt := range tests {
		err := CheckReplace(tt.current, tt.next)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: CheckReplace = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestDecodeLargeReportsTheFirstBadEntry: in lists parsed in parallel, the error is the one of
// the first bad entry, as when they are parsed in order.
func TestDecodeLargeReportsTheFirstBadEntry(t *testing.T) {
	f := New(sampleTarget(), "0.3.0")
	f.SetObjects(benchGraph(6000))
	data := string(mustEncode(t, f))
	for _, bad := range []int{5999, 4500, 10} {
		key := fmt.Sprintf(`"_key": "acme:host:host-%06d"`, bad)
		if !strings.Contains(data, key) {
			t.Fatalf("no %s in the encoded state", key)
		}
		data = strings.Replace(data, key, `"_key": ""`, 1)
		_, err := Decode([]byte(data), "state.json")
		if want := fmt.Sprintf("entities[%d].object has no _key", bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("entity %d without _key: got %v, want an error with %q", bad, err, want)
		}
	}
}

// TestResolvePendingSortsARecordMadeElsewhere: a pending record not made by RecordPending (a
// file edited by hand, a caller's literal) is committed in canonical order: entries by _key,
// then address, sensitive names sorted. Each disorder alone is enough to be put right.
func TestResolvePendingSortsARecordMadeElsewhere(t *testing.T) {
	const id = "5d1a0000-0000-4000-8000-000000000002"
	for _, tt := range []struct {
		name    string
		entries []Entry
		want    []string
	}{
		{"entries out of order", []Entry{
			{Address: "entity.b", Object: model.Properties{"_key": "k2"}},
			{Address: "entity.z", Object: model.Properties{"_key": "k1"}},
			{Address: "entity.a", Object: model.Properties{"_key": "k1", "p": "x", "q": "y"}, Sensitive: []string{"p", "q"}},
		}, []string{"k1 entity.a p,q", "k1 entity.z ", "k2 entity.b "}},
		{"sensitive names out of order", []Entry{
			{Address: "entity.a", Object: model.Properties{"_key": "k1", "p": "x", "q": "y"}, Sensitive: []string{"q", "p"}},
			{Address: "entity.b", Object: model.Properties{"_key": "k2"}},
		}, []string{"k1 entity.a p,q", "k2 entity.b "}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleFile()
			f.PendingJob = &PendingJob{ID: id, SyncMode: "DIFF", RecordedAt: "2026-01-02T03:04:05Z", Entities: tt.entries, Relationships: []Entry{}}
			if _, err := f.ResolvePending(Job{ID: id, Status: JobFinished}); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range f.Entities {
				got = append(got, e.Key()+" "+e.Address+" "+strings.Join(e.Sensitive, ","))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("committed entities %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSortedEntries(t *testing.T) {
	e := func(key, address string) Entry { return Entry{Address: address, Object: model.Properties{"_key": key}} }
	for _, tt := range []struct {
		list []Entry
		want bool
	}{
		{nil, true},
		{[]Entry{e("a", "x")}, true},
		{[]Entry{e("a", "x"), e("b", "a")}, true},
		{[]Entry{e("b", "a"), e("a", "x")}, false},
		{[]Entry{e("a", "x"), e("a", "y")}, true},
		{[]Entry{e("a", "y"), e("a", "x")}, false},
		{[]Entry{e("a", "x"), e("a", "x")}, true}, // the same _key and address twice is sorted; canonicalEntries refuses it
		{[]Entry{e("a", "x"), e("c", "x"), e("b", "x")}, false},
	} {
		if got := sortedEntries(tt.list); got != tt.want {
			t.Errorf("sortedEntries(%v) = %v, want %v", tt.list, got, tt.want)
		}
	}
}

// TestResolvePendingSortsSensitiveNamesOfAWrittenRecord: a pending record written as read
// from a file (its lists sorted, one entry's sensitive names not) has its text kept for the
// commit's write; resolving it still sorts those names.
func TestResolvePendingSortsSensitiveNamesOfAWrittenRecord(t *testing.T) {
	const id = "5d1a0000-0000-4000-8000-000000000002"
	f := sampleFile()
	f.PendingJob = &PendingJob{ID: id, SyncMode: "DIFF", RecordedAt: "2026-01-02T03:04:05Z",
		Entities: []Entry{
			{Address: "entity.a", Object: model.Properties{"_key": "k1", "p": "x", "q": "y"}, Sensitive: []string{"q", "p"}},
			{Address: "entity.b", Object: model.Properties{"_key": "k2"}},
		},
		Relationships: []Entry{},
	}
	mustEncode(t, f)
	if !pendingText.holds(f.PendingJob.Entities) {
		t.Fatal("the written record's text is not kept")
	}
	if _, err := f.ResolvePending(Job{ID: id, Status: JobFinished}); err != nil {
		t.Fatal(err)
	}
	if got := f.Entities[0].Sensitive; !slices.Equal(got, []string{"p", "q"}) {
		t.Errorf("sensitive names %q, want them sorted", got)
	}
}
