package syncapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

func TestDecodeQueryAnswer(t *testing.T) {
	cursor := func(s string) *string { return &s }
	tests := []struct {
		name    string
		answer  string
		want    *resultPage
		errs    []string // messages of GraphQL errors
		wantErr string
	}{
		{"list page", `{"data":{"queryV1":{"type":"list","data":[{"id":"i1","entity":{"_key":"k"},"properties":{"n":1.50}}],"cursor":"c1"}}}`,
			&resultPage{Type: "list", Rows: []any{map[string]any{"id": "i1", "entity": map[string]any{"_key": "k"}, "properties": map[string]any{"n": json.Number("1.50")}}}, Cursor: cursor("c1")}, nil, ""},
		{"last page, members in any order, unknown ones skipped",
			`{"extensions":{"cost":[1,2]},"data":{"__typename":"Query","queryV1":{"cursor":null,"data":[],"__typename":"QueryV1Response","type":"table"}}}`,
			&resultPage{Type: "table", Rows: []any{}}, nil, ""},
		{"null data", `{"data":{"queryV1":{"type":"list","data":null,"cursor":null}}}`, &resultPage{Type: "list"}, nil, ""},
		{"deferred", `{"data":{"queryV1":{"type":"deferred","url":"https://x/y"}}}`, &resultPage{Type: "deferred", URL: "https://x/y"}, nil, ""},
		{"GraphQL errors", `{"errors":[{"message":"boom","extensions":{"code":"X"}},{"message":"two"}],"data":null}`, nil, []string{"boom", "two"}, ""},
		{"no queryV1", `{"data":{}}`, nil, nil, ""},
		{"rows not a list", `{"data":{"queryV1":{"type":"list","data":{"a":1}}}}`, nil, nil, "not a list of rows"},
		{"a property twice", `{"data":{"queryV1":{"type":"table","data":[{"r":{"_key":"a","x":1,"x":2}}]}}}`, nil, nil, `property "x" appears twice`},
		{"cursor not a string", `{"data":{"queryV1":{"type":"list","data":[],"cursor":5}}}`, nil, nil, "cursor (a string)"},
		{"trailing data", `{"data":{"queryV1":{"type":"list","data":[]}}} {}`, nil, nil, "after the top-level value"},
		{"truncated", `{"data":{"queryV1":{"type":"list","data":[{"id":"i1"`, nil, nil, "unexpected end"},
		{"not an object", `[]`, nil, nil, "the answer (an object)"},
	}
	s := model.NewJSONScanner(nil)
	s.KeepNumbers()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, errs, err := decodeQueryAnswer(s, []byte(tt.answer))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(page, tt.want) {
				t.Errorf("page = %#v, want %#v", page, tt.want)
			}
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Message)
			}
			if !reflect.DeepEqual(msgs, tt.errs) {
				t.Errorf("errors %q, want %q", msgs, tt.errs)
			}
		})
	}
}

func TestListRowsShape(t *testing.T) {
	tests := []struct {
		name    string
		rows    []any
		wantErr string
	}{
		{"row not an object", []any{"x"}, "row 0 is a string"},
		{"id not a string", []any{map[string]any{"id": json.Number("1")}}, "id is a number"},
		{"entity not an object", []any{map[string]any{"id": "i", "entity": []any{}}}, "entity is a list"},
		{"properties not an object", []any{map[string]any{"id": "i", "properties": "p"}}, "properties is a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := listRows(tt.rows); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	items, err := listRows([]any{map[string]any{"id": "i", "entity": map[string]any{"_key": "k"}, "extra": true}})
	if err != nil || len(items) != 1 || items[0].ID != "i" || items[0].Entity["_key"] != "k" || items[0].Properties != nil {
		t.Errorf("listRows = %#v, %v", items, err)
	}
}

// BenchmarkDecodeQueryAnswer decodes one 250-row page of entities, as a whole-graph read
// decodes hundreds.
func BenchmarkDecodeQueryAnswer(b *testing.B) {
	entities, _ := benchGraph(250)
	rows := make([]any, len(entities))
	for i, e := range entities {
		rows[i] = map[string]any{"id": fmt.Sprint("id-", i), "entity": map[string]any{"_key": e["_key"], "_type": []any{e["_type"]}, "_class": e["_class"]}, "properties": map[string]any(e)}
	}
	data, err := json.Marshal(map[string]any{"data": map[string]any{"queryV1": map[string]any{"type": "list", "data": rows, "cursor": "next"}}})
	if err != nil {
		b.Fatal(err)
	}
	s := model.NewJSONScanner(nil)
	s.KeepNumbers()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		page, _, err := decodeQueryAnswer(s, data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := listRows(page.Rows); err != nil {
			b.Fatal(err)
		}
	}
}
