package lang_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/j1hcl/j1hcl/internal/benchfixture"
	"github.com/j1hcl/j1hcl/lang"
)

func benchLoad(b *testing.B, dir string) {
	b.ReportAllocs()
	start := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op") }()
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

// BenchmarkLoadCSV100k evaluates 100,000 hosts and 100,000 relationships from CSV files
// (for_each over a local built with csvdecode, entity.R.N[KEY] endpoints).
func BenchmarkLoadCSV100k(b *testing.B) { benchFixture(b, benchfixture.CSVInventory, 100_000) }

// BenchmarkLoadCSV10k is BenchmarkLoadCSV100k at a tenth of the size.
func BenchmarkLoadCSV10k(b *testing.B) { benchFixture(b, benchfixture.CSVInventory, 10_000) }

// BenchmarkLoadJSON100k evaluates 100,000 entities whose for_each is a local built from
// jsondecode of a file.
func BenchmarkLoadJSON100k(b *testing.B) { benchFixture(b, benchfixture.JSONInventory, 100_000) }

// BenchmarkLoadJSON10k is BenchmarkLoadJSON100k at a tenth of the size.
func BenchmarkLoadJSON10k(b *testing.B) { benchFixture(b, benchfixture.JSONInventory, 10_000) }

func benchFixture(b *testing.B, write func(dir string, n int) error, n int) {
	dir := b.TempDir()
	if err := write(dir, n); err != nil {
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

// BenchmarkLoadBlocks100k is BenchmarkLoadBlocks10k at ten times the size: 101 files of
// 1,000 blocks, what import-json writes for 100,000 entities.
func BenchmarkLoadBlocks100k(b *testing.B) {
	dir := b.TempDir()
	if err := benchfixture.Blocks(dir, 100_000); err != nil {
		b.Fatal(err)
	}
	benchLoad(b, dir)
}

// BenchmarkParseBlocksFile parses one file of 1,000 entity and relationship blocks, the
// size import-json writes: the cost of hclsyntax's lexer and parser per file.
func BenchmarkParseBlocksFile(b *testing.B) {
	dir := b.TempDir()
	if err := benchfixture.Blocks(dir, 1_000); err != nil {
		b.Fatal(err)
	}
	paths, err := lang.ConfigFiles(dir)
	if err != nil {
		b.Fatal(err)
	}
	var src []byte
	for _, p := range paths { // the largest file: the blocks, not the integration block
		if data, err := os.ReadFile(p); err == nil && len(data) > len(src) {
			src = data
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, diags := lang.ParseFile("blocks.hcl", src); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// BenchmarkLoadForEachSet evaluates an entity block whose for_each is a set of 100,000
// host names built with toset: every walk of a cty set sorts it, so this shows how many
// times loading walks the set. Compare with BenchmarkLoadForEachSet10k.
func BenchmarkLoadForEachSet(b *testing.B) { benchForEachSet(b, 100_000) }

// BenchmarkLoadForEachSet10k is BenchmarkLoadForEachSet at a tenth of the size.
func BenchmarkLoadForEachSet10k(b *testing.B) { benchForEachSet(b, 10_000) }

func benchForEachSet(b *testing.B, n int) {
	dir := b.TempDir()
	if err := benchfixture.CSVInventory(dir, n); err != nil {
		b.Fatal(err)
	}
	const cfg = `integration {
  type        = "asset-inventory"
  instance_id = "0f6c2a57-3f0e-4a53-8d4c-7a9b1e2c3d40"
}

locals {
  hosts = toset([for h in csvdecode(file("hosts.csv")) : h.hostname])
}

entity "host" "all" {
  for_each = local.hosts
  _class   = "Host"
  name     = each.key
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	benchLoad(b, dir)
}
