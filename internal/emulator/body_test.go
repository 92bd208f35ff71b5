package emulator

import (
	"encoding/json"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

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
