package state

import (
	"bytes"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/j1hcl/j1hcl/internal/crash"
)

// reuseCache keeps the encoded text of the pending record's lists between two writes of one
// apply. Apply writes the state twice with the same objects: first as the pending record
// (RecordPending), then, once the job FINISHED, as the state's own lists (ResolvePending moves
// the very same slices there). Only the indentation differs, one level less the second time,
// so the second Encode re-indents the first one's text instead of encoding every object again.
// Lists are recognised by identity (their first element and length): a File's lists are
// replaced, never modified in place, so text still belongs to a list that is still there. The
// cache refers to lists weakly and forgets a list's text once the list is collected.
type reuseCache struct {
	mu    sync.Mutex
	lists []encodedList
}

// pendingText is the cache of every Encode. One is enough: a process writes the pending
// records of one apply at a time, and an Encode that finds nothing to reuse encodes.
var pendingText reuseCache

// encodedList is the text of one list of entries, in chunks of chunkSize entries as
// encoder.entries cuts them, indented for a list at depth.
type encodedList struct {
	first  weak.Pointer[Entry] // the list's first element: with n, which list this is
	n      int
	depth  int
	chunks [][]byte
}

// remember replaces what the cache holds by lists (nil: forget everything). Each list's text
// is dropped as soon as the list itself is collected.
func (c *reuseCache) remember(lists []encodedList) {
	c.mu.Lock()
	c.lists = lists
	c.mu.Unlock()
	for _, l := range lists {
		if first := l.first.Value(); first != nil {
			runtime.AddCleanup(first, c.forget, l.first)
		}
	}
}

// forget drops the text of the list whose first element was first.
func (c *reuseCache) forget(first weak.Pointer[Entry]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lists = slices.DeleteFunc(c.lists, func(l encodedList) bool { return l.first == first })
}

// holds reports whether the cache has text of list. Text is kept only for a list that
// encoded without error, and lists are never modified in place, so such a list has already
// passed canonicalEntries' checks.
func (c *reuseCache) holds(list []Entry) bool {
	if len(list) == 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.lists {
		if l.first.Value() == &list[0] && l.n == len(list) {
			return true
		}
	}
	return false
}

// take returns the chunks of list indented for a list at depth, and forgets them; nil when
// the cache does not hold list, or holds it at a depth it cannot be re-indented from.
func (c *reuseCache) take(list []Entry, depth int) [][]byte {
	if len(list) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, l := range c.lists {
		if l.first.Value() != &list[0] || l.n != len(list) {
			continue
		}
		c.lists = append(c.lists[:i:i], c.lists[i+1:]...)
		if l.depth < depth || !outdentAll(l.chunks, 2*(l.depth-depth)) {
			return nil
		}
		return l.chunks
	}
	return nil
}

// outdentAll removes n spaces after every line break of every chunk, in place, on as many
// goroutines as there are processors (a million objects are some 400 MB of text). It
// reports false, leaving the chunks unusable, when a line of some chunk has fewer than n
// spaces of indentation.
func outdentAll(chunks [][]byte, n int) bool {
	if n == 0 {
		return true
	}
	var short atomic.Bool
	crash.Each(len(chunks), func() func(int) {
		return func(i int) {
			switch {
			case short.Load():
			case !indentedAtLeast(chunks[i], n):
				short.Store(true)
			default:
				chunks[i] = outdent(chunks[i], n)
			}
		}
	})
	return !short.Load()
}

// indentedAtLeast reports whether every line break of text is followed by at least n spaces.
// Encoded JSON has no raw line break inside a string, so every one of them starts a line of
// the layout.
func indentedAtLeast(text []byte, n int) bool {
	for i := bytes.IndexByte(text, '\n'); i >= 0; {
		line := text[i+1:]
		if len(line) < n || !allSpaces(line[:n]) {
			return false
		}
		j := bytes.IndexByte(line, '\n')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
}

func allSpaces(b []byte) bool {
	for _, c := range b {
		if c != ' ' {
			return false
		}
	}
	return true
}

// outdent removes n spaces after every line break of text, in place, and returns the
// shortened text. The caller has checked indentedAtLeast.
func outdent(text []byte, n int) []byte {
	if n == 0 {
		return text
	}
	w := 0
	for r := 0; r < len(text); {
		j := bytes.IndexByte(text[r:], '\n')
		if j < 0 {
			w += copy(text[w:], text[r:])
			break
		}
		w += copy(text[w:], text[r:r+j+1])
		r += j + 1 + n
	}
	return text[:w]
}
