package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestAccountHeaders: with an account configured, JupiterOne-Account or the legacy
// LifeOmic-Account must name it.
func TestAccountHeaders(t *testing.T) {
	h := newHarness(t, Config{Account: "acct-1"})
	h.account = ""
	for _, tt := range []struct {
		headers []string
		status  int
	}{
		{nil, http.StatusForbidden},
		{[]string{"JupiterOne-Account", "acct-1"}, http.StatusOK},
		{[]string{"LifeOmic-Account", "acct-1"}, http.StatusOK},
		{[]string{"LifeOmic-Account", "acct-2"}, http.StatusForbidden},
		{[]string{"JupiterOne-Account", "acct-2", "LifeOmic-Account", "acct-1"}, http.StatusForbidden},
	} {
		r := h.request("GET", "/_emulator/graph", nil, tt.headers...)
		if r.status != tt.status {
			t.Errorf("%v: %d %s", tt.headers, r.status, r.body)
		}
		if r.status == http.StatusForbidden && !strings.Contains(r.errorMessage()+r.errorCode(), "ACCOUNT") && !strings.Contains(r.errorMessage(), "acct-1") {
			t.Errorf("%v: %s", tt.headers, r.body)
		}
	}
}

// TestJobFields: every source's job answers accountId, integrationJobId and the mapped
// relationship error counters; integration-managed owns its instance like
// integration-external.
func TestJobFields(t *testing.T) {
	h := newHarness(t, Config{Account: "acct-1"})
	j := h.startJob(map[string]any{"source": "integration-managed", "integrationInstanceId": "inst", "syncMode": "DIFF"})
	r := h.request("GET", jobPath(j.ID, ""), nil)
	for _, field := range []string{`"accountId":"acct-1"`, `"integrationJobId":null`, `"numMappedRelationshipCreateErrors":0`,
		`"numMappedRelationshipUpdateErrors":0`, `"numMappedRelationshipDeleteErrors":0`, `"source":"integration-managed"`} {
		if !strings.Contains(string(r.body), field) {
			t.Errorf("job answer lacks %s: %s", field, r.body)
		}
	}
	h.must(h.upload(j.ID, []map[string]any{entity("a")}, nil))
	h.finalize(j.ID, nil)
	if ents, _ := h.graph("?instance=inst"); len(ents) != 1 || ents[0]["_source"] != "integration-managed" {
		t.Errorf("integration-managed graph: %v", ents)
	}
	if r := h.request("POST", jobsPath, map[string]any{"source": "integration-managed"}); r.errorCode() != CodeInstanceRequired {
		t.Errorf("integration-managed without an instance: %d %s", r.status, r.body)
	}
	if noAccount := newHarness(t, Config{}); strings.Contains(string(noAccount.request("POST", jobsPath, map[string]any{"source": "api", "scope": "s"}).body), `"accountId":"`) {
		t.Error("accountId set without an account")
	}
	// UNKNOWN is not terminal: a job in it is not done.
	jb := &job{status: StatusUnknown}
	if jb.snapshot().Done || isTerminal(StatusUnknown) {
		t.Error("UNKNOWN counted as terminal")
	}
}

