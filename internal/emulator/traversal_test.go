package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// gqlAnswer is one GraphQL answer with queryV1's document left raw.
type gqlAnswer struct {
	Data map[string]json.RawMessage `json:"data"`
	Errs []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

type v1Doc struct {
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
	Cursor   *string         `json:"cursor"`
	URL      string          `json:"url"`
	Typename string          `json:"__typename"`
}

// v1 posts a query with a cursor and returns queryV1's document, failing on GraphQL errors.
func (h *harness) v1(j1ql string, cursor any, extra ...string) v1Doc {
	h.t.Helper()
	args := "query: $query, cursor: $cursor"
	if len(extra) > 0 {
		args += ", deferredResponse: " + extra[0]
	}
	r := h.request("POST", "/graphql", map[string]any{
		"query":     "query Q($query: String!, $cursor: String) { queryV1(" + args + ") { type data cursor url } }",
		"variables": map[string]any{"query": j1ql, "cursor": cursor},
		"flags":     map[string]any{"variableResultSize": true},
	})
	var a gqlAnswer
	if err := json.Unmarshal(r.body, &a); err != nil || r.status != 200 || len(a.Errs) > 0 {
		h.t.Fatalf("%s: %d %s", j1ql, r.status, r.body)
	}
	var d v1Doc
	if err := json.Unmarshal(a.Data["queryV1"], &d); err != nil {
		h.t.Fatalf("%s: %v: %s", j1ql, err, r.body)
	}
	return d
}

// tableRows pages through a table query and returns every row.
func (h *harness) tableRows(j1ql string) ([]map[string]any, int) {
	h.t.Helper()
	var rows []map[string]any
	var cursor any
	for pages := 1; pages < 100; pages++ {
		d := h.v1(j1ql, cursor)
		if d.Type != resultTable {
			h.t.Fatalf("%s: type %q, want table", j1ql, d.Type)
		}
		var page []map[string]any
		if err := json.Unmarshal(d.Data, &page); err != nil {
			h.t.Fatal(err)
		}
		rows = append(rows, page...)
		if d.Cursor == nil {
			return rows, pages
		}
		cursor = *d.Cursor
	}
	h.t.Fatal("paging does not end")
	return nil, 0
}

// relationshipGraph fills two instances: in "inst" a user who has two devices, one device
// using the other, and a mapped relationship to a placeholder; in "other" an entity that
// has the user.
func relationshipGraph(h *harness) {
	h.t.Helper()
	h.sync("inst", "DIFF", []map[string]any{
		entity("u1", "_type", "test_user", "_class", "User", "email", "u1@example.com"),
		entity("d1", "_type", "test_device", "_class", "Device"),
		entity("d2", "_type", "test_device", "_class", "Device"),
	}, []map[string]any{
		rel("u1|has|d1", "u1", "d1", "_type", "test_user_has_device", "since", 2020),
		rel("u1|has|d2", "u1", "d2", "_type", "test_user_has_device"),
		rel("d1|uses|d2", "d1", "d2", "_type", "test_device_uses_device", "_class", "USES"),
		mappedRel("u1|uses|ext-1", "u1", map[string]any{"_type": "ext_thing", "_key": "ext-1", "_class": "Resource"}, [][]string{{"_type", "_key"}}, false),
	})
	h.sync("other", "DIFF", []map[string]any{entity("o1", "_type", "other_group", "_class", "Group")},
		[]map[string]any{rel("o1|has|u1", "o1", "u1", "_type", "other_group_has_user")})
}

// TestRelationshipReads runs the read-back query of the J1QL contract: every relationship
// touching the instance's entities, once, flattened, mapped ones with _mapping.
func TestRelationshipReads(t *testing.T) {
	h := newHarness(t, Config{})
	relationshipGraph(h)
	rows, _ := h.tableRows("FIND * WITH _integrationInstanceId = 'inst' AS a THAT RELATES TO AS r * RETURN r")
	got := map[string]map[string]any{}
	for _, row := range rows {
		if len(row) != 1 {
			t.Errorf("row has columns %v, want only r", row)
		}
		r := row["r"].(map[string]any)
		got[r["_key"].(string)] = r
	}
	want := []string{"d1|uses|d2", "o1|has|u1", "u1|has|d1", "u1|has|d2", "u1|uses|ext-1"}
	if keys := slices.Sorted(func(yield func(string) bool) {
		for k := range got {
			if !yield(k) {
				return
			}
		}
	}); len(rows) != len(want) || !reflect.DeepEqual(keys, want) {
		t.Fatalf("relationships %v (%d rows), want %v once each", keys, len(rows), want)
	}
	has := got["u1|has|d1"]
	for k, v := range map[string]any{"_class": "HAS", "_type": "test_user_has_device", "_fromEntityKey": "u1", "_toEntityKey": "d1",
		"_integrationInstanceId": "inst", "_source": "integration-external", "since": float64(2020), "_version": float64(1)} {
		if !reflect.DeepEqual(has[k], v) {
			t.Errorf("u1|has|d1 %s = %v, want %v", k, has[k], v)
		}
	}
	for _, k := range []string{"_id", "_fromEntityId", "_toEntityId", "_createdOn"} {
		if has[k] == nil {
			t.Errorf("u1|has|d1 lacks %s: %v", k, has)
		}
	}
	if other := got["o1|has|u1"]; other["_integrationInstanceId"] != "other" {
		t.Errorf("a relationship of another instance shows %v", other["_integrationInstanceId"])
	}
	mapped := got["u1|uses|ext-1"]
	m, _ := mapped["_mapping"].(map[string]any)
	if m == nil || m["sourceEntityKey"] != "u1" || mapped["_fromEntityKey"] != "u1" || mapped["_toEntityKey"] != "ext-1" || mapped["_toEntityId"] == nil {
		t.Errorf("mapped relationship: %v", mapped)
	}
}

func TestTraversalsAndReturn(t *testing.T) {
	h := newHarness(t, Config{})
	relationshipGraph(h)

	rows, _ := h.tableRows("FIND User AS u THAT HAS AS r Device AS d RETURN u.email, r._class, d._key, r.since")
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprint(r["u.email"], " ", r["r._class"], " ", r["d._key"], " ", r["r.since"]))
	}
	if want := []string{"u1@example.com HAS d1 2020", "u1@example.com HAS d2 <nil>"}; !reflect.DeepEqual(got, want) {
		t.Errorf("RETURN of alias properties: %q, want %q", got, want)
	}

	// Traversals go either way: each device uses or is used by the other.
	if keys, _ := h.queryAll("FIND Device THAT USES Device"); !reflect.DeepEqual(keys, []string{"d1", "d2"}) {
		t.Errorf("THAT USES without RETURN: %v", keys)
	}
	if keys, _ := h.queryAll("FIND Device THAT HAS Group"); len(keys) != 0 {
		t.Errorf("no such path: %v", keys)
	}
	if keys, _ := h.queryAll("find Group that has User that has Device"); !reflect.DeepEqual(keys, []string{"o1"}) {
		t.Errorf("two hops: %v", keys)
	}
	rows, _ = h.tableRows("FIND Group AS g THAT HAS User THAT HAS Device AS d RETURN g._key, d._key")
	if len(rows) != 2 {
		t.Errorf("two hops, two devices: %v", rows)
	}
	rows, _ = h.tableRows("FIND User AS u THAT RELATES TO * AS x RETURN u")
	if len(rows) != 1 || rows[0]["u"].(map[string]any)["email"] != "u1@example.com" || rows[0]["u"].(map[string]any)["_id"] == nil {
		t.Errorf("RETURN of an entity alias, once: %v", rows)
	}

	d := h.v1("FIND User THAT HAS Device RETURN TREE", nil)
	var tree struct {
		Vertices []struct {
			ID     string         `json:"id"`
			Entity map[string]any `json:"entity"`
		} `json:"vertices"`
		Edges []struct {
			ID           string         `json:"id"`
			FromVertexID string         `json:"fromVertexId"`
			ToVertexID   string         `json:"toVertexId"`
			Relationship map[string]any `json:"relationship"`
		} `json:"edges"`
	}
	if err := json.Unmarshal(d.Data, &tree); err != nil || d.Type != resultTree || d.Cursor != nil {
		t.Fatalf("tree: %v %s", err, d.Data)
	}
	ids := map[string]bool{}
	for _, v := range tree.Vertices {
		ids[v.ID] = true
	}
	if len(tree.Vertices) != 3 || len(tree.Edges) != 2 {
		t.Errorf("tree: %d vertices, %d edges, want 3 and 2: %s", len(tree.Vertices), len(tree.Edges), d.Data)
	}
	for _, e := range tree.Edges {
		if !ids[e.FromVertexID] || !ids[e.ToVertexID] || e.Relationship["_class"] != "HAS" {
			t.Errorf("edge %+v does not join vertices of the tree", e)
		}
	}
}

