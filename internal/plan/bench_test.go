package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// benchInventory is the CSV benchmark's graph: n hosts of a dozen properties, each owned by
// one of a few teams, and a relationship per host. Every call returns fresh objects, so that
// desired, state and live graphs are equal in content but share nothing, as in a real run.
func benchInventory(n int) *model.Graph {
	g := &model.Graph{}
	for i := range n {
		key := fmt.Sprintf("acme:host:i-%012d", i)
		g.Entities = append(g.Entities, &model.Object{Kind: model.KindEntity, Address: fmt.Sprintf("entity.host.all[%q]", key), Props: model.Properties{
			"_key": key, "_type": "acme_host", "_class": "Host", "name": fmt.Sprintf("host-%d", i),
			"displayName": fmt.Sprintf("Host %d", i), "hostname": fmt.Sprintf("host-%d.prod.acme.example", i),
			"ipAddress": fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), "active": i%7 != 0,
			"createdOn": json.Number(strconv.Itoa(1730419200000 + i)), "tags": []any{"prod", fmt.Sprintf("rack-%d", i%40)},
		}})
		from := fmt.Sprintf("acme:team:t%d", i%100)
		g.Relationships = append(g.Relationships, &model.Object{Kind: model.KindRelationship, Address: fmt.Sprintf("relationship.manages[%q]", key), Props: model.Properties{
			"_key": from + "|manages|" + key, "_type": "acme_team_manages_host", "_class": "MANAGES",
			"_fromEntityKey": from, "_toEntityKey": key,
		}})
	}
	g.SortByKey()
	return g
}

const benchN = 100_000

// BenchmarkComputeCreate plans 100k entities and 100k relationships against an empty state.
func BenchmarkComputeCreate(b *testing.B) {
	desired := benchInventory(benchN)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(desired, nil, Prior{}, Options{SkipHash: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeNoChange plans the same graph against a state that records all of it.
func BenchmarkComputeNoChange(b *testing.B) {
	desired, prior := benchInventory(benchN), benchInventory(benchN)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(desired, prior, Prior{}, Options{SkipHash: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildRefreshed is plan -refresh with nothing changed anywhere: the state, the live
// graph and the configuration hold the same 100k+100k objects.
func BenchmarkBuildRefreshed(b *testing.B) {
	desired, prior, live := benchInventory(benchN), benchInventory(benchN), benchInventory(benchN)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(Input{Desired: desired, Prior: prior, Live: live, Options: Options{SkipHash: true}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNextCreate is the graph an apply of BenchmarkComputeCreate's plan records.
func BenchmarkNextCreate(b *testing.B) {
	p, err := Compute(benchInventory(benchN), nil, Prior{}, Options{SkipHash: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Next(nil)
	}
}

// BenchmarkFileEncode writes BenchmarkComputeCreate's plan as a saved plan (plan -out).
func BenchmarkFileEncode(b *testing.B) {
	p, err := Compute(benchInventory(benchN), nil, Prior{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFileDecode reads it back (apply PLANFILE).
func BenchmarkFileDecode(b *testing.B) {
	p, err := Compute(benchInventory(benchN), nil, Prior{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	data, err := p.Encode()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data, "bench.plan"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeNoChangeDeclared is BenchmarkComputeNoChange with the relationships in
// declaration order (by host), which is not their _key order (by team), as in the CSV
// benchmark's configuration.
func BenchmarkComputeNoChangeDeclared(b *testing.B) {
	desired, prior := benchInventory(benchN), benchInventory(benchN)
	slices.SortFunc(desired.Relationships, func(x, y *model.Object) int { return strings.Compare(x.Address, y.Address) })
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(desired, prior, Prior{}, Options{SkipHash: true}); err != nil {
			b.Fatal(err)
		}
	}
}
