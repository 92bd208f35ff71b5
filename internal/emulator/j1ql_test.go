package emulator

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseJ1QL(t *testing.T) {
	tests := []struct {
		src  string
		want *j1qlQuery
		err  string
	}{
		{src: "FIND *", want: &j1qlQuery{all: true, limit: -1}},
		{src: "  find   *  ", want: &j1qlQuery{all: true, limit: -1}},
		{src: "FIND Host", want: &j1qlQuery{class: "Host", limit: -1}},
		{src: "FIND CodeRepo", want: &j1qlQuery{class: "CodeRepo", limit: -1}},
		{src: "FIND aws_instance", want: &j1qlQuery{typ: "aws_instance", limit: -1}},
		{src: "FIND host", want: &j1qlQuery{typ: "host", limit: -1}},
		{src: "FIND Thing_Test", want: &j1qlQuery{typ: "Thing_Test", limit: -1}},
		{src: "FIND application_my-billing-acme", want: &j1qlQuery{typ: "application_my-billing-acme", limit: -1}},
		{src: "FIND * WITH _integrationInstanceId = 'ID'", want: &j1qlQuery{all: true, limit: -1, conds: []condition{{"_integrationInstanceId", "ID"}}}},
		{src: `Find User with active = true and email = "a@b.c" Limit 5`, want: &j1qlQuery{class: "User", limit: 5, conds: []condition{{"active", true}, {"email", "a@b.c"}}}},
		{src: "FIND * WITH count=1.50 AND x = -2 AND y = null AND z = undefined", want: &j1qlQuery{all: true, limit: -1, conds: []condition{{"count", json.Number("1.5")}, {"x", json.Number("-2")}, {"y", nil}, {"z", nil}}}},
		{src: `FIND * WITH name = 'it\'s' AND tag.Env = "a \"b\""`, want: &j1qlQuery{all: true, limit: -1, conds: []condition{{"name", "it's"}, {"tag.Env", `a "b"`}}}},
		{src: "FIND * LIMIT 0", want: &j1qlQuery{all: true, limit: 0}},
		{src: "", err: "expected FIND"},
		{src: "SELECT *", err: "expected FIND"},
		{src: "FIND", err: "expected *, a class or a type"},
		{src: "FIND WITH x = 1", err: "expected *, a class or a type"},
		{src: "FIND * WITH", err: "expected a property name"},
		{src: "FIND * WITH x", err: "expected = after x"},
		{src: "FIND * WITH x != 1", err: "only = comparisons"},
		{src: "FIND * WITH x = 'open", err: "unterminated string"},
		{src: "FIND * WITH x = bare", err: "must be quoted"},
		{src: "FIND * WITH x = Inf", err: "must be quoted"},
		{src: "FIND * LIMIT many", err: "LIMIT needs"},
		{src: "FIND * LIMIT -1", err: "LIMIT needs"},
		{src: "FIND Host THAT HAS User", err: "THAT is J1QL the emulator does not implement"},
		{src: "FIND * WITH x = 1 OR y = 2", err: "OR is J1QL"},
		{src: "FIND * )", err: `unexpected ")"`},
	}
	for _, tt := range tests {
		got, err := parseJ1QL(tt.src)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want one containing %q", tt.src, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %+v, want %+v", tt.src, got, tt.want)
		}
	}
}

// queryV1 posts one J1QL query and returns the raw answer.
func (h *harness) queryV1(j1ql string, cursor any) response {
	h.t.Helper()
	return h.request("POST", "/graphql", map[string]any{
		"query":     "query Q($query: String!, $cursor: String) { queryV1(query: $query, cursor: $cursor, deferredResponse: DISABLED) { type data cursor } }",
		"variables": map[string]any{"query": j1ql, "cursor": cursor},
	})
}

