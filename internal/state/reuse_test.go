package state

import (
	"bytes"
	"fmt"
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

// TestEncodeReuseNeedsTheSameList: a list equal in content but not the pending record's own
// slice, or the record's slice once shortened, is encoded afresh.
func TestEncodeReuseNeedsTheSameList(t *testing.T) {
	f := sampleFile()
	f.PendingJob = nil
	f.RecordPending("job-1", "DIFF", reuseGraph(3), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	mustEncode(t, f)
	pending := f.PendingJob.Entities
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
