package command

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/datamodel"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/internal/validate"
)

// blockRanges locates objects by the block their address names, the way instances of a
// for_each block share their block's range; addresses it does not know have no source.
type blockRanges map[string]*hcl.Range

func (b blockRanges) Range(o *model.Object, _ string) *hcl.Range {
	block, _, _ := strings.Cut(o.Address, "[")
	return b[block]
}

// TestFoldedDiagnosticsShowTheSame: the text view consolidates validation diagnostics, so
// load gives it details only for the first of each kind. What it prints, and its counts,
// must be what it printed from every detail: instances of two blocks with the same
// findings, an object without a source, duplicate keys (a detail naming another object),
// errors and warnings with the same summary.
func TestFoldedDiagnosticsShowTheSame(t *testing.T) {
	host := func(addr, key string, extra model.Properties) *model.Object {
		p := model.Properties{"_key": key, "_type": "host_acme", "_class": "Host", "name": "web-1", "displayName": "web-1", "hostname": "web-1", "osType": "linux"}
		for k, v := range extra {
			p[k] = v
		}
		return &model.Object{Kind: model.KindEntity, Address: addr, Props: p}
	}
	g := &model.Graph{}
	for i := range 4 {
		g.Entities = append(g.Entities, host(fmt.Sprintf("entity.host.all[%q]", fmt.Sprint(i)), fmt.Sprintf("acme:host:%04d", i), model.Properties{"owner": ""}))
	}
	g.Entities = append(g.Entities,
		host(`entity.host.other["a"]`, "acme:host:0001", nil), // the _key of all["1"]
		host(`entity.host.other["b"]`, "acme:host:0002", model.Properties{"my_prop": "x"}),
		host(`entity.host.lost["a"]`, "acme:host:lost-a", nil),
		host(`entity.host.lost["b"]`, "acme:host:lost-b", nil),
	)
	m, err := datamodel.Load()
	if err != nil {
		t.Fatal(err)
	}
	loc := blockRanges{
		"entity.host.all":   {Filename: "main.hcl", Start: hcl.Pos{Line: 1, Column: 1, Byte: 0}, End: hcl.Pos{Line: 1, Column: 20, Byte: 19}},
		"entity.host.other": {Filename: "main.hcl", Start: hcl.Pos{Line: 9, Column: 1, Byte: 90}, End: hcl.Pos{Line: 9, Column: 22, Byte: 111}},
	}
	fs := validate.Graph(g, validate.Options{Mode: "DIFF", IntegrationType: "acme", Classes: validate.NewDataModelCatalog(m)})
	codes := map[string]int{}
	for _, f := range fs {
		codes[f.Code]++
	}
	if codes["J1D401"] != 8 || codes["J1C203"] != 4 || codes["J1P006"] == 0 || codes["J1D403"] != 1 {
		t.Fatalf("findings %v, want J1D401 on every host, J1C203 on four, a J1P006 and a J1D403", codes)
	}
	show := func(diags hcl.Diagnostics) string {
		var b bytes.Buffer
		if err := render.DiagnosticsText(&b, consolidate(diags), nil, render.TextOptions{}); err != nil {
			t.Fatal(err)
		}
		errs, warns := countDiagnostics(diags)
		fmt.Fprintf(&b, "%d errors, %d warnings\n", errs, warns)
		return b.String()
	}
	full := validate.Diagnostics(fs, loc)
	folded := validate.FoldedDiagnostics(fs, loc)
	if got, want := show(folded), show(full); got != want {
		t.Errorf("folded diagnostics show\n%s\nwant\n%s", got, want)
	}
	empty := 0
	for _, d := range folded {
		if d.Detail == "" {
			empty++
		}
	}
	if empty == 0 {
		t.Error("FoldedDiagnostics built every detail")
	}
}
