package emulator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func TestDIFFLifecycle(t *testing.T) {
	h := newHarness(t, Config{})

	// Another instance relates to one of ours: the cascade must reach it.
	h.sync("other", "DIFF", []map[string]any{entity("o1")}, nil)

	created := h.sync("inst", "DIFF",
		[]map[string]any{entity("a"), entity("b"), entity("c"), entity("d", "_type", "kept_type")},
		[]map[string]any{rel("a-b", "a", "b"), rel("b-c", "b", "c"), rel("c-a", "c", "a")})
	want := Counters{NumEntitiesUploaded: 4, NumEntitiesCreated: 4, NumRelationshipsUploaded: 3, NumRelationshipsCreated: 3}
	if created.Counters != want {
		t.Errorf("create: %+v, want %+v", created.Counters, want)
	}
	other := h.startInstance("other", "DIFF")
	h.must(h.upload(other.ID, []map[string]any{entity("o1")}, []map[string]any{rel("o1-c", "o1", "c")}))
	if j := h.finalize(other.ID, nil); j.NumRelationshipsCreated != 1 || j.NumRelationshipCreateErrors != 0 {
		t.Fatalf("cross-instance relationship: %+v", j.Counters)
	}

	unchanged := h.sync("inst", "DIFF",
		[]map[string]any{entity("a"), entity("b"), entity("c"), entity("d", "_type", "kept_type")},
		[]map[string]any{rel("a-b", "a", "b"), rel("b-c", "b", "c"), rel("c-a", "c", "a")})
	if c := unchanged.Counters; c.NumEntitiesCreated+c.NumEntitiesUpdated+c.NumEntitiesDeleted+c.NumRelationshipsCreated+c.NumRelationshipsUpdated+c.NumRelationshipsDeleted != 0 {
		t.Errorf("no-change DIFF: %+v", c)
	}

	// Update a (whole object replaced), drop c and d: c's relationships go, in both
	// instances; a-b is updated.
	changed := h.sync("inst", "DIFF",
		[]map[string]any{entity("a", "displayName", "A2", "name", deleted, "name", "a"), entity("b"), entity("e")},
		[]map[string]any{rel("a-b", "a", "b", "weight", 2)})
	want = Counters{
		NumEntitiesUploaded: 3, NumEntitiesCreated: 1, NumEntitiesUpdated: 1, NumEntitiesDeleted: 2,
		NumRelationshipsUploaded: 1, NumRelationshipsUpdated: 1, NumRelationshipsDeleted: 3,
	}
	if changed.Counters != want {
		t.Errorf("change: %+v, want %+v", changed.Counters, want)
	}
	ents, rels := h.graph("?instance=inst")
	if keys := keysOf(ents); !reflect.DeepEqual(keys, []string{"a", "b", "e"}) {
		t.Errorf("entities: %v", keys)
	}
	if keys := keysOf(rels); !reflect.DeepEqual(keys, []string{"a-b"}) {
		t.Errorf("relationships: %v", keys)
	}
	a := byKey(ents)["a"]
	if a["displayName"] != "A2" || a["_version"] != json.Number("2") {
		t.Errorf("updated entity: %v", a)
	}
	if _, rels := h.graph("?instance=other"); len(rels) != 0 {
		t.Errorf("the cascade missed another instance's relationship: %v", rels)
	}

	// partialDatasets: a DIFF that uploads nothing of kept_type leaves it alone.
	h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("k", "_type", "kept_type")}, nil)
	j := h.startInstance("inst", "DIFF")
	h.must(h.upload(j.ID, []map[string]any{entity("a")}, nil))
	partial := h.finalize(j.ID, map[string]any{"partialDatasets": map[string]any{"types": []string{"kept_type"}}})
	if partial.NumEntitiesDeleted != 0 {
		t.Errorf("partial DIFF deleted: %+v", partial.Counters)
	}
	ents, _ = h.graph("?instance=inst")
	if keys := keysOf(ents); !reflect.DeepEqual(keys, []string{"a", "k"}) {
		t.Errorf("after partial DIFF: %v", keys)
	}
}

func keysOf(objs []map[string]any) []string {
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o["_key"].(string)
	}
	return keys
}

