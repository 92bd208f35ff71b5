package validate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

func entity(props model.Properties) *model.Object {
	base := model.Properties{"_key": "billing-acme:team:eng", "_type": "team_my-billing-acme", "_class": "Team", "name": "eng", "displayName": "Eng"}
	for k, v := range props {
		if v == deleted {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	return &model.Object{Kind: model.KindEntity, Address: "entity.team.eng", Props: base}
}

// deleted marks a base property the test case removes.
var deleted = &struct{}{}

func num(s string) json.Number { return json.Number(s) }

func TestObjectRules(t *testing.T) {
	long := strings.Repeat("x", MaxStringLength+1)
	tests := []struct {
		name string
		obj  *model.Object
		want []string // "CODE property", in report order
	}{
		{"valid", entity(nil), nil},
		{"J1P001 missing name", entity(model.Properties{"name": deleted}), []string{"J1P001 name"}},
		{"J1P001 bad class", entity(model.Properties{"_class": []any{"Team", json.Number("1")}}), []string{"J1P001 _class"}},
		{"J1P002 nested object", entity(model.Properties{"owner": map[string]any{"name": "x"}}), []string{"J1P002 owner"}},
		{"J1P002 mixed list", entity(model.Properties{"tags": []any{"a", num("1"), true}}), []string{"J1P002 tags"}},
		{"J1P002 null in list", entity(model.Properties{"tags": []any{"a", nil}}), []string{"J1P002 tags"}},
		{"J1P002 infinity", entity(model.Properties{"ratio": num("+Inf")}), []string{"J1P002 ratio"}},
		{"J1P002 negative infinity in list", entity(model.Properties{"samples": []any{num("1"), num("-Inf")}}), []string{"J1P002 samples"}},
		{"J1P002 infinity in a class property", entity(model.Properties{"tags": []any{num("+Inf")}}), []string{"J1P002 tags"}},
		{"J1P003 underscore", entity(model.Properties{"_secretSauce": "x"}), []string{"J1P003 _secretSauce"}},
		{"J1P004 long string", entity(model.Properties{"notes": long}), []string{"J1P004 notes"}},
		{"J1P004 long string in list", entity(model.Properties{"notes": []any{long}}), []string{"J1P004 notes"}},
		{"J1P005 undefined part", entity(model.Properties{"_key": "billing-acme:team:undefined"}), []string{"J1P005 _key"}},
		{"J1P005 nil", entity(model.Properties{"_key": "billing-acme:team:<nil>"}), []string{"J1P005 _key"}},
		{"J1P005 not a part", entity(model.Properties{"_key": "billing-acme:team:nullable"}), nil},
		{"J1P007 unknown class", entity(model.Properties{"_class": "Tema"}), []string{"J1P007 _class"}},
		{"J1P010 createdOn string", entity(model.Properties{"createdOn": "2024-01-01"}), []string{"J1P010 createdOn"}},
		{"J1S301 password", entity(model.Properties{"adminPassword": "hunter2"}), []string{"J1S301 adminPassword"}},
		{"J1S301 boolean is fine", entity(model.Properties{"isTokenExpired": true, "tokenExpiresOn": num("1736294400000")}), nil},
		{"J1S302 aws key", entity(model.Properties{"notes": "key AKIAIOSFODNN7EXAMPLE here"}), []string{"J1S302 notes"}},
		{"J1S302 private key", entity(model.Properties{"cert": "-----BEGIN RSA PRIVATE KEY-----\nMII"}), []string{"J1S302 cert"}},
		{"J1S302 github token", entity(model.Properties{"notes": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"}), []string{"J1S302 notes"}},
		{"J1S302 slack token", entity(model.Properties{"hook": "xoxb-1234567890-abcdef"}), []string{"J1S302 hook"}},
		{"J1S302 jwt", entity(model.Properties{"session": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijk"}), []string{"J1S302 session"}},
		{"J1C201 boolean name", entity(model.Properties{"enabled": true}), []string{"J1C201 enabled"}},
		{"J1C202 epoch seconds", entity(model.Properties{"createdOn": num("1730419200")}), []string{"J1C202 createdOn"}},
		{"J1C203 empty string", entity(model.Properties{"owner": ""}), []string{"J1C203 owner"}},
		{"J1C206 date string", entity(model.Properties{"hiredDate": "2024-11-01"}), []string{"J1C206 hiredDate"}},
		{"J1C207 hand-written type", entity(model.Properties{"_type": "team"}), []string{"J1C207 _type"}},
		{"J1C208 pii", entity(model.Properties{"phoneNumber": "+1 555"}), []string{"J1C208 phoneNumber"}},
		{"J1D403 name characters", entity(model.Properties{"my_prop": "x"}), []string{"J1D403 my_prop"}},
		{"J1D403 tag allowed", entity(model.Properties{"tag.Environment": "prod"}), nil},
		{"J1D407 short key", entity(model.Properties{"_key": "t1"}), []string{"J1D407 _key"}},

		// Class awareness, with the fake data model.
		{"J1C201 class-defined boolean", entity(model.Properties{"_class": "Application", "public": true}), nil},
		{"J1C201 yields to J1C204", entity(model.Properties{"_class": "Application", "Public": true}), []string{"J1C204 Public"}},
		{"J1C204 case", entity(model.Properties{"Email": "eng@example.com"}), []string{"J1C204 Email"}},
		{"J1C204 both set", entity(model.Properties{"Email": "a@example.com", "email": "eng@example.com"}), nil},
		{"J1D401 per class", entity(model.Properties{"_class": "Host"}), []string{"J1D401 "}},
		{"J1D401 one missing", entity(model.Properties{"_class": "User", "email": []any{"a@example.com"}}), []string{"J1D401 "}},
		{"J1D401 leaves name to J1P001", entity(model.Properties{"name": deleted}), []string{"J1P001 name"}},
		{"J1D402 type", entity(model.Properties{"email": num("1")}), []string{"J1D402 email"}},
		{"J1D402 enum", entity(model.Properties{"_class": "Host", "hostname": "web-1", "osType": "Linux"}), []string{"J1D402 osType"}},
		{"J1D402 leaves empty strings to J1C203", entity(model.Properties{"email": ""}), []string{"J1C203 email"}},
		{"J1D402 leaves nested values to J1P002", entity(model.Properties{"email": map[string]any{"a": "b"}}), []string{"J1P002 email"}},
		{"J1D404 deprecated", entity(model.Properties{"_class": "User", "email": []any{"a@example.com"}, "username": []any{"a"}, "active": true}), []string{"J1D404 active"}},
		{"J1D405 abstract", entity(model.Properties{"_class": "Entity"}), []string{"J1D405 _class"}},
		{"J1D405 and J1P007", entity(model.Properties{"_class": []any{"Entity", "Tema"}}), []string{"J1P007 _class", "J1D405 _class"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &model.Graph{Entities: []*model.Object{tt.obj}}
			fs := Graph(g, Options{Mode: "DIFF", IntegrationType: "my-billing-acme", Classes: fakeCatalog{}})
			var got []string
			for _, f := range fs {
				got = append(got, f.Code+" "+f.Property)
				if f.Summary == "" || f.Detail() == "" || strings.HasSuffix(f.Summary, ".") {
					t.Errorf("%s: summary %q / detail %q: want a short summary without a period and a detail", f.Code, f.Summary, f.Detail())
				}
				if !strings.Contains(f.Detail(), "entity.team.eng") {
					t.Errorf("%s: detail %q does not name the object", f.Code, f.Detail())
				}
			}
			if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("findings = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSecretsNeverEchoed(t *testing.T) {
	secret := "AKIAIOSFODNN7EXAMPLE"
	fs := Graph(&model.Graph{Entities: []*model.Object{entity(model.Properties{"apiToken": secret, "notes": secret})}}, Options{})
	if len(fs) != 3 {
		t.Fatalf("want J1S301 and J1S302 on apiToken, J1S302 on notes; got %v", fs)
	}
	for _, f := range fs {
		if strings.Contains(f.Detail(), secret) || strings.Contains(f.Summary, secret) {
			t.Errorf("%s repeats the secret: %s", f.Code, f.Detail())
		}
	}
}

func TestGraphRules(t *testing.T) {
	team := entity(nil)
	app := &model.Object{Kind: model.KindEntity, Address: "entity.application.slack", Props: model.Properties{
		"_key": "billing-acme:app:1", "_type": "application_my-billing-acme", "_class": "Application", "name": "slack", "displayName": "Slack",
		"teamId": "eng", "ownerKey": "billing-acme:team:eng", "cveId": "CVE-2024-0001",
	}}
	dup := &model.Object{Kind: model.KindEntity, Address: "entity.team.copy", Props: model.CloneProperties(team.Props)}
	rel := func(addr, from, to string) *model.Object {
		return &model.Object{Kind: model.KindRelationship, Address: addr, Props: model.Properties{
			"_key": addr + "-key", "_type": "t_owns_a", "_class": "OWNS", "_fromEntityKey": from, "_toEntityKey": to,
		}}
	}
	mapped := &model.Object{Kind: model.KindMappedRelationship, Address: "mapped_relationship.m", Props: model.Properties{
		"_key": "billing-acme:m:1", "_type": "a_uses_role", "_class": "USES",
		"_mapping": map[string]any{"sourceEntityKey": "billing-acme:app:1", "relationshipDirection": "SIDEWAYS",
			"targetFilterKeys": []any{[]any{"_type", "_key"}}, "targetEntity": map[string]any{"_type": "aws_iam_role", "_class": "Rol"}},
	}}
	g := &model.Graph{
		Entities:      []*model.Object{team, app, dup},
		Relationships: []*model.Object{rel("relationship.ok", "billing-acme:team:eng", "billing-acme:app:1"), rel("relationship.dangling", "billing-acme:team:eng", "elsewhere:key:1"), mapped},
	}
	tests := []struct {
		mode string
		want []string
	}{
		{"DIFF", []string{"J1C205 ownerKey", "J1C205 teamId", "J1P008 _toEntityKey", "J1P009 _mapping", "J1P009 _mapping", "J1P009 _mapping", "J1P006 _key"}},
		{"PATCH", []string{"J1C205 ownerKey", "J1C205 teamId", "J1P009 _mapping", "J1P009 _mapping", "J1P009 _mapping", "J1P006 _key"}},
	}
	for _, tt := range tests {
		fs := Graph(g, Options{Mode: tt.mode, IntegrationType: "my-billing-acme", Classes: fakeCatalog{}})
		var got []string
		for _, f := range fs {
			got = append(got, f.Code+" "+f.Property)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: findings = %v, want %v", tt.mode, got, tt.want)
		}
		for _, f := range fs {
			if f.Code == "J1P006" && (f.Related != team || f.Object != dup) {
				t.Errorf("J1P006 should name the copy and relate the first holder")
			}
		}
	}
}

func TestSeverities(t *testing.T) {
	g := &model.Graph{Entities: []*model.Object{entity(model.Properties{"enabled": true, "owner": "", "my_prop": "x"})}}
	fs := Graph(g, Options{Severities: map[string]Severity{"J1C201": Off, "J1C203": Error}, Strict: true})
	got := map[string]Severity{}
	for _, f := range fs {
		got[f.Code] = f.Severity
	}
	want := map[string]Severity{"J1C203": Error, "J1D403": Error}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("severities = %v, want %v", got, want)
	}
	// A rule's own setting wins over strict.
	fs = Graph(g, Options{Severities: map[string]Severity{"J1D403": Warning}, Strict: true})
	for _, f := range fs {
		if f.Code == "J1D403" && f.Severity != Warning {
			t.Errorf("strict with J1D403 = \"warning\": J1D403 is %s", f.Severity)
		}
	}
	// Platform rules stay errors whatever Severities says (CheckOverride refuses the setting
	// before it gets here).
	fs = Graph(&model.Graph{Entities: []*model.Object{entity(model.Properties{"name": deleted})}}, Options{Severities: map[string]Severity{"J1P001": Off}})
	if len(fs) != 1 || fs[0].Severity != Error {
		t.Errorf("J1P001 set off: %v", fs)
	}
	if err := CheckOverride("J1P001", Off); err == nil || !strings.Contains(err.Error(), "platform rule") {
		t.Errorf("turning off a platform rule: %v", err)
	}
	if err := CheckOverride("J1C2O1", Off); err == nil || !strings.Contains(err.Error(), `Did you mean "J1C201"?`) {
		t.Errorf("unknown code: %v", err)
	}
	if err := CheckOverride("J1C201", Off); err != nil {
		t.Errorf("J1C201 off: %v", err)
	}
}

func TestPlatformObject(t *testing.T) {
	bad := entity(model.Properties{"_key": "", "x": map[string]any{}})
	fs := PlatformObject(bad)
	var codes []string
	for _, f := range fs {
		codes = append(codes, f.Code)
	}
	if fmt.Sprint(codes) != "[J1P002 J1P005]" {
		t.Errorf("PlatformObject codes = %v", codes)
	}
}

// TestPlatformCheckerReuse: one PlatformChecker over a sequence of objects answers for each
// exactly what PlatformObject answers alone; nothing carries over from the object before,
// findings or clean results, and a returned slice is not overwritten by the next check.
func TestPlatformCheckerReuse(t *testing.T) {
	mapped := &model.Object{Kind: model.KindMappedRelationship, Address: "m", Props: model.Properties{
		"_key": "billing-acme:m:1", "_type": "a_uses_role", "_class": "USES",
		"_mapping": map[string]any{"sourceEntityKey": "billing-acme:app:1", "relationshipDirection": "SIDEWAYS",
			"targetFilterKeys": []any{[]any{"_type", "_key"}}, "targetEntity": map[string]any{"_type": "aws_iam_role", "_key": "r"}},
	}}
	objs := []*model.Object{
		entity(model.Properties{"_key": "", "x": map[string]any{}}),
		entity(nil),
		mapped,
		{Kind: model.KindRelationship, Address: "r", Props: model.Properties{"_x": "1"}},
		entity(nil),
		{Kind: model.KindEntity, Address: "e", Props: model.Properties{"_x": "1", "_key": "k"}},
	}
	describeAll := func(fs []Finding) string {
		var b strings.Builder
		for _, f := range fs {
			fmt.Fprintf(&b, "%s %s %s: %s\n", f.Code, f.Property, f.Summary, f.Detail())
		}
		return b.String()
	}
	c := NewPlatformChecker()
	var kept []string
	var results [][]Finding
	for i, o := range objs {
		got, want := c.Check(o), PlatformObject(o)
		if describeAll(got) != describeAll(want) {
			t.Errorf("object %d: reused checker found\n%s\nalone:\n%s", i, describeAll(got), describeAll(want))
		}
		kept = append(kept, describeAll(got))
		results = append(results, got)
	}
	if kept[0] == "" || kept[1] != "" || kept[2] == "" {
		t.Fatalf("the cases do not cover findings then none: %q", kept)
	}
	for i, fs := range results {
		if describeAll(fs) != kept[i] {
			t.Errorf("object %d: its findings changed after later checks", i)
		}
	}
}

// TestDuplicateKeysAcrossKinds: entities and relationships share one key space; every later
// holder of a key is reported once, against the first holder, entities before
// relationships.
func TestDuplicateKeysAcrossKinds(t *testing.T) {
	e1, e2, e3 := entity(nil), entity(nil), entity(nil)
	e2.Address, e3.Address = "entity.team.two", "entity.team.three"
	rel := func(addr, key string) *model.Object {
		return &model.Object{Kind: model.KindRelationship, Address: addr, Props: model.Properties{
			"_key": key, "_type": "team_has_team", "_class": "HAS", "_fromEntityKey": e1.Key(), "_toEntityKey": e1.Key(),
		}}
	}
	r1, r2, r3 := rel("relationship.one", "billing-acme:rel:one"), rel("relationship.two", "billing-acme:rel:one"), rel("relationship.three", e1.Key())
	g := &model.Graph{Entities: []*model.Object{e1, e2, e3}, Relationships: []*model.Object{r1, r2, r3}}
	var got []string
	for _, f := range Graph(g, Options{Mode: "DIFF"}) {
		if f.Code == "J1P006" {
			got = append(got, f.Object.Address+" after "+f.Related.Address)
		}
	}
	want := []string{
		"entity.team.two after entity.team.eng",
		"entity.team.three after entity.team.eng",
		"relationship.two after relationship.one",
		"relationship.three after entity.team.eng",
	}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("J1P006 findings:\n got %q\nwant %q", got, want)
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules {
		if seen[r.Code] {
			t.Errorf("rule %s listed twice", r.Code)
		}
		seen[r.Code] = true
		if r.Platform != strings.HasPrefix(r.Code, "J1P") {
			t.Errorf("%s: Platform = %v", r.Code, r.Platform)
		}
	}
	if len(Rules) != 27 {
		t.Errorf("%d rules, want 27 (validation.md)", len(Rules))
	}
}

// TestBooleanNameDefersToDuplicate: a boolean that duplicates a class property gets the
// class's name (J1C204) rather than is<Name> (J1C201), unless J1C204 is off.
func TestBooleanNameDefersToDuplicate(t *testing.T) {
	g := &model.Graph{Entities: []*model.Object{entity(model.Properties{"_class": "Application", "Public": true})}}
	for _, tt := range []struct {
		sev  map[string]Severity
		want string
	}{
		{nil, "J1C204"},
		{map[string]Severity{"J1C204": Off}, "J1C201"},
	} {
		fs := Graph(g, Options{Classes: fakeCatalog{}, Severities: tt.sev})
		if len(fs) != 1 || fs[0].Code != tt.want {
			t.Errorf("severities %v: findings %v, want one %s", tt.sev, fs, tt.want)
		}
	}
}

// TestSensitiveValuesWithheld: values from sensitive variables never appear in a message,
// whichever rule reports them.
func TestSensitiveValuesWithheld(t *testing.T) {
	const secret, date = "s3cr3t-value", "1999-02-03"
	props := model.Properties{
		"createdOn": secret,                          // J1P010
		"hiredDate": date,                            // J1C206
		"email":     []any{secret},                   // J1D402 (the fake wants a string)
		"my_prop":   secret,                          // J1D403
		"notes":     []any{secret, json.Number("1")}, // J1P002
	}
	o := entity(props)
	o.Sensitive = map[string]bool{}
	for k := range props {
		o.Sensitive[k] = true
	}
	fs := Graph(&model.Graph{Entities: []*model.Object{o}}, Options{Classes: fakeCatalog{}})
	if len(fs) != len(props) {
		t.Fatalf("%d findings, want %d: %v", len(fs), len(props), fs)
	}
	for _, f := range fs {
		if strings.Contains(f.Detail(), secret) || strings.Contains(f.Detail(), date) {
			t.Errorf("%s shows a sensitive value: %s", f.Code, f.Detail())
		}
		if !strings.Contains(f.Detail(), sensitiveValue) {
			t.Errorf("%s does not say the value is sensitive: %s", f.Code, f.Detail())
		}
	}
}

// TestReservedNameMessage: J1P003 lists the names the object's kind may use.
func TestReservedNameMessage(t *testing.T) {
	for _, tt := range []struct {
		kind model.Kind
		want string
	}{
		{model.KindEntity, "reserves for _key, _type and _class."},
		{model.KindRelationship, "reserves for _key, _type, _class, _fromEntityKey and _toEntityKey."},
		{model.KindMappedRelationship, "reserves for _key, _type, _class and _mapping."},
	} {
		o := &model.Object{Kind: tt.kind, Address: "x", Props: model.Properties{"_x": "1"}}
		var detail string
		for _, f := range PlatformObject(o) {
			if f.Code == "J1P003" {
				detail = f.Detail()
			}
		}
		if !strings.Contains(detail, tt.want) {
			t.Errorf("%s: J1P003 detail %q, want it to say %q", tt.kind, detail, tt.want)
		}
	}
}

// TestPlatformObjectChecksMappings: the Sync API's per-object rules include J1P009 for mapped
// relationships, so the emulator refuses what its mapper cannot follow.
func TestPlatformObjectChecksMappings(t *testing.T) {
	o := &model.Object{Kind: model.KindMappedRelationship, Props: model.Properties{
		"_key": "billing-acme:m:1", "_type": "a_uses_role", "_class": "USES",
		"_mapping": map[string]any{"sourceEntityKey": "billing-acme:app:1", "relationshipDirection": "SIDEWAYS",
			"targetFilterKeys": []any{[]any{"_type", "_key"}}, "targetEntity": map[string]any{"_type": "aws_iam_role", "_key": "r"}},
	}}
	fs := PlatformObject(o)
	if len(fs) != 1 || fs[0].Code != "J1P009" {
		t.Errorf("findings = %v, want one J1P009", fs)
	}
}

// TestMayBeDate: the pre-check of J1C206 never rejects what isoDate matches.
func TestMayBeDate(t *testing.T) {
	for _, s := range []string{
		"2024-01-01", "2024-01-01T10:00", "2024-01-01 10:00:00.123+02:00", "2024-01-01T10:00:00Z",
		"host-12345", "2024-1-01xx", "20240-01-01", "abcd-ef-gh", "2024-01-0", "2024-01-01T10:00:00.123456789+0200xxxxxxxxxxxxx",
		"٢٠٢٤-01-01", "2024/01/01", "2024-0a-01", "",
	} {
		if isoDate.MatchString(s) && !mayBeDate(s) {
			t.Errorf("mayBeDate(%q) = false, but isoDate matches it", s)
		}
	}
	if mayBeDate("host-12345") {
		t.Error(`mayBeDate("host-12345") = true`)
	}
}
