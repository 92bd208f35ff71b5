package model

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestNormalizeNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1420.50", "1420.5"},
		{"1.4205e3", "1420.5"},
		{"142", "142"},
		{"1730419200000", "1730419200000"},
		{"-0", "0"},
		{"0.1", "0.1"},
		{"1e21", "1000000000000000000000"},
		{"123456789012345678901234567890", "123456789012345678901234567890"},
		{"1.5e-7", "1.5e-07"},
	}
	for _, tt := range tests {
		got, err := NormalizeNumber(json.Number(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("NormalizeNumber(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"abc", "2e22221010", "1e-99999", "1e401", strings.Repeat("9", 1001)} {
		if _, err := NormalizeNumber(json.Number(bad)); err == nil {
			t.Errorf("NormalizeNumber(%.20s) succeeded", bad)
		}
	}
	if got, err := NormalizeNumber("1e308"); err != nil || !strings.HasPrefix(string(got), "1000000") {
		t.Errorf("NormalizeNumber(1e308) = %s, %v", got, err)
	}
	// Whatever is accepted, however far beyond float64, is spelled as a JSON number (never
	// +Inf or NaN): state files and payloads write it as it comes back.
	for _, extreme := range []string{"1e400", "-1e400", "1e-400", "-4e-324", "1.5e399",
		"1" + strings.Repeat("0", 310) + ".5", "-" + strings.Repeat("9", 999)} {
		got, err := NormalizeNumber(json.Number(extreme))
		if err != nil || !json.Valid([]byte(got)) {
			t.Errorf("NormalizeNumber(%.20s…) = %.20s…, %v; want a JSON number", extreme, got, err)
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	p := Properties{
		"zeta": "z", "name": "slack", "_class": []any{"Application"}, "_type": "application_x",
		"displayName": "Slack", "_key": "k", "html": "<b>&</b>", "ctl": "a\nb\t\u2028",
		"n": json.Number("1.5"), "ok": true, "none": nil,
	}
	want := `{"_key":"k","_type":"application_x","_class":["Application"],"name":"slack","displayName":"Slack","ctl":"a\nb\t\u2028","html":"<b>&</b>","n":1.5,"none":null,"ok":true,"zeta":"z"}`
	if got := string(MarshalObject(p)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Canonical JSON is valid JSON that decodes back to the same value.
	back, err := DecodeObject(MarshalObject(p))
	if err != nil || !EqualProperties(back, p) {
		t.Errorf("round trip: %v, %v", back, err)
	}
	mapped := Properties{"_key": "k", "_type": "t", "_class": "USES", "_mapping": map[string]any{
		"skipTargetCreation": true, "targetEntity": map[string]any{"_key": "a", "_type": "b"},
		"targetFilterKeys": []any{[]any{"_type", "_key"}}, "relationshipDirection": "FORWARD", "sourceEntityKey": "s",
	}}
	want = `{"_key":"k","_type":"t","_class":"USES","_mapping":{"sourceEntityKey":"s","relationshipDirection":"FORWARD","targetFilterKeys":[["_type","_key"]],"targetEntity":{"_type":"b","_key":"a"},"skipTargetCreation":true}}`
	if got := string(MarshalObject(mapped)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b any
		want bool
	}{
		{json.Number("1.50"), json.Number("1.5"), true},
		{json.Number("1"), "1", false},
		{[]any{"a"}, []any{"a"}, true},
		{[]any{"a"}, []any{"a", "b"}, false},
		{nil, nil, true},
		{nil, "", false},
		{map[string]any{"a": nil}, map[string]any{}, false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%v, %v) = %v", tt.a, tt.b, got)
		}
	}
}

func TestDecodePayload(t *testing.T) {
	g, err := DecodePayload([]byte(`{"entities":[{"_key":"a","n":1.50}],"relationships":[{"_key":"r","_fromEntityKey":"a","_toEntityKey":"b"},{"_key":"m","_mapping":{"sourceEntityKey":"a"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Entities) != 1 || g.Entities[0].Props["n"] != json.Number("1.5") {
		t.Errorf("entities = %v", g.Entities[0].Props)
	}
	if g.Relationships[0].Kind != KindRelationship || g.Relationships[1].Kind != KindMappedRelationship {
		t.Errorf("kinds = %v, %v", g.Relationships[0].Kind, g.Relationships[1].Kind)
	}
	for _, bad := range []string{`[]`, `{"entities": {}}`, `{"entities": [1]}`, `{`} {
		if _, err := DecodePayload([]byte(bad)); err == nil {
			t.Errorf("DecodePayload(%s) succeeded", bad)
		}
	}
}

func TestPayloadWriteJSONAndHash(t *testing.T) {
	a := &Object{Kind: KindEntity, Address: "entity.t.a", Props: Properties{"_key": "a", "x": json.Number("1")}}
	b := &Object{Kind: KindEntity, Address: "entity.t.b", Props: Properties{"_key": "b"}}
	g1 := &Graph{Entities: []*Object{a, b}}
	g2 := &Graph{Entities: []*Object{b, a}}
	if HashGraph(g1) != HashGraph(g2) {
		t.Error("the hash depends on declaration order")
	}
	if !strings.HasPrefix(string(HashGraph(g1)), "sha256:") {
		t.Error("hash lacks its algorithm prefix")
	}
	c := a.Clone()
	c.Props["x"] = json.Number("2")
	if HashGraph(g1) == HashGraph(&Graph{Entities: []*Object{c, b}}) {
		t.Error("different content, same hash")
	}
	if a.Props["x"] != json.Number("1") {
		t.Error("Clone shares the property map")
	}
	var buf bytes.Buffer
	if err := PayloadOf(g1).WriteJSON(&buf, "  "); err != nil {
		t.Fatal(err)
	}
	back, err := DecodePayload(buf.Bytes())
	if err != nil || len(back.Entities) != 2 || back.Entities[0].Key() != "a" {
		t.Errorf("WriteJSON output does not decode: %v\n%s", err, buf.String())
	}
}

func TestSortObjects(t *testing.T) {
	objs := []*Object{
		{Address: "z", Props: Properties{"_key": "b"}},
		{Address: "y", Props: Properties{"_key": "a"}},
		{Address: "x", Props: Properties{"_key": "b"}},
	}
	SortObjects(objs)
	got := objs[0].Address + objs[1].Address + objs[2].Address
	if got != "yxz" {
		t.Errorf("order = %s, want yxz (by key, then address)", got)
	}
}

func TestOrderedNames(t *testing.T) {
	tests := []struct {
		within string
		maps   []map[string]any
		want   []string
	}{
		{"", []map[string]any{{"zeta": 1, "name": 1, "_key": 1}, {"alpha": 1, "_type": 1, "zeta": 1}}, []string{"_key", "_type", "name", "alpha", "zeta"}},
		{PropMapping, []map[string]any{{"targetEntity": 1, "extra": 1}, {"sourceEntityKey": 1}}, []string{"sourceEntityKey", "targetEntity", "extra"}},
		{MappingTargetEntity, []map[string]any{{"_key": 1, "_type": 1, "a": 1}}, []string{"_type", "_key", "a"}},
		{"tags", []map[string]any{{"_key": 1, "b": 1, "A": 1}}, []string{"A", "_key", "b"}},
		{"", []map[string]any{nil, {}}, []string{}},
	}
	for _, tt := range tests {
		if got := OrderedNames(tt.within, tt.maps...); !slices.Equal(got, tt.want) {
			t.Errorf("OrderedNames(%q, %v) = %q, want %q", tt.within, tt.maps, got, tt.want)
		}
	}
}

func TestLeadingRankFollowsCanonicalOrder(t *testing.T) {
	if len(topLevelOrder) != NumLeading {
		t.Fatalf("%d leading names, NumLeading %d", len(topLevelOrder), NumLeading)
	}
	for i, name := range topLevelOrder {
		if got := LeadingRank(name); got != i {
			t.Errorf("LeadingRank(%q) = %d, want %d", name, got, i)
		}
	}
	if LeadingRank("vendor") != -1 {
		t.Error("an ordinary property has a leading rank")
	}
}

// A payload holding a value JSON cannot carry (an infinite number from 1/0, a NaN float) is an
// error naming the object and property, in every indentation: never a dropped or mangled line.
func TestPayloadWriteJSONRefusesNonFinite(t *testing.T) {
	for _, tt := range []struct {
		name  string
		props Properties
		want  string
	}{
		{"infinity", Properties{"_key": "k", "ratio": json.Number("+Inf")}, `object 1 (_key "k"): property "ratio": the number +Inf is not finite`},
		{"in a list", Properties{"_key": "k", "tags": []any{json.Number("1"), json.Number("-Inf")}}, `property "tags": item 2: the number -Inf`},
		{"NaN float", Properties{"_key": "k", "x": math.NaN()}, `property "x": a value of Go type float64 cannot be written as JSON`},
	} {
		for _, indent := range []string{"", "  "} {
			t.Run(tt.name+"/"+strconv.Quote(indent), func(t *testing.T) {
				var buf bytes.Buffer
				err := Payload{Entities: []Properties{{"_key": "ok"}, tt.props}}.WriteJSON(&buf, indent)
				if err == nil || !strings.Contains(err.Error(), strings.Replace(tt.want, "object 1", "object 2", 1)) {
					t.Fatalf("WriteJSON = %v, want %q", err, tt.want)
				}
			})
		}
		if err := CheckEncodable(tt.props); err == nil {
			t.Errorf("%s: CheckEncodable accepted it", tt.name)
		}
	}
	if err := CheckEncodable(Properties{"n": json.Number("1e300"), "l": []any{"a"}, "m": map[string]any{"x": true}}); err != nil {
		t.Errorf("CheckEncodable refused a finite payload: %v", err)
	}
}
