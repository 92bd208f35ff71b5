package lang

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// sameByBothRoutes loads src as Load does, directly (directFile) and the ordinary way
// (ParseFile, readBlocks, dropBlocks), and fails unless the files, their blocks (headers,
// compact bodies to every name, value and range, body diagnostics) and the diagnostics are
// deeply equal. It returns how many blocks the direct route read itself.
func sameByBothRoutes(t testing.TB, name string, src []byte) int {
	t.Helper()
	defer func() { directLoad = true }()
	directLoad = false
	wantFile, wantBlocks, wantDiags := loadFile(name, src)
	directLoad = true
	gotFile, gotBlocks, gotDiags := loadFile(name, src)
	wantBlocks.diags = orderUnsupportedArguments(wantBlocks.diags)
	gotBlocks.diags = orderUnsupportedArguments(gotBlocks.diags)
	if !reflect.DeepEqual(gotFile, wantFile) {
		t.Errorf("%s: the direct route gives another file:\ndirect:   %s\nordinary: %s", name, spew(gotFile), spew(wantFile))
	}
	if !reflect.DeepEqual(gotDiags, wantDiags) {
		t.Errorf("%s: diagnostics differ:\ndirect:   %v\nordinary: %v", name, gotDiags, wantDiags)
	}
	if !reflect.DeepEqual(gotBlocks, wantBlocks) {
		t.Errorf("%s: the direct route reads other blocks", name)
		g, w := gotBlocks.content.Blocks, wantBlocks.content.Blocks
		if len(g) != len(w) {
			t.Logf("%d blocks, want %d", len(g), len(w))
		}
		for i := range min(len(g), len(w)) {
			if !reflect.DeepEqual(g[i], w[i]) || !reflect.DeepEqual(gotBlocks.bodies[i], wantBlocks.bodies[i]) || !reflect.DeepEqual(gotBlocks.bodyDiags[i], wantBlocks.bodyDiags[i]) {
				t.Logf("first different block %d:\ndirect:   %s\n%s\n%v\nordinary: %s\n%s\n%v", i,
					spew(g[i]), spew(gotBlocks.bodies[i]), gotBlocks.bodyDiags[i],
					spew(w[i]), spew(wantBlocks.bodies[i]), wantBlocks.bodyDiags[i])
				break
			}
		}
		if !reflect.DeepEqual(gotBlocks.diags, wantBlocks.diags) {
			t.Logf("content diagnostics:\ndirect:   %v\nordinary: %v", gotBlocks.diags, wantBlocks.diags)
		}
	}
	if strings.HasSuffix(name, ".json") || len(checkSource(name, src)) > 0 {
		return 0
	}
	d := directParser{filename: name, names: map[string]string{}}
	if _, _, ok := parseChunkedWith(src, name, d.block); !ok {
		return 0
	}
	return len(d.blocks)
}

// orderUnsupportedArguments sorts each run of "Unsupported argument" diagnostics by position:
// hclsyntax's Content reports a body's unexpected attributes in its map's order, which
// differs from run to run (the direct route never takes a file with top-level attributes).
func orderUnsupportedArguments(diags hcl.Diagnostics) hcl.Diagnostics {
	diags = slices.Clone(diags)
	for i := 0; i < len(diags); {
		j := i
		for j < len(diags) && diags[j].Summary == "Unsupported argument" && diags[j].Subject != nil {
			j++
		}
		slices.SortFunc(diags[i:j], func(a, b *hcl.Diagnostic) int { return a.Subject.Start.Byte - b.Subject.Start.Byte })
		i = max(j, i+1)
	}
	return diags
}

// directHead and directTail surround each case of TestDirectLoadShapes: the first block and
// the text after the last cut are never read directly.
const (
	directHead = "integration {\n  type = \"x\"\n}\n"
	directTail = "entity \"t\" \"tail\" {\n  _class = \"T\"\n}\n"
	directNext = "entity \"application\" \"next\" {\n  _class = \"Application\"\n  name   = \"next\"\n}\n\n"
)

