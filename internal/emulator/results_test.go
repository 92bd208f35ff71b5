package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// TestResultEncodingMatchesMaps checks the map-free writers of J1QL results against the maps
// they stand for, written by model.AppendValueJSON: the same members, values and order.
func TestResultEncodingMatchesMaps(t *testing.T) {
	for _, account := range []string{"", "acct-1"} {
		h := newHarness(t, Config{Account: account})
		relationshipGraph(h)
		h.sync("inst2", "DIFF", []map[string]any{entity("n1", "_type", "test_node", "_class", []any{"Host", "Device"},
			"list", []any{"x", "y"}, "tag.Env", "prod", "weight", 1.5, "on", true, "displayName", "Node <1>")}, nil)
		entities, relationships := 0, 0
		for _, list := range h.s.graph.byKey {
			for _, e := range list {
				entities++
				if got, want := string(e.appendResult(nil, account)), referenceResult(e, account); got != want {
					t.Errorf("entity %s:\n got %s\nwant %s", e.k, got, want)
				}
				for _, r := range e.rels {
					relationships++
					if got, want := string(r.appendFlat(nil, account)), referenceFlat(r, account); got != want {
						t.Errorf("relationship %s:\n got %s\nwant %s", r.k, got, want)
					}
				}
			}
		}
		if entities < 5 || relationships < 4 {
			t.Fatalf("compared %d entities and %d relationship ends, want the whole graph", entities, relationships)
		}
	}
}

// referenceResult is a list row built as maps.
func referenceResult(r *record, account string) string {
	entity := map[string]any{metaID: r.id, model.PropKey: r.key(), model.PropType: []any{r.typ()}}
	switch c := r.props[model.PropClass].(type) {
	case string:
		entity[model.PropClass] = []any{c}
	case []any:
		entity[model.PropClass] = c
	}
	if dn, ok := r.props[model.PropDisplayName]; ok {
		entity[model.PropDisplayName] = dn
	}
	for _, f := range r.meta(account) {
		if f.name != metaFromEntityID && f.name != metaToEntityID {
			entity[f.name] = f.value
		}
	}
	props := map[string]any{}
	for k, v := range r.props {
		if !strings.HasPrefix(k, "_") && k != model.PropDisplayName {
			props[k] = v
		}
	}
	b := append(model.AppendValueJSON([]byte(`{"id":`), r.id), `,"entity":`...)
	b = append(model.AppendValueJSON(b, entity), `,"properties":`...)
	return string(append(model.AppendValueJSON(b, props), '}'))
}

// referenceFlat is a table column's relationship built as a map: the read-back object and
// its endpoints' _keys.
func referenceFlat(r *record, account string) string {
	p := r.readBack(account)
	if _, ok := p[model.PropFromKey]; !ok && r.from != nil {
		p[model.PropFromKey] = r.from.k
	}
	if _, ok := p[model.PropToKey]; !ok && r.to != nil {
		p[model.PropToKey] = r.to.k
	}
	return string(model.AppendValueJSON(nil, map[string]any(p)))
}

// TestGraphQLAnswerHasLength: a page of rows, larger than net/http measures by itself, is
// sent with its length, so that a client reads it in one go.
func TestGraphQLAnswerHasLength(t *testing.T) {
	h := newHarness(t, Config{})
	var hosts []map[string]any
	for i := range 100 {
		hosts = append(hosts, entity(fmt.Sprintf("host-%03d", i), "_type", "test_host", "_class", "Host"))
	}
	h.sync("inst", "DIFF", hosts, nil)
	r := h.queryV1("FIND * WITH _integrationInstanceId = 'inst'", nil)
	if len(r.body) < 16<<10 {
		t.Fatalf("a page of %d bytes is too small to show the header", len(r.body))
	}
	if got, want := r.header.Get("Content-Length"), strconv.Itoa(len(r.body)); got != want {
		t.Errorf("Content-Length %q, want %s", got, want)
	}
}
