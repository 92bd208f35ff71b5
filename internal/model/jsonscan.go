package model

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxJSONDepth bounds the nesting JSONScanner accepts, so that hostile input cannot exhaust the
// stack; encoding/json uses the same limit.
const MaxJSONDepth = 10000

// maxInternedNames bounds the property-name cache: names repeat across objects (a few dozen in
// a real inventory), so a small cache catches nearly all of them without growing with the file.
const maxInternedNames = 4096

// JSONScanner parses JSON into model's JSON-shaped values: state files, and the pages of a
// J1QL read. It exists because encoding/json spends most of the time of a 200,000-object
// state or live graph in reflection and allocation; this parser produces the values directly
// (numbers normalized as NormalizeNumber does, property names interned) and is stricter than
// encoding/json where graph data should be: duplicate names in one object are an error rather
// than last-wins. Callers walk objects and arrays with Object and Array and read values with
// Value, Str and Number; errors are *JSONError carrying the byte offset.
type JSONScanner struct {
	data  []byte
	pos   int
	depth int
	names map[string]string
	// strings caches recent short string values, already boxed: a state repeats the same
	// _type, _class and tag values across thousands of objects, and each fresh one would cost
	// two allocations (the bytes and the interface).
	strings *[stringCacheSize]cachedString
	// sizeHints remembers the size of the last object and list decoded at each depth: the
	// objects of one list are alike, so sizing a map or slice from its predecessor avoids
	// regrowing it.
	sizeHints [16]struct{ object, list int }
	// verbatim keeps numbers as written (see KeepNumbers).
	verbatim bool
	// scratch holds the last string that had escapes, decoded (see stringBytes).
	scratch []byte
}

// stringCacheSize is the number of slots of the string value cache (a power of two).
const stringCacheSize = 4096

// maxCachedString is the longest string value the cache holds; longer ones are rarely shared.
const maxCachedString = 32

type cachedString struct {
	s string
	v any
}

// NewJSONScanner returns a scanner positioned at the start of data.
func NewJSONScanner(data []byte) *JSONScanner {
	return &JSONScanner{data: data, names: make(map[string]string, 64), strings: new([stringCacheSize]cachedString)}
}

// KeepNumbers makes the scanner return numbers as written instead of normalized, for callers
// that promise to pass on what they read; the JSON number grammar is still enforced.
func (s *JSONScanner) KeepNumbers() { s.verbatim = true }

// Reset positions the scanner at the start of data, keeping its caches of names, short
// strings and sizes: a client decoding page after page of like rows reuses them. The values
// decoded before stay valid, as none aliases the input.
func (s *JSONScanner) Reset(data []byte) {
	s.data, s.pos, s.depth = data, 0, 0
}

// JSONError is a problem at a byte offset of the input; callers turn the offset into a line and
// column.
type JSONError struct {
	// Offset is the byte offset of the problem in the input.
	Offset int
	msg    string
}

func (e *JSONError) Error() string { return e.msg }

// Errorf returns a *JSONError at a byte offset of the input.
func (s *JSONScanner) Errorf(offset int, format string, args ...any) error {
	return &JSONError{Offset: offset, msg: fmt.Sprintf(format, args...)}
}

// Offset returns the byte offset of the next significant byte: where the next value starts.
func (s *JSONScanner) Offset() int {
	s.skipSpace()
	return s.pos
}

