package validate

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/j1hcl/j1hcl/internal/datamodel"
	"github.com/j1hcl/j1hcl/internal/model"
)

// realCatalog indexes the embedded data model once for the package's tests.
var realCatalog = sync.OnceValues(func() (*DataModelCatalog, error) {
	m, err := datamodel.Load()
	if err != nil {
		return nil, err
	}
	return NewDataModelCatalog(m), nil
})

func testCatalog(t testing.TB) *DataModelCatalog {
	t.Helper()
	c, err := realCatalog()
	if err != nil {
		t.Fatalf("load the data model: %v", err)
	}
	return c
}

// user is a User entity that satisfies the data model; cases change it.
func user(props model.Properties) *model.Object {
	base := model.Properties{
		"_key": "okta-user-00u1abcd", "_type": "user_my-billing-acme", "_class": "User", "name": "alice", "displayName": "Alice",
		"firstName": "Alice", "lastName": "Smith", "email": []any{"alice@example.com"},
		"shortLoginId": []any{"alice"}, "username": []any{"alice"},
	}
	for k, v := range props {
		if v == deleted {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	return &model.Object{Kind: model.KindEntity, Address: `entity.user.all["alice"]`, Props: base}
}

// host is a Host entity with every property Host requires.
func host(props model.Properties) *model.Object {
	base := model.Properties{
		"_key": "billing-acme:host:web-1", "_type": "host_my-billing-acme", "_class": "Host", "name": "web-1", "displayName": "web-1",
		"category": "server", "ipv4Addresses": []any{"10.0.0.1"}, "ipv6Addresses": []any{}, "macAddresses": []any{},
		"publicIpAddresses": []any{}, "privateIpAddresses": []any{"10.0.0.1"}, "hostname": "web-1", "fqdn": []any{"web-1.example.com"},
		"serial": "SN1", "deviceId": []any{"d-1"}, "lastSeenOn": num("1736294400000"), "make": "Dell", "model": "R740",
		"osName": "Ubuntu", "osType": "linux", "osDetails": "Ubuntu 22.04", "osVersion": "22.04",
	}
	for k, v := range props {
		if v == deleted {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	return &model.Object{Kind: model.KindEntity, Address: "entity.host.web", Props: base}
}

// TestDataModelRules runs the J1D rules against the embedded data model: which finding,
// on which property, and what its message must say.
func TestDataModelRules(t *testing.T) {
	tests := []struct {
		name   string
		obj    *model.Object
		want   []string // "CODE property"
		detail []string // substrings of the first finding's detail
	}{
		{"valid user", user(nil), nil, nil},
		{"valid host", host(nil), nil, nil},
		{"J1D401 one missing, quoted", user(model.Properties{"username": deleted}), []string{"J1D401 "},
			[]string{`entity.user.all["alice"] has no username, which its class User requires.`, `User describes username as "Username"`, "a list of unique strings, or null"}},
		{"J1D401 misspelt", user(model.Properties{"email": deleted, "emial": []any{"alice@example.com"}}), []string{"J1D401 "},
			[]string{`sets "emial": did you mean email?`}},
		{"J1D401 another spelling", user(model.Properties{"email": deleted, "emailAddress": []any{"alice@example.com"}}), []string{"J1C204 emailAddress", "J1D401 "},
			[]string{`"emailAddress"`, `"email"`, `User describes email as "The primary email address associated with the user account"`}},
		{"J1D401 many, one finding per class", host(model.Properties{"fqdn": deleted, "serial": deleted, "make": deleted, "model": deleted}), []string{"J1D401 "},
			[]string{"lacks 4 properties that its class Host requires: fqdn, make, model, serial.", `J1D401 = "off"`}},
		{"J1D401 leaves Entity's to J1P001", user(model.Properties{"displayName": deleted}), []string{"J1P001 displayName"}, nil},
		{"J1D402 list expected", user(model.Properties{"email": "alice@example.com"}), []string{"J1D402 email"},
			[]string{`email must be a list of unique email addresses, or null, not the string "alice@example.com".`,
				`User describes email as "The primary email address associated with the user account".`,
				`email = ["alice@example.com"]`}},
		{"J1D402 item format", user(model.Properties{"email": []any{"alice@example.com", "not-an-email"}}), []string{"J1D402 email"},
			[]string{`email item 2 must be an email address, not the string "not-an-email".`}},
		{"J1D402 enum suggests", host(model.Properties{"osType": "Linux"}), []string{"J1D402 osType"},
			[]string{`not the string "Linux"`, `Host describes osType as "Operating System Platform"`, `Did you mean "linux"?`}},
		{"J1D402 pattern", host(model.Properties{"hostname": "web_1"}), []string{"J1D402 hostname"},
			[]string{`hostname must match ^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$, not the string "web_1".`}},
		{"J1D402 range", user(model.Properties{"criticality": num("11")}), []string{"J1D402 criticality"},
			[]string{"must be an integer from 1 to 10, not the number 11", `Entity describes criticality as`}},
		{"J1D402 quoted number", user(model.Properties{"criticality": "5"}), []string{"J1D402 criticality"},
			[]string{"Write the number without quotes"}},
		{"J1D402 quoted boolean", user(model.Properties{"isAdmin": "true"}), []string{"J1D402 isAdmin"},
			[]string{"isAdmin = true"}},
		{"J1D402 leaves *On strings to J1P010", user(model.Properties{"createdOn": "2024-01-01"}), []string{"J1P010 createdOn"}, nil},
		{"J1D402 leaves empty strings to J1C203", user(model.Properties{"webLink": ""}), []string{"J1C203 webLink"}, nil},
		{"J1D402 leaves mixed lists to J1P002", user(model.Properties{"email": []any{"a@example.com", true}}), []string{"J1P002 email"}, nil},
		{"J1D402 leaves short keys to J1D407", user(model.Properties{"_key": "u1"}), []string{"J1D407 _key"}, nil},
		{"J1D402 withholds secret values", user(model.Properties{"webLink": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"}), []string{"J1S302 webLink", "J1D402 webLink"}, nil},
		{"J1D404 rename", user(model.Properties{"active": true}), []string{"J1D404 active"},
			[]string{"active (value true) is deprecated in User", "Rename it to isActive."}},
		{"J1D404 both set", user(model.Properties{"mfaEnabled": true, "isMfaEnabled": true}), []string{"J1D404 mfaEnabled"},
			[]string{"sets isMfaEnabled as well: remove mfaEnabled."}},
		{"J1D405 abstract", user(model.Properties{"_class": "Entity", "firstName": deleted, "lastName": deleted, "email": deleted, "shortLoginId": deleted, "username": deleted}), []string{"J1D405 _class"},
			[]string{`_class "Entity" is an abstract base class`, `"Resource"`}},
		{"J1D405 record", user(model.Properties{"_class": "RecordEntity", "firstName": deleted, "lastName": deleted, "email": deleted, "shortLoginId": deleted, "username": deleted}), []string{"J1D405 _class"},
			[]string{`"Record"`}},
		{"J1C204 case", host(model.Properties{"hostname": deleted, "hostName": "web-1"}), []string{"J1C204 hostName", "J1D401 "},
			[]string{`custom property "hostName" (value "web-1") looks like the Host property "hostname".`, `Host describes hostname as "The primary/local hostname".`, `Rename it to "hostname"`}},
		{"J1C204 synonym", host(model.Properties{"osType": deleted, "os": "linux"}), []string{"J1C204 os", "J1D401 "}, []string{`"osType"`}},
		{"J1C204 set under both names", host(model.Properties{"hostName": "web-1"}), nil, nil},
		{"J1C201 class boolean", user(model.Properties{"trusted": true}), nil, nil},
		{"J1C201 custom boolean", user(model.Properties{"managed": true}), []string{"J1C201 managed"}, []string{`"isManaged"`}},
		{"J1C201 not for isActive", user(model.Properties{"isActive": true}), nil, nil},
	}
	cat := testCatalog(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := Graph(&model.Graph{Entities: []*model.Object{tt.obj}}, Options{Mode: "DIFF", IntegrationType: "my-billing-acme", Classes: cat})
			var got []string
			for _, f := range fs {
				got = append(got, f.Code+" "+f.Property)
				checkMessage(t, f)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("findings = %q, want %q\n%s", got, tt.want, formatFindings(fs))
			}
			for _, want := range tt.detail {
				if !strings.Contains(fs[0].Detail(), want) {
					t.Errorf("%s detail lacks %q:\n%s", fs[0].Code, want, fs[0].Detail())
				}
			}
		})
	}
}

// checkMessage holds a finding to the diagnostics standard: a short summary without a
// period, a detail that names the object and ends a sentence, nothing secret.
func checkMessage(t *testing.T, f Finding) {
	t.Helper()
	if f.Summary == "" || strings.HasSuffix(f.Summary, ".") || len(f.Summary) > 60 {
		t.Errorf("%s: summary %q: want a short phrase without a period", f.Code, f.Summary)
	}
	if !strings.HasPrefix(f.Detail(), describe(f.Object)) {
		t.Errorf("%s: detail does not start with the object's address %s: %s", f.Code, describe(f.Object), f.Detail())
	}
	if !strings.HasSuffix(f.Detail(), ".") && !strings.HasSuffix(f.Detail(), "?") {
		t.Errorf("%s: detail does not end a sentence: %s", f.Code, f.Detail())
	}
	for _, v := range f.Object.Props {
		if s, ok := v.(string); ok && SecretKind(s) != "" && strings.Contains(f.Detail(), s) {
			t.Errorf("%s repeats a secret: %s", f.Code, f.Detail())
		}
	}
}

func formatFindings(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s [%s] %s\n    %s\n", f.Code, f.Severity, f.Property, f.Summary, f.Detail())
	}
	return b.String()
}

// TestRelationshipRules is J1D406 with the embedded model and with the fake: the verb, the
// direction, and mapped relationships whose target names its class.
func TestRelationshipRules(t *testing.T) {
	ent := func(addr, key, class string) *model.Object {
		return &model.Object{Kind: model.KindEntity, Address: addr, Props: model.Properties{
			"_key": key, "_type": "x_my-billing-acme", "_class": class, "name": "x", "displayName": "x"}}
	}
	h := ent("entity.host.web", "billing-acme:host:web", "Host")
	v := ent("entity.vulnerability.cve", "billing-acme:vuln:cve", "Vulnerability")
	team := ent("entity.team.eng", "billing-acme:team:eng", "Team")
	rel := func(addr, verb string, from, to *model.Object) *model.Object {
		return &model.Object{Kind: model.KindRelationship, Address: addr, Props: model.Properties{
			"_key": addr + "-key", "_type": "x_y", "_class": verb, "_fromEntityKey": from.Key(), "_toEntityKey": to.Key()}}
	}
	mapped := func(addr, verb, direction string, target map[string]any) *model.Object {
		return &model.Object{Kind: model.KindMappedRelationship, Address: addr, Props: model.Properties{
			"_key": addr + "-key", "_type": "x_y", "_class": verb, "_mapping": map[string]any{
				"sourceEntityKey": h.Key(), "relationshipDirection": direction,
				"targetFilterKeys": []any{[]any{"_type", "_key"}}, "targetEntity": target}}}
	}
	vulnTarget := map[string]any{"_type": "nvd_cve", "_key": "CVE-2024-0001", "_class": "Vulnerability"}
	tests := []struct {
		name   string
		rel    *model.Object
		want   []string
		detail string
	}{
		{"allowed", rel("relationship.ok", "HAS", h, v), nil, ""},
		{"unconstrained classes", rel("relationship.team", "OWNS", team, h), nil, ""},
		{"wrong verb", rel("relationship.is", "IS", h, v), []string{"J1D406 _class"},
			`relationship.is: IS from entity.host.web (Host) to entity.vulnerability.cve (Vulnerability), but the data model's rule "Host -> Vulnerability must use HAS" allows only HAS between them. Set _class = "HAS".`},
		{"reversed", rel("relationship.back", "HAS", v, h), []string{"J1D406 _fromEntityKey"},
			`relationship.back runs from entity.vulnerability.cve (Vulnerability) to entity.host.web (Host) with HAS, but the data model's rule "Host -> Vulnerability must use HAS" requires relationships between them to run from Host to Vulnerability. Swap from and to.`},
		{"reversed with the wrong verb", rel("relationship.back", "USES", v, h), []string{"J1D406 _fromEntityKey"}, "Swap from and to and use HAS."},
		{"mapped forward", mapped("mapped_relationship.m", "IS", "FORWARD", vulnTarget), []string{"J1D406 _class"}, "from entity.host.web (Host) to a Vulnerability entity"},
		{"mapped reverse", mapped("mapped_relationship.m", "HAS", "REVERSE", vulnTarget), []string{"J1D406 _mapping"}, "runs from a Vulnerability entity to entity.host.web (Host)"},
		{"mapped without target class", mapped("mapped_relationship.m", "IS", "FORWARD", map[string]any{"_type": "nvd_cve", "_key": "CVE-2024-0001"}), nil, ""},
	}
	for _, cat := range []ClassCatalog{testCatalog(t), fakeCatalog{}} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%T/%s", cat, tt.name), func(t *testing.T) {
				g := &model.Graph{Entities: []*model.Object{h, v, team}, Relationships: []*model.Object{tt.rel}}
				fs := Graph(g, Options{Mode: "DIFF", Classes: cat, Severities: map[string]Severity{"J1D401": Off}})
				var got []string
				for _, f := range fs {
					got = append(got, f.Code+" "+f.Property)
					checkMessage(t, f)
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("findings = %q, want %q\n%s", got, tt.want, formatFindings(fs))
				}
				if tt.detail != "" && !strings.Contains(fs[0].Detail(), tt.detail) {
					t.Errorf("detail lacks %q:\n%s", tt.detail, fs[0].Detail())
				}
			})
		}
	}
}

