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
	// Rows of one depth share the decoder's map and slice: nothing may carry over.
	{`[{"a": 1, "b": [1, 2, 3]}, {"a": 2}, {"b": [4]}, {}, {"c": {"d": 1, "e": 2}}, {"c": {"d": 3}}]`, true},
	{`[[1, 2, 3], [4], [], [[5, 6], [7]], [[8]]]`, true},
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
			got, ok, _ := decodeJSON(tt.src)
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

// referenceJSONDecode is jsondecode as it was before decodeJSON: checkJSONData's bounds,
// then cty's function.
var referenceJSONDecode = boundedDecoder(stdlib.JSONDecodeFunc, checkJSONData)

// compareJSONDecode checks that jsondecode gives what the reference gives.
func compareJSONDecode(t *testing.T, src string) {
	t.Helper()
	arg := []cty.Value{cty.StringVal(src)}
	got, gotErr := jsonDecodeFunc.Call(arg)
	want, wantErr := referenceJSONDecode.Call(arg)
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("jsondecode: error %v, cty's: %v", gotErr, wantErr)
	case gotErr != nil && gotErr.Error() != wantErr.Error():
		t.Fatalf("jsondecode: error %q, cty's: %q", gotErr, wantErr)
	case gotErr == nil && (!got.RawEquals(want) || !got.Type().Equals(want.Type())):
		t.Fatalf("jsondecode gave %#v, cty %#v", got, want)
	}
}

// TestJSONDecodeBounds: documents at checkJSONData's limits, and at the limits of what
// decodeJSON trusts to be within them, get the reference's value or error.
func TestJSONDecodeBounds(t *testing.T) {
	nest := func(n int, inner string) string {
		return strings.Repeat("[", n) + inner + strings.Repeat("]", n)
	}
	nestObj := func(n int) string {
		return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
	}
	digits := func(n int) string { return "1" + strings.Repeat("0", n-1) }
	var srcs []string
	for _, n := range []int{MaxDecodeDepth/2 - 1, MaxDecodeDepth / 2, MaxDecodeDepth/2 + 1, MaxDecodeDepth - 1, MaxDecodeDepth, MaxDecodeDepth + 1, MaxDecodeDepth + 2} {
		srcs = append(srcs, nest(n, ""), nest(n, "1"), nestObj(n))
	}
	for _, e := range []string{"99", "100", "399", "400", "401", "0400", "00401", "-400", "-401", "+401", "22221010"} {
		srcs = append(srcs, "[1e"+e+"]", `{"n": -2.5E`+e+"}")
	}
	for _, n := range []int{64, 65, 999, 1000, 1001} {
		srcs = append(srcs, "["+digits(n)+"]", "[-"+digits(n-1)+"]")
	}
	for _, src := range srcs {
		t.Run(src[:min(len(src), 40)], func(t *testing.T) { compareJSONDecode(t, src) })
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
