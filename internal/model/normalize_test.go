package model

import (
	"encoding/json"
	"strings"
	"testing"
)

// The integer fast path may only accept what NormalizeNumber leaves as it is, and every value
// comes out spelled exactly as NormalizeNumber spells it.
func TestNormalizeValueMatchesNormalizeNumber(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "7", "-7", "10", "007", "12", "1420.50", "1.4205e3", "1e3", "-0.0", "0.1", "-12.000",
		"123456789012345", "1234567890123456", "123456789012345678", "12345678901234567890",
		"9223372036854775807", "-999999999999999999", "1.5", "+1", "12a", "-", "",
	} {
		want, wantErr := NormalizeNumber(json.Number(s))
		if canonicalInt(s) && (wantErr != nil || string(want) != s) {
			t.Errorf("canonicalInt(%q) = true, but NormalizeNumber gives %q, %v", s, want, wantErr)
		}
		if !canonicalInt(s) && wantErr == nil && string(want) == s && len(s) <= 15 && !strings.ContainsAny(s, ".eE") {
			t.Errorf("canonicalInt(%q) = false for a short canonical integer", s)
		}
		got, err := normalizeValue(json.Number(s))
		if (err != nil) != (wantErr != nil) || (err == nil && got != want) {
			t.Errorf("normalizeValue(%s) = %v, %v; want %v, %v", s, got, err, want, wantErr)
		}
	}
}

func TestNormalizeValuesInPlace(t *testing.T) {
	m := map[string]any{
		"n": json.Number("1420.50"), "i": json.Number("42"), "s": "x", "b": true, "z": nil,
		"l": []any{json.Number("1e3"), "y"}, "o": map[string]any{"deep": json.Number("2.50")},
	}
	if err := NormalizeValues(m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"n": json.Number("1420.5"), "i": json.Number("42"), "s": "x", "b": true, "z": nil,
		"l": []any{json.Number("1000"), "y"}, "o": map[string]any{"deep": json.Number("2.5")},
	}
	for k := range want {
		if !Equal(m[k], want[k]) {
			t.Errorf("%s = %#v, want %#v", k, m[k], want[k])
		}
	}
	if err := NormalizeValues(map[string]any{"f": 1.5}); err == nil || !strings.Contains(err.Error(), "f: unsupported value") {
		t.Errorf("a float64 (never produced by a JSON decoder with UseNumber): %v", err)
	}
}