func TestEquivalentClassProperty(t *testing.T) {
	cat := testCatalog(t)
	tests := []struct {
		classes   []string
		name      string
		want      string
		describes bool // ClassDefinesProperty(name)
	}{
		{[]string{"Host"}, "hostName", "hostname", false},
		{[]string{"Host"}, "host_name", "hostname", false},
		{[]string{"Host"}, "HOSTNAME", "hostname", false},
		{[]string{"Host"}, "macAddress", "macAddresses", false},
		{[]string{"Host"}, "os", "osType", false},
		{[]string{"Host"}, "serialNumber", "serial", false},
		{[]string{"Host"}, "manufacturer", "make", false},
		{[]string{"Device"}, "manufacturer", "make", false},
		{[]string{"User"}, "emailAddress", "email", false},
		{[]string{"User"}, "mail", "email", false},
		{[]string{"User"}, "isMFAEnabled", "isMfaEnabled", false},
		{[]string{"Application"}, "webLnik", "webLink", false},
		{[]string{"Application"}, "url", "webLink", false},
		{[]string{"Team", "User"}, "EMAIL", "email", false},
		// Defined names, and names that are not duplicates.
		{[]string{"Host"}, "hostname", "", true},
		{[]string{"User"}, "isActive", "", true},
		{[]string{"Team"}, "isActive", "", false}, // Entity's active is not isActive
		{[]string{"Host"}, "mode", "", false},     // too short to be model misspelt
		{[]string{"Host"}, "tag.OS", "", false},
		{[]string{"Host"}, "environment", "", false},
		{[]string{"NoSuchClass"}, "hostName", "", false},
	}
	for _, tt := range tests {
		if got := cat.EquivalentClassProperty(tt.classes, tt.name); got != tt.want {
			t.Errorf("EquivalentClassProperty(%v, %q) = %q, want %q", tt.classes, tt.name, got, tt.want)
		}
		if got := cat.ClassDefinesProperty(tt.classes, tt.name); got != tt.describes {
			t.Errorf("ClassDefinesProperty(%v, %q) = %v, want %v", tt.classes, tt.name, got, tt.describes)
		}
	}
}

