package importjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/lang"
)

// generatedType is the integration type of generated payloads.
const generatedType = "gen-acme"

// Awkward property names and string values the generator draws from: names that are not HCL
// identifiers or are keywords, strings with template sequences, escapes and non-ASCII text.
var (
	awkwardNames = []string{"tag.Environment", "my prop", "for", "in", "null", "a-b", "x:y", "", "日本", "_private", "with\"quote", "$${x}", "%{y}"}
	awkwardTexts = []string{
		"${var.secret}", "%{ if true }x%{ endif }", "$${already}", "quote \" and backslash \\",
		"line\nbreak\ttab\r", "café ✓ 🚀", "nbsp\u00a0here", "bell\u0007", "", " ", "$", "%", "${", "trailing $",
		"{\"json\": true}", "ends with backslash \\",
	}
	awkwardNumbers = []string{"0", "-0", "42", "-7", "1420.50", "0.1", "1e21", "1.5E-7", "12345678901234567890", "-3.25e2", "9007199254740993"}
)

// generatePayload builds a deterministic payload of about n objects: entities of several types
// and classes (keys that do and do not follow <prefix>:<resource>:<name>, names that collide),
// direct relationships (between entities of the payload and to outside keys, default and
// explicit _key/_type), and mapped relationships with and without a target _key. It never
// needs a note: every value is what j1hcl uploads as written. With outside, some direct
// relationships point at keys outside the payload (which load, but do not validate in DIFF).
func generatePayload(n int, seed uint64, outside bool) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	type resource struct {
		name, typ string
		class     any
	}
	resources := []resource{
		{"user", "user_" + generatedType, "User"},
		{"device", "device_" + generatedType, []any{"Device", "Host"}},
		{"team", "team_" + generatedType, "Team"},
		{"application", "application_" + generatedType, "Application"},
		{"aws_iam_role", "aws_iam_role", "AccessRole"},             // another integration's type
		{"host", "host_other-integration", []any{"Host"}},          // another integration's suffix
		{"service", "Service_" + generatedType, "Service"},         // a resource label with capitals
		{"data.store", "data.store_" + generatedType, "DataStore"}, // not an identifier
	}
	numEntities := n / 2
	numDirect := n * 3 / 10
	numMapped := n - numEntities - numDirect

	type entity struct{ key, typ string }
	var entities []map[string]any
	var ents []entity
	names := []string{"alpha", "beta", "gamma", "web-1", "db_primary", "Jane Doe", "42", "Ünïcode", "slack", "a.b.c"}
	for i := range numEntities {
		r := resources[rng.IntN(len(resources))]
		if i < len(resources) {
			r = resources[i]
		}
		name := pick(names)
		var key string
		switch rng.IntN(5) {
		case 0, 1: // the default pattern: _key can be left out
			key = fmt.Sprintf("gen:%s:%s_%d", r.name, identifierPart(name), i)
		case 2: // the source system's id
			key = fmt.Sprintf("%08x-1c4f-4d79-9c3c-%012x", rng.Uint32(), i)
		case 3: // the pattern, but with another resource word
			key = fmt.Sprintf("gen:app:%d", i)
		default: // the pattern with a name that is not an identifier
			key = fmt.Sprintf("gen:%s:%d-%s", r.name, i, name)
		}
		e := map[string]any{"_key": key, "_type": r.typ, "_class": r.class, "name": name}
		if rng.IntN(3) == 0 {
			e["displayName"] = name
		} else {
			e["displayName"] = strings.ToUpper(name) + " " + pick(awkwardTexts)
		}
		for range rng.IntN(6) {
			switch rng.IntN(7) {
			case 0:
				e[pick(awkwardNames)] = pick(awkwardTexts)
			case 1:
				e[fmt.Sprintf("count%d", rng.IntN(5))] = json.Number(pick(awkwardNumbers))
			case 2:
				e[fmt.Sprintf("is%dEnabled", rng.IntN(5))] = rng.IntN(2) == 0
			case 3:
				e["tags"] = []any{pick(awkwardTexts), pick(names)}
			case 4:
				e["scores"] = []any{json.Number(pick(awkwardNumbers)), json.Number("1")}
			case 5:
				ms := 1_600_000_000_000 + rng.Int64N(200_000_000_000)
				if rng.IntN(2) == 0 {
					ms -= ms % 86_400_000
				}
				e[pick([]string{"createdOn", "updatedOn", "lastSeenOn"})] = json.Number(fmt.Sprint(ms))
			default:
				e["empty"] = []any{}
			}
		}
		entities = append(entities, e)
		ents = append(ents, entity{key, r.typ})
	}

	var relationships []map[string]any
	relKeys := map[string]bool{}
	classes := []string{"HAS", "OWNS", "USES", "MANAGES", "IS", "CONTAINS"}
	for i := 0; len(relationships) < numDirect; i++ {
		from := ents[rng.IntN(len(ents))]
		to := ents[rng.IntN(len(ents))]
		if outside && rng.IntN(6) == 0 {
			to = entity{fmt.Sprintf("okta:user:00u%dx", i), "okta_user"}
		}
		cls := pick(classes)
		key := from.key + "|" + strings.ToLower(cls) + "|" + to.key
		if rng.IntN(4) == 0 {
			key = fmt.Sprintf("rel-%d", i)
		}
		if relKeys[key] {
			continue
		}
		relKeys[key] = true
		typ := lang.RelationshipType(from.typ, cls, to.typ)
		if rng.IntN(5) == 0 {
			typ = fmt.Sprintf("custom_rel_%d", rng.IntN(3))
		}
		r := map[string]any{"_key": key, "_type": typ, "_class": cls, "_fromEntityKey": from.key, "_toEntityKey": to.key}
		if rng.IntN(3) == 0 {
			r[pick([]string{"since", "weight", "my prop"})] = json.Number(pick(awkwardNumbers))
		}
		relationships = append(relationships, r)
	}
	for i := 0; len(relationships) < numDirect+numMapped; i++ {
		src := ents[rng.IntN(len(ents))]
		if rng.IntN(8) == 0 {
			src = entity{fmt.Sprintf("elsewhere:app:%d", i), "application_elsewhere"}
		}
		cls := pick(classes)
		direction := pick([]string{"FORWARD", "REVERSE"})
		var target map[string]any
		var filterKeys []any
		var suffix string
		if rng.IntN(2) == 0 {
			target = map[string]any{"_type": "aws_iam_role", "_key": fmt.Sprintf("arn:aws:iam::123456789012:role/Role%d", i)}
			filterKeys = []any{[]any{"_type", "_key"}}
			suffix = target["_key"].(string)
		} else {
			email := fmt.Sprintf("user%d@example.com", i)
			target = map[string]any{"_type": "okta_user", "email": email, "my key": pick(awkwardTexts)}
			filterKeys = []any{[]any{"_type", "email"}}
			suffix = direction + ":_type=okta_user:email=" + email
		}
		key := src.key + "|" + strings.ToLower(cls) + "|" + suffix
		if rng.IntN(4) == 0 {
			key = fmt.Sprintf("mapped-%d", i)
		}
		if relKeys[key] {
			continue
		}
		relKeys[key] = true
		typ := lang.RelationshipType(src.typ, cls, target["_type"].(string))
		if rng.IntN(5) == 0 {
			typ = "custom_mapped"
		}
		relationships = append(relationships, map[string]any{
			"_key": key, "_type": typ, "_class": cls,
			"_mapping": map[string]any{
				"sourceEntityKey":       src.key,
				"relationshipDirection": direction,
				"targetFilterKeys":      filterKeys,
				"targetEntity":          target,
				"skipTargetCreation":    rng.IntN(4) != 0,
			},
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"entities": entities, "relationships": relationships}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// TestRoundTripGenerated imports a generated payload of 5,000 objects, exports the written
// configuration and expects the payload back, object for object.
func TestRoundTripGenerated(t *testing.T) {
	payload := generatePayload(5000, 1, true)
	res, exported := importAndExport(t, payload, Options{Source: "generated.json"})
	if len(res.Notes) > 0 {
		t.Errorf("the generated payload needs no normalization, got notes %v", res.Notes)
	}
	assertSamePayload(t, payload, exported)
	if res.Entities+res.Relationships+res.MappedRelationships != 5000 {
		t.Errorf("converted %d+%d+%d objects, want 5000", res.Entities, res.Relationships, res.MappedRelationships)
	}
	if res.IntegrationType != generatedType || res.KeyPrefix != "gen" {
		t.Errorf("integration type %q, key_prefix %q; want %q, %q", res.IntegrationType, res.KeyPrefix, generatedType, "gen")
	}

	// The configuration is idiomatic where the payload allows it: defaults left out,
	// references instead of key strings, a file per resource.
	var all strings.Builder
	for _, f := range res.Files {
		all.Write(f.Content)
	}
	src := all.String()
	entityBlocks := strings.Count(src, "\nentity \"")
	explicitKeys := strings.Count(src, "\n  _key ")
	if explicitKeys >= entityBlocks+res.Relationships+res.MappedRelationships {
		t.Errorf("every block writes its _key (%d); default keys should be left out", explicitKeys)
	}
	if refs := strings.Count(src, "= entity."); refs < res.Relationships {
		t.Errorf("only %d references to entities for %d relationships", refs, res.Relationships)
	}
	files := map[string]bool{}
	for _, f := range res.Files {
		files[f.Name] = true
	}
	for _, name := range []string{"main.hcl", "user.hcl", "aws_iam_role.hcl", "relationships.hcl", "relationships.2.hcl", "mapped_relationships.hcl"} {
		if !files[name] {
			t.Errorf("no %s among %v", name, keysOf(files))
		}
	}
}

// TestRoundTripGeneratedSeeds runs smaller generated payloads with other seeds, each both in
// one file and split.
func TestRoundTripGeneratedSeeds(t *testing.T) {
	for seed := uint64(2); seed < 12; seed++ {
		for _, n := range []int{30, 300} {
			t.Run(fmt.Sprintf("seed%d_n%d", seed, n), func(t *testing.T) {
				payload := generatePayload(n, seed, seed%2 == 0)
				res, exported := importAndExport(t, payload, Options{})
				assertSamePayload(t, payload, exported)
				if len(res.Notes) > 0 {
					t.Errorf("notes %v", res.Notes)
				}
			})
		}
	}
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func BenchmarkConvert5000(b *testing.B) {
	payload := generatePayload(5000, 1, true)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := Convert(payload, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTrip5000 is the whole promise: convert, write, load as j1hcl does, compare.
func BenchmarkRoundTrip5000(b *testing.B) {
	payload := generatePayload(5000, 1, true)
	want, err := model.DecodePayload(payload)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := Convert(payload, Options{})
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		if err := res.Write(dir); err != nil {
			b.Fatal(err)
		}
		cfg, diags := lang.Load(lang.Options{Dir: dir})
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		if diffs := diffGraphs(want, cfg.Graph); len(diffs) > 0 {
			b.Fatal(diffs[0])
		}
	}
}