func TestFinalizeBodies(t *testing.T) {
	h := newHarness(t, Config{})
	for _, body := range []any{nil, "", "{}", `{"partialDatasets": null}`, `{"partialDatasets": {"types": []}}`} {
		j := h.startInstance("inst", "DIFF")
		if got := h.finalize(j.ID, body); got.Status != StatusFinished {
			t.Errorf("body %v: %+v", body, got)
		}
	}
	for _, tt := range []struct{ body, code string }{
		{`{"partialDatasets": {"types": "x"}}`, CodeInvalidPartialDatasets},
		{`{"partialDatasets": {"types": [""]}}`, CodeInvalidPartialDatasets},
		{`{"partialDatasets": 1}`, CodeInvalidPartialDatasets},
		{`{`, CodeInvalidJSON},
	} {
		j := h.startInstance("inst", "DIFF")
		r := h.request("POST", jobPath(j.ID, "finalize"), tt.body)
		if r.status != 400 || r.errorCode() != tt.code {
			t.Errorf("%s: %d %s", tt.body, r.status, r.body)
		}
		if got := h.getJob(j.ID); got.Status != StatusAwaitingUploads {
			t.Errorf("a refused finalize changed the job: %+v", got)
		}
	}
}

func TestAPIScopeTargets(t *testing.T) {
	h := newHarness(t, Config{})
	start := func(scope string) Job {
		return h.startJob(map[string]any{"source": "api", "scope": scope, "syncMode": "DIFF"})
	}
	for _, scope := range []string{"s1", "s2"} {
		j := start(scope)
		h.must(h.upload(j.ID, []map[string]any{entity("shared"), entity(scope)}, nil))
		h.finalize(j.ID, nil)
	}
	// A DIFF of s1 replaces s1 only, although both scopes hold the key "shared".
	j := start("s1")
	done := h.finalize(j.ID, nil)
	if done.NumEntitiesDeleted != 2 {
		t.Errorf("s1 emptied: %+v", done.Counters)
	}
	if ents, _ := h.graph("?scope=s2"); !reflect.DeepEqual(keysOf(ents), []string{"s2", "shared"}) {
		t.Errorf("s2: %v", keysOf(ents))
	}
}

func TestPATCH(t *testing.T) {
	h := newHarness(t, Config{})
	h.sync("inst", "DIFF",
		[]map[string]any{entity("a", "owner", "ann", "count", 1, "note", "n"), entity("b")},
		[]map[string]any{rel("a-b", "a", "b")})

	done := h.sync("inst", "PATCH", []map[string]any{
		{"_key": "a", "_type": "thing_test", "_class": "Resource", "name": "a", "displayName": "A", "owner": nil, "count": 2},
		entity("c", "extra", nil),
	}, nil)
	want := Counters{NumEntitiesUploaded: 2, NumEntitiesCreated: 1, NumEntitiesUpdated: 1}
	if done.Counters != want {
		t.Errorf("PATCH: %+v, want %+v", done.Counters, want)
	}
	ents, rels := h.graph("?instance=inst")
	got := byKey(ents)
	a := got["a"]
	if _, ok := a["owner"]; ok {
		t.Errorf("null did not clear owner: %v", a)
	}
	if a["count"] != json.Number("2") || a["note"] != "n" {
		t.Errorf("PATCH merge: %v", a)
	}
	if _, ok := got["b"]; !ok {
		t.Error("PATCH deleted an entity it did not upload")
	}
	if c, ok := got["c"]; !ok || c["extra"] != nil {
		t.Errorf("PATCH create stores the object as uploaded: %v", c)
	} else if _, has := c["extra"]; !has {
		t.Errorf("PATCH create dropped a null property: %v", c)
	}
	if len(rels) != 1 {
		t.Errorf("PATCH touched relationships: %v", rels)
	}
	again := h.sync("inst", "PATCH", []map[string]any{{"_key": "a", "_type": "thing_test", "_class": "Resource", "name": "a", "displayName": "A", "owner": nil}}, nil)
	if again.NumEntitiesUpdated != 0 {
		t.Errorf("a PATCH that changes nothing: %+v", again.Counters)
	}
}