// directCases are blocks the direct route reads (direct true) or leaves to the ordinary
// route, block by block or for the whole file.
var directCases = []struct {
	name, block string
	direct      bool
}{
	{"entity", "entity \"application\" \"app_1\" {\n  _class    = \"Application\"\n  name      = \"app-1\"\n  vendor    = \"Vendor 0\"\n  userCount = 0\n  isSso     = true\n  tags      = [\"tier-0\", \"generated\"]\n}\n", true},
	{"relationship", "relationship \"a_uses_b\" {\n  _class = \"USES\"\n  from   = entity.application.a\n  to     = entity.application.b\n}\n", true},
	{"relationship missing to", "relationship \"r\" {\n  _class = \"USES\"\n  from = entity.a.b\n}\n", true},
	{"mapped relationship empty", "mapped_relationship \"m\" {\n}\n", true},
	{"mapped relationship", "mapped_relationship \"m\" {\n  _class = \"HAS\"\n  from = entity.a.b\n  target = var.t\n}\n", true},
	{"entity empty", "entity \"a\" \"b\" {\n}\n", true},
	{"for_each", "entity \"a\" \"b\" {\n  for_each = var.items\n  _class   = \"A\"\n  name     = each.key\n}\n", true},
	{"properties constant", "entity \"a\" \"b\" {\n  properties = \"x\"\n}\n", true},
	{"properties traversal", "entity \"a\" \"b\" {\n  properties = local.p\n}\n", true},
	{"tuple with traversal", "entity \"a\" \"b\" {\n  tags = [\"a\", var.t, 1]\n}\n", true},
	{"literals", "entity \"a\" \"b\" {\n  a = null\n  b = false\n  c = true\n  d = [null, false]\n}\n", true},
	{"numbers", "entity \"a\" \"b\" {\n  a = 0\n  b = 12.50\n  c = 123456789012345678901234567890.5\n  d = [1, 2.0]\n}\n", true},
	{"odd spacing", "\n\nentity   \"a\"   \"b\"   {   \n\n   z   =   1   \n\n  y=[ 1 ,2 ]\n}   \n", true},
	{"no space before brace", "entity \"a\" \"b\"{\n  x = 1\n}\n", true},
	{"symbols in strings", "entity \"a\" \"b\" {\n  _class = \"App # } // x\"\n  name   = \"it's {x} <<EOT\"\n}\n", true},
	{"bad label", "entity \"a b\" \"-c\" {\n  x = 1\n}\n", true},
	{"unsorted names", "entity \"a\" \"b\" {\n  z = 1\n  _z = 2\n  A = 3\n  a-b = 4\n  a_b = 5\n}\n", true},

	{"escape", "entity \"a\" \"b\" {\n  name = \"a\\\"b\\n\"\n}\n", false},
	{"unicode escape", "entity \"a\" \"b\" {\n  name = \"\\u00e9\"\n}\n", false},
	{"label escape", "entity \"a\\\"b\" \"c\" {\n  x = 1\n}\n", false},
	{"heredoc", "entity \"a\" \"b\" {\n  text = <<EOT\nhello }\nEOT\n}\n", false},
	{"comment in block", "entity \"a\" \"b\" {\n  x = 1 # one\n  // two\n}\n", false},
	{"comment before block", "# c\nentity \"a\" \"b\" {\n  x = 1\n}\n", false},
	{"unicode string", "entity \"a\" \"b\" {\n  name = \"ü 👍🏽\"\n  x    = 1\n}\n", false},
	{"unicode label", "entity \"é\" \"b\" {\n  x = 1\n}\n", false},
	{"unicode name", "entity \"a\" \"b\" {\n  é = 1\n}\n", false},
	{"crlf", "entity \"a\" \"b\" {\r\n  x = 1\r\n}\r\n", false},
	{"tab", "entity \"a\" \"b\" {\n\tx = 1\n}\n", false},
	{"lifecycle", "entity \"a\" \"b\" {\n  _class = \"A\"\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n", false},
	{"other nested block", "entity \"a\" \"b\" {\n  tag {\n  }\n}\n", false},
	{"call", "entity \"a\" \"b\" {\n  t = epochms(\"2024-01-01\")\n}\n", false},
	{"template", "entity \"a\" \"b\" {\n  name = \"${var.x}-1\"\n}\n", false},
	{"template escape", "entity \"a\" \"b\" {\n  name = \"$${x}\"\n}\n", false},
	{"empty string", "entity \"a\" \"b\" {\n  name = \"\"\n}\n", false},
	{"object", "entity \"a\" \"b\" {\n  properties = { \"tag.Env\" = \"prod\", b = 1 }\n}\n", false},
	{"index", "entity \"a\" \"b\" {\n  x = var.m[\"k\"]\n}\n", false},
	{"operator", "entity \"a\" \"b\" {\n  x = 1 + 2\n}\n", false},
	{"negative", "entity \"a\" \"b\" {\n  x = -1\n}\n", false},
	{"exponent", "entity \"a\" \"b\" {\n  x = 1e3\n}\n", false},
	{"true traversal", "entity \"a\" \"b\" {\n  x = true.y\n}\n", false},
	{"empty tuple", "entity \"a\" \"b\" {\n  x = []\n}\n", false},
	{"multi-line tuple", "entity \"a\" \"b\" {\n  x = [\n    1,\n  ]\n}\n", false},
	{"extra label", "entity \"a\" \"b\" \"c\" {\n  x = 1\n}\n", false},
	{"missing label", "relationship {\n  x = 1\n}\n", false},
	{"missing entity label", "entity \"a\" {\n  x = 1\n}\n", false},
	{"variable", "variable \"v\" {\n  default = 1\n}\n", false},
	{"unsupported type", "widget \"w\" {\n  x = 1\n}\n", false},
	{"one line block", "entity \"a\" \"b\" { x = 1 }\n", false},
	{"duplicate attribute", "entity \"a\" \"b\" {\n  x = 1\n  x = 2\n}\n", false},
	{"missing value", "entity \"a\" \"b\" {\n  x =\n}\n", false},
	{"equals equals", "entity \"a\" \"b\" {\n  x == 1\n}\n", false},
	{"top attribute", "x = 1\n", false},
}

