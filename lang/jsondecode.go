package lang

import (
	"encoding/json"
	"sync"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// cty's jsondecode reads a document twice (once for its type, once for its value) through
// encoding/json's token stream, which allocates for every token: 12 MB of JSON took 5 s.
// decodeJSON reads well-formed documents in one pass straight into the values cty would
// build (objects, tuples, numbers parsed by cty.ParseNumberVal, strings unquoted by
// encoding/json); a document it is not sure about (a syntax error, a duplicate key, an
// escape it leaves to encoding/json that fails) goes to cty's decoder, whose values and
// errors are the reference.

// jsonDecoderFunc is jsondecode: checkJSONData's bounds first, then decodeJSON, then cty's.
// A document decodeJSON reads and finds well within the bounds (shallow, with short numbers
// and small exponents) would pass check, so check runs only on the others.
func jsonDecoderFunc(inner function.Function, check func(src string) error) function.Function {
	var cache struct {
		sync.Mutex
		src string
		val cty.Value
	}
	decode := func(src string) (cty.Value, bool) {
		cache.Lock()
		if cache.val != cty.NilVal && len(cache.src) == len(src) && cache.src == src {
			v := cache.val
			cache.src, cache.val = "", cty.NilVal
			cache.Unlock()
			return v, true
		}
		cache.Unlock()
		v, ok, _ := decodeJSON(src)
		return v, ok
	}
	return function.New(&function.Spec{
		Description: inner.Description(),
		Params:      []function.Parameter{{Name: "str", Type: cty.String}},
		Type: func(args []cty.Value) (cty.Type, error) {
			if !args[0].IsKnown() {
				return inner.ReturnTypeForValues(args)
			}
			src := args[0].AsString()
			v, ok, bounded := decodeJSON(src)
			if !ok || !bounded {
				if err := check(src); err != nil {
					return cty.NilType, function.NewArgError(0, err)
				}
			}
			if !ok {
				return inner.ReturnTypeForValues(args)
			}
			// Keep the value for Impl, which cty calls next with the same string.
			cache.Lock()
			cache.src, cache.val = src, v
			cache.Unlock()
			return v.Type(), nil
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if v, ok := decode(args[0].AsString()); ok {
				return v, nil
			}
			return inner.Call(args)
		},
	})
}

// decodeJSON returns the value cty's jsondecode gives src, or false when src is anything
// but a plain well-formed document. bounded reports a document far within checkJSONData's
// bounds: nested less than half as deep, numbers of at most 64 characters and exponents of
// at most two digits.
func decodeJSON(src string) (v cty.Value, ok, bounded bool) {
	d := jsonDecoder{src: src, bounded: true}
	d.space()
	if v, ok = d.value(0); !ok {
		return cty.NilVal, false, false
	}
	d.space()
	if d.pos != len(src) {
		return cty.NilVal, false, false
	}
	return v, true, d.bounded
}

type jsonDecoder struct {
	src     string
	pos     int
	bounded bool
	// attrs and elems hold, for each depth, the attributes of the object and the elements of
	// the list being read there: cty.ObjectVal and cty.TupleVal copy what they are given, so
	// the objects and lists of one depth, a document's rows, reuse one map and one slice.
	attrs []map[string]cty.Value
	elems [][]cty.Value
}

func (d *jsonDecoder) space() {
	for d.pos < len(d.src) {
		switch d.src[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) literal(word string) bool {
	if len(d.src)-d.pos < len(word) || d.src[d.pos:d.pos+len(word)] != word {
		return false
	}
	d.pos += len(word)
	return true
}

func (d *jsonDecoder) value(depth int) (cty.Value, bool) {
	if d.pos >= len(d.src) || depth > MaxDecodeDepth {
		return cty.NilVal, false
	}
	if depth >= MaxDecodeDepth/2 {
		d.bounded = false
	}
	switch c := d.src[d.pos]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		s, _, ok := d.string()
		if !ok {
			return cty.NilVal, false
		}
		return cty.StringVal(s), true
	case c == 't':
		return cty.True, d.literal("true")
	case c == 'f':
		return cty.False, d.literal("false")
	case c == 'n':
		return cty.NullVal(cty.DynamicPseudoType), d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return cty.NilVal, false
}

func (d *jsonDecoder) object(depth int) (cty.Value, bool) {
	d.pos++ // {
	d.space()
	if d.pos < len(d.src) && d.src[d.pos] == '}' {
		d.pos++
		return cty.EmptyObjectVal, true
	}
	for len(d.attrs) <= depth {
		d.attrs = append(d.attrs, map[string]cty.Value{})
	}
	attrs := d.attrs[depth]
	clear(attrs)
	for {
		if d.pos >= len(d.src) || d.src[d.pos] != '"' {
			return cty.NilVal, false
		}
		k, ascii, ok := d.string()
		// cty normalizes attribute names, which could make two distinct non-ASCII
		// names one; cty's decoder settles that.
		if !ok || !ascii {
			return cty.NilVal, false
		}
		if _, dup := attrs[k]; dup {
			return cty.NilVal, false
		}
		d.space()
		if d.pos >= len(d.src) || d.src[d.pos] != ':' {
			return cty.NilVal, false
		}
		d.pos++
		d.space()
		v, ok := d.value(depth + 1)
		if !ok {
			return cty.NilVal, false
		}
		attrs[k] = v
		d.space()
		if d.pos >= len(d.src) {
			return cty.NilVal, false
		}
		switch d.src[d.pos] {
		case ',':
			d.pos++
			d.space()
		case '}':
			d.pos++
			return cty.ObjectVal(attrs), true
		default:
			return cty.NilVal, false
		}
	}
}

func (d *jsonDecoder) array(depth int) (cty.Value, bool) {
	d.pos++ // [
	d.space()
	if d.pos < len(d.src) && d.src[d.pos] == ']' {
		d.pos++
		return cty.EmptyTupleVal, true
	}
	for len(d.elems) <= depth {
		d.elems = append(d.elems, nil)
	}
	elems := d.elems[depth][:0]
	defer func() { d.elems[depth] = elems[:0] }()
	for {
		v, ok := d.value(depth + 1)
		if !ok {
			return cty.NilVal, false
		}
		elems = append(elems, v)
		d.space()
		if d.pos >= len(d.src) {
			return cty.NilVal, false
		}
		switch d.src[d.pos] {
		case ',':
			d.pos++
			d.space()
		case ']':
			d.pos++
			return cty.TupleVal(elems), true
		default:
			return cty.NilVal, false
		}
	}
}

// string reads a string token: plain ones directly, ones with escapes through
// encoding/json, whose unquoting cty's decoder uses. ascii reports a token of ASCII
// characters without escapes.
func (d *jsonDecoder) string() (s string, ascii, ok bool) {
	start := d.pos
	d.pos++ // "
	escaped := false
	ascii = true
	for d.pos < len(d.src) {
		c := d.src[d.pos]
		switch {
		case c == '"':
			d.pos++
			raw := d.src[start:d.pos]
			if !escaped && (ascii || utf8.ValidString(raw)) {
				return raw[1 : len(raw)-1], ascii, true
			}
			// Into a variable of its own: the result's address escaping would cost an
			// allocation on every call, the plain strings' too.
			var unquoted string
			if err := json.Unmarshal([]byte(raw), &unquoted); err != nil {
				return "", false, false
			}
			return unquoted, false, true
		case c == '\\':
			escaped, ascii = true, false
			d.pos += 2
			continue
		case c < 0x20:
			return "", false, false
		case c >= 0x80:
			ascii = false
		}
		d.pos++
	}
	return "", false, false
}

// number reads a number token of JSON's grammar and parses it as cty does.
func (d *jsonDecoder) number() (cty.Value, bool) {
	start := d.pos
	digits := func() int {
		n := 0
		for d.pos < len(d.src) && d.src[d.pos] >= '0' && d.src[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.src[d.pos] == '-' {
		d.pos++
	}
	if d.pos < len(d.src) && d.src[d.pos] == '0' {
		d.pos++
	} else if digits() == 0 {
		return cty.NilVal, false
	}
	if d.pos < len(d.src) && d.src[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return cty.NilVal, false
		}
	}
	if d.pos < len(d.src) && (d.src[d.pos] == 'e' || d.src[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.src) && (d.src[d.pos] == '+' || d.src[d.pos] == '-') {
			d.pos++
		}
		n := digits()
		if n == 0 {
			return cty.NilVal, false
		}
		if n > 2 {
			d.bounded = false
		}
	}
	if d.pos-start > 64 {
		d.bounded = false
	}
	v, err := cty.ParseNumberVal(d.src[start:d.pos])
	if err != nil {
		return cty.NilVal, false
	}
	return v, true
}