// TestIgnoreDuplicates: with ignoreDuplicates, a second object under a _key replaces the
// first, within a request and across requests, entity or relationship; without it, 400.
func TestIgnoreDuplicates(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.startJob(map[string]any{"source": "integration-external", "integrationInstanceId": "inst", "ignoreDuplicates": true})
	if !j.IgnoreDuplicates {
		t.Errorf("job does not say ignoreDuplicates: %+v", j)
	}
	h.must(h.upload(j.ID, []map[string]any{entity("a", "v", 1), entity("a", "v", 2), entity("b"), entity("x")}, nil))
	h.must(h.upload(j.ID, []map[string]any{entity("b", "v", 3)}, []map[string]any{rel("x", "a", "b")}))
	got := h.finalize(j.ID, nil)
	if got.NumEntitiesUploaded != 2 || got.NumRelationshipsUploaded != 1 || got.NumEntitiesCreated != 2 || got.NumRelationshipsCreated != 1 {
		t.Errorf("counters: %+v", got.Counters)
	}
	ents, rels := h.graph("?instance=inst")
	byK := byKey(ents)
	if len(ents) != 2 || fmt.Sprint(byK["a"]["v"]) != "2" || fmt.Sprint(byK["b"]["v"]) != "3" || len(rels) != 1 || rels[0]["_key"] != "x" {
		t.Errorf("graph: %v %v", ents, rels)
	}

	strict := h.startInstance("inst", "DIFF")
	if r := h.upload(strict.ID, []map[string]any{entity("a", "v", 1), entity("a", "v", 2)}, nil); r.errorCode() != CodeDuplicateKey || !strings.Contains(r.errorMessage(), "ignoreDuplicates") {
		t.Errorf("without ignoreDuplicates: %d %s", r.status, r.body)
	}
}

// TestUploadDeletes: deleteEntities and deleteRelationships of /upload, by _id or by _key
// and _type, apply at finalize in PATCH and DIFF; an entity goes with its relationships.
func TestUploadDeletes(t *testing.T) {
	h := newHarness(t, Config{})
	h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b"), entity("c"), entity("d")},
		[]map[string]any{rel("a|b", "a", "b"), rel("c|d", "c", "d"), rel("b|c", "b", "c")})
	ents, rels := h.graph("?instance=inst")
	ids := byKey(ents)
	relIDs := byKey(rels)

	// PATCH, as bulk_delete_entities sends it: by _id, plus one that matches nothing.
	j := h.startJob(map[string]any{"source": "integration-external", "integrationInstanceId": "inst", "syncMode": "PATCH"})
	h.must(h.request("POST", jobPath(j.ID, "upload"), map[string]any{
		"deleteEntities":      []any{map[string]any{"_id": ids["a"]["_id"]}, map[string]any{"_id": "no-such-id"}},
		"deleteRelationships": []any{map[string]any{"_key": "c|d", "_type": "thing_has_thing"}},
	}))
	got := h.finalize(j.ID, nil)
	if got.NumEntitiesDeleted != 1 || got.NumEntityDeleteErrors != 1 || got.NumRelationshipsDeleted != 2 {
		t.Errorf("PATCH deletes: %+v", got.Counters)
	}
	ents, rels = h.graph("?instance=inst")
	if keys := keysOf(ents); strings.Join(keys, ",") != "b,c,d" {
		t.Errorf("entities after PATCH deletes: %v", keys)
	}
	if keys := keysOf(rels); strings.Join(keys, ",") != "b|c" {
		t.Errorf("relationships after PATCH deletes: %v", keys)
	}

	// DIFF: a relationship by _id, an entity by _key and _type; the upload keeps the rest.
	j = h.startInstance("inst", "DIFF")
	h.must(h.request("POST", jobPath(j.ID, "upload"), map[string]any{
		"entities":            []any{entity("b"), entity("c")},
		"relationships":       []any{rel("b|c", "b", "c")},
		"deleteEntities":      []any{map[string]any{"_key": "d", "_type": "thing_test"}},
		"deleteRelationships": []any{map[string]any{"_id": relIDs["b|c"]["_id"]}},
	}))
	got = h.finalize(j.ID, nil)
	ents, rels = h.graph("?instance=inst")
	if got.NumEntitiesDeleted != 1 || strings.Join(keysOf(ents), ",") != "b,c" || len(rels) != 1 {
		t.Errorf("DIFF deletes: %+v; %v %v", got.Counters, keysOf(ents), keysOf(rels))
	}

	for _, bad := range []map[string]any{
		{"deleteEntities": map[string]any{"_id": "x"}},
		{"deleteEntities": []any{map[string]any{"_key": "k"}}},
		{"deleteRelationships": []any{"x"}},
	} {
		j := h.startInstance("inst", "DIFF")
		if r := h.request("POST", jobPath(j.ID, "upload"), bad); r.status != 400 || r.errorCode() != CodeInvalidDelete {
			t.Errorf("%v: %d %s", bad, r.status, r.body)
		}
	}
}