func (s *JSONScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next significant byte without consuming it, or 0 at the end of input.
func (s *JSONScanner) Peek() byte {
	s.skipSpace()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *JSONScanner) Unexpected(context string) error {
	if s.pos >= len(s.data) {
		return s.Errorf(s.pos, "unexpected end of file %s", context)
	}
	return s.Errorf(s.pos, "unexpected %s %s", describeByte(s.data[s.pos]), context)
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// end checks that only whitespace follows the top-level value.
func (s *JSONScanner) End() error {
	if s.skipSpace(); s.pos < len(s.data) {
		return s.Unexpected("after the top-level value")
	}
	return nil
}

// null consumes a null literal if one comes next.
func (s *JSONScanner) Null() bool {
	if s.Peek() == 'n' && len(s.data)-s.pos >= 4 && string(s.data[s.pos:s.pos+4]) == "null" {
		s.pos += 4
		return true
	}
	return false
}

// object parses an object, calling member for each name; member must consume the value.
func (s *JSONScanner) Object(context string, member func(name string, offset int) error) error {
	if s.Peek() != '{' {
		return s.Unexpected("where " + context + " (an object) should start")
	}
	if err := s.enter(); err != nil {
		return err
	}
	s.pos++
	if s.Peek() == '}' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		if s.Peek() != '"' {
			return s.Unexpected("where an object member name should be")
		}
		offset := s.pos
		name, err := s.name()
		if err != nil {
			return err
		}
		if s.Peek() != ':' {
			return s.Unexpected("after an object member name (want ':')")
		}
		s.pos++
		if err := member(name, offset); err != nil {
			return err
		}
		switch s.Peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return nil
		default:
			return s.Unexpected("after an object member (want ',' or '}')")
		}
	}
}

// array parses an array, calling elem for each element; elem must consume the value.
func (s *JSONScanner) Array(context string, elem func(i int) error) error {
	if s.Peek() != '[' {
		return s.Unexpected("where " + context + " (a list) should start")
	}
	if err := s.enter(); err != nil {
		return err
	}
	s.pos++
	if s.Peek() == ']' {
		s.pos++
		s.depth--
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		switch s.Peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return nil
		default:
			return s.Unexpected("after a list element (want ',' or ']')")
		}
	}
}

func (s *JSONScanner) enter() error {
	s.depth++
	if s.depth > MaxJSONDepth {
		return s.Errorf(s.pos, "values nested more than %d deep", MaxJSONDepth)
	}
	return nil
}

// value parses any JSON value into model's JSON-shaped representation.
func (s *JSONScanner) Value() (any, error) {
	switch c := s.Peek(); {
	case c == '{':
		hint := s.hint()
		m := make(map[string]any, hint.object)
		err := s.Object("a value", func(name string, offset int) error {
			if _, dup := m[name]; dup {
				return s.Errorf(offset, "property %q appears twice in one object", name)
			}
			v, err := s.Value()
			m[name] = v
			return err
		})
		hint.object = len(m)
		return m, err
	case c == '[':
		hint := s.hint()
		list := make([]any, 0, hint.list)
		err := s.Array("a value", func(int) error {
			v, err := s.Value()
			list = append(list, v)
			return err
		})
		hint.list = len(list)
		return list, err
	case c == '"':
		return s.stringValue()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.Number()
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	}
	return nil, s.Unexpected("where a value should be")
}

// hint returns the size hints of the current depth (a shared slot beyond the tracked depths).
func (s *JSONScanner) hint() *struct{ object, list int } {
	return &s.sizeHints[min(s.depth, len(s.sizeHints)-1)]
}

// stringValue parses a string value, boxed, through the cache of short strings.
func (s *JSONScanner) stringValue() (any, error) {
	b, err := s.stringBytes()
	if err != nil || len(b) > maxCachedString {
		return string(b), err
	}
	h := uint32(2166136261) // FNV-1a
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &s.strings[h&(stringCacheSize-1)]
	if slot.v != nil && slot.s == string(b) {
		return slot.v, nil
	}
	str := string(b)
	slot.s, slot.v = str, str
	return slot.v, nil
}

