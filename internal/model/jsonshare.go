package model

import (
	"encoding/json"
	"sort"
)

// Sharing lists, by _key, objects whose properties a decoder may hand out instead of building
// its own copy: a plan decodes the state to compare it with the configuration's graph, and a
// recorded object that did not change decodes to exactly the properties the configuration
// already holds. Sharing them skips the allocation of a million maps, and model.Equal then
// sees the same map twice. The objects' properties must not be modified while shared (no
// one modifies a graph's properties once it is built).
type Sharing struct {
	keys []string // sorted
	objs []*Object
}

// NewSharing returns the sharing of objs (in any order). Of two objects with one _key, the
// first in SortObjects' order is offered: sharing only ever hands out properties equal to
// what was decoded, so which one is offered changes nothing but what can be shared.
func NewSharing(objs []*Object) *Sharing {
	ks := keyedObjects(objs)
	// A configuration's objects come in long runs in _key order (a block's instances).
	SortRuns(ks, compareKeyed)
	sh := &Sharing{keys: make([]string, 0, len(ks)), objs: make([]*Object, 0, len(ks))}
	for i, k := range ks {
		if i > 0 && k.key == ks[i-1].key {
			continue
		}
		sh.keys = append(sh.keys, k.key)
		sh.objs = append(sh.objs, k.obj)
	}
	return sh
}

// find returns the object of key, or nil. cur is the caller's position: a decoder reading
// objects in _key order (a state file's order) finds each one at or just after the previous
// one, and a key out of order is found by binary search.
func (sh *Sharing) find(key string, cur *int) *Object {
	j := *cur
	if j > len(sh.keys) || (j > 0 && sh.keys[j-1] >= key) {
		j = sort.SearchStrings(sh.keys, key)
	} else {
		j = SeekKey(sh.keys, j, key)
	}
	*cur = j
	if j < len(sh.keys) && sh.keys[j] == key {
		*cur = j + 1
		return sh.objs[j]
	}
	return nil
}

// SeekKey returns the first position from j on whose key is not below key, in sorted keys:
// galloping, so that a walk through keys in order costs what the gaps between its steps do,
// not the length of keys.
func SeekKey(keys []string, j int, key string) int {
	if j >= len(keys) || keys[j] >= key {
		return j
	}
	step := 1
	for j+step < len(keys) && keys[j+step] < key {
		j += step
		step *= 2
	}
	hi := min(j+step, len(keys)-1) + 1
	return j + 1 + sort.SearchStrings(keys[j+1:hi], key)
}

// ValueShared parses a value as Value does, except that an object whose first member is a
// string _key that sh lists, and whose text decodes to exactly that object's properties, is
// returned as those very properties, with the object they belong to. Nothing is allocated
// then. Anything else, a difference, an error or text this check does not follow, is parsed
// by Value, which reports what is wrong with it. cur is the caller's position in sh (see
// find), kept from one call to the next; sh may be nil.
func (s *JSONScanner) ValueShared(sh *Sharing, cur *int) (v any, shared *Object, err error) {
	if sh != nil && s.Peek() == '{' {
		start := s.pos
		if o := s.sharedCandidate(sh, cur); o != nil {
			s.pos = start
			if s.matches(map[string]any(o.Props)) {
				return o.Props, o, nil
			}
		}
		s.pos = start
	}
	v, err = s.Value()
	return v, nil, err
}

// sharedCandidate reads, from the '{' of an object, its first member; when that is a string
// _key, it returns the object sh lists for the key.
func (s *JSONScanner) sharedCandidate(sh *Sharing, cur *int) *Object {
	s.pos++
	if s.Peek() != '"' {
		return nil
	}
	name, err := s.stringBytes()
	if err != nil || string(name) != PropKey || s.Peek() != ':' {
		return nil
	}
	s.pos++
	if s.Peek() != '"' {
		return nil
	}
	key, err := s.stringBytes()
	if err != nil {
		return nil
	}
	return sh.find(string(key), cur)
}

// maxSharedMembers bounds the members of an object matches follows (it remembers where their
// names are, to refuse one given twice as Value does); a bigger object is parsed by Value.
const maxSharedMembers = 32

// matches reports whether the value at the scanner decodes to exactly like: what Value would
// return is indistinguishable from like (same Go types; numbers spelled as Value spells
// them). It consumes the text it reads either way, and reports false for anything Value would
// refuse. Its recursion follows like, which is shallow, not the text.
func (s *JSONScanner) matches(like any) bool {
	switch c := s.Peek(); {
	case c == '{':
		m, ok := like.(map[string]any)
		return ok && m != nil && s.matchesObject(m)
	case c == '[':
		l, ok := like.([]any)
		if !ok || l == nil {
			return false
		}
		s.pos++
		if s.Peek() == ']' {
			s.pos++
			return len(l) == 0
		}
		for n := 0; ; {
			if n == len(l) || !s.matches(l[n]) {
				return false
			}
			n++
			switch s.Peek() {
			case ',':
				s.pos++
			case ']':
				s.pos++
				return n == len(l)
			default:
				return false
			}
		}
	case c == '"':
		str, ok := like.(string)
		if !ok {
			return false
		}
		b, err := s.stringBytes()
		return err == nil && string(b) == str
	case c == '-' || (c >= '0' && c <= '9'):
		n, ok := like.(json.Number)
		if !ok {
			return false
		}
		start := s.pos
		end, integer, ok := scanNumber(s.data, start)
		if !ok {
			return false
		}
		s.pos = end
		text := s.data[start:end]
		// Number's spelling: as written when verbatim, or for a short integer (what
		// canonicalNumber returns unchanged); otherwise canonicalNumber's.
		if s.verbatim || (integer && len(text) <= 18 && string(text) != "-0") {
			return string(text) == string(n)
		}
		canon, err := canonicalNumber(string(text), integer)
		return err == nil && canon == n
	case c == 't':
		b, ok := like.(bool)
		return ok && b && s.literal("true") == nil
	case c == 'f':
		b, ok := like.(bool)
		return ok && !b && s.literal("false") == nil
	case c == 'n':
		return like == nil && s.literal("null") == nil
	}
	return false
}

// matchesObject is matches for an object (s.pos at its '{'). Its member names must be
// written without escapes: duplicates are found by comparing the names' text.
func (s *JSONScanner) matchesObject(m map[string]any) bool {
	s.pos++
	if s.Peek() == '}' {
		s.pos++
		return len(m) == 0
	}
	var seen [maxSharedMembers]struct{ start, end int }
	for n := 0; ; {
		if n == len(seen) || n == len(m) || s.Peek() != '"' {
			return false
		}
		start := s.pos + 1
		name, err := s.stringBytes()
		// A name with an escape (or invalid UTF-8) was decoded elsewhere: its text is not it.
		if err != nil || s.pos-1-start != len(name) || (len(name) > 0 && &name[0] != &s.data[start]) {
			return false
		}
		want, ok := m[string(name)]
		if !ok {
			return false
		}
		for _, p := range seen[:n] {
			if string(s.data[p.start:p.end]) == string(name) {
				return false
			}
		}
		seen[n] = struct{ start, end int }{start, s.pos - 1}
		n++
		if s.Peek() != ':' {
			return false
		}
		s.pos++
		if !s.matches(want) {
			return false
		}
		switch s.Peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return n == len(m)
		default:
			return false
		}
	}
}
