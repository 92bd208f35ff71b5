package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/crash"
)

// AppendObjectJSON appends the canonical compact JSON of a payload to buf: reserved fields
// first in the guide's order, the rest sorted, numbers as stored, no HTML escaping. The same
// payload always yields the same bytes, which is what hashes and state files rely on.
func AppendObjectJSON(buf []byte, p Properties) []byte {
	return appendMap(buf, p, topLevelOrder, true)
}

// MarshalObject returns the canonical compact JSON of a payload.
func MarshalObject(p Properties) []byte { return AppendObjectJSON(nil, p) }

// member is one name and value of a map being written.
type member struct {
	name  string
	value any
}

// inlineMembers is how many members appendMap orders without allocating; payloads rarely have
// more.
const inlineMembers = 32

func appendMap(buf []byte, m map[string]any, order []string, top bool) []byte {
	// The members are gathered with their values (one map lookup each) on the stack, leading
	// names first in order, then the rest sorted: what orderedKeys returns, without its slice.
	var inline [inlineMembers]member
	members := inline[:0]
	if len(m) > inlineMembers {
		members = make([]member, 0, len(m))
	}
	for _, k := range order {
		if v, ok := m[k]; ok {
			members = append(members, member{k, v})
		}
	}
	rest := len(members)
	if rest == len(m) {
		// Only leading names: nothing to sort.
	} else {
		for k, v := range m {
			if rest > 0 && slices.Contains(order, k) {
				continue
			}
			members = append(members, member{k, v})
		}
		slices.SortFunc(members[rest:], func(a, b member) int { return strings.Compare(a.name, b.name) })
	}
	buf = append(buf, '{')
	for i, mb := range members {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, mb.name)
		buf = append(buf, ':')
		switch {
		case top && mb.name == PropMapping:
			if mm, ok := mb.value.(map[string]any); ok {
				buf = appendMap(buf, mm, mappingOrder, false)
				continue
			}
		case !top && mb.name == MappingTargetEntity:
			if mm, ok := mb.value.(map[string]any); ok {
				buf = appendMap(buf, mm, targetEntityOrder, false)
				continue
			}
		}
		buf = AppendValueJSON(buf, mb.value)
	}
	return append(buf, '}')
}

// AppendValueJSON appends the canonical JSON of one JSON-shaped value.
func AppendValueJSON(buf []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...)
	case bool:
		return strconv.AppendBool(buf, x)
	case string:
		return appendString(buf, x)
	case json.Number:
		if x == "" {
			return append(buf, '0')
		}
		return append(buf, x...)
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = AppendValueJSON(buf, e)
		}
		return append(buf, ']')
	case map[string]any:
		return appendMap(buf, x, nil, false)
	}
	// Not JSON-shaped: fall back to encoding/json. What it cannot write is spelled as a string;
	// Payload.WriteJSON refuses such values first (CheckEncodable), so nothing is lost unseen.
	b, err := json.Marshal(v)
	if err != nil {
		return appendString(buf, fmt.Sprint(v))
	}
	return append(buf, b...)
}

const hexDigits = "0123456789abcdef"

// AppendStringJSON appends s as a JSON string, as AppendValueJSON writes strings, without
// boxing it in an interface.
func AppendStringJSON(buf []byte, s string) []byte { return appendString(buf, s) }

// appendString writes a JSON string like encoding/json with SetEscapeHTML(false).
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// Payload is the Sync API upload body shape {"entities": [...], "relationships": [...]}.
type Payload struct {
	Entities      []Properties
	Relationships []Properties
}

// PayloadOf returns the upload payload of a graph, in the graph's order.
func PayloadOf(g *Graph) Payload {
	p := Payload{Entities: make([]Properties, len(g.Entities)), Relationships: make([]Properties, len(g.Relationships))}
	for i, o := range g.Entities {
		p.Entities[i] = o.Props
	}
	for i, o := range g.Relationships {
		p.Relationships[i] = o.Props
	}
	return p
}

// MarshalJSON writes the payload with one object per line inside two arrays: readable, and
// still canonical (the same payload gives the same bytes).
func (p Payload) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf, ""); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteJSON writes the payload as indented JSON (indent "" for one object per line).
func (p Payload) WriteJSON(w io.Writer, indent string) error {
	bw := &errWriter{w: w}
	bw.write([]byte("{\n  \"entities\": "))
	writeList(bw, p.Entities, indent)
	bw.write([]byte(",\n  \"relationships\": "))
	writeList(bw, p.Relationships, indent)
	bw.write([]byte("\n}\n"))
	return bw.err
}

