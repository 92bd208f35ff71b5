package plan

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Encode returns the saved-plan form of p: fileJSON as encoding/json writes it with one space
// of indentation and no HTML escaping, followed by a newline. The compact document is
// appended in pieces (cut between list elements, so that no piece ends inside a value),
// measured, then indented into one buffer of the exact size; encoding/json, with a marshaler
// and an encoder per change and a re-indentation of each, took ten times longer on a plan of
// 200,000 objects. The small members go through encoding/json as before.
func (p *Plan) Encode() ([]byte, error) {
	var doc pieces
	if err := p.appendCompact(&doc); err != nil {
		return nil, err
	}
	parts := doc.all()
	size, depth := 1, 0 // the final newline
	for _, part := range parts {
		var n int
		n, depth = indentedSize(part, depth)
		size += n
	}
	out := make([]byte, 0, size)
	depth = 0
	for _, part := range parts {
		out, depth = appendIndentJSON(out, part, depth)
	}
	return append(out, '\n'), nil
}

// pieces is a document appended in pieces of about pieceSize bytes, so that a large one is
// never copied to grow.
type pieces struct {
	done [][]byte
	b    []byte
}

const pieceSize = 1 << 20

// cut starts a new piece when the current one is full; call it only between values.
func (d *pieces) cut() {
	if len(d.b) >= pieceSize {
		d.done = append(d.done, d.b)
		d.b = make([]byte, 0, pieceSize+pieceSize/4)
	}
}

func (d *pieces) all() [][]byte { return append(d.done, d.b) }

// appendCompact appends the compact JSON of fileJSON for p, members in its order. An object
// of the upload that cannot be encoded is refused as model.Payload.WriteJSON refuses it.
func (p *Plan) appendCompact(d *pieces) error {
	d.b = make([]byte, 0, pieceSize+pieceSize/4)
	var err error
	marshal := func(v any) {
		if err != nil {
			return
		}
		m, merr := model.MarshalJSON(v, "")
		if merr != nil {
			err = fmt.Errorf("encode plan: %w", merr)
			return
		}
		d.b = append(d.b, m...)
	}
	d.b = append(d.b, `{"format_version":`...)
	d.b = strconv.AppendInt(d.b, FileFormatVersion, 10)
	d.b = append(d.b, `,"tool_version":`...)
	d.b = appendJSONString(d.b, p.ToolVersion)
	d.b = append(d.b, `,"mode":`...)
	d.b = appendJSONString(d.b, p.Mode)
	d.b = append(d.b, `,"target":`...)
	marshal(p.Target)
	d.b = append(d.b, `,"prior":`...)
	marshal(priorJSON(p.Prior))
	d.b = append(d.b, `,"desired_hash":`...)
	d.b = appendJSONString(d.b, string(p.DesiredHash))
	if len(p.Targets) > 0 {
		d.b = append(d.b, `,"targets":`...)
		marshal(p.Targets)
	}
	d.b = append(d.b, `,"unchanged":`...)
	d.b = strconv.AppendInt(d.b, int64(p.Unchanged), 10)
	if p.MassDelete != nil {
		d.b = append(d.b, `,"mass_delete":`...)
		marshal(p.MassDelete)
	}
	if err != nil {
		return err
	}
	d.b = append(d.b, `,"changes":`...)
	appendChanges(d, p.Changes)
	d.b = append(d.b, `,"not_applied":`...)
	appendChanges(d, p.NotApplied)
	d.b = append(d.b, `,"upload":`...)
	if err := appendPayload(d, p.Upload); err != nil {
		return err
	}
	if p.Live != "" {
		d.b = append(d.b, `,"live":`...)
		d.b = appendJSONString(d.b, string(p.Live))
	}
	if len(p.Drift) > 0 {
		d.b = append(d.b, `,"drift":`...)
		appendChanges(d, p.Drift)
	}
	if len(p.Replacements) > 0 {
		d.b = append(d.b, `,"replacements":`...)
		marshal(p.Replacements)
	}
	if err != nil {
		return err
	}
	d.b = append(d.b, '}')
	return nil
}

// appendChanges appends a list of changes as Change.MarshalJSON writes each.
func appendChanges(d *pieces, cs []Change) {
	d.b = append(d.b, '[')
	for i := range cs {
		if i > 0 {
			d.b = append(d.b, ',')
		}
		d.b = appendChangeJSON(d.b, &cs[i])
		d.cut()
	}
	d.b = append(d.b, ']')
}