// TestValidPropertyNameMatchesDataModel: J1D403 checks names by hand, for speed and for
// relationships; it must agree with the data model's own propertyNames rule.
func TestValidPropertyNameMatchesDataModel(t *testing.T) {
	m := testCatalog(t).model
	for _, name := range []string{
		"hostname", "my_prop", "my-prop", "my prop", "a.b", "_key", "_", "__x", "_x_y", "tag.Environment", "tag.",
		"tag.my_prop", "tag", "tag._x", "größe", "", ".", " ", "x\n", "名前",
	} {
		byModel := true
		for _, p := range m.Check([]string{"Entity"}, model.Properties{name: "x"}) {
			if p.Keyword == datamodel.KeywordPropertyNames {
				byModel = false
			}
		}
		if got := ValidPropertyName(name); got != byModel {
			t.Errorf("ValidPropertyName(%q) = %v, but the data model says %v", name, got, byModel)
		}
	}
}

func TestClassSuggestions(t *testing.T) {
	cat := testCatalog(t)
	tests := []struct{ given, want string }{
		{"Hsot", "Host"},
		{"host", "Host"},
		{"Hosts", "Host"},
		{"code_repo", "CodeRepo"},
		{"Vulnerabilty", "Vulnerability"},
		{"Aplication", "Application"},
		{"Server", "Host"},
		{"Laptop", "Device"},
		{"Repo", "CodeRepo"},
		{"Employee", "User"},
		{"S3Bucket", ""},
		{"Ca", ""},
		{"Firewal", "Firewall"},
	}
	for _, tt := range tests {
		if got := closestName(tt.given, cat.EntityClasses(), classSynonyms); got != tt.want {
			t.Errorf("closestName(%q) = %q, want %q", tt.given, got, tt.want)
		}
	}
	for syn, class := range classSynonyms {
		if !cat.IsEntityClass(class) {
			t.Errorf("classSynonyms[%q] = %q, which is no class of the data model", syn, class)
		}
	}
	for syn, v := range verbSynonyms {
		if !cat.IsRelationshipClass(v.verb) {
			t.Errorf("verbSynonyms[%q] = %q, which is no relationship class", syn, v.verb)
		}
		if foldName(v.verb) == syn && !v.reversed {
			t.Errorf("verbSynonyms[%q] is redundant: %q is the same word", syn, v.verb)
		}
	}
	for syn, props := range propertySynonyms {
		if foldName(syn) != syn {
			t.Errorf("propertySynonyms key %q is not folded (want %q)", syn, foldName(syn))
		}
		for _, p := range props {
			found := false
			for _, c := range cat.EntityClasses() {
				found = found || cat.ClassDefinesProperty([]string{c}, p)
			}
			if !found {
				t.Errorf("propertySynonyms[%q] names %q, which no class defines", syn, p)
			}
		}
	}
}

