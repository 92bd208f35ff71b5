package state

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"weak"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
)

// Encode returns the file as it is stored: JSON indented by two spaces, members in the order of
// File's fields, both lists sorted by _key (then address), each object's properties in model's
// canonical order, no HTML escaping, and a final newline. The same File always yields the same
// bytes, so a state kept in git diffs cleanly. Encode always writes the current FormatVersion.
//
// Encode refuses a File that Decode would refuse (no lineage, an invalid target, an object
// without _key, a _key twice in one list), so that a written state can always be read back.
// It does not modify f: unsorted lists are sorted in a copy.
func (f *File) Encode() ([]byte, error) {
	parts, err := f.EncodeParts()
	if err != nil {
		return nil, err
	}
	return parts.Join(), nil
}

// Parts are an encoded state in consecutive pieces, in order. A large state is written from
// its parts without first being copied into one buffer (see backend.PutParts).
type Parts [][]byte

// Len is the length of the whole document.
func (p Parts) Len() int {
	n := 0
	for _, b := range p {
		n += len(b)
	}
	return n
}

// WriteTo writes the parts one after the other, as io.WriterTo does.
func (p Parts) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, b := range p {
		m, err := w.Write(b)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Join returns the whole document in one buffer.
func (p Parts) Join() []byte {
	out := make([]byte, 0, p.Len())
	for _, b := range p {
		out = append(out, b...)
	}
	return out
}

// EncodeParts returns Encode's bytes in consecutive parts, so that a large state can be
// stored without first joining it into one buffer.
func (f *File) EncodeParts() (Parts, error) {
	if f.Lineage == "" {
		return nil, fmt.Errorf("encode state: the state has no lineage")
	}
	if err := f.Target.Validate(); err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	entities, err := checkedEntries(f.Entities, "entities")
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	relationships, err := checkedEntries(f.Relationships, "relationships")
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	var pending *PendingJob
	if f.PendingJob != nil {
		p := *f.PendingJob
		if p.ID == "" {
			return nil, fmt.Errorf("encode state: the pending job has no id")
		}
		if err := checkTimestamp("pending_job.recorded_at", p.RecordedAt); err != nil {
			return nil, fmt.Errorf("encode state: %w", err)
		}
		if p.Entities, err = canonicalEntries(p.Entities, "pending_job.entities", false); err != nil {
			return nil, fmt.Errorf("encode state: %w", err)
		}
		if p.Relationships, err = canonicalEntries(p.Relationships, "pending_job.relationships", false); err != nil {
			return nil, fmt.Errorf("encode state: %w", err)
		}
		pending = &p
	}
	if j := f.LastJob; j != nil {
		if j.ID == "" {
			return nil, fmt.Errorf("encode state: the last job has no id")
		}
		if err := checkTimestamp("last_job.finished_at", j.FinishedAt); err != nil {
			return nil, fmt.Errorf("encode state: %w", err)
		}
	}

	e := &encoder{reuse: &pendingText}
	top := e.object(0)
	top.key("format_version")
	e.buf = strconv.AppendInt(e.buf, FormatVersion, 10)
	top.key("tool_version")
	e.string(f.ToolVersion)
	top.key("lineage")
	e.string(f.Lineage)
	top.key("serial")
	e.buf = strconv.AppendUint(e.buf, f.Serial, 10)
	top.key("target")
	t := e.object(1)
	t.stringMember("source", f.Target.Source, false)
	t.stringMember("integration_instance_id", f.Target.IntegrationInstanceID, true)
	t.stringMember("scope", f.Target.Scope, true)
	t.close()
	if j := f.LastJob; j != nil {
		top.key("last_job")
		o := e.object(1)
		o.stringMember("id", j.ID, false)
		o.stringMember("sync_mode", j.SyncMode, false)
		o.stringMember("status", j.Status, false)
		o.stringMember("finished_at", j.FinishedAt, true)
		o.close()
	}
	if p := pending; p != nil {
		top.key("pending_job")
		o := e.object(1)
		o.stringMember("id", p.ID, false)
		o.stringMember("sync_mode", p.SyncMode, false)
		o.stringMember("recorded_at", p.RecordedAt, false)
		o.key("entities")
		e.entries(p.Entities, 2, true)
		o.key("relationships")
		e.entries(p.Relationships, 2, true)
		o.close()
	}
	top.key("entities")
	e.entries(entities, 1, false)
	top.key("relationships")
	e.entries(relationships, 1, false)
	top.close()
	e.buf = append(e.buf, '\n')
	return e.finish(), nil
}

// checkedEntries is canonicalEntries for a list of the state's own, which an apply encodes
// twice: the text kept from the first encode (the pending record's) says the list passed then.
func checkedEntries(list []Entry, what string) ([]Entry, error) {
	if pendingText.holds(list) {
		return list, nil
	}
	return canonicalEntries(list, what, false)
}

// canonicalEntries checks that every entry has a _key and that no _key repeats, and returns the
// list sorted by _key then address. The list is sorted in place when inPlace is set, otherwise
// in a copy (only when it is not sorted already, which is the common case).
func canonicalEntries(list []Entry, what string, inPlace bool) ([]Entry, error) {
	if list == nil {
		return []Entry{}, nil
	}
	missing, sorted, twice := keyOrder(list)
	if missing >= 0 {
		return nil, fmt.Errorf("%s[%d] (address %q): the object has no _key", what, missing, list[missing].Address)
	}
	if sorted {
		if twice >= 0 {
			return nil, twiceError(what, list, twice)
		}
		return list, nil
	}
	if !inPlace {
		list = slices.Clone(list)
	}
	sortByKey(list)
	for i := 1; i < len(list); i++ {
		if list[i].Key() == list[i-1].Key() {
			return nil, twiceError(what, list, i)
		}
	}
	return list, nil
}

// twiceError reports that entries i-1 and i of a sorted list have the same _key.
func twiceError(what string, list []Entry, i int) error {
	return fmt.Errorf("%s: _key %q appears twice (addresses %q and %q); a _key identifies one object",
		what, list[i].Key(), list[i-1].Address, list[i].Address)
}

// sortEntries orders entries by _key then address. Lists nearly always arrive sorted (graphs
// in SortByKey order, states as read), which one pass confirms; otherwise keys are extracted
// once, as comparing through the maps would cost two lookups per comparison.
func sortEntries(list []Entry) {
	if !sortedEntries(list) {
		sortByKey(list)
	}
}

// sortByKey sorts entries by _key then address, reading each _key once.
func sortByKey(list []Entry) {
	type keyed struct {
		key   string
		entry Entry
	}
	ks := make([]keyed, len(list))
	for i, e := range list {
		ks[i] = keyed{e.Key(), e}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.entry.Address, b.entry.Address))
	})
	for i := range ks {
		list[i] = ks[i].entry
	}
}

