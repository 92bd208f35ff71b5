package importjson

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/apparentlymart/go-textseg/v15/textseg"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// block is a configuration block being generated. It renders itself in hclwrite.Format's
// canonical layout (the tests hold it to that, byte for byte): formatting a whole generated
// file with hclwrite.Format costs a 4 KiB allocation per line, which made formatting most of
// the work of a large import.
type block struct {
	typ    string
	labels []string
	items  []bodyItem
}

// bodyItem is one attribute (single-line value, or an object over several lines) or one
// comment line.
type bodyItem struct {
	name    string
	value   hclwrite.Tokens
	object  []objectItem
	multi   bool
	comment string
}

// objectItem is one key = value line of an object constructor.
type objectItem struct {
	key, value hclwrite.Tokens
}

func (b *block) set(name string, value hclwrite.Tokens) {
	b.items = append(b.items, bodyItem{name: name, value: value})
}

// setObject writes { key = value ... } over several lines; an empty object stays {}.
func (b *block) setObject(name string, items []objectItem) {
	if len(items) == 0 {
		b.set(name, hclwrite.Tokens{openBrace, closeBrace})
		return
	}
	b.items = append(b.items, bodyItem{name: name, object: items, multi: true})
}

func (b *block) comment(text string) { b.items = append(b.items, bodyItem{comment: text}) }

var (
	openBrace  = &hclwrite.Token{Type: hclsyntax.TokenOBrace, Bytes: []byte("{")}
	closeBrace = &hclwrite.Token{Type: hclsyntax.TokenCBrace, Bytes: []byte("}")}
)

// write renders the block as hclwrite.Format would: two-space indents, and the = of
// consecutive single-line attributes aligned (a comment line or a multi-line value ends the
// run).
func (b *block) write(w *bytes.Buffer) {
	w.WriteString(b.typ)
	for _, l := range b.labels {
		w.WriteString(` "` + l + `"`) // labels are identifiers: nothing to escape
	}
	w.WriteString(" {\n")
	lines := make([]line, 0, len(b.items))
	flush := func() {
		writeAligned(w, "  ", lines)
		lines = lines[:0]
	}
	for _, it := range b.items {
		switch {
		case it.comment != "":
			flush()
			writeComment(w, "  ", it.comment)
		case it.multi:
			flush()
			w.WriteString("  " + it.name + " = {\n")
			inner := make([]line, len(it.object))
			for i, o := range it.object {
				inner[i] = line{name: o.key.Bytes(), value: o.value}
			}
			writeAligned(w, "    ", inner)
			w.WriteString("  }\n")
		default:
			lines = append(lines, line{name: []byte(it.name), value: it.value})
		}
	}
	flush()
	w.WriteString("}\n")
}

// line is one name = value line of an alignment run.
type line struct {
	name  []byte
	value hclwrite.Tokens
}

func writeAligned(w *bytes.Buffer, indent string, lines []line) {
	width := 0
	for _, l := range lines {
		width = max(width, columns(l.name))
	}
	for _, l := range lines {
		w.WriteString(indent)
		w.Write(l.name)
		w.WriteString(strings.Repeat(" ", width-columns(l.name)+1))
		w.WriteString("= ")
		w.Write(bytes.TrimLeft(l.value.Bytes(), " "))
		w.WriteByte('\n')
	}
}

// columns counts what hclwrite aligns by: grapheme clusters (bytes, for ASCII).
func columns(b []byte) int {
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return len(b)
	}
	n := 0
	for len(b) > 0 {
		advance, _, err := textseg.ScanGraphemeClusters(b, true)
		if err != nil || advance <= 0 {
			return n + utf8.RuneCount(b)
		}
		b = b[advance:]
		n++
	}
	return n
}