func TestRelationshipWithMissingEndpoint(t *testing.T) {
	h := newHarness(t, Config{})
	h.sync("elsewhere", "DIFF", []map[string]any{entity("far")}, nil)
	done := h.sync("inst", "DIFF",
		[]map[string]any{entity("a")},
		[]map[string]any{rel("a-ghost", "a", "ghost"), rel("ghost-a", "ghost", "a"), rel("a-far", "a", "far"), rel("a-a", "a", "a")})
	if done.NumRelationshipCreateErrors != 2 || done.NumRelationshipsCreated != 2 {
		t.Errorf("counters: %+v", done.Counters)
	}
	_, rels := h.graph("?instance=inst")
	if !reflect.DeepEqual(keysOf(rels), []string{"a-a", "a-far"}) {
		t.Errorf("relationships: %v", keysOf(rels))
	}
	// An update whose new endpoint is missing fails and leaves the stored one.
	done = h.sync("inst", "DIFF", []map[string]any{entity("a")}, []map[string]any{rel("a-a", "a", "ghost"), rel("a-far", "a", "far")})
	if done.NumRelationshipUpdateErrors != 1 {
		t.Errorf("update to a missing endpoint: %+v", done.Counters)
	}
}

func TestMappedRelationships(t *testing.T) {
	h := newHarness(t, Config{})
	role := entity("arn:role/x", "_type", "aws_iam_role", "_class", "AccessRole", "email", "ops@example.com")
	h.sync("aws", "DIFF", []map[string]any{role}, nil)

	byTypeKey := mappedRel("app|uses|role", "app", map[string]any{"_type": "aws_iam_role", "_key": "arn:role/x"}, [][]string{{"_type", "_key"}}, true)
	byEmail := mappedRel("app|uses|email", "app", map[string]any{"_class": "AccessRole", "email": "ops@example.com"}, [][]string{{"_class", "email"}}, true)
	toCreate := mappedRel("app|is|person", "app", map[string]any{"_type": "person", "_key": "p:1", "_class": "Person", "email": "p@example.com"}, [][]string{{"_type", "_key"}}, false)
	waiting := mappedRel("app|uses|later", "app", map[string]any{"_type": "aws_s3_bucket", "_key": "bucket"}, [][]string{{"_type", "_key"}}, true)
	reverse := mappedRel("role|has|app", "app", map[string]any{"_type": "aws_iam_role", "_key": "arn:role/x"}, [][]string{{"_key"}}, true)
	reverse["_mapping"].(map[string]any)["relationshipDirection"] = "REVERSE"
	noSource := mappedRel("ghost|uses|role", "ghost", map[string]any{"_type": "aws_iam_role", "_key": "arn:role/x"}, [][]string{{"_type", "_key"}}, true)

	done := h.sync("inst", "DIFF", []map[string]any{entity("app")}, []map[string]any{byTypeKey, byEmail, toCreate, waiting, reverse, noSource})
	// The mapped relationship whose source is unknown counts in the mapped error counter.
	if done.NumMappedRelationshipsCreated != 5 || done.NumMappedRelationshipCreateErrors != 1 || done.NumRelationshipCreateErrors != 0 || done.NumRelationshipsCreated != 0 {
		t.Errorf("counters: %+v", done.Counters)
	}
	all, _ := h.graph("")
	ents := byKey(all)
	roleID, appID := ents["arn:role/x"]["_id"], ents["app"]["_id"]
	_, relList := h.graph("?instance=inst")
	rels := byKey(relList)
	for _, key := range []string{"app|uses|role", "app|uses|email"} {
		if r := rels[key]; r["_fromEntityId"] != appID || r["_toEntityId"] != roleID {
			t.Errorf("%s not linked to the role: %v", key, r)
		}
	}
	if r := rels["role|has|app"]; r["_fromEntityId"] != roleID || r["_toEntityId"] != appID {
		t.Errorf("REVERSE: %v", r)
	}
	if r := rels["app|uses|later"]; r["_toEntityId"] != nil || r["_fromEntityId"] != appID {
		t.Errorf("skipTargetCreation without a match must wait: %v", r)
	}
	person := ents["p:1"]
	if person == nil || person["_placeholder"] != true || person["_source"] != "system-mapper" || person["email"] != "p@example.com" {
		t.Fatalf("placeholder: %v", person)
	}
	if _, ok := person["_integrationInstanceId"]; ok {
		t.Errorf("a placeholder belongs to no instance: %v", person)
	}
	if rels["app|is|person"]["_toEntityId"] != person["_id"] {
		t.Errorf("not linked to the placeholder: %v", rels["app|is|person"])
	}
	if r := rels["app|uses|role"]; !reflect.DeepEqual(stripMeta(r), stripMeta(byTypeKey)) {
		t.Errorf("mapped relationship not stored as uploaded: %v", r)
	}
	if _, ok := ents["bucket"]; ok {
		t.Error("skipTargetCreation created a placeholder")
	}

	// The waiting relationship links once its target exists.
	h.sync("aws", "DIFF", []map[string]any{role, entity("bucket", "_type", "aws_s3_bucket")}, nil)
	all, relList = h.graph("")
	if r := byKey(relList)["app|uses|later"]; r["_toEntityId"] != byKey(all)["bucket"]["_id"] {
		t.Errorf("waiting relationship not linked: %v", r)
	}

	// Dropping the relationship to the placeholder collects the placeholder; deleting the
	// role deletes the relationships mapped to it.
	done = h.sync("inst", "DIFF", []map[string]any{entity("app")}, []map[string]any{byTypeKey, waiting})
	if done.NumMappedRelationshipsDeleted != 3 {
		t.Errorf("counters: %+v", done.Counters)
	}
	if all, _ := h.graph(""); byKey(all)["p:1"] != nil {
		t.Error("the placeholder outlived its last relationship")
	}
	done = h.sync("aws", "DIFF", []map[string]any{entity("bucket", "_type", "aws_s3_bucket")}, nil)
	if done.NumEntitiesDeleted != 1 || done.NumMappedRelationshipsDeleted != 1 {
		t.Errorf("cascade to mapped relationships: %+v", done.Counters)
	}
	if _, rels := h.graph("?instance=inst"); !reflect.DeepEqual(keysOf(rels), []string{"app|uses|later"}) {
		t.Errorf("after the role's deletion: %v", keysOf(rels))
	}
}