func TestUnknownClassMessages(t *testing.T) {
	cat := testCatalog(t)
	tests := []struct {
		obj    *model.Object
		detail string
	}{
		{user(model.Properties{"_class": "Usr"}), `_class "Usr" is not an entity class of the JupiterOne data model, which rejects it. Did you mean "User"?`},
		{user(model.Properties{"_class": "Server"}), `Did you mean "Host"?`},
		{&model.Object{Kind: model.KindRelationship, Address: "relationship.r", Props: model.Properties{"_key": "r-key-0001", "_type": "a_b", "_class": "BELONGS_TO", "_fromEntityKey": "k1", "_toEntityKey": "k2"}},
			`Did you mean "HAS", with from and to swapped?`},
		{&model.Object{Kind: model.KindRelationship, Address: "relationship.r", Props: model.Properties{"_key": "r-key-0001", "_type": "a_b", "_class": "OWN", "_fromEntityKey": "k1", "_toEntityKey": "k2"}},
			`Did you mean "OWNS"?`},
		{&model.Object{Kind: model.KindRelationship, Address: "relationship.r", Props: model.Properties{"_key": "r-key-0001", "_type": "a_b", "_class": "IMPACTS", "_fromEntityKey": "k1", "_toEntityKey": "k2"}},
			`_class "IMPACTS" is not a relationship class`},
	}
	for _, tt := range tests {
		fs := Graph(&model.Graph{Entities: []*model.Object{tt.obj}}, Options{Mode: "PATCH", Classes: cat})
		if tt.obj.Kind != model.KindEntity {
			fs = Graph(&model.Graph{Relationships: []*model.Object{tt.obj}}, Options{Mode: "PATCH", Classes: cat})
		}
		var hit *Finding
		for i := range fs {
			if fs[i].Code == "J1P007" {
				hit = &fs[i]
			}
		}
		if hit == nil {
			t.Errorf("%v: no J1P007\n%s", tt.obj.Props["_class"], formatFindings(fs))
			continue
		}
		checkMessage(t, *hit)
		if !strings.Contains(hit.Detail(), tt.detail) {
			t.Errorf("J1P007 detail lacks %q:\n%s", tt.detail, hit.Detail())
		}
	}
}

