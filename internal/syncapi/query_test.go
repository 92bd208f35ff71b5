package syncapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// answerPage answers one queryV1 list page; cursor "" answers a null cursor.
func answerPage(keys []string, cursor string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		rows := make([]map[string]any, len(keys))
		for i, k := range keys {
			rows[i] = map[string]any{
				"id":         "id-" + k,
				"entity":     map[string]any{"_key": k, "_type": []string{"acme_user"}},
				"properties": map[string]any{"name": k, "age": json.Number("42.50")},
			}
		}
		var cur any
		if cursor != "" {
			cur = cursor
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"data": map[string]any{"queryV1": map[string]any{"type": "list", "cursor": cur, "data": rows}},
		})
	}
}

func keyRange(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return keys
}

// A short page in the middle does not end the query; a null cursor does.
func TestQueryPagesUntilCursorIsNull(t *testing.T) {
	pages := [][]string{keyRange("a", 250), keyRange("b", 7), keyRange("c", 250)}
	rec := script(t,
		answerPage(pages[0], "cursor-1"),
		answerPage(pages[1], "cursor-2"),
		answerPage(pages[2], ""),
	)
	c, _ := newTestClient(t, rec)
	rows, err := c.Query(context.Background(), "FIND acme_user")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range pages {
		want = append(want, p...)
	}
	got := make([]string, len(rows))
	for i, r := range rows {
		got[i], _ = r.Entity["_key"].(string)
		if r.ID != "id-"+got[i] {
			t.Fatalf("row %d: id %q", i, r.ID)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %d rows, want %d in order", len(got), len(want))
	}
	if n, ok := rows[0].Properties["age"].(json.Number); !ok || n != "42.50" {
		t.Errorf("numbers should stay json.Number as sent: %#v", rows[0].Properties["age"])
	}

	reqs := rec.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, wantCursor := range []any{nil, "cursor-1", "cursor-2"} {
		var body struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		if err := json.Unmarshal(reqs[i].Body, &body); err != nil {
			t.Fatal(err)
		}
		cursor, present := body.Variables["cursor"]
		if !present || cursor != wantCursor || body.Variables["query"] != "FIND acme_user" || body.Query != queryV1Document {
			t.Errorf("request %d: %s", i, reqs[i].Body)
		}
		if strings.HasPrefix(strings.TrimSpace(string(reqs[i].Body)), "[") {
			t.Errorf("request %d is an array of operations; the client sends a single object", i)
		}
	}
}

// The read stops when the callback fails: besides the page it got, at most the next one,
// fetched while the callback worked, was asked for.
func TestQueryPagesStopsOnCallbackError(t *testing.T) {
	rec := script(t, answerPage([]string{"a"}, "c1"), answerPage([]string{"b"}, "c2"), answerPage([]string{"c"}, "c3"), answerPage([]string{"d"}, ""))
	c, _ := newTestClient(t, rec)
	stop := errors.New("enough")
	calls := 0
	err := c.QueryPages(context.Background(), "FIND *", func([]QueryItem) error { calls++; return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the callback's", err)
	}
	if calls != 1 {
		t.Errorf("the callback ran %d times after failing", calls)
	}
	if n := len(rec.Requests()); n > 2 {
		t.Errorf("%d requests after the callback stopped at page 1, want at most 2", n)
	}
}

func TestQueryErrors(t *testing.T) {
	tests := []struct {
		name     string
		answer   string
		want     []string
		wantCode string
	}{
		{
			name: "graphql errors at HTTP 200",
			answer: `{"data":null,"errors":[{"message":"Error parsing J1QL: unexpected token 'FNID'",
				"extensions":{"code":"J1QL_PARSE_ERROR"}},{"message":"second problem"}]}`,
			want:     []string{"HTTP 200", "J1QL_PARSE_ERROR", "unexpected token 'FNID'", "second problem", "page 1"},
			wantCode: "J1QL_PARSE_ERROR",
		},
		{
			name:     "graphql error without code",
			answer:   `{"errors":[{"message":"Unauthorized"}]}`,
			want:     []string{"GRAPHQL_ERROR", "Unauthorized"},
			wantCode: CodeGraphQL,
		},
		{
			name:   "no queryV1",
			answer: `{"data":{}}`,
			want:   []string{"no data.queryV1"},
		},
		{
			name:   "not a list",
			answer: `{"data":{"queryV1":{"type":"table","data":[{"a":1}],"cursor":null}}}`,
			want:   []string{`"table" result`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := script(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, tt.answer) })
			c, _ := newTestClient(t, rec)
			_, err := c.Query(context.Background(), "FNID *")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.wantCode != "" && !HasCode(err, tt.wantCode) {
				t.Errorf("HasCode(err, %q) is false: %v", tt.wantCode, err)
			}
			if IsRetryable(err) {
				t.Error("a query error is not retryable")
			}
			if n := len(rec.Requests()); n != 1 {
				t.Errorf("%d requests, want 1 (no retry)", n)
			}
		})
	}
}

func TestQueryRefusesRepeatedCursor(t *testing.T) {
	rec := script(t, answerPage([]string{"a"}, "same"), answerPage([]string{"b"}, "same"))
	c, _ := newTestClient(t, rec)
	_, err := c.Query(context.Background(), "FIND *")
	if err == nil || !strings.Contains(err.Error(), "same cursor") {
		t.Fatalf("err = %v, want the repeated cursor reported", err)
	}
}