func TestMapperPrefersRealEntities(t *testing.T) {
	h := newHarness(t, Config{})
	target := map[string]any{"_type": "person", "_key": "p:1"}
	h.sync("a", "DIFF", []map[string]any{entity("x")}, []map[string]any{mappedRel("x|is|p", "x", target, [][]string{{"_type", "_key"}}, false)})
	h.sync("people", "DIFF", []map[string]any{entity("p:1", "_type", "person")}, nil)
	h.sync("b", "DIFF", []map[string]any{entity("y")}, []map[string]any{mappedRel("y|is|p", "y", target, [][]string{{"_type", "_key"}}, false)})
	all, _ := h.graph("?instance=people")
	_, rels := h.graph("?instance=b")
	if rels[0]["_toEntityId"] != all[0]["_id"] {
		t.Errorf("linked to %v, want the real entity %v", rels[0]["_toEntityId"], all[0]["_id"])
	}
}

func TestFinalizeDelayMakesClientsPoll(t *testing.T) {
	const delay = 600 * time.Millisecond
	h := newHarness(t, Config{FinalizeDelay: delay})
	j := h.startInstance("inst", "DIFF")
	h.must(h.upload(j.ID, []map[string]any{entity("a")}, nil))
	pending := h.finalize(j.ID, nil)
	if pending.Status != StatusFinalizePending || pending.Done {
		t.Fatalf("finalize answered %+v", pending)
	}
	if again := h.finalize(j.ID, nil); again.Status == StatusAwaitingUploads || again.Status == StatusFinished {
		t.Errorf("a retried finalize: %+v", again)
	}
	seen := []string{pending.Status}
	deadline := time.Now().Add(10 * delay)
	for time.Now().Before(deadline) {
		// The graph is read before the job: changes become visible when the job turns
		// FINISHED, so a changed graph must be followed by a finished job. (Reading the job
		// first would race with the finalize that completes in between.)
		ents, _ := h.graph("")
		got := h.getJob(j.ID)
		if len(ents) != 0 && !got.Done {
			t.Fatalf("the graph changed before FINISHED (%s)", got.Status)
		}
		if got.Status != seen[len(seen)-1] {
			seen = append(seen, got.Status)
		}
		if got.Done {
			if got.NumEntitiesCreated != 1 {
				t.Errorf("finished: %+v", got.Counters)
			}
			break
		}
		time.Sleep(delay / 30)
	}
	want := []string{StatusFinalizePending, StatusFinalizingEntities, StatusFinalizingRelationships, StatusFinished}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("statuses seen %v, want %v", seen, want)
	}
}

