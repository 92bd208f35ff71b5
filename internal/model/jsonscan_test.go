package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// referenceValue decodes data the way model.DecodeObject does: encoding/json with UseNumber,
// then NormalizeValue.
func referenceValue(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, errors.New("trailing data")
	}
	return NormalizeValue(v)
}

func scanValue(data []byte) (any, error) {
	s := NewJSONScanner(data)
	v, err := s.Value()
	if err == nil {
		err = s.End()
	}
	return v, err
}

var scannerSeeds = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `-0.0`, `1.50`, `1e3`, `1E+3`, `-1.5e-3`, `0.1`, `100000000000000000000`,
	`123456789012345678`, `1234567890123456789`, `1e21`, `1e-7`, `0.000001`, `3.141592653589793238462643383279`,
	`"plain"`, `"caf\u00e9"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\udc00\ud800"`, `"\"\\\/\b\f\n\r\t"`,
	"\"raw \xff invalid\"", "\"\xed\xa0\x80\"", `"\u2028"`,
	`{"a":[1,{"b":null}],"c":"d"}`, ` { "spaced" : [ 1 , 2 ] } `,
	`{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `1e`, `"unterminated`, `{"a"}`, `{"a":1 "b":2}`, `nul`, `[`, `"\x"`, `"\u12"`,
	"\"tab\there\"", `{"a":1}{}`,
}

// The scanner must agree with encoding/json plus model's normalization on every input both
// accept, and reject what encoding/json rejects. It deliberately also rejects duplicate object
// names, which encoding/json accepts.
func TestScannerMatchesEncodingJSON(t *testing.T) {
	for _, in := range scannerSeeds {
		checkScannerAgainstReference(t, []byte(in))
	}
}

func FuzzScannerMatchesEncodingJSON(f *testing.F) {
	for _, in := range scannerSeeds {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkScannerAgainstReference(t, data) })
}

func checkScannerAgainstReference(t *testing.T, data []byte) {
	t.Helper()
	got, gotErr := scanValue(data)
	if gotErr != nil && (strings.Contains(gotErr.Error(), "appears twice") || strings.Contains(gotErr.Error(), "out of range")) {
		// Refusals of the scanner's own: duplicate names, and numbers whose exact
		// normalization would take NormalizeNumber seconds.
		return
	}
	want, wantErr := referenceValue(data)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("input %q: scanner error %v, encoding/json error %v", data, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("input %q: scanner %#v, encoding/json %#v", data, got, want)
	}
}

// canonicalNumber skips NormalizeNumber's exact path only when the answer is the same.
func TestCanonicalNumberMatchesModel(t *testing.T) {
	inputs := []string{"0", "-0", "7", "-7", "123456789012345678", "-123456789012345678", "1234567890123456789",
		"0.1", "0.10", "1.0", "-0.0", "0.000001", "0.0000001", "1e5", "1.5E-3", "999999999999999999999.5",
		"100000000000000000000.5", "0.30000000000000004", "0.3000000000000000444", "5e-324", "1.7976931348623157e308"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		v := math.Float64frombits(r.Uint64())
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		inputs = append(inputs, strconv.FormatFloat(v, 'f', -1, 64), strconv.FormatFloat(v, 'g', -1, 64),
			strconv.FormatFloat(r.NormFloat64()*1e6, 'f', r.IntN(12), 64))
	}
	for _, in := range inputs {
		end, integer, ok := scanNumber([]byte(in), 0)
		if !ok || end != len(in) {
			continue // FormatFloat's 'g' form can have a '+' exponent sign, which JSON allows; others are not JSON
		}
		got, err := canonicalNumber(in, integer)
		want, wantErr := NormalizeNumber(json.Number(in))
		if err != nil || wantErr != nil || got != want {
			t.Fatalf("canonicalNumber(%s) = %s, %v; NormalizeNumber = %s, %v", in, got, err, want, wantErr)
		}
	}
}

// TestScannerResetAndKeepNumbers: a reset scanner decodes the next document from its start,
// values decoded before stay intact, and KeepNumbers returns numbers as written.
func TestScannerResetAndKeepNumbers(t *testing.T) {
	tests := []struct {
		name  string
		keep  bool
		first string
		want  json.Number
	}{
		{"normalized", false, `{"n": 1.50}`, "1.5"},
		{"as written", true, `{"n": 1.50}`, "1.50"},
		{"exponent as written", true, `{"n": 1e3}`, "1e3"},
		{"exponent normalized", false, `{"n": 1e3}`, "1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewJSONScanner(nil)
			if tt.keep {
				s.KeepNumbers()
			}
			buf := []byte(tt.first)
			s.Reset(buf)
			v, err := s.Value()
			if err == nil {
				err = s.End()
			}
			if err != nil {
				t.Fatal(err)
			}
			copy(buf, `{"x": "overwritten"}`) // decoded values must not alias the input
			if got := v.(map[string]any)["n"]; got != tt.want {
				t.Errorf("n = %#v, want %#v", got, tt.want)
			}
			s.Reset([]byte(` ["a", {"n": 2}] `))
			v2, err := s.Value()
			if err == nil {
				err = s.End()
			}
			if err != nil || !reflect.DeepEqual(v2, []any{"a", map[string]any{"n": json.Number("2")}}) {
				t.Errorf("after Reset: %#v, %v", v2, err)
			}
			if s.Reset([]byte(`{"n": 01}`)); !tt.keep {
				return
			}
			if _, err := s.Value(); err == nil {
				t.Error("KeepNumbers accepted 01, which is not a JSON number")
			}
		})
	}
}