func (s *JSONScanner) literal(word string) error {
	if len(s.data)-s.pos >= len(word) && string(s.data[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return nil
	}
	return s.Unexpected("where a value should be")
}

// Str parses a string value.
func (s *JSONScanner) Str(context string) (string, error) {
	b, err := s.StrBytes(context)
	return string(b), err
}

// StrBytes parses a string value, like Str, but returns its bytes without copying them: they
// are valid until the scanner reads another string, and must not be modified.
func (s *JSONScanner) StrBytes(context string) ([]byte, error) {
	if s.Peek() != '"' {
		return nil, s.Unexpected("where " + context + " (a string) should be")
	}
	return s.stringBytes()
}

// name parses an object member name, interned: the same few names repeat in every object.
func (s *JSONScanner) name() (string, error) {
	b, err := s.stringBytes()
	if err != nil {
		return "", err
	}
	if n, ok := s.names[string(b)]; ok {
		return n, nil
	}
	n := string(b)
	if len(s.names) < maxInternedNames {
		s.names[n] = n
	}
	return n, nil
}

// stringBytes parses a string at s.pos (which holds '"'). The result aliases the input when
// the string has no escapes, and the scanner's scratch buffer otherwise: callers copy it
// (string conversion) before keeping it, and before reading another string.
func (s *JSONScanner) stringBytes() ([]byte, error) {
	start := s.pos + 1
	ascii := true
	for i := start; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == '"':
			b := s.data[start:i]
			if !ascii && !utf8.Valid(b) {
				return s.slowString(start)
			}
			s.pos = i + 1
			return b, nil
		case c == '\\' || c < 0x20:
			return s.slowString(start)
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, s.Errorf(s.pos, "string is not terminated")
}

// slowString decodes a string with escapes or invalid UTF-8 the way encoding/json does:
// invalid bytes and lone surrogates become U+FFFD.
func (s *JSONScanner) slowString(start int) ([]byte, error) {
	out := s.scratch[:0]
	defer func() { s.scratch = out[:0] }()
	i := start
	for i < len(s.data) {
		c := s.data[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return out, nil
		case c < 0x20:
			return nil, s.Errorf(i, "control character %s inside a string (write it as an escape)", describeByte(c))
		case c == '\\':
			if i+1 >= len(s.data) {
				return nil, s.Errorf(s.pos, "string is not terminated")
			}
			switch e := s.data[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
				i += 2
			case 'b':
				out = append(out, '\b')
				i += 2
			case 'f':
				out = append(out, '\f')
				i += 2
			case 'n':
				out = append(out, '\n')
				i += 2
			case 'r':
				out = append(out, '\r')
				i += 2
			case 't':
				out = append(out, '\t')
				i += 2
			case 'u':
				r, ok := hex4(s.data, i+2)
				if !ok {
					return nil, s.Errorf(i, `invalid \u escape in a string`)
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2, ok := rune(0), false
					if i+1 < len(s.data) && s.data[i] == '\\' && s.data[i+1] == 'u' {
						r2, ok = hex4(s.data, i+2)
					}
					if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
						r = d
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, s.Errorf(i, "invalid escape %s in a string", strconv.Quote(string(s.data[i:i+2])))
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(s.data[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, s.data[i:i+size]...)
			}
			i += size
		}
	}
	return nil, s.Errorf(s.pos, "string is not terminated")
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// Number parses a number and returns it in canonical spelling (as written after KeepNumbers).
func (s *JSONScanner) Number() (json.Number, error) {
	start := s.pos
	end, integer, ok := scanNumber(s.data, start)
	if !ok {
		return "", s.Errorf(start, "invalid number")
	}
	s.pos = end
	if s.verbatim {
		return json.Number(s.data[start:end]), nil
	}
	n, err := canonicalNumber(string(s.data[start:end]), integer)
	if err != nil {
		return "", s.Errorf(start, "%v", err)
	}
	return n, nil
}

// scanNumber matches the JSON number grammar at b[i:], reporting where it ends and whether it
// is a plain integer (no fraction, no exponent).
func scanNumber(b []byte, i int) (end int, integer, ok bool) {
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return i, false, false
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		i++
		integer = false
		if digits() == 0 {
			return i, false, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		integer = false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return i, false, false
		}
	}
	return i, integer, true
}

// canonicalNumber returns model.NormalizeNumber(n) without its arbitrary-precision parse in the
// common cases: a short integer, or a decimal fraction that already is the shortest spelling
// of its float64. Everything else, including the refusal of numbers too long or too far out of
// range to parse quickly, is model's.
func canonicalNumber(n string, integer bool) (json.Number, error) {
	if integer {
		if len(n) <= 18 && n != "-0" {
			return json.Number(n), nil
		}
	} else if !strings.ContainsAny(n, "eE") {
		if v, err := strconv.ParseFloat(n, 64); err == nil {
			if a := math.Abs(v); a >= 1e-6 && a < 1e21 && strconv.FormatFloat(v, 'f', -1, 64) == n {
				return json.Number(n), nil
			}
		}
	}
	return NormalizeNumber(json.Number(n))
}