// TestParallelDeterministic: the workers' findings merge in graph order, whatever the
// number of workers.
func TestParallelDeterministic(t *testing.T) {
	g := benchGraph(5_000)
	// A finding on every tenth entity and relationship, of several rules.
	for i, e := range g.Entities {
		if i%10 == 0 {
			e.Props["enabled"] = true
			e.Props["my_prop"] = "x"
		}
	}
	for i, r := range g.Relationships {
		if i%10 == 0 {
			r.Props["_toEntityKey"] = "elsewhere:1"
		}
	}
	opts := Options{Mode: "DIFF", IntegrationType: "acme", Classes: testCatalog(t)}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	serial := Graph(g, opts)
	runtime.GOMAXPROCS(4)
	parallel := Graph(g, opts)
	if len(serial) < 1000 {
		t.Fatalf("only %d findings; the test needs many", len(serial))
	}
	if len(parallel) != len(serial) {
		t.Fatalf("%d findings in parallel, %d serially", len(parallel), len(serial))
	}
	for i := range serial {
		if serial[i].Object != parallel[i].Object || serial[i].Code != parallel[i].Code || serial[i].Detail() != parallel[i].Detail() {
			t.Fatalf("finding %d differs: %s %s vs %s %s", i, serial[i].Code, describe(serial[i].Object), parallel[i].Code, describe(parallel[i].Object))
		}
	}
}