func TestCloseCompletesPendingFinalizes(t *testing.T) {
	h := newHarness(t, Config{FinalizeDelay: time.Hour})
	j := h.startInstance("inst", "DIFF")
	h.must(h.upload(j.ID, []map[string]any{entity("a")}, nil))
	h.finalize(j.ID, nil)
	h.s.Close()
	if got := h.getJob(j.ID); got.Status != StatusFinished {
		t.Errorf("after Close: %+v", got)
	}
	// Later finalizes run within their request.
	j = h.startInstance("inst", "DIFF")
	if got := h.finalize(j.ID, nil); got.Status != StatusFinished {
		t.Errorf("finalize after Close: %+v", got)
	}
}

func TestRelationshipChangesKind(t *testing.T) {
	h := newHarness(t, Config{})
	h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b")}, []map[string]any{rel("a-b", "a", "b")})
	mapped := mappedRel("a-b", "a", map[string]any{"_type": "thing_test", "_key": "b"}, [][]string{{"_type", "_key"}}, true)
	done := h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b")}, []map[string]any{mapped})
	if done.NumRelationshipsDeleted != 1 || done.NumMappedRelationshipsCreated != 1 {
		t.Errorf("direct to mapped: %+v", done.Counters)
	}
	ents, rels := h.graph("?instance=inst")
	if len(rels) != 1 || rels[0]["_mapping"] == nil || rels[0]["_toEntityId"] != byKey(ents)["b"]["_id"] {
		t.Errorf("relationships: %v", rels)
	}
	done = h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b")}, []map[string]any{rel("a-b", "a", "b")})
	if done.NumMappedRelationshipsDeleted != 1 || done.NumRelationshipsCreated != 1 {
		t.Errorf("mapped to direct: %+v", done.Counters)
	}
}

// TestDIFFReplacesAsManyAsItHeld: a DIFF that uploads as many objects as its target holds,
// not the same ones, deletes those it did not upload; a relationship it uploaded but could
// not store keeps its stored version.
func TestDIFFReplacesAsManyAsItHeld(t *testing.T) {
	h := newHarness(t, Config{})
	h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b"), entity("x")},
		[]map[string]any{rel("a-b", "a", "b"), rel("b-a", "b", "a")})

	// Three entities again, x now a relationship's _key; two relationships again, one new,
	// one that names an unknown endpoint.
	j := h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b"), entity("c")},
		[]map[string]any{rel("x", "a", "c"), rel("b-a", "b", "nowhere")})
	want := Counters{NumEntitiesUploaded: 3, NumEntitiesCreated: 1, NumEntitiesDeleted: 1,
		NumRelationshipsUploaded: 2, NumRelationshipsCreated: 1, NumRelationshipsDeleted: 1, NumRelationshipUpdateErrors: 1}
	if j.Counters != want {
		t.Errorf("counters: %+v, want %+v", j.Counters, want)
	}
	ents, rels := h.graph("?instance=inst")
	if got := keysOf(ents); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("entities: %v", got)
	}
	if got := keysOf(rels); !reflect.DeepEqual(got, []string{"b-a", "x"}) || byKey(rels)["b-a"]["_toEntityKey"] != "a" {
		t.Errorf("relationships: %v", rels)
	}
}

// withLookAheadFrom runs f with the finalize looking ahead from n objects of a kind on.
func withLookAheadFrom(t *testing.T, n int, f func()) {
	t.Helper()
	saved := lookAheadFrom
	lookAheadFrom = n
	defer func() { lookAheadFrom = saved }()
	f()
}

