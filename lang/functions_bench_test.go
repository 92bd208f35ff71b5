package lang_test

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/lang"
)

// benchN is the collection size of BenchmarkFunctions: an inventory of 100,000 hosts.
const benchN = 100_000

// benchContext holds what configurations pass to collection functions: tuples and objects
// (what [for …] and {for …} produce), lists, sets and maps.
func benchContext(b *testing.B, n int) *hcl.EvalContext {
	strs := make([]cty.Value, n)
	dups := make([]cty.Value, n)
	obj := make(map[string]cty.Value, n)
	rows := make([]cty.Value, n)
	for i := range strs {
		s := "host-" + strconv.Itoa(i)
		strs[i] = cty.StringVal(s)
		dups[i] = cty.StringVal("host-" + strconv.Itoa(i/2))
		obj[s] = cty.StringVal("team-" + strconv.Itoa(i%50))
		rows[i] = cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal(s), "team": cty.StringVal("t" + strconv.Itoa(i%50))})
	}
	nested := make([]cty.Value, n/10)
	for i := range nested {
		nested[i] = cty.TupleVal(strs[i*10 : i*10+10])
	}
	maps := make([]cty.Value, n/10)
	for i := range maps {
		m := map[string]cty.Value{}
		for j := 0; j < 10; j++ {
			m["k"+strconv.Itoa(i*10+j)] = strs[i*10+j]
		}
		maps[i] = cty.ObjectVal(m)
	}
	small := cty.TupleVal(strs[:316]) // setproduct of 316 × 316 ≈ 100,000 pairs
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"local": cty.ObjectVal(map[string]cty.Value{
			"tuple":  cty.TupleVal(strs),
			"list":   cty.ListVal(strs),
			"set":    cty.SetVal(strs),
			"dups":   cty.TupleVal(dups),
			"object": cty.ObjectVal(obj),
			"map":    cty.MapVal(obj),
			"rows":   cty.ListVal(rows),
			"nested": cty.TupleVal(nested),
			"maps":   cty.TupleVal(maps),
			"small":  small,
		})},
		Functions: lang.Functions(b.TempDir()),
	}
}

// BenchmarkFunctions evaluates the collection functions users apply to whole inventories on
// 100,000 elements, as HCL calls them (arguments converted to the parameters' types). Each
// must be O(N) or O(N log N): compare with BenchmarkFunctions10k.
func BenchmarkFunctions(b *testing.B) { benchFunctions(b, benchN) }

// BenchmarkFunctions10k is BenchmarkFunctions at a tenth of the size.
func BenchmarkFunctions10k(b *testing.B) { benchFunctions(b, benchN/10) }

func benchFunctions(b *testing.B, n int) {
	ctx := benchContext(b, n)
	for _, expr := range []string{
		"toset(local.tuple)",
		"toset(local.list)",
		"tolist(local.set)",
		"tolist(local.tuple)",
		"tomap(local.object)",
		"distinct(local.dups)",
		"distinct(local.list)",
		"setproduct(local.small, local.small)",
		"merge(local.maps...)",
		"merge(local.object, local.map)",
		"flatten(local.nested)",
		"keys(local.object)",
		"keys(local.map)",
		"values(local.object)",
		"values(local.map)",
		"lookup(local.object, \"host-5\", \"\")",
		"lookup(local.map, \"host-5\", \"\")",
		"contains(local.tuple, \"host-99999\")",
		"contains(local.set, \"host-99999\")",
		"concat(local.tuple, local.list)",
		"length(local.tuple)",
		"sort(local.tuple)",
		"setunion(local.tuple, local.dups)",
		"setunion(local.set, local.tuple)",
		"setintersection(local.set, local.tuple)",
		"setsubtract(local.set, local.dups)",
		"toset(local.set)",
		"[for x in local.set : x]",
		"sort(local.set)",
		"distinct(local.set)",
		"join(\",\", local.set)",
		"toset([for r in local.rows : r.team])",
		"{ for r in local.rows : r.id => r }",
	} {
		e, diags := hclsyntax.ParseExpression([]byte(expr), "bench.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		b.Run(expr, func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				if _, diags := e.Value(ctx); diags.HasErrors() {
					b.Fatal(diags)
				}
			}
			b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time the process has used: the machine running benchmarks is often
// shared, so wall time alone says little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
