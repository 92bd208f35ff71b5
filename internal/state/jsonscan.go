package state

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/model"
)

// maxDepth bounds nesting so that a hostile file cannot exhaust the stack; encoding/json uses
// the same limit.
const maxDepth = 10000

// maxInternedNames bounds the property-name cache: names repeat across objects (a few dozen in
// a real inventory), so a small cache catches nearly all of them without growing with the file.
const maxInternedNames = 4096

// jsonScanner parses the JSON of a state file. It exists because encoding/json spends most of
// the time of a 200,000-object state in reflection and allocation; this parser produces model's
// JSON-shaped values directly (numbers normalized as model.NormalizeNumber does, property names
// interned) and is stricter than encoding/json where a state file should be: duplicate names
// in one object are an error rather than last-wins.
type jsonScanner struct {
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
}

// stringCacheSize is the number of slots of the string value cache (a power of two).
const stringCacheSize = 4096

// maxCachedString is the longest string value the cache holds; longer ones are rarely shared.
const maxCachedString = 32

type cachedString struct {
	s string
	v any
}

func newJSONScanner(data []byte) *jsonScanner {
	return &jsonScanner{data: data, names: make(map[string]string, 64), strings: new([stringCacheSize]cachedString)}
}

// posError is a problem at a byte offset of the input; Decode turns the offset into a line and
// column.
type posError struct {
	offset int
	msg    string
}

func (e *posError) Error() string { return e.msg }

func (s *jsonScanner) errorf(offset int, format string, args ...any) error {
	return &posError{offset: offset, msg: fmt.Sprintf(format, args...)}
}

func (s *jsonScanner) skipSpace() {
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
func (s *jsonScanner) peek() byte {
	s.skipSpace()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *jsonScanner) unexpected(context string) error {
	if s.pos >= len(s.data) {
		return s.errorf(s.pos, "unexpected end of file %s", context)
	}
	return s.errorf(s.pos, "unexpected %s %s", describeByte(s.data[s.pos]), context)
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// end checks that only whitespace follows the top-level value.
func (s *jsonScanner) end() error {
	if s.skipSpace(); s.pos < len(s.data) {
		return s.unexpected("after the top-level value")
	}
	return nil
}

// null consumes a null literal if one comes next.
func (s *jsonScanner) null() bool {
	if s.peek() == 'n' && len(s.data)-s.pos >= 4 && string(s.data[s.pos:s.pos+4]) == "null" {
		s.pos += 4
		return true
	}
	return false
}

// object parses an object, calling member for each name; member must consume the value.
func (s *jsonScanner) object(context string, member func(name string, offset int) error) error {
	if s.peek() != '{' {
		return s.unexpected("where " + context + " (an object) should start")
	}
	if err := s.enter(); err != nil {
		return err
	}
	s.pos++
	if s.peek() == '}' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.unexpected("where an object member name should be")
		}
		offset := s.pos
		name, err := s.name()
		if err != nil {
			return err
		}
		if s.peek() != ':' {
			return s.unexpected("after an object member name (want ':')")
		}
		s.pos++
		if err := member(name, offset); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return nil
		default:
			return s.unexpected("after an object member (want ',' or '}')")
		}
	}
}

// array parses an array, calling elem for each element; elem must consume the value.
func (s *jsonScanner) array(context string, elem func(i int) error) error {
	if s.peek() != '[' {
		return s.unexpected("where " + context + " (a list) should start")
	}
	if err := s.enter(); err != nil {
		return err
	}
	s.pos++
	if s.peek() == ']' {
		s.pos++
		s.depth--
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return nil
		default:
			return s.unexpected("after a list element (want ',' or ']')")
		}
	}
}

func (s *jsonScanner) enter() error {
	s.depth++
	if s.depth > maxDepth {
		return s.errorf(s.pos, "values nested more than %d deep", maxDepth)
	}
	return nil
}

// value parses any JSON value into model's JSON-shaped representation.
func (s *jsonScanner) value() (any, error) {
	switch c := s.peek(); {
	case c == '{':
		hint := s.hint()
		m := make(map[string]any, hint.object)
		err := s.object("a value", func(name string, offset int) error {
			if _, dup := m[name]; dup {
				return s.errorf(offset, "property %q appears twice in one object", name)
			}
			v, err := s.value()
			m[name] = v
			return err
		})
		hint.object = len(m)
		return m, err
	case c == '[':
		hint := s.hint()
		list := make([]any, 0, hint.list)
		err := s.array("a value", func(int) error {
			v, err := s.value()
			list = append(list, v)
			return err
		})
		hint.list = len(list)
		return list, err
	case c == '"':
		return s.stringValue()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	}
	return nil, s.unexpected("where a value should be")
}

// hint returns the size hints of the current depth (a shared slot beyond the tracked depths).
func (s *jsonScanner) hint() *struct{ object, list int } {
	return &s.sizeHints[min(s.depth, len(s.sizeHints)-1)]
}

// stringValue parses a string value, boxed, through the cache of short strings.
func (s *jsonScanner) stringValue() (any, error) {
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

func (s *jsonScanner) literal(word string) error {
	if len(s.data)-s.pos >= len(word) && string(s.data[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return nil
	}
	return s.unexpected("where a value should be")
}

// str parses a string value.
func (s *jsonScanner) str(context string) (string, error) {
	if s.peek() != '"' {
		return "", s.unexpected("where " + context + " (a string) should be")
	}
	b, err := s.stringBytes()
	return string(b), err
}

// name parses an object member name, interned: the same few names repeat in every object.
func (s *jsonScanner) name() (string, error) {
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
// the string has no escapes, so callers copy it (string conversion) before keeping it.
func (s *jsonScanner) stringBytes() ([]byte, error) {
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
	return nil, s.errorf(s.pos, "string is not terminated")
}

// slowString decodes a string with escapes or invalid UTF-8 the way encoding/json does:
// invalid bytes and lone surrogates become U+FFFD.
func (s *jsonScanner) slowString(start int) ([]byte, error) {
	out := make([]byte, 0, 64)
	i := start
	for i < len(s.data) {
		c := s.data[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return out, nil
		case c < 0x20:
			return nil, s.errorf(i, "control character %s inside a string (write it as an escape)", describeByte(c))
		case c == '\\':
			if i+1 >= len(s.data) {
				return nil, s.errorf(s.pos, "string is not terminated")
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
					return nil, s.errorf(i, `invalid \u escape in a string`)
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
				return nil, s.errorf(i, "invalid escape %s in a string", strconv.Quote(string(s.data[i:i+2])))
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
	return nil, s.errorf(s.pos, "string is not terminated")
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

// number parses a number and returns it in model's canonical spelling.
func (s *jsonScanner) number() (json.Number, error) {
	start := s.pos
	end, integer, ok := scanNumber(s.data, start)
	if !ok {
		return "", s.errorf(start, "invalid number")
	}
	s.pos = end
	n, err := canonicalNumber(string(s.data[start:end]), integer)
	if err != nil {
		return "", s.errorf(start, "%v", err)
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
	return model.NormalizeNumber(json.Number(n))
}
