package importjson

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConvertRejectsInvalidInput(t *testing.T) {
	const team = `"_type": "team_acme", "_class": "Team", "name": "a", "displayName": "a"`
	const rel = `"_type": "t", "_class": "HAS", "_fromEntityKey": "a", "_toEntityKey": "b"`
	mapped := func(mapping string) string {
		return `{"relationships": [{"_key": "m", "_type": "t", "_class": "HAS", "_mapping": ` + mapping + `}]}`
	}
	tests := []struct {
		name, payload, opt, want string
	}{
		{"not JSON", `entities: []`, "", "not valid JSON at line 1, column 1"},
		{"truncated", `{"entities": [`, "", "not valid JSON: the input ends early"},
		{"syntax error position", "{\"entities\": [\n  {\"_key\": \"a\",}\n]}", "", "not valid JSON at line 2, column 15"},
		{"not an object", `[{"_key": "a"}]`, "", "the payload must be a JSON object"},
		{"list is an object", `{"entities": {}}`, "", `"entities" must be an array of objects, not an object`},
		{"element is not an object", `{"entities": [{"_key": "a", ` + team + `}, 7]}`, "", "entities[1]: not an object but a number"},
		{"unknown top-level field", `{"entities": [], "jobId": "x"}`, "", `unexpected top-level field "jobId"`},
		{"list twice", `{"entities": [], "entities": []}`, "", `the payload has "entities" twice`},
		{"trailing data", `{"entities": []} {}`, "", "unexpected data after the payload object at line 1, column 18"},
		{"empty", `{"entities": [], "relationships": null}`, "", "nothing to import"},
		{"no _key", `{"entities": [{` + team + `}]}`, "", "entities[0]: _key is missing"},
		{"_key not a string", `{"entities": [{"_key": 5, ` + team + `}]}`, "", "entities[0]: _key must be a non-empty string, not the number 5"},
		{"_key empty", `{"entities": [{"_key": "", ` + team + `}]}`, "", "entities[0]: _key must be a non-empty string, not an empty string"},
		{"_key null", `{"entities": [{"_key": null, ` + team + `}]}`, "", "entities[0]: _key is missing"},
		{"no _type", `{"entities": [{"_key": "a", "_class": "Team"}]}`, "", `entities[0] (_key "a"): _type is missing`},
		{"duplicate entity key", `{"entities": [{"_key": "a", ` + team + `}, {"_key": "a", ` + team + `}]}`, "",
			`entities[1] (_key "a"): duplicate _key: entities[0] (_key "a") has the same one`},
		{"property twice", `{"entities": [{"_key": "a", "name": "x", ` + team + `}]}`, "", `entities[0] (_key "a"): property "name" is written twice`},
		{"nested object", `{"entities": [{"_key": "a", ` + team + `, "os": {"name": "linux"}}]}`, "", `entities[0] (_key "a"): property "os" holds an object`},
		{"object in a list", `{"entities": [{"_key": "a", ` + team + `, "tags": ["x", {"y": 1}]}]}`, "", `entities[0] (_key "a"): property "tags" holds an object`},
		{"meta-argument name", `{"entities": [{"_key": "a", ` + team + `, "for_each": "x"}]}`, "", `entities[0] (_key "a"): property "for_each" cannot be written in j1hcl: it is a meta-argument of entity blocks`},
		{"relationship meta-argument name", `{"relationships": [{"_key": "r", ` + rel + `, "from": "x"}]}`, "", `relationships[0] (_key "r"): property "from" cannot be written`},
		{"name not NFC", `{"entities": [{"_key": "a", ` + team + `, "cafe\u0301": 1}]}`, "", "property name \"cafe\u0301\" is not in Unicode normalization form C"},
		{"relationship without class", `{"relationships": [{"_key": "r", "_type": "t", "_fromEntityKey": "a", "_toEntityKey": "b"}]}`, "", `relationships[0] (_key "r"): _class is missing`},
		{"relationship class list", `{"relationships": [{"_key": "r", "_type": "t", "_class": ["HAS"], "_fromEntityKey": "a", "_toEntityKey": "b"}]}`, "", `_class must be a non-empty string, not a list`},
		{"relationship without to", `{"relationships": [{"_key": "r", "_type": "t", "_class": "HAS", "_fromEntityKey": "a"}]}`, "", `relationships[0] (_key "r"): _toEntityKey is missing`},
		{"duplicate relationship key", `{"relationships": [{"_key": "r", ` + rel + `}, {"_key": "r", "_type": "t", "_class": "HAS", "_mapping": {"sourceEntityKey": "a", "targetEntity": {"_type": "x"}}}]}`, "",
			`relationships[1] (_key "r"): duplicate _key: relationships[0] (_key "r") has the same one`},
		{"mapping not an object", mapped(`"x"`), "", `relationships[0] (_key "m"): _mapping must be an object, not the string "x"`},
		{"mapping unknown field", mapped(`{"sourceEntityKey": "a", "targetEntity": {}, "extra": 1}`), "", `_mapping has the unknown field "extra"`},
		{"mapping without source", mapped(`{"targetEntity": {"_type": "x"}}`), "", `_mapping.sourceEntityKey must be a non-empty string, not null`},
		{"mapping direction", mapped(`{"sourceEntityKey": "a", "relationshipDirection": "UP", "targetEntity": {}}`), "", `_mapping.relationshipDirection must be "FORWARD" or "REVERSE", not "UP"`},
		{"mapping filter keys", mapped(`{"sourceEntityKey": "a", "targetFilterKeys": ["_type"], "targetEntity": {}}`), "", `_mapping.targetFilterKeys must be a list of lists of property names`},
		{"mapping without target", mapped(`{"sourceEntityKey": "a"}`), "", `_mapping.targetEntity must be an object of the properties that identify the target, not null`},
		{"mapping nested target", mapped(`{"sourceEntityKey": "a", "targetEntity": {"tags": {"a": 1}}}`), "", `_mapping.targetEntity.tags holds an object`},
		{"mapping skip", mapped(`{"sourceEntityKey": "a", "targetEntity": {}, "skipTargetCreation": "yes"}`), "", `_mapping.skipTargetCreation must be true or false, not the string "yes"`},
		{"no integration type", `{"entities": [{"_key": "a", "_type": "host", "_class": "Host", "name": "a"}]}`, "", "cannot derive the integration type"},
		{"bad integration type option", `{"entities": [{"_key": "a", ` + team + `}]}`, "My_Acme", `integration type "My_Acme" is not lower-case words joined by dashes or underscores`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Convert([]byte(tt.payload), Options{IntegrationType: tt.opt})
			if err == nil {
				t.Fatalf("Convert succeeded, want an error containing %q; files:\n%s", tt.want, res.Files[0].Content)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// TestConvertNotes covers payloads j1hcl cannot reproduce byte for byte: every difference is
// reported as a note, and the configuration evaluates to exactly the payload with the notes
// applied.
func TestConvertNotes(t *testing.T) {
	payload := `{
  "entities": [
    {"_key": "acme:team:a", "_type": "team_acme", "_class": "Team", "name": "a", "category": null},
    {"_key": "acme:team:b", "_type": "team_acme", "_class": "Team", "name": "b", "displayName": "cafe\u0301"}
  ],
  "relationships": [
    {"_key": "acme:team:a|has|acme:team:b", "_type": "team_acme_has_acme", "_class": "has",
     "_fromEntityKey": "acme:team:a", "_toEntityKey": "acme:team:b"},
    {"_key": "m", "_type": "team_acme_uses_aws_iam_role", "_class": "USES",
     "_mapping": {"sourceEntityKey": "acme:team:a", "relationshipDirection": "reverse",
                  "targetEntity": {"_type": "aws_iam_role", "_key": "arn", "region": null}}}
  ]
}`
	res, err := Convert([]byte(payload), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		noteNull:         {`entities[0] (_key "acme:team:a")`, `relationships[1] (_key "m")`},
		noteDisplayName:  {`entities[0] (_key "acme:team:a")`},
		noteNFC:          {`entities[1] (_key "acme:team:b")`},
		noteClassCase:    {`relationships[0] (_key "acme:team:a|has|acme:team:b")`},
		noteDirection:    {`relationships[1] (_key "m")`},
		noteFilterKeys:   {`relationships[1] (_key "m")`},
		noteSkipCreation: {`relationships[1] (_key "m")`},
	}
	got := map[string][]string{}
	for _, n := range res.Notes {
		got[n.Message] = n.Elements
	}
	for msg, elems := range want {
		if strings.Join(got[msg], "; ") != strings.Join(elems, "; ") {
			t.Errorf("note %q: elements %q, want %q", msg, got[msg], elems)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d notes, want %d: %v", len(got), len(want), res.Notes)
	}
	if err := res.Verify(); err != nil {
		t.Fatal(err)
	}
	main := string(res.Files[0].Content)
	for _, s := range []string{`_class = "HAS"`, `direction = "REVERSE"`, "normalizations"} {
		if !strings.Contains(main, s) {
			t.Errorf("main.hcl lacks %q:\n%s", s, main)
		}
	}
}

func TestDerivation(t *testing.T) {
	entity := func(key, typ, name string) string {
		return `{"_key": "` + key + `", "_type": "` + typ + `", "_class": "X", "name": "` + name + `", "displayName": "` + name + `"}`
	}
	tests := []struct {
		name     string
		entities []string
		// integration type, key_prefix, and the entity addresses in payload order
		typ, prefix string
		addresses   []string
	}{
		{
			name:     "most common type wins; others keep their _type",
			entities: []string{entity("a:host:x", "host_acme", "x"), entity("a:host:y", "host_acme", "y"), entity("z", "user_other", "z")},
			typ:      "acme", prefix: "a",
			addresses: []string{"entity.host.x", "entity.host.y", "entity.user_other.z"},
		},
		{
			name:     "a tie goes to the type with a dash",
			entities: []string{entity("k1", "host_plain", "x"), entity("k2", "host_my-acme", "y")},
			typ:      "my-acme", prefix: "",
			addresses: []string{"entity.host_plain.x", "entity.host.y"},
		},
		{
			name:     "key_prefix is the prefix most default keys share; the type when it is the same",
			entities: []string{entity("my-acme:host:x", "host_my-acme", "x"), entity("legacy:host:y", "host_my-acme", "y"), entity("my-acme:user:z", "user_my-acme", "z")},
			typ:      "my-acme", prefix: "",
			addresses: []string{"entity.host.x", "entity.host.y", "entity.user.z"},
		},
		{
			name: "names: the key's last part when the key is the default, else the name, unique",
			entities: []string{
				entity("p:host:web-1", "host_acme", "Web One"), entity("id-1", "host_acme", "Web One"),
				entity("id-2", "host_acme", "Web One"), entity("id-3", "host_acme", "web-1"), entity("id-4", "host_acme", "42"),
				entity("p:host:web_one", "host_acme", "other"),
			},
			typ: "acme", prefix: "p",
			addresses: []string{"entity.host.web-1", "entity.host.web_one_2", "entity.host.web_one_3", "entity.host.web_1", "entity.host.host_42", "entity.host.web_one"},
		},
		{
			name: "keywords as names, in blocks and references",
			entities: []string{
				entity("p:host:for", "host_acme", "a"), entity("p:host:null", "host_acme", "b"),
				entity("p:true:in", "true_acme", "c"), entity("p:host:if", "host_acme", "d"),
			},
			typ: "acme", prefix: "p",
			addresses: []string{"entity.host.for", "entity.host.null", "entity.true.in", "entity.host.if"},
		},
		{
			name:     "provider_resource types: the provider their names share",
			entities: []string{entity("k1", "acme_hr_employee", "x"), entity("k2", "acme_hr_employee", "y"), entity("k3", "acme_hr_department", "z")},
			typ:      "acme_hr", prefix: "",
			addresses: []string{"entity.employee.x", "entity.employee.y", "entity.department.z"},
		},
		{
			name:     "one provider_resource type",
			entities: []string{entity("k1", "acme_hr_employee", "x")},
			typ:      "acme_hr", prefix: "",
			addresses: []string{"entity.employee.x"},
		},
		{
			name:     "provider_resource types with resources of several words",
			entities: []string{entity("k1", "aws_iam_role", "a"), entity("k2", "aws_s3_bucket", "b")},
			typ:      "aws", prefix: "",
			addresses: []string{"entity.iam_role.a", "entity.s3_bucket.b"},
		},
		{
			name:     "a resource of several words with the type as suffix",
			entities: []string{entity("k1", "data_store_acme", "a"), entity("k2", "user_acme", "b")},
			typ:      "acme", prefix: "",
			addresses: []string{"entity.data_store.a", "entity.user.b"},
		},
		{
			name:     "a resource word that is not an identifier",
			entities: []string{entity("k", "data.store_acme", "Orders DB")},
			typ:      "acme", prefix: "",
			addresses: []string{"entity.data_store.orders_db"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A relationship from every entity to the next, so that references to each are
			// written and read back.
			var rels []string
			for i := range tt.entities {
				from := keyOf(tt.entities[i])
				to := keyOf(tt.entities[(i+1)%len(tt.entities)])
				rels = append(rels, `{"_key": "`+from+`>`+to+`", "_type": "t", "_class": "HAS", "_fromEntityKey": "`+from+`", "_toEntityKey": "`+to+`"}`)
			}
			res, err := Convert([]byte(`{"entities": [`+strings.Join(tt.entities, ",")+`], "relationships": [`+strings.Join(rels, ",")+`]}`), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.IntegrationType != tt.typ || res.KeyPrefix != tt.prefix {
				t.Errorf("type %q, key_prefix %q; want %q, %q", res.IntegrationType, res.KeyPrefix, tt.typ, tt.prefix)
			}
			var addrs []string
			for _, o := range res.expected.Entities {
				addrs = append(addrs, o.Address)
			}
			if strings.Join(addrs, " ") != strings.Join(tt.addresses, " ") {
				t.Errorf("addresses %v, want %v", addrs, tt.addresses)
			}
			if err := res.Verify(); err != nil {
				t.Error(err)
			}
		})
	}
}

// -type names a provider-style integration type: its entities are named after their resource.
func TestProviderStyleTypeOption(t *testing.T) {
	payload := `{"entities": [{"_key": "k1", "_type": "acme_hr_employee", "_class": "User", "name": "ann", "displayName": "ann"}]}`
	res, err := Convert([]byte(payload), Options{IntegrationType: "acme_hr"})
	if err != nil {
		t.Fatal(err)
	}
	if res.IntegrationType != "acme_hr" || res.expected.Entities[0].Address != "entity.employee.ann" {
		t.Errorf("type %q, address %q; want acme_hr, entity.employee.ann", res.IntegrationType, res.expected.Entities[0].Address)
	}
	if err := res.Verify(); err != nil {
		t.Error(err)
	}
}

// keyOf extracts the _key of one entity literal of TestDerivation.
func keyOf(entity string) string {
	_, rest, _ := strings.Cut(entity, `"_key": "`)
	key, _, _ := strings.Cut(rest, `"`)
	return key
}

func TestIdentifierPart(t *testing.T) {
	for in, want := range map[string]string{
		"SlackProvisioner":       "slack_provisioner",
		"MyAPIKey":               "my_api_key",
		"web-1":                  "web_1",
		"Jane Doe (ext.)":        "jane_doe_ext",
		"00f4a812-1c4f":          "00f4a812_1c4f",
		"__x__":                  "x",
		"日本":                     "",
		"role/Admin":             "role_admin",
		strings.Repeat("a", 100): strings.Repeat("a", maxLabelPart),
	} {
		if got := identifierPart(in); got != want {
			t.Errorf("identifierPart(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteRefusesExistingConfiguration(t *testing.T) {
	payload, err := os.ReadFile(filepath.Join("testdata", "guide.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Convert(payload, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "other.hcl"), []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = res.Write(dir)
	if err == nil || !strings.Contains(err.Error(), "already holds configuration files (other.hcl)") {
		t.Fatalf("Write into a configuration: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "main.hcl")); !os.IsNotExist(err) {
		t.Errorf("main.hcl was written: %v", err)
	}

	// A file in the way that is not configuration (here a directory named like one of the
	// outputs) fails the write, and nothing is left behind.
	dir = t.TempDir()
	res.Files = append(res.Files, File{Name: "second.hcl", Content: []byte("# x\n")})
	if err := os.Mkdir(filepath.Join(dir, "second.hcl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := res.Write(dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("Write over a directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "main.hcl")); !os.IsNotExist(err) {
		t.Errorf("main.hcl was left behind: %v", err)
	}
}

func TestWarningOutsideEndpoint(t *testing.T) {
	payload, err := os.ReadFile(filepath.Join("testdata", "awkward.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Convert(payload, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Message != warnOutsideEndpoint ||
		strings.Join(res.Warnings[0].Elements, ";") != `relationships[1] (_key "jane-is-jane")` {
		t.Errorf("warnings %v, want one J1P008 warning for relationships[1]", res.Warnings)
	}
}

func TestFileLayout(t *testing.T) {
	// 60 entities over resources whose file names collide (main, and case variants), so the
	// payload is split into files.
	var entities []string
	for i := range 60 {
		typ := []string{"main_acme", "Host_acme", "host_acme", "HOST_acme", "relationships_acme"}[i%5]
		entities = append(entities, fmt.Sprintf(`{"_key": "k%d", "_type": %q, "_class": "X", "name": "n%d", "displayName": "n%d"}`, i, typ, i, i))
	}
	res, err := Convert([]byte(`{"entities": [`+strings.Join(entities, ",")+`]}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range res.Files {
		names = append(names, f.Name)
	}
	want := "main.hcl main.entities.hcl host.hcl host.entities.hcl host.entities-2.hcl relationships.entities.hcl"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("files %s, want %s", got, want)
	}
	if err := res.Verify(); err != nil {
		t.Error(err)
	}
}

func TestSummary(t *testing.T) {
	for _, tt := range []struct {
		r    Result
		want string
	}{
		{Result{Entities: 1}, "1 entity"},
		{Result{Relationships: 2}, "2 relationships"},
		{Result{Entities: 2, MappedRelationships: 1}, "2 entities and 1 mapped relationship"},
		{Result{Entities: 45, Relationships: 27, MappedRelationships: 18}, "45 entities, 27 relationships and 18 mapped relationships"},
	} {
		if got := tt.r.Summary(); got != tt.want {
			t.Errorf("%+v: Summary() = %q, want %q", tt.r, got, tt.want)
		}
	}
}