func writeList(w *errWriter, list []Properties, indent string) {
	if len(list) == 0 {
		w.write([]byte("[]"))
		return
	}
	w.write([]byte("[\n"))
	var buf []byte
	for i, p := range list {
		if err := CheckEncodable(p); err != nil {
			w.fail(fmt.Errorf("object %d (_key %q): %w", i+1, p[PropKey], err))
			return
		}
		buf = AppendObjectJSON(buf[:0], p)
		if indent != "" {
			var out bytes.Buffer
			if err := json.Indent(&out, buf, "    ", indent); err != nil {
				w.fail(fmt.Errorf("object %d (_key %q): %w", i+1, p[PropKey], err))
				return
			}
			buf = append(buf[:0], out.Bytes()...)
		}
		w.write([]byte("    "))
		w.write(buf)
		if i < len(list)-1 {
			w.write([]byte(","))
		}
		w.write([]byte("\n"))
	}
	w.write([]byte("  ]"))
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *errWriter) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

// DecodePayload parses an upload payload. Numbers are kept exact and normalized; anything that
// is not a JSON object with optional "entities" and "relationships" arrays of objects is an
// error naming the offending element.
func DecodePayload(data []byte) (*Graph, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw struct {
		Entities      []map[string]any `json:"entities"`
		Relationships []map[string]any `json:"relationships"`
	}
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not an upload payload ({\"entities\": [...], \"relationships\": [...]}): %w", err)
	}
	g := &Graph{}
	for i, e := range raw.Entities {
		p, err := normalizeProps(e)
		if err != nil {
			return nil, fmt.Errorf("entities[%d]: %w", i, err)
		}
		g.Entities = append(g.Entities, &Object{Kind: KindEntity, Props: p})
	}
	for i, r := range raw.Relationships {
		p, err := normalizeProps(r)
		if err != nil {
			return nil, fmt.Errorf("relationships[%d]: %w", i, err)
		}
		g.Relationships = append(g.Relationships, &Object{Kind: KindOf(p, true), Props: p})
	}
	return g, nil
}

// DecodeObject parses one payload object from JSON.
func DecodeObject(data []byte) (Properties, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("object is null")
	}
	return normalizeProps(m)
}

func normalizeProps(m map[string]any) (Properties, error) {
	n, err := NormalizeValue(map[string]any(m))
	if err != nil {
		return nil, err
	}
	return n.(map[string]any), nil
}

// Hash is a SHA-256 content hash, written as "sha256:<hex>".
type Hash string

// HashGraph hashes the canonical payload of a graph. The graph is hashed in _key order, so
// the hash does not depend on the order objects were declared in.
func HashGraph(g *Graph) Hash {
	return HashSortedGraph(&Graph{Entities: sortedCopy(g.Entities), Relationships: sortedCopy(g.Relationships)})
}

// HashSortedGraph is HashGraph for a graph already in SortByKey order. The two lists are
// hashed concurrently and their digests combined.
func HashSortedGraph(g *Graph) Hash {
	var rels [sha256.Size]byte
	done := make(chan struct{})
	crash.Go(func() {
		rels = hashList(g.Relationships)
		close(done)
	})
	ents := hashList(g.Entities)
	<-done
	h := sha256.New()
	h.Write([]byte("entities:"))
	h.Write(ents[:])
	h.Write([]byte("relationships:"))
	h.Write(rels[:])
	return Hash("sha256:" + hex.EncodeToString(h.Sum(nil)))
}

// hashList hashes the canonical JSON of objects, one per line.
func hashList(objs []*Object) [sha256.Size]byte {
	h := sha256.New()
	var buf []byte
	for _, o := range objs {
		buf = AppendObjectJSON(buf[:0], o.Props)
		buf = append(buf, '\n')
		h.Write(buf)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

func sortedCopy(objs []*Object) []*Object {
	c := append([]*Object(nil), objs...)
	SortObjects(c)
	return c
}

// MarshalJSON encodes v as encoding/json does but without HTML escaping, the way every JSON
// document j1hcl writes reads: "<" in a key stays "<". indent "" gives one line; otherwise
// each level is indented by indent and the result ends in a newline.
func MarshalJSON(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if indent == "" {
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
	}
	return buf.Bytes(), nil
}