func TestSecretMarkers(t *testing.T) {
	examples := []string{
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE",
		"AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE",
		"ghp_abcdefghijklmnopqrstuvwxyz0123456789", "github_pat_abcdefghijklmnopqrstuvwxyz",
		"xoxb-1234567890-abcdef", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijk",
	}
	for _, s := range examples {
		if len(s) < minSecretLength || !hasSecretMarker(s) || SecretKind(s) == "" {
			t.Errorf("%q: length %d, marker %v, kind %q: every pattern's example must pass the quick checks", s, len(s), hasSecretMarker(s), SecretKind(s))
		}
	}
	for _, s := range []string{"https://example.com/a/long/path", "billing-acme:host:web-1", "x"} {
		if SecretKind(s) != "" {
			t.Errorf("%q looks like a secret", s)
		}
	}
}

// J1D403's advice names what is wrong with a name whose fault cannot be seen (a look-alike
// letter) and never suggests the name itself or another invalid one.
func TestJ1D403Advice(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"my_prop", []string{`e.g. "myProp".`}},
		{"nаme", []string{`contains "а" (U+0430 CYRILLIC SMALL LETTER A, looks like "a"), which is not ASCII.`, `e.g. "name".`}},
		{"hоstNаme", []string{`"о" (U+043E CYRILLIC SMALL LETTER O, looks like "o") and "а" (U+0430 CYRILLIC SMALL LETTER A, looks like "a"), which are not ASCII`, `e.g. "hostName".`}},
		{"ports/tcp", []string{`e.g. "portsTcp".`}},
		{"名前", []string{`"名" (U+540D) and "前" (U+524D), which are not ASCII.`, "Rename it using only ASCII letters, digits, dots, spaces and hyphens."}},
		{"tag.my_env", []string{`e.g. "tag.myEnv".`}},
	}
	for _, tt := range tests {
		fs := Graph(&model.Graph{Entities: []*model.Object{entity(model.Properties{tt.name: "x"})}}, Options{})
		var detail string
		for _, f := range fs {
			if f.Code == "J1D403" {
				detail = f.Detail()
			}
		}
		if detail == "" {
			t.Errorf("%q: no J1D403", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(detail, w) {
				t.Errorf("%q: detail %q lacks %q", tt.name, detail, w)
			}
		}
		if strings.Contains(detail, fmt.Sprintf("e.g. %q", tt.name)) {
			t.Errorf("%q: suggests the same name: %s", tt.name, detail)
		}
	}
}
