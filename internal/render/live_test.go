package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
)

// A replacement whose _key derives from a sensitive value hides it in every format.
func TestReplacementHidesSensitiveKeys(t *testing.T) {
	const oldKey, newKey = "acme:team:" + secret, "acme:team:" + secret + "-2"
	before := &model.Object{Kind: model.KindEntity, Address: "entity.team.a", Props: props("_key", oldKey, "_type", "team_acme", "_class", "Team", "name", "a", "displayName", "a"), Sensitive: map[string]bool{"_key": true}}
	after := &model.Object{Kind: model.KindEntity, Address: "entity.team.b", DefaultKeyFrom: "entity.team.b", Props: props("_key", newKey, "_type", "team_acme", "_class", "Team", "name", "a", "displayName", "a"), Sensitive: map[string]bool{"_key": true}}
	p, err := plan.Build(plan.Input{Desired: graphOf(after), Prior: graphOf(before), Options: plan.Options{Target: target, SkipHash: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Replacements) != 1 {
		t.Fatalf("replacements = %+v, want one", p.Replacements)
	}
	for _, f := range planFormats {
		var buf bytes.Buffer
		if err := f.render(&buf, p); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), secret) {
			t.Errorf("%s shows the sensitive _key:\n%s", f.suffix, buf.String())
		}
	}
}