// sortedEntries reports whether list is sorted by _key then address.
func sortedEntries(list []Entry) bool {
	_, sorted, _ := keyOrder(list)
	return sorted
}

// keyOrder reads each entry's _key once (an entry's _key is a lookup in its own map, and in a
// list of millions each lookup is a cache miss) and reports the first entry without one (-1:
// none), whether the list is sorted by _key then address and, while it is, the first entry
// whose _key repeats the one before (-1: none).
func keyOrder(list []Entry) (missing int, sorted bool, twice int) {
	missing, sorted, twice = -1, true, -1
	prev := ""
	for i, e := range list {
		k, ok := e.Object[model.PropKey].(string)
		if (!ok || k == "") && missing < 0 {
			missing = i
		}
		if i > 0 && sorted {
			switch c := cmp.Compare(prev, k); {
			case c > 0 || c == 0 && list[i-1].Address > e.Address:
				sorted = false
			case c == 0 && twice < 0:
				twice = i
			}
		}
		prev = k
	}
	return missing, sorted, twice
}

// encoder produces the indented JSON of a state file as a sequence of segments: literal text
// written in order, and chunks of entries, which are encoded in parallel by finish. Entries are
// nearly all of a large state, and each is independent of the others.
type encoder struct {
	buf      []byte // the literal text since the last segment
	segments []segment
	// reuse, when set, offers the text of lists encoded before and keeps that of the lists
	// marked to remember (see reuseCache).
	reuse *reuseCache
	// remember are the lists whose text finish hands to reuse.
	remember []rememberedList
}

// rememberedList is a list of entries whose chunks are segments[from:to].
type rememberedList struct {
	list     []Entry
	depth    int
	from, to int
}

// segment is a piece of the output: literal text, or a chunk of a list of entries.
type segment struct {
	text    []byte
	entries []Entry // when set, text is produced from these by finish
	first   bool    // the chunk starts its list, so no comma precedes it
	depth   int     // the depth of the list's opening bracket
}

// chunkSize is how many entries one parallel task encodes: large enough that scheduling is
// negligible, small enough that the workers finish together.
const chunkSize = 2048

// spaces is sliced for indentation; deeper levels append it repeatedly.
const spaces = "                                                                "

func (e *encoder) indent(depth int) { e.buf = appendSpaces(e.buf, depth) }

// appendSpaces appends the indentation of depth levels.
func appendSpaces(dst []byte, depth int) []byte {
	n := 2 * depth
	for n > len(spaces) {
		dst = append(dst, spaces...)
		n -= len(spaces)
	}
	return append(dst, spaces[:n]...)
}

func (e *encoder) string(s string) { e.buf = model.AppendValueJSON(e.buf, s) }

// objectWriter writes one JSON object's members, each on its own line.
type objectWriter struct {
	e       *encoder
	depth   int
	members int
}

func (e *encoder) object(depth int) *objectWriter {
	e.buf = append(e.buf, '{')
	return &objectWriter{e: e, depth: depth}
}

// key starts a member; the caller appends its value.
func (o *objectWriter) key(name string) {
	if o.members > 0 {
		o.e.buf = append(o.e.buf, ',')
	}
	o.e.buf = append(o.e.buf, '\n')
	o.e.indent(o.depth + 1)
	o.e.string(name)
	o.e.buf = append(o.e.buf, ':', ' ')
	o.members++
}