// TestEndpointHintsYieldToPlaceholders: a mapped relationship creates a placeholder whose
// _key another entity of the graph already has, after the endpoints were resolved ahead; a
// direct relationship uploaded after it and naming that _key is then ambiguous, with hints
// or without.
func TestEndpointHintsYieldToPlaceholders(t *testing.T) {
	for _, from := range []int{1, 1 << 30} {
		t.Run(fmt.Sprint(from), func(t *testing.T) {
			withLookAheadFrom(t, from, func() {
				h := newHarness(t, Config{})
				h.sync("b", "DIFF", []map[string]any{entity("k")}, nil)
				done := h.sync("a", "DIFF", []map[string]any{entity("s")}, []map[string]any{
					rel("s|has|s", "s", "s"),
					rel("s|has|k-before", "s", "k"),
					mappedRel("s|uses|k", "s", map[string]any{"_type": "other_thing", "_key": "k"}, [][]string{{"_type", "_key"}}, false),
					rel("s|has|k-after", "s", "k"),
				})
				if done.NumMappedRelationshipsCreated != 1 || done.NumRelationshipsCreated != 2 || done.NumRelationshipCreateErrors != 1 {
					t.Errorf("counters: %+v", done.Counters)
				}
				_, rels := h.graph("?instance=a")
				if got, want := keysOf(rels), []string{"s|has|k-before", "s|has|s", "s|uses|k"}; !reflect.DeepEqual(got, want) {
					t.Errorf("relationships %v, want %v", got, want)
				}
			})
		})
	}
}

// TestEndpointHintsMatchOneByOne: jobs large enough for the lookups made ahead on all CPUs
// store exactly what looking up each object as it is applied stores. The first job's
// relationships have endpoints in the job's target, unique in another, ambiguous, missing,
// named by _id or by source and scope, the same entity twice, and mapped relationships in
// between (to existing entities, and at the end to new ones); the second job updates,
// keeps, adds and leaves out entities of the first.
func TestEndpointHintsMatchOneByOne(t *testing.T) {
	run := func(from int) ([]Counters, []map[string]any) {
		var jobs []Counters
		var ents, rels []map[string]any
		withLookAheadFrom(t, from, func() {
			h := newHarness(t, Config{Now: newFakeClock().Now})
			h.fixedIDs()
			h.sync("b", "DIFF", []map[string]any{entity("far"), entity("twice")}, nil)
			h.sync("c", "DIFF", []map[string]any{entity("twice")}, nil)
			far, _ := h.graph("?instance=b")
			var entities, relationships []map[string]any
			for i := range 300 {
				entities = append(entities, entity(fmt.Sprintf("e%03d", i)))
			}
			for i := range 5000 {
				from, to := fmt.Sprintf("e%03d", i%300), fmt.Sprintf("e%03d", (i*7)%300)
				key := fmt.Sprintf("r%04d", i)
				switch i % 10 {
				case 1:
					to = "far"
				case 2:
					to = "twice"
				case 3:
					from = "ghost"
				case 4:
					to = from
				case 5:
					// Mapped to an entity that exists, then, near the end, to one that
					// does not: the placeholder created then ends the hints.
					target := map[string]any{"_type": "thing_test", "_key": "far"}
					if i >= 4900 {
						target = map[string]any{"_type": "other_thing", "_key": fmt.Sprintf("far-%d", i)}
					}
					relationships = append(relationships, mappedRel(key, from, target, [][]string{{"_type", "_key"}}, false))
					continue
				case 6:
					relationships = append(relationships, rel(key, from, "", "_toEntityKey", deleted, "_toEntityId", far[0]["_id"]))
					continue
				case 7:
					relationships = append(relationships, rel(key, from, "far", "_toEntitySource", "integration-external", "_toEntityScope", "b"))
					continue
				}
				relationships = append(relationships, rel(key, from, to))
			}
			first := h.sync("a", "DIFF", entities, relationships)
			// Again, with entities updated, kept, added and left out.
			entities = entities[100:]
			for i := range entities {
				if i%3 == 0 {
					entities[i] = entity(entities[i]["_key"].(string), "note", "updated")
				}
			}
			for i := range 50 {
				entities = append(entities, entity(fmt.Sprintf("new%02d", i)))
			}
			second := h.sync("a", "DIFF", entities, relationships)
			jobs = []Counters{first.Counters, second.Counters}
			ents, rels = h.graph("?instance=a")
		})
		return jobs, append(ents, rels...)
	}
	oneByOne, wantRels := run(1 << 30)
	hinted, gotRels := run(1)
	if !reflect.DeepEqual(hinted, oneByOne) {
		t.Errorf("counters with hints %+v, one by one %+v", hinted, oneByOne)
	}
	if c := oneByOne[0]; c.NumRelationshipsCreated == 0 || c.NumRelationshipCreateErrors == 0 || c.NumMappedRelationshipsCreated == 0 {
		t.Errorf("the first job does not exercise every outcome: %+v", c)
	}
	if c := oneByOne[1]; c.NumEntitiesCreated == 0 || c.NumEntitiesUpdated == 0 || c.NumEntitiesDeleted == 0 || c.NumRelationshipsDeleted == 0 {
		t.Errorf("the second job does not exercise every outcome: %+v", c)
	}
	if !reflect.DeepEqual(gotRels, wantRels) {
		for i := range gotRels {
			if !reflect.DeepEqual(gotRels[i], wantRels[i]) {
				t.Errorf("stored relationship %d differs:\n%v\none by one\n%v", i, gotRels[i], wantRels[i])
				break
			}
		}
	}
}

