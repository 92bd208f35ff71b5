package lang_test

import (
	"testing"

	"github.com/j1hcl/j1hcl/internal/benchfixture"
	"github.com/j1hcl/j1hcl/lang"
)

func benchLoad(b *testing.B, dir string) {
	b.ReportAllocs()
	for b.Loop() {
		cfg, diags := lang.Load(lang.Options{Dir: dir})
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		if cfg.Graph.Len() == 0 {
			b.Fatal("empty graph")
		}
	}
}

// BenchmarkLoadCSV100k evaluates 100,000 hosts and 100,000 relationships from CSV files.
func BenchmarkLoadCSV100k(b *testing.B) {
	dir := b.TempDir()
	if err := benchfixture.CSVInventory(dir, 100_000); err != nil {
		b.Fatal(err)
	}
	benchLoad(b, dir)
}

// BenchmarkLoadBlocks10k parses and evaluates 10,000 entity blocks written one by one.
func BenchmarkLoadBlocks10k(b *testing.B) {
	dir := b.TempDir()
	if err := benchfixture.Blocks(dir, 10_000); err != nil {
		b.Fatal(err)
	}
	benchLoad(b, dir)
}
