package emulator

import (
	"encoding/json"
	"fmt"
	"reflect"
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

// TestDecodeUploadFastPath compares the scanner's decoding of upload bodies with
// encoding/json's, the general path: same objects (values and their Go types), same errors.
func TestDecodeUploadFastPath(t *testing.T) {
	bodies := []struct {
		name string
		body string
		fast bool // whether the scanner takes the body (false: it is left to encoding/json)
	}{
		{"plain", `{"entities":[{"_key":"a","_type":"t","_class":"Host","name":"x","tags":["p",1,true,null],"m":{"k":{"z":[]}}}]}`, true},
		{"numbers", `{"entities":[{"_key":"a","a":-0,"b":1.0,"c":1E3,"d":0.1e-7,"e":100000000000000000000000,"f":-0.0,"g":1420.50,"h":123456789012345678}]}`, true},
		{"strings", `{"entities":[{"_key":"a\u00e9\ud83d\ude00","s":"tab\there \"q\" \\ \/ \u2028","lone":"\ud800x","bad":"` + "\xff\xfe" + `"}]}`, true},
		{"whitespace", " \n\t{ \"entities\" : [ { \"_key\" : \"a\" } ] } \n", true},
		{"relationships and deletes", `{"relationships":[{"_key":"r","_fromEntityKey":"a","_toEntityKey":"b","_class":"HAS","_type":"t"}],"deleteEntities":[{"_id":"x"}],"deleteRelationships":null}`, true},
		{"null lists", `{"entities":null,"relationships":null}`, true},
		{"not a list", `{"entities":{"_key":"a"}}`, true},
		{"not an object in the list", `{"entities":["a"]}`, true},
		{"member in other case", `{"Entities":[{"_key":"a"}]}`, false},
		{"unknown member", `{"entities":[{"_key":"a"}],"extra":{"x":1}}`, false},
		{"member twice", `{"entities":[{"_key":"a"}],"entities":[{"_key":"b"}]}`, false},
		{"property twice", `{"entities":[{"_key":"a","_key":"b"}]}`, false},
		{"trailing data", `{"entities":[]} {}`, false},
		{"truncated", `{"entities":[{"_key":"a"}`, false},
		{"invalid escape", `{"entities":[{"_key":"\x"}]}`, false},
		{"number too large", `{"entities":[{"_key":"a","n":1e999}]}`, false},
		{"control character", "{\"entities\":[{\"_key\":\"a\x01\"}]}", false},
	}
	for _, tt := range bodies {
		t.Run(tt.name, func(t *testing.T) {
			if _, fast := scanUploadMembers([]byte(tt.body)); fast != tt.fast {
				t.Errorf("scanner took the body: %v, want %v", fast, tt.fast)
			}
			got, gotErr := decodeUpload([]byte(tt.body), combinedRoute)
			var top uploadMembers
			var want *uploadBody
			wantErr := decodeJSON([]byte(tt.body), &top)
			if wantErr == nil {
				want, wantErr = top.upload(combinedRoute)
			}
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("error %v, want %v", gotErr, wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n%#v\nwant\n%#v", got, want)
			}
		})
	}
}
