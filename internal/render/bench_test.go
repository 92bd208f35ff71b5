package render

import (
	"io"
	"sync"
	"testing"

	"github.com/j1hcl/j1hcl/internal/plan"
)

// bench100k is a plan of 100,000 created entities, built once for all benchmarks.
var bench100k = sync.OnceValue(func() *plan.Plan { return largePlan(100_000) })

func benchmarkPlan(b *testing.B, render func(io.Writer, *plan.Plan) error) {
	p := bench100k()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := render(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanText100kCreates(b *testing.B) {
	benchmarkPlan(b, func(w io.Writer, p *plan.Plan) error { return PlanText(w, p, TextOptions{}) })
}

func BenchmarkPlanCompact100kCreates(b *testing.B) {
	benchmarkPlan(b, func(w io.Writer, p *plan.Plan) error { return PlanCompact(w, p, TextOptions{}) })
}

func BenchmarkPlanJSON100kCreates(b *testing.B) {
	benchmarkPlan(b, PlanJSON)
}

func BenchmarkPlanMarkdown100kCreates(b *testing.B) {
	benchmarkPlan(b, func(w io.Writer, p *plan.Plan) error {
		return PlanMarkdown(w, p, MarkdownOptions{Graph: true})
	})
}