// TestEndpointHintsMatchOneByOneRandomly: random sequences of jobs, each run with the
// look-ahead from the first relationship on and without it, store the same graph and count
// the same. The jobs mix entities in three instances, direct relationships to keys that are
// in the job's instance, elsewhere, in two places or nowhere, mapped relationships whose
// targets exist or not (placeholders, or none with skipTargetCreation), relationships that
// change kind between jobs, and entities that come and go.
func TestEndpointHintsMatchOneByOneRandomly(t *testing.T) {
	keys := []string{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "dup", "ghost"}
	for seed := range 40 {
		run := func(from int) ([]Counters, []map[string]any) {
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			var jobs []Counters
			var all []map[string]any
			withLookAheadFrom(t, from, func() {
				h := newHarness(t, Config{Now: newFakeClock().Now})
				h.fixedIDs()
				h.sync("c", "DIFF", []map[string]any{entity("dup"), entity("k7")}, nil)
				for range 4 {
					instance := []string{"a", "b"}[rng.IntN(2)]
					var entities, relationships []map[string]any
					for _, k := range keys[:8] {
						if rng.IntN(3) > 0 {
							entities = append(entities, entity(k, "n", rng.IntN(3)))
						}
					}
					if rng.IntN(2) == 0 {
						entities = append(entities, entity("dup"))
					}
					for i := range 30 {
						key := fmt.Sprintf("r%02d", i)
						from, to := keys[rng.IntN(len(keys))], keys[rng.IntN(len(keys))]
						if rng.IntN(4) == 0 {
							target := map[string]any{"_type": []string{"thing_test", "other_thing"}[rng.IntN(2)], "_key": keys[rng.IntN(len(keys))]}
							relationships = append(relationships, mappedRel(key, from, target, [][]string{{"_type", "_key"}}, rng.IntN(3) == 0))
						} else {
							relationships = append(relationships, rel(key, from, to))
						}
					}
					j := h.startInstance(instance, "DIFF")
					h.must(h.upload(j.ID, entities, relationships))
					jobs = append(jobs, h.finalize(j.ID, nil).Counters)
				}
				for _, instance := range []string{"a", "b", "c"} {
					ents, rels := h.graph("?instance=" + instance)
					all = append(append(all, ents...), rels...)
				}
			})
			return jobs, all
		}
		oneByOne, want := run(1 << 30)
		hinted, got := run(1)
		if !reflect.DeepEqual(hinted, oneByOne) || !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: with hints %+v\none by one %+v\n(graphs equal: %v)", seed, hinted, oneByOne, reflect.DeepEqual(got, want))
		}
	}
}
