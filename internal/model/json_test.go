package model

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestAppendObjectJSONOrder(t *testing.T) {
	many := Properties{"_key": "k", "_class": "Host", "zeta": true}
	for i := range 40 { // more members than appendMap orders on the stack
		many[fmt.Sprintf("p%02d", 39-i)] = json.Number(fmt.Sprint(i))
	}
	wantMany := `{"_key":"k","_class":"Host"`
	for i := range 40 {
		wantMany += fmt.Sprintf(`,"p%02d":%d`, i, 39-i)
	}
	wantMany += `,"zeta":true}`

	tests := []struct {
		name string
		in   Properties
		want string
	}{
		{"empty", Properties{}, `{}`},
		{"only leading names", Properties{"displayName": "D", "name": "n", "_type": "t", "_key": "k"}, `{"_key":"k","_type":"t","name":"n","displayName":"D"}`},
		{"no leading names", Properties{"b": nil, "a": "x", "B": false}, `{"B":false,"a":"x","b":null}`},
		{"reserved names inside a plain map are sorted", Properties{"_key": "k", "meta": map[string]any{"name": 1, "_key": 2, "a": []any{}}},
			`{"_key":"k","meta":{"_key":2,"a":[],"name":1}}`},
		{"mapping orders its own names", Properties{"_key": "k", "_mapping": map[string]any{
			"targetEntity":          map[string]any{"zz": "z", "_class": "User", "_key": "u", "_type": "t"},
			"sourceEntityKey":       "s",
			"relationshipDirection": "FORWARD",
			"extra":                 "e",
		}}, `{"_key":"k","_mapping":{"sourceEntityKey":"s","relationshipDirection":"FORWARD","targetEntity":{"_type":"t","_key":"u","_class":"User","zz":"z"},"extra":"e"}}`},
		{"a _mapping that is not an object", Properties{"_key": "k", "_mapping": "x"}, `{"_key":"k","_mapping":"x"}`},
		{"more members than fit on the stack", many, wantMany},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendObjectJSON([]byte("prefix"), tt.in)); got != "prefix"+tt.want {
				t.Errorf("got  %s\nwant prefix%s", got, tt.want)
			}
		})
	}
}