type queryResult struct {
	Data *struct {
		QueryV1 struct {
			Type   string  `json:"type"`
			Cursor *string `json:"cursor"`
			Data   []struct {
				ID         string         `json:"id"`
				Entity     map[string]any `json:"entity"`
				Properties map[string]any `json:"properties"`
			} `json:"data"`
		} `json:"queryV1"`
	} `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

// queryAll pages through a query and returns the _keys found and the number of pages.
func (h *harness) queryAll(j1ql string) ([]string, int) {
	h.t.Helper()
	var keys []string
	var cursor any
	for pages := 1; ; pages++ {
		r := h.queryV1(j1ql, cursor)
		var res queryResult
		if err := json.Unmarshal(r.body, &res); err != nil || r.status != 200 || res.Data == nil {
			h.t.Fatalf("%s: %d %s", j1ql, r.status, r.body)
		}
		for _, d := range res.Data.QueryV1.Data {
			keys = append(keys, d.Entity["_key"].(string))
		}
		if res.Data.QueryV1.Cursor == nil {
			return keys, pages
		}
		cursor = *res.Data.QueryV1.Cursor
		if pages > 100 {
			h.t.Fatal("paging does not end")
		}
	}
}

func TestJ1QLQueries(t *testing.T) {
	h := newHarness(t, Config{})
	var ents []map[string]any
	for i := range 600 {
		ents = append(ents, entity(fmt.Sprintf("e%03d", i), "parity", []string{"even", "odd"}[i%2], "n", i, "isBig", i >= 500))
	}
	ents = append(ents,
		entity("host-1", "_type", "aws_instance", "_class", []any{"Host", "Device"}, "tags", []any{"prod", "web"}),
		entity("user-1", "_type", "okta_user", "_class", "User", "email", "ann@example.com"))
	h.sync("inst", "DIFF", ents, nil)
	h.sync("other", "DIFF", []map[string]any{entity("o-1", "_class", "User")}, nil)

	tests := []struct {
		query string
		count int
		pages int
		first string
	}{
		{"FIND *", 603, 3, "e000"},
		{"FIND * WITH _integrationInstanceId = 'inst'", 602, 3, "e000"},
		{`FIND * WITH _integrationInstanceId = "other"`, 1, 1, "o-1"},
		{"FIND thing_test", 601, 3, "e000"},
		{"FIND Resource", 600, 3, "e000"},
		{"FIND Host", 1, 1, "host-1"},
		{"FIND Device", 1, 1, "host-1"},
		{"FIND aws_instance", 1, 1, "host-1"},
		{"FIND User", 2, 1, "o-1"},
		{"FIND user", 0, 1, ""},
		{"FIND * WITH tags = 'web'", 1, 1, "host-1"},
		{"FIND * WITH parity = 'odd'", 300, 2, "e001"},
		{"FIND * WITH parity = 'odd' AND isBig = true", 50, 1, "e501"},
		{"FIND * WITH n = 7", 1, 1, "e007"},
		{"FIND * WITH n = 7.0", 1, 1, "e007"},
		{"FIND * WITH n = '7'", 0, 1, ""},
		{"FIND * WITH email = null", 602, 3, "e000"},
		{"FIND thing_test LIMIT 10", 10, 1, "e000"},
		{"FIND thing_test LIMIT 250", 250, 1, "e000"},
		{"FIND thing_test LIMIT 300", 300, 2, "e000"},
		{"FIND * WITH parity = 'even' LIMIT 260", 260, 2, "e000"},
		{"FIND * LIMIT 0", 0, 1, ""},
		{"find * with _source = 'integration-external' and _class = 'User' limit 1", 1, 1, "o-1"},
	}
	for _, tt := range tests {
		keys, pages := h.queryAll(tt.query)
		if len(keys) != tt.count || pages != tt.pages {
			t.Errorf("%s: %d results in %d pages, want %d in %d", tt.query, len(keys), pages, tt.count, tt.pages)
		}
		if len(keys) > 0 && keys[0] != tt.first {
			t.Errorf("%s: first %s, want %s", tt.query, keys[0], tt.first)
		}
		if !sortedUnique(keys) {
			t.Errorf("%s: results are not in stable _key order without repeats", tt.query)
		}
	}
}

func sortedUnique(keys []string) bool {
	for i := 1; i < len(keys); i++ {
		if keys[i-1] >= keys[i] {
			return false
		}
	}
	return true
}

func TestJ1QLResultShape(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Config{Now: clock.Now})
	h.fixedIDs()
	h.sync("inst", "DIFF", []map[string]any{entity("host-1", "_type", "aws_instance", "_class", []any{"Host"}, "tags", []any{"prod"}, "cpus", 4)}, nil)
	r := h.queryV1("FIND Host", nil)
	checkGolden(t, "queryV1.json", r.body)

	var res queryResult
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatal(err)
	}
	d := res.Data.QueryV1.Data[0]
	if res.Data.QueryV1.Type != "list" || d.ID != d.Entity["_id"] || d.Entity["displayName"] != "HOST-1" ||
		!reflect.DeepEqual(d.Entity["_type"], []any{"aws_instance"}) || d.Entity["_integrationInstanceId"] != "inst" ||
		d.Properties["name"] != "host-1" || d.Properties["displayName"] != nil || d.Properties["_key"] != nil {
		t.Errorf("result: %+v", d)
	}
}

func TestJ1QLPagingIsStableWhileTheGraphChanges(t *testing.T) {
	h := newHarness(t, Config{})
	var ents []map[string]any
	for i := range 300 {
		ents = append(ents, entity(fmt.Sprintf("k%03d", i)))
	}
	h.sync("inst", "DIFF", ents, nil)
	var first queryResult
	_ = json.Unmarshal(h.queryV1("FIND *", nil).body, &first)
	// Entities before the cursor go away; the next page still starts after the cursor.
	h.sync("inst", "DIFF", ents[200:], nil)
	var second queryResult
	_ = json.Unmarshal(h.queryV1("FIND *", *first.Data.QueryV1.Cursor).body, &second)
	if got := second.Data.QueryV1.Data; len(got) != 50 || got[0].Entity["_key"] != "k250" {
		t.Errorf("second page: %d results from %v", len(got), got[0].Entity["_key"])
	}
}

func TestGraphQLErrorsAndBatches(t *testing.T) {
	h := newHarness(t, Config{})
	h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b")}, nil)

	errorsOf := func(r response) []string {
		t.Helper()
		var res queryResult
		if err := json.Unmarshal(r.body, &res); err != nil {
			t.Fatalf("%s: %v", r.body, err)
		}
		var msgs []string
		for _, e := range res.Errors {
			msgs = append(msgs, e.Extensions.Code+": "+e.Message)
		}
		return msgs
	}
	r := h.queryV1("FIND * WHERE x = 1", nil)
	if msgs := errorsOf(r); r.status != 200 || len(msgs) != 1 || !strings.HasPrefix(msgs[0], "J1QL_SYNTAX_ERROR: J1QL syntax error") {
		t.Errorf("syntax error: %d %s", r.status, r.body)
	}
	r = h.queryV1("FIND *", "not-a-cursor")
	if msgs := errorsOf(r); r.status != 200 || len(msgs) != 1 || !strings.HasPrefix(msgs[0], "BAD_USER_INPUT: invalid cursor") {
		t.Errorf("bad cursor: %d %s", r.status, r.body)
	}
	r = h.request("POST", "/graphql", map[string]any{"query": "{ me { id } }"})
	if msgs := errorsOf(r); r.status != 200 || len(msgs) != 1 || !strings.HasPrefix(msgs[0], "UNSUPPORTED_OPERATION: the emulator answers only the queryV1") {
		t.Errorf("other field: %d %s", r.status, r.body)
	}
	r = h.request("POST", "/graphql", `{"query": `)
	if r.status != 400 || !strings.Contains(string(r.body), `"errors"`) {
		t.Errorf("not JSON: %d %s", r.status, r.body)
	}

	// Inline arguments and an alias.
	r = h.request("POST", "/graphql", map[string]any{"query": `query { found: queryV1(query: "FIND * WITH _key = 'b'") { data } }`})
	var aliased struct {
		Data map[string]struct {
			Data []map[string]any `json:"data"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &aliased); err != nil || len(aliased.Data["found"].Data) != 1 {
		t.Errorf("alias: %s", r.body)
	}

	// An array of operations is answered with an array, in order, errors in place.
	op := func(q string) map[string]any {
		return map[string]any{
			"query":     "query Q($query: String!, $cursor: String) { queryV1(query: $query, cursor: $cursor) { type data cursor } }",
			"variables": map[string]any{"query": q, "cursor": nil},
		}
	}
	r = h.request("POST", "/graphql", []any{op("FIND * WITH _key = 'a'"), op("FIND ("), op("FIND *")})
	var batch []queryResult
	if err := json.Unmarshal(r.body, &batch); err != nil || r.status != 200 || len(batch) != 3 {
		t.Fatalf("batch: %d %s", r.status, r.body)
	}
	if batch[0].Data == nil || len(batch[0].Data.QueryV1.Data) != 1 || len(batch[1].Errors) != 1 || batch[2].Data == nil || len(batch[2].Data.QueryV1.Data) != 2 {
		t.Errorf("batch answers: %s", r.body)
	}
}

