package lang

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

var jsonDecodeCases = []struct {
	src  string
	fast bool // decodeJSON answers (otherwise cty's decoder does)
}{
	{`{"a": 1, "b": [true, false, null], "c": {"d": "e"}}`, true},
	{" \t\r\n[1, -2.5, 3e10, -0, 0.0001E-3, 12345678901234567890123]\n", true},
	{`[]`, true},
	{`{}`, true},
	{`[[], {}, [[]]]`, true},
	{`null`, true},
	{`"plain"`, true},
	{`42`, true},
	{`{"a": null, "b": [null, 1]}`, true},
	{`"caf\u00e9 \"quoted\" \\ \/ \n\t \ud83d\ude00"`, true},
	{`"café"`, true},
	{"\"cafe\u0301\"", true}, // normalized by cty.StringVal either way
	{`"\ud800"`, true},       // a lone surrogate: encoding/json's replacement character
	{"\"\xff\xfe\"", true},   // invalid UTF-8: encoding/json's replacement characters
	{`{"café": 1}`, false},
	{`{"a": 1, "a": 2}`, false},
	{`{"a": 1, "a": "x"}`, false},
	{`[1, 2] ]`, false},
	{`[1, 2] x`, false},
	{`[1, 2`, false},
	{`[1,]`, false},
	{`{"a" 1}`, false},
	{`{"a": 1,}`, false},
	{`{a: 1}`, false},
	{`01`, false},
	{`1.`, false},
	{`.5`, false},
	{`-`, false},
	{`1e`, false},
	{`+1`, false},
	{`tru`, false},
	{`nul`, false},
	{`"a` + "\n" + `b"`, false},
	{`"unterminated`, false},
	{`"bad \x escape"`, false},
	{"\ufeff[]", false},
	{``, false},
	{`   `, false},
	{`[1] [2]`, false},
}

// TestDecodeJSONMatchesCty: where decodeJSON answers, its value is exactly what cty's
// jsondecode gives; the lang function gives cty's value or error on every document.
func TestDecodeJSONMatchesCty(t *testing.T) {
	for _, tt := range jsonDecodeCases {
		t.Run(tt.src, func(t *testing.T) {
			got, ok := decodeJSON(tt.src)
			if ok != tt.fast {
				t.Fatalf("decodeJSON answered %v, want %v", ok, tt.fast)
			}
			compareJSONDecode(t, tt.src)
			if !ok {
				return
			}
			want, err := stdlib.JSONDecode(cty.StringVal(tt.src))
			if err != nil {
				t.Fatalf("decodeJSON gave %#v where cty fails: %s", got, err)
			}
			if !got.RawEquals(want) || !got.Type().Equals(want.Type()) {
				t.Fatalf("decodeJSON gave %#v, cty %#v", got, want)
			}
		})
	}
}

// compareJSONDecode checks that jsondecode as lang defines it gives what cty gives.
func compareJSONDecode(t *testing.T, src string) {
	t.Helper()
	arg := []cty.Value{cty.StringVal(src)}
	got, gotErr := jsonDecodeFunc.Call(arg)
	if gotErr != nil && strings.Contains(gotErr.Error(), "JSON document") {
		return // checkJSONData's bounds, which cty does not have
	}
	want, wantErr := stdlib.JSONDecodeFunc.Call(arg)
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("jsondecode: error %v, cty's: %v", gotErr, wantErr)
	case gotErr != nil && gotErr.Error() != wantErr.Error():
		t.Fatalf("jsondecode: error %q, cty's: %q", gotErr, wantErr)
	case gotErr == nil && (!got.RawEquals(want) || !got.Type().Equals(want.Type())):
		t.Fatalf("jsondecode gave %#v, cty %#v", got, want)
	}
}

// FuzzDecodeJSON compares jsondecode with cty's on arbitrary documents.
func FuzzDecodeJSON(f *testing.F) {
	for _, tt := range jsonDecodeCases {
		f.Add(tt.src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		compareJSONDecode(t, src)
	})
}