// TestEndpointsOwnedByOtherSources: a relationship names an endpoint of another source by
// _id, or by _key with _fromEntitySource and _fromEntityScope; both resolve against the
// whole graph, even where the _key alone is ambiguous.
func TestEndpointsOwnedByOtherSources(t *testing.T) {
	h := newHarness(t, Config{})
	h.sync("aws", "DIFF", []map[string]any{entity("shared", "_type", "aws_role")}, nil)
	h.sync("gcp", "DIFF", []map[string]any{entity("shared", "_type", "gcp_role")}, nil)
	ents, _ := h.graph("?instance=gcp")
	gcpID := ents[0]["_id"]

	byID := rel("app|uses|gcp", "app", "", "_toEntityKey", deleted, "_toEntityId", gcpID)
	bySource := rel("app|uses|aws", "app", "shared", "_toEntitySource", "integration-external", "_toEntityScope", "aws")
	ambiguous := rel("app|uses|shared", "app", "shared")
	done := h.sync("inst", "DIFF", []map[string]any{entity("app")}, []map[string]any{byID, bySource, ambiguous})
	if done.NumRelationshipsCreated != 2 || done.NumRelationshipCreateErrors != 1 {
		t.Errorf("counters: %+v", done.Counters)
	}
	_, rels := h.graph("?instance=inst")
	got := byKey(rels)
	if got["app|uses|gcp"]["_toEntityId"] != gcpID {
		t.Errorf("by _id: %v", got["app|uses|gcp"])
	}
	awsEnts, _ := h.graph("?instance=aws")
	if got["app|uses|aws"]["_toEntityId"] != awsEnts[0]["_id"] || got["app|uses|aws"]["_toEntitySource"] != "integration-external" {
		t.Errorf("by source and scope: %v", got["app|uses|aws"])
	}
	// The J1QL read shows the endpoint's _key even where the upload gave only the _id.
	rows, _ := h.tableRows("FIND * WITH _integrationInstanceId = 'inst' AS a THAT USES AS r * RETURN r")
	for _, row := range rows {
		r := row["r"].(map[string]any)
		if r["_key"] == "app|uses|gcp" && r["_toEntityKey"] != "shared" {
			t.Errorf("read back: %v", r)
		}
	}

	j := h.startInstance("inst", "DIFF")
	for _, bad := range []map[string]any{
		rel("r1", "app", "shared", "_toEntitySource", "integration-external"),
		rel("r2", "app", "shared", "_toEntityId", ""),
		rel("r3", "app", "shared", "_toEntityId", "x", "_toEntityScope", "aws"),
	} {
		if r := h.upload(j.ID, nil, []map[string]any{bad}); r.errorCode() != CodeInvalidRelationship {
			t.Errorf("%v: %d %s", bad["_key"], r.status, r.body)
		}
	}
}

// TestFinalizeTwice: a second finalize, as the SDK retries it, answers the job as it is.
func TestFinalizeTwice(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.startInstance("inst", "DIFF")
	h.must(h.upload(j.ID, []map[string]any{entity("a")}, nil))
	first := h.finalize(j.ID, nil)
	second := h.finalize(j.ID, nil)
	if first.Status != StatusFinished || second.Status != StatusFinished || second.NumEntitiesCreated != 1 || second.EndTimestamp == nil || *second.EndTimestamp != *first.EndTimestamp {
		t.Errorf("finalize twice: %+v then %+v", first, second)
	}
	if ents, _ := h.graph(""); len(ents) != 1 {
		t.Errorf("graph after two finalizes: %v", ents)
	}
}

func TestLegacyIngestIsNotServed(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.request("POST", "/integrations/ingest", map[string]any{"entities": []any{entity("a")}})
	if r.status != http.StatusNotFound || !strings.Contains(r.errorMessage(), "Sync API job") {
		t.Errorf("/integrations/ingest: %d %s", r.status, r.body)
	}
}
