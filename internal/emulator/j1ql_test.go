package emulator

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseJ1QL(t *testing.T) {
	find := func(sel selection, limit int) *j1qlQuery { return &j1qlQuery{find: sel, limit: limit} }
	all := selection{all: true}
	tests := []struct {
		src  string
		want *j1qlQuery
		err  string
	}{
		{src: "FIND *", want: find(all, -1)},
		{src: "  find   *  ", want: find(all, -1)},
		{src: "FIND Host", want: find(selection{class: "Host"}, -1)},
		{src: "FIND CodeRepo", want: find(selection{class: "CodeRepo"}, -1)},
		{src: "FIND aws_instance", want: find(selection{typ: "aws_instance"}, -1)},
		{src: "FIND host", want: find(selection{typ: "host"}, -1)},
		{src: "FIND Thing_Test", want: find(selection{typ: "Thing_Test"}, -1)},
		{src: "FIND application_my-billing-acme", want: find(selection{typ: "application_my-billing-acme"}, -1)},
		{src: "FIND * WITH _integrationInstanceId = 'ID'", want: find(selection{all: true, conds: []condition{{"_integrationInstanceId", "ID"}}}, -1)},
		{src: `Find User with active = true and email = "a@b.c" Limit 5`, want: find(selection{class: "User", conds: []condition{{"active", true}, {"email", "a@b.c"}}}, 5)},
		{src: "FIND * WITH count=1.50 AND x = -2 AND y = null AND z = undefined", want: find(selection{all: true, conds: []condition{{"count", json.Number("1.5")}, {"x", json.Number("-2")}, {"y", nil}, {"z", nil}}}, -1)},
		{src: `FIND * WITH name = 'it\'s' AND tag.Env = "a \"b\""`, want: find(selection{all: true, conds: []condition{{"name", "it's"}, {"tag.Env", `a "b"`}}}, -1)},
		{src: "FIND * LIMIT 0", want: find(all, 0)},
		{src: "FIND * SKIP 250 LIMIT 250", want: &j1qlQuery{find: all, skip: 250, limit: 250}},
		{src: "FIND * WITH _integrationInstanceId = 'ID' AS a THAT RELATES TO AS r * RETURN r", want: &j1qlQuery{
			find:  selection{all: true, conds: []condition{{"_integrationInstanceId", "ID"}}, alias: "a"},
			hops:  []hop{{alias: "r", to: all}},
			ret:   &returnClause{items: []returnItem{{name: "r", alias: "r"}}},
			limit: -1,
		}},
		{src: "find User as u that has Device as d return u.email, d, u", want: &j1qlQuery{
			find:  selection{class: "User", alias: "u"},
			hops:  []hop{{verb: "HAS", to: selection{class: "Device", alias: "d"}}},
			ret:   &returnClause{items: []returnItem{{"u.email", "u", "email"}, {"d", "d", ""}, {"u", "u", ""}}},
			limit: -1,
		}},
		{src: "FIND Host THAT USES * THAT IS Person RETURN TREE LIMIT 3", want: &j1qlQuery{
			find:  selection{class: "Host"},
			hops:  []hop{{verb: "USES", to: all}, {verb: "IS", to: selection{class: "Person"}}},
			ret:   &returnClause{tree: true},
			limit: 3,
		}},
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
		{src: "FIND * SKIP x", err: "SKIP needs"},
		{src: "FIND Host THAT", err: "expected a relationship verb"},
		{src: "FIND Host THAT RELATES User", err: "expected TO after RELATES"},
		{src: "FIND Host THAT !HAS User", err: "negated and directed"},
		{src: "FIND Host THAT HAS", err: "expected *, a class or a type after THAT HAS"},
		{src: "FIND Host AS h RETURN x", err: `RETURN names "x", which is not an alias`},
		{src: "FIND Host AS h THAT HAS * AS h", err: "alias h is used twice"},
		{src: "FIND Host AS WITH", err: "expected an alias name"},
		{src: "FIND * WITH x = 1 OR y = 2", err: "OR is J1QL"},
		{src: "FIND * AS a RETURN a ORDER BY a.name", err: "ORDER is J1QL"},
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
		got.base = ""
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
		want queryV1Field
		err  bool
	}{
		{doc: "query Q($query: String!, $cursor: String) { queryV1(query: $query, cursor: $cursor, deferredResponse: DISABLED) { type data cursor } }",
			want: queryV1Field{key: "queryV1", args: map[string]any{"query": "FIND *", "cursor": "c1", "deferredResponse": "DISABLED"}}},
		{doc: `query queryV1($queryV1: String) { r: queryV1(query: "FIND \"x\"", cursor: null, flags: {a: [1]}, includeDeleted: false) { data } }`,
			want: queryV1Field{key: "r", args: map[string]any{"query": `FIND "x"`, "cursor": nil, "includeDeleted": false}}},
		{doc: "# comment\n{ queryV1(query: \"\"\"FIND *\"\"\") { data } }", want: queryV1Field{key: "queryV1", args: map[string]any{"query": "FIND *"}}},
		{doc: "{ __typename queryV1(query: $query) { type data { __typename } __typename } }",
			want: queryV1Field{key: "queryV1", args: map[string]any{"query": "FIND *"}, typename: true, rootTypename: true}},
		{doc: "{ queryV1(query: $query) { data { __typename } } }", want: queryV1Field{key: "queryV1", args: map[string]any{"query": "FIND *"}}},
		{doc: "query queryV1 { other }", err: true},
		{doc: `{ queryV1(query: "open) }`, err: true},
		{doc: `{ queryV1(query $query) }`, err: true},
	}
	for _, tt := range tests {
		got, err := findQueryV1(tt.doc, vars)
		if tt.err {
			if err == nil {
				t.Errorf("%q: no error", tt.doc)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %+v %v, want %+v", tt.doc, got, err, tt.want)
		}
	}
}