// TestSkipAndTablePaging: SKIP and LIMIT on lists and tables, and cursors over tables.
func TestSkipAndTablePaging(t *testing.T) {
	h := newHarness(t, Config{})
	ents := []map[string]any{entity("hub", "_class", "Group")}
	var rels []map[string]any
	for i := range 300 {
		key := fmt.Sprintf("m%03d", i)
		ents = append(ents, entity(key))
		rels = append(rels, rel("hub|has|"+key, "hub", key))
	}
	h.sync("inst", "DIFF", ents, rels)

	rows, pages := h.tableRows("FIND Group AS g THAT HAS AS r * RETURN r")
	if len(rows) != 300 || pages != 2 {
		t.Errorf("table: %d rows in %d pages, want 300 in 2", len(rows), pages)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r["r"].(map[string]any)["_key"].(string)] = true
	}
	if len(seen) != 300 {
		t.Errorf("table pages repeat or skip rows: %d distinct", len(seen))
	}
	// The Node client's way: SKIP n LIMIT 250 until a short page.
	var skipped []string
	for skip := 0; ; skip += 250 {
		d := h.v1(fmt.Sprintf("FIND Group AS g THAT HAS AS r * RETURN r SKIP %d LIMIT 250", skip), nil)
		var page []map[string]any
		_ = json.Unmarshal(d.Data, &page)
		for _, r := range page {
			skipped = append(skipped, r["r"].(map[string]any)["_key"].(string))
		}
		if d.Cursor != nil {
			t.Errorf("SKIP %d LIMIT 250 gave a cursor past its limit", skip)
		}
		if len(page) < 250 {
			break
		}
	}
	if len(skipped) != 300 || !sortedUnique(skipped) {
		t.Errorf("SKIP paging: %d rows", len(skipped))
	}
	for _, tt := range []struct {
		query string
		count int
		first string
	}{
		{"FIND Resource SKIP 10 LIMIT 5", 5, "m010"},
		{"FIND Resource SKIP 295", 5, "m295"},
		{"FIND Resource SKIP 400", 0, ""},
		{"FIND Group AS g THAT HAS * AS m RETURN m._key SKIP 298", 2, "m298"},
	} {
		d := h.v1(tt.query, nil)
		var page []map[string]any
		_ = json.Unmarshal(d.Data, &page)
		first := ""
		if len(page) > 0 {
			if e, ok := page[0]["entity"].(map[string]any); ok {
				first = e["_key"].(string)
			} else {
				first = page[0]["m._key"].(string)
			}
		}
		if len(page) != tt.count || first != tt.first || d.Cursor != nil {
			t.Errorf("%s: %d results from %q (cursor %v), want %d from %q", tt.query, len(page), first, d.Cursor, tt.count, tt.first)
		}
	}
}