func (o *objectWriter) stringMember(name, value string, omitEmpty bool) {
	if omitEmpty && value == "" {
		return
	}
	o.key(name)
	o.e.string(value)
}

func (o *objectWriter) close() {
	if o.members > 0 {
		o.e.buf = append(o.e.buf, '\n')
		o.e.indent(o.depth)
	}
	o.e.buf = append(o.e.buf, '}')
}

// entries writes a list of entries whose opening bracket sits at the given depth. The entries
// themselves become chunk segments, or the text of an earlier Encode of the same list when
// e.reuse holds it. remember marks the list for e.reuse to keep.
func (e *encoder) entries(list []Entry, depth int, remember bool) {
	if len(list) == 0 {
		e.buf = append(e.buf, '[', ']')
		return
	}
	e.buf = append(e.buf, '[')
	e.segments = append(e.segments, segment{text: e.buf})
	e.buf = nil
	var reused [][]byte
	if e.reuse != nil {
		reused = e.reuse.take(list, depth)
	}
	if reused != nil {
		for _, text := range reused {
			e.segments = append(e.segments, segment{text: text})
		}
	} else {
		from := len(e.segments)
		for i := 0; i < len(list); i += chunkSize {
			e.segments = append(e.segments, segment{entries: list[i:min(i+chunkSize, len(list))], first: i == 0, depth: depth})
		}
		if remember && e.reuse != nil {
			e.remember = append(e.remember, rememberedList{list: list, depth: depth, from: from, to: len(e.segments)})
		}
	}
	e.buf = append(e.buf, '\n')
	e.indent(depth)
	e.buf = append(e.buf, ']')
}

// finish encodes the chunks, on as many goroutines as there are processors, and returns every
// segment's text in order.
func (e *encoder) finish() [][]byte {
	e.segments = append(e.segments, segment{text: e.buf})
	e.buf = nil
	var chunks []*segment
	for i := range e.segments {
		if e.segments[i].entries != nil {
			chunks = append(chunks, &e.segments[i])
		}
	}
	crash.Each(len(chunks), func() func(int) {
		var compact []byte // one object's canonical compact JSON, reused
		perEntry := 512    // bytes per entry, learned from the previous chunk
		return func(i int) {
			compact = chunks[i].encode(compact, perEntry)
			perEntry = len(chunks[i].text)/len(chunks[i].entries) + 64
		}
	})
	if e.reuse != nil {
		// Keep what the next Encode may reuse, and nothing else: text not reused by the
		// Encode after the one that produced it is not reused later either.
		var lists []encodedList
		for _, r := range e.remember {
			chunks := make([][]byte, 0, r.to-r.from)
			for _, s := range e.segments[r.from:r.to] {
				chunks = append(chunks, s.text)
			}
			lists = append(lists, encodedList{first: weak.Make(&r.list[0]), n: len(r.list), depth: r.depth, chunks: chunks})
		}
		e.reuse.remember(lists)
	}
	parts := make([][]byte, len(e.segments))
	for i, s := range e.segments {
		parts[i] = s.text
	}
	return parts
}

// encode sets the chunk's text, sized for perEntry bytes per entry, using compact as scratch
// space, and returns the scratch.
func (s *segment) encode(compact []byte, perEntry int) []byte {
	out := make([]byte, 0, len(s.entries)*perEntry)
	for i, en := range s.entries {
		if i > 0 || !s.first {
			out = append(out, ',')
		}
		out = append(out, '\n')
		out = appendSpaces(out, s.depth+1)
		out = append(out, "{\n"...)
		out = appendSpaces(out, s.depth+2)
		out = append(out, `"address": `...)
		out = model.AppendValueJSON(out, en.Address)
		out = append(out, ",\n"...)
		out = appendSpaces(out, s.depth+2)
		out = append(out, `"object": `...)
		compact = model.AppendObjectJSON(compact[:0], en.Object)
		out = appendIndented(out, compact, s.depth+2)
		if len(en.Sensitive) > 0 {
			out = append(out, ",\n"...)
			out = appendSpaces(out, s.depth+2)
			out = append(out, `"sensitive": [`...)
			for j, name := range en.Sensitive {
				if j > 0 {
					out = append(out, ", "...)
				}
				out = model.AppendValueJSON(out, name)
			}
			out = append(out, ']')
		}
		out = append(out, '\n')
		out = appendSpaces(out, s.depth+1)
		out = append(out, '}')
	}
	s.text = out
	return compact
}

// appendIndented appends src, canonical compact JSON (no whitespace outside strings), indented
// as json.Indent(dst, src, prefix, "  ") would with a prefix of depth levels: every member and
// element on its own line, empty objects and lists kept as {} and []. Knowing the input is
// canonical makes this a single pass without json.Indent's validation.
func appendIndented(dst, src []byte, depth int) []byte {
	newline := func(level int) {
		dst = append(dst, '\n')
		dst = appendSpaces(dst, level)
	}
	level := depth
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			// Copy the whole string, escapes included, in one append.
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j, len(src)-1)
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, c, src[i+1])
				i++
				continue
			}
			dst = append(dst, c)
			level++
			newline(level)
		case '}', ']':
			level--
			newline(level)
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline(level)
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
