package state

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
)

// reuseGraph has more entries than one encoding chunk, and values whose text has line breaks
// only as escapes, nested objects and lists (empty ones included) and sensitive names.
func reuseGraph(n int) *model.Graph {
	g := sampleGraph()
	for i := range n {
		g.Entities = append(g.Entities, &model.Object{Kind: model.KindEntity, Address: fmt.Sprintf("entity.host.all[%d]", i),
			Props: model.Properties{
				"_key": fmt.Sprintf("host-%05d", i), "_type": "host", "_class": "Host",
				"note":   "two\nlines \"quoted\" and\ttab",
				"nested": map[string]any{"a": []any{}, "b": map[string]any{}, "c": []any{map[string]any{"d": "e\n"}}},
				"secret": "s",
			},
			Sensitive: map[string]bool{"secret": true}})
	}
	return g
}

// TestEncodeReusesPendingText writes a pending record, commits it and writes again, as apply
// does: the second write, which re-indents the first one's text, must be byte for byte what
// encoding the same objects afresh gives.
func TestEncodeReusesPendingText(t *testing.T) {
	for _, n := range []int{0, 1, chunkSize + 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f := sampleFile()
			f.PendingJob = nil
			next := reuseGraph(n)
			f.RecordPending("job-1", "DIFF", next, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			mustEncode(t, f)
			pendingText.mu.Lock()
			held := len(pendingText.lists)
			pendingText.mu.Unlock()
			if held != 2 {
				t.Fatalf("after writing the pending record the cache holds %d lists, want 2", held)
			}
			if _, err := f.ResolvePending(Job{ID: "job-1", SyncMode: "DIFF", Status: JobFinished, FinishedAt: "2026-01-02T03:05:00Z"}); err != nil {
				t.Fatal(err)
			}
			got := mustEncode(t, f)
			pendingText.mu.Lock()
			held = len(pendingText.lists)
			pendingText.mu.Unlock()
			if held != 0 {
				t.Errorf("after the commit's write the cache holds %d lists, want 0", held)
			}

			// The general path: the same content in fresh slices, which nothing can reuse.
			fresh := *f
			fresh.Entities = append([]Entry(nil), f.Entities...)
			fresh.Relationships = append([]Entry(nil), f.Relationships...)
			if want := mustEncode(t, &fresh); !bytes.Equal(got, want) {
				t.Errorf("reused text differs from a fresh encoding:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// writtenPending returns a state whose pending record (three entities and more) was just
// encoded, and the record's entity list, whose text the cache then holds.
func writtenPending(t *testing.T) (*File, []Entry) {
	t.Helper()
	f := sampleFile()
	f.PendingJob = nil
	f.RecordPending("job-1", "DIFF", reuseGraph(3), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	mustEncode(t, f)
	return f, f.PendingJob.Entities
}

// TestEncodeReuseNeedsTheSameList: a list equal in content but not the pending record's own
// slice, or the record's slice once shortened, is encoded afresh.
func TestEncodeReuseNeedsTheSameList(t *testing.T) {
	_, pending := writtenPending(t)
	if got := pendingText.take(append([]Entry(nil), pending...), 1); got != nil {
		t.Error("a copy of the pending list was given the pending list's text")
	}
	if got := pendingText.take(pending[:len(pending)-1], 1); got != nil {
		t.Error("a shortened pending list was given the whole list's text")
	}
	if got := pendingText.take(pending, 3); got != nil {
		t.Error("text was re-indented deeper than it was written")
	}
}

func TestOutdent(t *testing.T) {
	tests := []struct {
		text string
		n    int
		ok   bool
		want string
	}{
		{"", 2, true, ""},
		{"no break", 2, true, "no break"},
		{",\n    {\n      \"a\": 1\n    }", 2, true, ",\n  {\n    \"a\": 1\n  }"},
		{"\n  x\n  y", 2, true, "\nx\ny"},
		{"\n x", 2, false, ""},
		{"\n", 2, false, ""},
		{"\n    x", 0, true, "\n    x"},
	}
	for _, tt := range tests {
		if ok := indentedAtLeast([]byte(tt.text), tt.n); ok != tt.ok {
			t.Errorf("indentedAtLeast(%q, %d) = %v, want %v", tt.text, tt.n, ok, tt.ok)
			continue
		}
		if tt.ok {
			if got := string(outdent([]byte(tt.text), tt.n)); got != tt.want {
				t.Errorf("outdent(%q, %d) = %q, want %q", tt.text, tt.n, got, tt.want)
			}
		}
	}
}

// TestOutdentAll: every chunk is outdented as outdent does it alone, or, when one chunk has
// a line indented less than asked (here in the middle of many), the answer is false.
func TestOutdentAll(t *testing.T) {
	chunk := func(i, indent int) []byte {
		pad := bytes.Repeat([]byte{' '}, indent)
		return fmt.Appendf(nil, ",\n%s{\n%s  \"n\": %d\n%s}", pad, pad, i, pad)
	}
	for _, tt := range []struct {
		name  string
		short int // the chunk indented by 2 instead of 4, -1 for none
		n     int
		ok    bool
	}{
		{"all deep enough", -1, 4, true},
		{"nothing to remove", -1, 0, true},
		{"first short", 0, 4, false},
		{"middle short", 50, 4, false},
		{"last short", 99, 4, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			chunks := make([][]byte, 100)
			for i := range chunks {
				chunks[i] = chunk(i, 4)
				if i == tt.short {
					chunks[i] = chunk(i, 2)
				}
			}
			if ok := outdentAll(chunks, tt.n); ok != tt.ok {
				t.Fatalf("outdentAll = %v, want %v", ok, tt.ok)
			}
			if !tt.ok {
				return
			}
			for i, got := range chunks {
				if want := outdent(chunk(i, 4), tt.n); !bytes.Equal(got, want) {
					t.Errorf("chunk %d = %q, want %q", i, got, want)
				}
			}
		})
	}
}

// TestEncodeTrustsOnlyTheListItChecked: the commit's write skips the _key checks for the
// very list the pending record's write checked, and for nothing else: a copy, or a list
// that was never written, is checked (here, one with a _key twice is refused).
func TestEncodeTrustsOnlyTheListItChecked(t *testing.T) {
	f, pending := writtenPending(t)
	if !pendingText.holds(pending) {
		t.Fatal("the pending list's text is not held after its write")
	}
	if pendingText.holds(append([]Entry(nil), pending...)) || pendingText.holds(pending[:len(pending)-1]) {
		t.Error("a copy or a part of the pending list counts as checked")
	}

	twice := append([]Entry(nil), pending...)
	twice[1].Object = twice[0].Object
	bad := *f
	bad.PendingJob = nil
	bad.Entities = twice
	if _, err := bad.Encode(); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("Encode of a list with a _key twice = %v, want the duplicate refused", err)
	}
}