func TestTypename(t *testing.T) {
	h := newHarness(t, Config{})
	h.sync("inst", "DIFF", []map[string]any{entity("a")}, nil)
	r := h.request("POST", "/graphql", map[string]any{
		"query":     "query Q($query: String!) { __typename queryV1(query: $query) { __typename type data cursor } }",
		"variables": map[string]any{"query": "FIND *"},
	})
	var a struct {
		Data struct {
			Typename string `json:"__typename"`
			QueryV1  struct {
				Typename string `json:"__typename"`
				Type     string `json:"type"`
			} `json:"queryV1"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &a); err != nil || a.Data.Typename != "Query" || a.Data.QueryV1.Typename != "QueryV1Response" || a.Data.QueryV1.Type != "list" {
		t.Errorf("__typename: %s", r.body)
	}
	if plain := h.queryV1("FIND *", nil); strings.Contains(string(plain.body), "__typename") {
		t.Errorf("__typename answered unasked: %s", plain.body)
	}
}

// fetchDeferred GETs a deferred URL without any credential.
func fetchDeferred(t *testing.T, url string) (int, map[string]json.RawMessage) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return resp.StatusCode, doc
}

func TestDeferredResponses(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Config{Now: clock.Now, Account: "acct-1"})
	var ents []map[string]any
	for i := range 300 {
		ents = append(ents, entity(fmt.Sprintf("k%03d", i)))
	}
	h.sync("inst", "DIFF", ents, nil)

	d := h.v1("FIND *", nil, "FORCE")
	if d.Type != resultDeferred || !strings.HasPrefix(d.URL, h.srv.URL+deferredPath) || len(d.URL) < len(h.srv.URL+deferredPath)+64 {
		t.Fatalf("deferred answer: %+v", d)
	}
	status, doc := fetchDeferred(t, d.URL)
	if status != 200 || string(doc["status"]) != `"IN_PROGRESS"` || doc["data"] != nil {
		t.Errorf("first fetch: %d %v", status, doc)
	}
	status, doc = fetchDeferred(t, d.URL)
	var inner v1Doc
	_ = json.Unmarshal(doc["data"], &inner)
	var page []map[string]any
	_ = json.Unmarshal(inner.Data, &page)
	if status != 200 || string(doc["status"]) != `"COMPLETED"` || string(doc["url"]) != fmt.Sprintf("%q", d.URL) ||
		inner.Type != resultList || len(page) != 250 || doc["cursor"] == nil || inner.Cursor == nil || string(doc["error"]) != "null" {
		t.Fatalf("completed fetch: %d %d results, %v", status, len(page), doc)
	}
	var next string
	_ = json.Unmarshal(doc["cursor"], &next)
	d2 := h.v1("FIND *", next, "FORCE")
	fetchDeferred(t, d2.URL)
	_, doc = fetchDeferred(t, d2.URL)
	_ = json.Unmarshal(doc["data"], &inner)
	if _, has := doc["cursor"]; has || bytes.Contains(doc["data"], []byte(`"cursor"`)) {
		t.Errorf("the last page has a cursor key: %v", doc)
	}

	// A token nobody was given, and one past its lifetime.
	if status, _ := fetchDeferred(t, h.srv.URL+deferredPath+strings.Repeat("0", 64)); status != http.StatusNotFound {
		t.Errorf("unknown token: %d", status)
	}
	clock.Advance(deferredTTL + time.Second)
	if status, _ := fetchDeferred(t, d.URL); status != http.StatusNotFound {
		t.Errorf("expired token: %d", status)
	}
	// Only the deferred fetch goes without credentials.
	if r := h.request("GET", "/_emulator/graph", nil, "Authorization", ""); r.status != http.StatusUnauthorized {
		t.Errorf("graph without a key: %d", r.status)
	}
}

// TestSecondClientPATCHShowsInReads: another client's PATCH job on the same instance, as
// users change a graph outside j1hcl, changes what J1QL reads return.
func TestSecondClientPATCHShowsInReads(t *testing.T) {
	h := newHarness(t, Config{})
	h.sync("inst", "DIFF", []map[string]any{entity("a", "owner", "team-a"), entity("b")}, nil)

	other := *h // a second client with the same key
	j := other.startJob(map[string]any{"source": "integration-external", "integrationInstanceId": "inst", "syncMode": "PATCH"})
	other.must(other.upload(j.ID, []map[string]any{entity("a", "owner", "team-b"), entity("c")}, nil))
	if done := other.finalize(j.ID, nil); done.Status != StatusFinished || done.NumEntitiesUpdated != 1 || done.NumEntitiesCreated != 1 {
		t.Fatalf("PATCH job: %+v", done)
	}
	r := h.queryV1("FIND * WITH _integrationInstanceId = 'inst'", nil)
	var res queryResult
	if err := json.Unmarshal(r.body, &res); err != nil || res.Data == nil {
		t.Fatalf("%s", r.body)
	}
	owners := map[string]any{}
	for _, d := range res.Data.QueryV1.Data {
		owners[d.Entity["_key"].(string)] = d.Properties["owner"]
	}
	if want := map[string]any{"a": "team-b", "b": nil, "c": nil}; !reflect.DeepEqual(owners, want) {
		t.Errorf("after the second client's PATCH: %v, want %v", owners, want)
	}
}