// appendChangeJSON appends the compact JSON of changeJSON for c.
func appendChangeJSON(b []byte, c *Change) []byte {
	b = append(b, `{"address":`...)
	b = appendJSONString(b, c.Address)
	if c.PreviousAddress != "" {
		b = append(b, `,"previous_address":`...)
		b = appendJSONString(b, c.PreviousAddress)
	}
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, c.Kind.String())
	b = append(b, `,"key":`...)
	b = appendJSONString(b, c.Key)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, c.Type)
	b = append(b, `,"actions":[`...)
	b = appendJSONString(b, string(c.Action))
	b = append(b, `],"before":`...)
	b = appendObject(b, c.Before)
	b = append(b, `,"after":`...)
	b = appendObject(b, c.After)
	if len(c.Sensitive) > 0 {
		b = append(b, `,"sensitive":[`...)
		for i, name := range c.Sensitive {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, name)
		}
		b = append(b, ']')
	}
	if c.Import != "" {
		b = append(b, `,"import":`...)
		b = appendJSONString(b, string(c.Import))
	}
	return append(b, '}')
}

// appendObject appends a payload as rawObject gives it.
func appendObject(b []byte, p model.Properties) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return model.AppendObjectJSON(b, p)
}

// appendPayload appends the compact form of what model.Payload.WriteJSON writes, refusing
// what it refuses.
func appendPayload(d *pieces, p model.Payload) error {
	d.b = append(d.b, `{"entities":`...)
	if err := appendPayloadList(d, p.Entities); err != nil {
		return err
	}
	d.b = append(d.b, `,"relationships":`...)
	if err := appendPayloadList(d, p.Relationships); err != nil {
		return err
	}
	d.b = append(d.b, '}')
	return nil
}

func appendPayloadList(d *pieces, list []model.Properties) error {
	d.b = append(d.b, '[')
	for i, o := range list {
		if err := model.CheckEncodable(o); err != nil {
			return fmt.Errorf("object %d (_key %q): %w", i+1, o[model.PropKey], err)
		}
		if i > 0 {
			d.b = append(d.b, ',')
		}
		d.b = model.AppendObjectJSON(d.b, o)
		d.cut()
	}
	d.b = append(d.b, ']')
	return nil
}

// appendJSONString appends s as encoding/json writes a string without HTML escaping. ASCII,
// nearly all of a plan, is escaped here as encoding/json escapes it (\b and \f included);
// a string with other characters goes through encoding/json itself, whose handling of line
// separators and invalid UTF-8 is the reference.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			m, _ := model.MarshalJSON(s, "") // a string always encodes
			return append(b, m...)
		}
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// indentSpaces is sliced for the indentation of appendIndentJSON; deeper levels append it
// repeatedly.
const indentSpaces = "                                "

// appendIndentJSON appends src, compact JSON, indented as json.Indent(dst, src, "", " ") does:
// every member and element on its own line, one space per level, ": " after a name, empty
// objects and lists kept as {} and []. Compact input makes it one pass without validation.
// src may be a piece of a document cut between values; depth is the nesting where it starts,
// and the nesting where it ends is returned.
func appendIndentJSON(dst, src []byte, depth int) ([]byte, int) {
	newline := func() {
		dst = append(dst, '\n')
		for n := depth; n > 0; {
			k := min(n, len(indentSpaces))
			dst = append(dst, indentSpaces[:k]...)
			n -= k
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			j := stringEnd(src, i)
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, c, src[i+1])
				i++
				continue
			}
			dst = append(dst, c)
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst, depth
}

// indentedSize is the length of what appendIndentJSON appends for src starting at depth, and
// the depth where src ends.
func indentedSize(src []byte, depth int) (int, int) {
	n := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			j := stringEnd(src, i)
			n += j + 1 - i
			i = j
		case '{', '[':
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				n += 2
				i++
				continue
			}
			depth++
			n += 2 + depth
		case '}', ']':
			depth--
			n += 2 + depth
		case ',':
			n += 2 + depth
		case ':':
			n += 2
		default:
			n++
		}
	}
	return n, depth
}

// stringEnd returns the index of the quote closing the string that starts at src[i].
func stringEnd(src []byte, i int) int {
	j := i + 1
	for j < len(src) && src[j] != '"' {
		if src[j] == '\\' {
			j++
		}
		j++
	}
	return min(j, len(src)-1)
}