// TestDirectLoadShapes reads each case twice in a file between other blocks, by both routes.
func TestDirectLoadShapes(t *testing.T) {
	for _, tt := range directCases {
		t.Run(tt.name, func(t *testing.T) {
			src := directHead + tt.block + directNext + tt.block + directTail
			n := sameByBothRoutes(t, "main.hcl", []byte(src))
			// directNext and directTail are read directly, unless the case sends the whole
			// file the ordinary way.
			if got := n > 2; got != tt.direct || !tt.direct && n != 2 && n != 0 || tt.direct && n != 4 {
				t.Errorf("the direct route read %d blocks; want it to read the case's: %t", n, tt.direct)
			}
		})
	}
}

// TestDirectLoadTrickyInputs runs the inputs built to confuse the cutter through both routes.
func TestDirectLoadTrickyInputs(t *testing.T) {
	for name, src := range chunkCases {
		t.Run(name, func(t *testing.T) {
			sameByBothRoutes(t, "main.hcl", []byte(src))
		})
	}
	sameByBothRoutes(t, "main.hcl.json", []byte(`{"entity": {"a": {"b": {"x": 1}}}}`))
	sameByBothRoutes(t, "main.hcl", nil)
	sameByBothRoutes(t, "main.hcl", []byte(directHead))
}

// TestDirectLoadGenerated reads a file like import-json's: every block but the first is
// read directly, and both routes agree.
func TestDirectLoadGenerated(t *testing.T) {
	n := sameByBothRoutes(t, "apps-000.hcl", generatedBlocks(true))
	if want := 1000 + 99 - 1; n != want {
		t.Errorf("the direct route read %d blocks, want %d", n, want)
	}
}

// TestDirectLoadConfig loads whole configurations both ways: the same graph, the same
// diagnostics.
func TestDirectLoadConfig(t *testing.T) {
	var cases []string
	for _, tt := range directCases {
		cases = append(cases, directHead+tt.block+directNext+tt.block+directTail)
	}
	cases = append(cases,
		directHead+"entity \"a\" \"b\" {\n  _class = \"A\"\n  name = \"b\"\n}\nentity \"a\" \"b\" {\n  _class = \"A\"\n}\n"+directTail,
		directHead+"relationship \"r\" {\n  _class = \"USES\"\n  from   = entity.a.b\n  to     = entity.a.c\n}\nentity \"a\" \"b\" {\n  _class = \"A\"\n  name = \"b\"\n}\nentity \"a\" \"c\" {\n  _class = 1\n  name = \"c\"\n}\n"+directTail,
		directHead+"entity \"a\" \"b\" {\n  _class = \"A\"\n  name = \"b\"\n  nope = var.missing\n}\n"+directTail,
	)
	for i, src := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			defer func() { directLoad = true }()
			opts := Options{Dir: t.TempDir(), Sources: map[string][]byte{"main.hcl": []byte(src), "b.hcl": []byte(directNext + directTail)}}
			directLoad = false
			want, wantDiags := Load(opts)
			directLoad = true
			got, gotDiags := Load(opts)
			if !reflect.DeepEqual(gotDiags, wantDiags) {
				t.Errorf("diagnostics differ:\ndirect:   %v\nordinary: %v", gotDiags, wantDiags)
			}
			if !reflect.DeepEqual(got.Graph, want.Graph) {
				t.Errorf("graphs differ")
			}
		})
	}
}

// FuzzDirectLoad compares the two routes on arbitrary text: the same file, blocks and
// diagnostics, and no panic.
func FuzzDirectLoad(f *testing.F) {
	for _, src := range chunkCases {
		f.Add(src)
	}
	for _, tt := range directCases {
		f.Add(directHead + tt.block + directNext + tt.block + directTail)
	}
	f.Fuzz(func(t *testing.T, src string) {
		sameByBothRoutes(t, "main.hcl", []byte(src))
	})
}
