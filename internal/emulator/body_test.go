package emulator

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// TestCanonicalIntAgreesWithModel checks the fast path against model.NormalizeNumber: it may
// only accept numbers that normalization leaves as they are.
func TestCanonicalIntAgreesWithModel(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "7", "-7", "10", "007", "1.0", "1e3", "-", "", "+1", "123456789012345678",
		"1234567890123456789", "-999999999999999999", "9223372036854775807", "1.5", "-0.0", "12a",
	} {
		fast := canonicalInt(s)
		norm, err := model.NormalizeNumber(json.Number(s))
		if fast && (err != nil || string(norm) != s) {
			t.Errorf("canonicalInt(%q) = true, but NormalizeNumber gives %q, %v", s, norm, err)
		}
		if !fast && err == nil && string(norm) == s && len(s) < 19 && !strings.ContainsAny(s, ".eE") {
			t.Errorf("canonicalInt(%q) = false for a canonical integer", s)
		}
	}
}

func TestDecodeUploadNormalizesNumbers(t *testing.T) {
	body, aerr := decodeUpload([]byte(`{"entities":[{"_key":"a","n":1420.50,"m":[1e3,2],"i":42}]}`), combinedRoute)
	if aerr != nil {
		t.Fatal(aerr)
	}
	p := body.entities[0].Props
	if p["n"] != json.Number("1420.5") || p["i"] != json.Number("42") || !model.Equal(p["m"], []any{json.Number("1000"), json.Number("2")}) {
		t.Errorf("normalized: %v", p)
	}
	if m := p["m"].([]any); m[0] != json.Number("1000") {
		t.Errorf("list element spelled %q", m[0])
	}
}
