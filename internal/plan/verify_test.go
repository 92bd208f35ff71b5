package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
)

// savedPlan plans desired against prior and returns the plan file's bytes.
func savedPlan(t testing.TB, desired, prior *model.Graph, opts Options) []byte {
	t.Helper()
	info := Prior{Exists: prior.Len() > 0, Lineage: "L", Serial: 3, Hash: model.HashGraph(prior)}
	if !info.Exists {
		info = Prior{}
	}
	opts.Target = state.Target{Source: "integration-external", IntegrationInstanceID: "i-1"}
	p, err := Compute(desired, prior, info, opts)
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// edit decodes a plan file as generic JSON, lets f change it, and encodes it again, as a
// person editing the file would.
func edit(t *testing.T, data []byte, f func(doc map[string]any)) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func obj(v any) map[string]any { return v.(map[string]any) }
func list(v any) []any         { return v.([]any) }

func TestVerifyFile(t *testing.T) {
	prior := graph(ent("entity.t.a", "a"), ent("entity.t.b", "b"), ent("entity.t.c", "c"), rel("relationship.ab", "a", "b"))
	desired := graph(ent("entity.t.a", "a", "note", "new"), ent("entity.t.b", "b"), ent("entity.t.d", "d"), rel("relationship.ab", "a", "b"))
	diff := savedPlan(t, desired, prior, Options{Mode: ModeDiff})
	patch := savedPlan(t, desired, prior, Options{Mode: ModePatch})
	targeted := savedPlan(t, desired, prior, Options{Mode: ModePatch, Targets: []string{"entity.t.d"}})
	big := graph()
	for _, k := range strings.Split("k0 k1 k2 k3 k4 k5 k6 k7 k8 k9 k10 k11", " ") {
		big.Add(ent("entity.t."+k, k))
	}
	massDelete := savedPlan(t, graph(ent("entity.t.k0", "k0")), big, Options{Mode: ModeDiff})

	tests := []struct {
		name  string
		file  []byte
		prior *model.Graph
		edit  func(doc map[string]any)
		// ok: the file verifies; otherwise the error must contain want.
		ok   bool
		want string
	}{
		{name: "DIFF as written", file: diff, prior: prior, ok: true},
		{name: "PATCH as written", file: patch, prior: prior, ok: true},
		{name: "targeted PATCH as written", file: targeted, prior: prior, ok: true},
		{name: "mass delete as written", file: massDelete, prior: big, ok: true},
		{
			name: "an upload object changed", file: diff, prior: prior,
			edit: func(doc map[string]any) { obj(list(obj(doc["upload"])["entities"])[0])["name"] = "mallory" },
			want: "the upload's hash",
		},
		{
			name: "desired_hash zeroed", file: diff, prior: prior,
			edit: func(doc map[string]any) { doc["desired_hash"] = "" },
			want: "no desired_hash",
		},
		{
			name: "desired_hash of another graph", file: diff, prior: prior,
			edit: func(doc map[string]any) { doc["desired_hash"] = string(model.HashGraph(prior)) },
			want: "the upload's hash",
		},
		{
			name: "DIFF switched to PATCH", file: diff, prior: prior,
			edit: func(doc map[string]any) { doc["mode"] = ModePatch },
			want: "changes",
		},
		{
			name: "PATCH switched to DIFF", file: patch, prior: prior,
			edit: func(doc map[string]any) { doc["mode"] = ModeDiff },
			want: "the upload's hash",
		},
		{
			name: "an entity added to the upload", file: diff, prior: prior,
			edit: func(doc map[string]any) {
				u := obj(doc["upload"])
				u["entities"] = append(list(u["entities"]), map[string]any{"_key": "x", "_type": "team_x", "_class": "Team", "name": "x", "displayName": "x"})
			},
			want: "the upload's hash",
		},
		{
			name: "an entity added to a PATCH upload", file: patch, prior: prior,
			edit: func(doc map[string]any) {
				u := obj(doc["upload"])
				u["entities"] = append(list(u["entities"]), map[string]any{"_key": "x", "_type": "team_x", "_class": "Team", "name": "x", "displayName": "x"})
			},
			want: "the upload does not match its changes",
		},
		{
			name: "upload.entities emptied", file: diff, prior: prior,
			edit: func(doc map[string]any) { obj(doc["upload"])["entities"] = []any{} },
			want: "the upload's hash",
		},
		{
			// A consistent forgery of a mass delete: upload, hash and changes agree, but the
			// file claims no mass delete, so the guard would not stop it.
			name: "mass delete hidden", file: massDelete, prior: big,
			edit: func(doc map[string]any) { delete(doc, "mass_delete") },
			want: "mass_delete",
		},
		{
			name: "a change dropped", file: diff, prior: prior,
			edit: func(doc map[string]any) { doc["changes"] = list(doc["changes"])[1:] },
			want: "hash",
		},
		{
			name: "a change's before differs from the state", file: diff, prior: prior,
			edit: func(doc map[string]any) {
				for _, c := range list(doc["changes"]) {
					if list(obj(c)["actions"])[0] == "update" {
						obj(obj(c)["before"])["name"] = "other"
					}
				}
			},
			want: "does not start from what the state records",
		},
		{
			name: "a create of a recorded key", file: diff, prior: prior,
			edit: func(doc map[string]any) {
				doc["changes"] = append(list(doc["changes"]), map[string]any{"address": "entity.t.b", "kind": "entity", "key": "b", "type": "team_x", "actions": []any{"create"}, "before": nil, "after": map[string]any{"_key": "b"}})
			},
			want: "which the state already records",
		},
		{
			name: "unchanged count edited", file: diff, prior: prior,
			edit: func(doc map[string]any) { doc["unchanged"] = 40 },
			want: "unchanged",
		},
		{
			name: "a change's address edited", file: diff, prior: prior,
			edit: func(doc map[string]any) { obj(list(doc["changes"])[0])["address"] = "entity.t.renamed" },
			want: "does not match",
		},
		{
			name: "targets added to a DIFF plan", file: diff, prior: prior,
			edit: func(doc map[string]any) { doc["targets"] = []any{"entity.t.a"} },
			want: "-target cannot be used",
		},
		{name: "applied to another state", file: diff, prior: big, want: "does not start from what the state records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.file
			if tt.edit != nil {
				data = edit(t, data, tt.edit)
			}
			p, err := Decode(data, "p.j1plan")
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			err = VerifyFile(p, tt.prior)
			if tt.ok {
				if err != nil {
					t.Fatalf("VerifyFile = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, ErrModified) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("VerifyFile = %v, want ErrModified mentioning %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "the plan file was modified or corrupted: ") {
				t.Errorf("message %q does not start with the promised sentence", err)
			}
		})
	}
}

func TestCheckCurrentHashMismatchIsModified(t *testing.T) {
	prior := graph(ent("entity.t.a", "a"))
	p, err := Decode(savedPlan(t, graph(ent("entity.t.a", "a", "note", "x")), prior, Options{}), "p.j1plan")
	if err != nil {
		t.Fatal(err)
	}
	current := p.Prior
	current.Hash = "sha256:0000"
	err = p.CheckCurrent(current, p.Target)
	if !errors.Is(err, ErrModified) || errors.Is(err, ErrStale) || strings.Contains(err.Error(), "now 3") {
		t.Fatalf("CheckCurrent = %v, want ErrModified and no serial comparison", err)
	}
}

// FuzzDecodePlanFile feeds arbitrary bytes to the plan-file decoder: it must never panic, and a
// file it accepts must encode, decode again and go through VerifyFile without a panic.
func FuzzDecodePlanFile(f *testing.F) {
	prior := graph(ent("entity.t.a", "a"), ent("entity.t.c", "c"))
	desired := graph(ent("entity.t.a", "a", "n", json.Number("1.5")), ent("entity.t.b", "b"), rel("relationship.ab", "a", "b"))
	f.Add(savedPlan(f, desired, prior, Options{Mode: ModeDiff}))
	f.Add(savedPlan(f, desired, prior, Options{Mode: ModePatch}))
	f.Add([]byte(`{"format_version":1,"mode":"DIFF","upload":{"entities":[{"_key":[]}]}}`))
	f.Add([]byte(`{"format_version":1,"mode":"PATCH","changes":[{"kind":"entity","actions":["no-op"]}],"upload":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data, "fuzz.j1plan")
		if err != nil {
			return
		}
		again, err := p.Encode()
		if err != nil {
			return // values a payload cannot hold are refused on the way out, not panicked on
		}
		if _, err := Decode(again, "again.j1plan"); err != nil {
			t.Fatalf("a decoded plan does not decode after encoding: %v\n%s", err, again)
		}
		_ = VerifyFile(p, prior)
		_ = VerifyFile(p, nil)
	})
}