func TestFindQueryV1(t *testing.T) {
	vars := map[string]any{"query": "FIND *", "cursor": "c1"}
	tests := []struct {
		doc  string
		key  string
		args map[string]any
		err  bool
	}{
		{doc: "query Q($query: String!, $cursor: String) { queryV1(query: $query, cursor: $cursor, deferredResponse: DISABLED) { type data cursor } }",
			key: "queryV1", args: map[string]any{"query": "FIND *", "cursor": "c1", "deferredResponse": "DISABLED"}},
		{doc: `query queryV1($queryV1: String) { r: queryV1(query: "FIND \"x\"", cursor: null, flags: {a: [1]}, includeDeleted: false) { data } }`,
			key: "r", args: map[string]any{"query": `FIND "x"`, "cursor": nil, "includeDeleted": false}},
		{doc: "# comment\n{ queryV1(query: \"\"\"FIND *\"\"\") { data } }", key: "queryV1", args: map[string]any{"query": "FIND *"}},
		{doc: "query queryV1 { other }", err: true},
		{doc: `{ queryV1(query: "open) }`, err: true},
		{doc: `{ queryV1(query $query) }`, err: true},
	}
	for _, tt := range tests {
		key, args, err := findQueryV1(tt.doc, vars)
		if tt.err {
			if err == nil {
				t.Errorf("%q: no error", tt.doc)
			}
			continue
		}
		if err != nil || key != tt.key || !reflect.DeepEqual(args, tt.args) {
			t.Errorf("%q: %q %v %v, want %q %v", tt.doc, key, args, err, tt.key, tt.args)
		}
	}
}
