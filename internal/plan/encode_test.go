package plan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
)

// referenceEncode is how Encode wrote plans before it appended them itself: encoding/json on
// fileJSON, the general path its output must equal byte for byte.
func referenceEncode(t *testing.T, p *Plan) []byte {
	t.Helper()
	var upload bytes.Buffer
	if err := p.Upload.WriteJSON(&upload, ""); err != nil {
		t.Fatal(err)
	}
	nonNil := func(cs []Change) []Change {
		if cs == nil {
			return []Change{}
		}
		return cs
	}
	b, err := model.MarshalJSON(fileJSON{
		FormatVersion: FileFormatVersion, ToolVersion: p.ToolVersion, Mode: p.Mode, Target: p.Target,
		Prior: priorJSON(p.Prior), DesiredHash: p.DesiredHash, Targets: p.Targets, Unchanged: p.Unchanged,
		MassDelete: p.MassDelete, Changes: nonNil(p.Changes), NotApplied: nonNil(p.NotApplied), Upload: upload.Bytes(),
		Live: p.Live, Drift: p.Drift, Replacements: p.Replacements,
	}, " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// encodeTestPlans are plans with every member a saved plan has, and strings encoding/json
// escapes its own way.
func encodeTestPlans(t *testing.T) map[string]*Plan {
	t.Helper()
	// Strings encoding/json escapes its own way: control characters (\b, \f), quotes,
	// backslashes, HTML characters (kept), line separators, invalid UTF-8, non-ASCII.
	odd := "a<b>&c \"q\" \\ \b\f\n\t\x01 \u2028\u2029 é 😀 \xff"
	asciiOdd := "a<b>&c \"q\" \\ \b\f\n\r\t\x01\x1f\x7f /"
	tricky := ent(`entity.a.x["`+odd+`"]`, "k-"+odd, "v", odd, "n", json.Number("1.50"), "list", []any{nil, true, map[string]any{}, []any{}},
		"obj", map[string]any{"z": 1, "a": map[string]any{"\b": "\f"}}, "none", nil)
	tricky.Sensitive = model.SensitiveSet([]string{"v", "obj"})
	mapped := &model.Object{Kind: model.KindMappedRelationship, Address: "mapped_relationship.m", Props: model.Properties{
		"_key": "m", "_type": "t", "_class": "HAS", "_mapping": map[string]any{"targetEntity": map[string]any{"_type": "u", "_class": "User", "x": odd}, "sourceEntityKey": "k", "relationshipDirection": "FORWARD", "targetFilterKeys": []any{[]any{"_type"}}}}}
	prior := graph(ent("entity.a.gone", "gone"), ent("entity.a.old", "moved"), ent("entity.a.upd", "upd", "v", "old"), rel("relationship.r", "gone", "upd"))
	plain := ent(`entity.a.y["`+asciiOdd+`"]`, "k-"+asciiOdd, "v", asciiOdd)
	plain.Props["_type"] = asciiOdd
	desired := graph(tricky, plain, ent("entity.a.new", "moved"), ent("entity.a.upd", "upd", "v", odd), mapped)

	plans := map[string]*Plan{"empty": {Mode: ModeDiff}}
	for name, opts := range map[string]Options{
		"diff":  {Mode: ModeDiff, ToolVersion: "0.3.0<&>", Target: state.Target{Source: state.SourceAPI, Scope: "s" + odd}},
		"patch": {Mode: ModePatch, Targets: []string{"entity.a.*", odd}},
	} {
		p, err := Compute(desired, prior, Prior{Exists: true, Lineage: "l", Serial: 3, Hash: "h"}, opts)
		if err != nil {
			t.Fatal(err)
		}
		plans[name] = p
	}
	refreshed, err := Build(Input{Desired: desired, Prior: prior, Live: graph(ent("entity.a.gone", "gone", "v", "drifted"), ent("entity.a.upd", "upd", "v", "old"), ent("entity.a.extra", "extra"), tricky),
		Options: Options{Mode: ModeDiff}})
	if err != nil {
		t.Fatal(err)
	}
	refreshed.MassDelete = &MassDelete{Deleting: 3, Total: 4}
	refreshed.Replacements = append(refreshed.Replacements, Replacement{Kind: model.KindEntity, From: "a", To: "b" + odd, OldKey: "x", NewKey: "y", Reason: ReasonRenamed})
	plans["refreshed"] = refreshed
	large, err := Compute(benchInventory(6000), nil, Prior{}, Options{}) // several pieces of pieceSize
	if err != nil {
		t.Fatal(err)
	}
	plans["large"] = large

	return plans
}

func TestEncodeMatchesEncodingJSON(t *testing.T) {
	plans := encodeTestPlans(t)
	for name, p := range plans {
		t.Run(name, func(t *testing.T) {
			got, err := p.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if want := referenceEncode(t, p); !bytes.Equal(got, want) {
				t.Errorf("Encode differs from encoding/json:\n%s\nwant\n%s", got, want)
			}
			if _, err := Decode(got, name); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEncodeRefusesWhatPayloadRefuses(t *testing.T) {
	p := &Plan{Mode: ModeDiff, Upload: model.Payload{Entities: []model.Properties{{"_key": "k", "bad": func() {}}}}}
	_, err := p.Encode()
	var upload bytes.Buffer
	want := p.Upload.WriteJSON(&upload, "")
	if err == nil || want == nil {
		t.Fatalf("Encode: %v, WriteJSON: %v; want both to refuse", err, want)
	}
	if err.Error() != want.Error() {
		t.Errorf("error %q, want %q", err, want)
	}
}

// TestIndentedSize: the size Encode allocates for is what indenting writes, pieces or not.
func TestIndentedSize(t *testing.T) {
	docs := []string{`{}`, `[]`, `{"a":[],"b":{},"c":[1,{"d":"e\"]}"}],"f":null}`, `[[[]],[{}],"x,y:z"]`}
	for _, doc := range docs {
		out, depth := appendIndentJSON(nil, []byte(doc), 0)
		if n, d := indentedSize([]byte(doc), 0); n != len(out) || d != depth || depth != 0 {
			t.Errorf("%s: size %d depth %d, indenting wrote %d bytes ending at depth %d", doc, n, d, len(out), depth)
		}
		var want bytes.Buffer
		if err := json.Indent(&want, []byte(doc), "", " "); err != nil {
			t.Fatal(err)
		}
		if string(out) != want.String() {
			t.Errorf("%s indented as\n%s\nwant\n%s", doc, out, want.String())
		}
		// The same document cut in two between values indents the same.
		if i := bytes.IndexByte([]byte(doc), ','); i > 0 {
			first, d := appendIndentJSON(nil, []byte(doc[:i]), 0)
			if all, _ := appendIndentJSON(first, []byte(doc[i:]), d); string(all) != string(out) {
				t.Errorf("%s cut at %d indented as\n%s", doc, i, all)
			}
		}
	}
}

// generalDecode is how Decode reads a file it leaves to encoding/json.
func generalDecode(data []byte) (fileJSON, *model.Graph, error) {
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, nil, err
	}
	g, err := model.DecodePayload(f.Upload)
	f.Upload = nil
	return f, g, err
}

// TestDecodeFastPath: the scanner reads every plan Encode writes exactly as encoding/json
// does, and leaves any file it is not sure of to encoding/json.
func TestDecodeFastPath(t *testing.T) {
	for name, p := range encodeTestPlans(t) {
		t.Run(name, func(t *testing.T) {
			data, err := p.Encode()
			if err != nil {
				t.Fatal(err)
			}
			got, gotUpload, fast := scanFile(data)
			if !fast {
				t.Fatal("the scanner left a file Encode wrote to encoding/json")
			}
			want, wantUpload, err := generalDecode(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotUpload, wantUpload) {
				t.Errorf("scanner read\n%+v\n%+v\nencoding/json read\n%+v\n%+v", got, gotUpload, want, wantUpload)
			}
		})
	}
	base, err := encodeTestPlans(t)["diff"].Encode()
	if err != nil {
		t.Fatal(err)
	}
	doc := string(base)
	variants := map[string]string{
		"name in other case":    strings.Replace(doc, `"mode"`, `"Mode"`, 1),
		"unknown member":        strings.Replace(doc, `"mode"`, `"extra": 1, "mode"`, 1),
		"member twice":          strings.Replace(doc, `"mode": "DIFF"`, `"mode": "DIFF", "mode": "PATCH"`, 1),
		"unknown change member": strings.Replace(doc, `"address"`, `"note": "x", "address"`, 1),
		"two actions":           strings.Replace(doc, `"actions": [`, `"actions": ["create", `, 1),
		"null changes":          strings.Replace(doc, `"changes": [`, `"changes": null, "x": [`, 1),
		"fractional version":    strings.Replace(doc, `"format_version": 1`, `"format_version": 1.0`, 1),
		"trailing data":         doc + "{}",
		"unknown target member": strings.Replace(doc, `"source"`, `"sauce": "x", "source"`, 1),
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			if v == doc {
				t.Fatal("the variant changed nothing")
			}
			if _, _, fast := scanFile([]byte(v)); fast {
				t.Error("the scanner took a file it should leave to encoding/json")
			}
			got, gotErr := Decode([]byte(v), "p")
			want, wantUpload, wantErr := generalDecode([]byte(v))
			if wantErr != nil {
				if gotErr == nil {
					t.Errorf("Decode accepted what encoding/json refuses: %v", wantErr)
				}
				return
			}
			if gotErr != nil {
				// Decode's own checks (mode, actions, …) refuse what encoding/json read.
				return
			}
			if got.Mode != want.Mode || len(got.Changes) != len(want.Changes) || len(got.Upload.Entities) != len(wantUpload.Entities) {
				t.Errorf("Decode read %+v, encoding/json %+v", got, want)
			}
		})
	}
}
