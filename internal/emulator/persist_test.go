package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

func TestPersistenceRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "graph.json")
	h := newHarness(t, Config{DataFile: path})
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the data file exists before any finalize: %v", err)
	}
	h.sync("aws", "DIFF", []map[string]any{entity("role", "_type", "aws_iam_role")}, nil)
	h.sync("inst", "DIFF",
		[]map[string]any{entity("a", "n", 1.25, "tags", []any{"x"}), entity("b"), entity("c", "note", nil)},
		[]map[string]any{
			rel("a-b", "a", "b"), rel("b-role", "b", "role"),
			mappedRel("a|uses|role", "a", map[string]any{"_type": "aws_iam_role", "_key": "role"}, [][]string{{"_type", "_key"}}, true),
			mappedRel("a|is|p", "a", map[string]any{"_type": "person", "_key": "p"}, [][]string{{"_type", "_key"}}, false),
			mappedRel("a|uses|later", "a", map[string]any{"_type": "bucket", "_key": "bk"}, [][]string{{"_type", "_key"}}, true),
		})
	j := h.startJob(map[string]any{"source": "api", "scope": "sc", "syncMode": "DIFF"})
	h.must(h.upload(j.ID, []map[string]any{entity("s1")}, nil))
	h.finalize(j.ID, nil)
	before := h.s.Graph(Filter{})

	reloaded := newHarness(t, Config{DataFile: path})
	if after := reloaded.s.Graph(Filter{}); !reflect.DeepEqual(before, after) {
		t.Fatalf("graph after reload differs:\nbefore %v\nafter  %v", before, after)
	}
	// The indexes are rebuilt too: a no-change DIFF changes nothing, the waiting mapped
	// relationship links, and a deletion cascades across instances.
	same := reloaded.sync("inst", "DIFF",
		[]map[string]any{entity("a", "n", 1.25, "tags", []any{"x"}), entity("b"), entity("c", "note", nil)},
		[]map[string]any{
			rel("a-b", "a", "b"), rel("b-role", "b", "role"),
			mappedRel("a|uses|role", "a", map[string]any{"_type": "aws_iam_role", "_key": "role"}, [][]string{{"_type", "_key"}}, true),
			mappedRel("a|is|p", "a", map[string]any{"_type": "person", "_key": "p"}, [][]string{{"_type", "_key"}}, false),
			mappedRel("a|uses|later", "a", map[string]any{"_type": "bucket", "_key": "bk"}, [][]string{{"_type", "_key"}}, true),
		})
	c := same.Counters
	if c.NumEntitiesCreated+c.NumEntitiesUpdated+c.NumEntitiesDeleted+c.NumRelationshipsCreated+c.NumRelationshipsUpdated+c.NumRelationshipsDeleted+c.NumMappedRelationshipsCreated+c.NumMappedRelationshipsUpdated+c.NumMappedRelationshipsDeleted != 0 {
		t.Errorf("no-change DIFF after reload: %+v", c)
	}
	reloaded.sync("aws", "DIFF", []map[string]any{entity("bk", "_type", "bucket")}, nil)
	_, rels := reloaded.graph("?instance=inst")
	got := byKey(rels)
	if _, ok := got["b-role"]; ok {
		t.Error("the cascade missed a relationship after reload")
	}
	if got["a|uses|later"]["_toEntityId"] == nil {
		t.Error("the waiting mapped relationship did not link after reload")
	}

	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestPersistenceRejectsBadFiles(t *testing.T) {
	valid := func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "graph.json")
		h := newHarness(t, Config{DataFile: path})
		h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b")}, []map[string]any{rel("a-b", "a", "b")})
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	good := valid(t)
	tests := []struct {
		name, content, want string
	}{
		{"not JSON", "{not json", "corrupt or truncated"},
		{"truncated", good[:len(good)/2], "corrupt or truncated"},
		{"empty", "", "corrupt or truncated"},
		{"another format", `{"format":"terraform","version":1}`, `format "terraform"`},
		{"newer version", strings.Replace(good, `"version":1`, `"version":2`, 1), "version 2"},
		{"dangling endpoint", strings.Replace(good, `"from":"`, `"from":"x`, 1), "does not hold"},
		{"unknown owner", strings.Replace(good, `"owner":"instance"`, `"owner":"nobody"`, 1), "unknown owner"},
		{"a list at the top", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), `at byte 1, expected "{", found "["`},
		{"too deep for JSON", strings.Replace(good, `"name":"a"`, `"name":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000), 1), "nested more than 10000 levels deep"},
		{"too deep to store", strings.Replace(good, `"name":"a"`, `"name":`+strings.Repeat("[", 100)+strings.Repeat("]", 100), 1), "entities[0]: its object nests values more than 64 levels deep"},
		{"wrong list", strings.Replace(good, `"entities":[`, `"entities":{"x":[`, 1), `expected "[", found "{"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "graph.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := New(Config{DataFile: path})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "load data file") ||
				!strings.Contains(err.Error(), path) || !strings.HasSuffix(err.Error(), "to start with an empty graph.") {
				t.Errorf("New: %v, want an error naming the file, containing %q and saying what to do", err, tt.want)
			}
		})
	}
}

func TestFailedWriteRollsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "graph.json")
	h := newHarness(t, Config{DataFile: path})
	h.sync("other", "DIFF", []map[string]any{entity("o")}, nil)
	h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b", "v", 1)},
		[]map[string]any{rel("a-b", "a", "b"), rel("o-a", "a", "o"),
			mappedRel("a|is|p", "a", map[string]any{"_type": "person", "_key": "p"}, [][]string{{"_type", "_key"}}, false)})
	before := h.s.Graph(Filter{})
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	write := h.s.persist
	h.s.persist = func(*graph) error { return errors.New("disk full") }
	j := h.startInstance("inst", "DIFF")
	h.must(h.upload(j.ID, []map[string]any{entity("b", "v", 2), entity("c")},
		[]map[string]any{mappedRel("c|is|q", "c", map[string]any{"_type": "person", "_key": "q"}, [][]string{{"_type", "_key"}}, false)}))
	failed := h.finalize(j.ID, nil)
	if failed.Status != StatusErrorUnexpected || !failed.Done || failed.NumEntitiesCreated != 0 {
		t.Errorf("failed finalize: %+v", failed)
	}
	if after := h.s.Graph(Filter{}); !reflect.DeepEqual(before, after) {
		t.Errorf("memory not rolled back:\nbefore %v\nafter  %v", before, after)
	}
	if now, _ := os.ReadFile(path); string(now) != string(onDisk) {
		t.Error("the data file changed")
	}

	h.s.persist = write
	done := h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b", "v", 1)},
		[]map[string]any{rel("a-b", "a", "b"), rel("o-a", "a", "o"),
			mappedRel("a|is|p", "a", map[string]any{"_type": "person", "_key": "p"}, [][]string{{"_type", "_key"}}, false)})
	if c := done.Counters; c.NumEntitiesCreated+c.NumEntitiesUpdated+c.NumEntitiesDeleted+c.NumRelationshipsCreated+c.NumMappedRelationshipsCreated != 0 {
		t.Errorf("after the rollback the graph is not the old one: %+v", c)
	}
}

// TestDataFileIsNeverTorn reads the data file while finalizes replace it: every read must
// find a whole file, the old one or the new one.
func TestDataFileIsNeverTorn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "graph.json")
	h := newHarness(t, Config{DataFile: path})
	h.sync("inst", "DIFF", []map[string]any{entity("seed")}, nil)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads int
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := loadGraph(path); err != nil {
				readErr = err
				return
			}
			reads++
		}
	}()
	for round := range 20 {
		var ents []map[string]any
		for i := range 200 + round*10 {
			ents = append(ents, entity(fmt.Sprintf("r%d-e%d", round, i), "round", round))
		}
		h.sync("inst", "DIFF", ents, nil)
	}
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Fatalf("a reader saw a torn file: %v", readErr)
	}
	if reads == 0 {
		t.Fatal("the reader never read")
	}
}

// TestAppendStoredMatchesStoredRecord checks the hand-written encoding against the struct
// the loader decodes: every field, present and omitted, reads back as json.Marshal writes it.
func TestAppendStoredMatchesStoredRecord(t *testing.T) {
	from := &record{id: "id-from"}
	to := &record{id: "id-to"}
	instance := &target{id: targetID{kind: targetInstance, name: `inst "<a&b>"`}}
	mapper := &target{id: mapperTargetID}
	props := model.Properties{"_key": "k", "_type": "t", "n": json.Number("1.5"), "tags": []any{"x"}}
	for _, r := range []*record{
		{id: "e1", target: instance, props: props, source: "integration-external", created: 1, begin: 2, version: 3},
		{id: "r1", target: instance, props: props, source: "api", created: 4, begin: 5, version: 6, from: from, to: to},
		{id: "p1", target: mapper, props: props, source: sourceMapper, created: 7, begin: 7, version: 1, placeholder: true},
		{id: "m1", target: instance, props: props, source: "integration-managed", created: 8, begin: 9, version: 10, from: from},
	} {
		want := storedRecord{
			ID: r.id, Owner: ownerNames[r.target.id.kind], OwnerName: r.target.id.name, Source: r.source,
			Created: r.created, Begin: r.begin, Version: r.version, Placeholder: r.placeholder, Object: r.props,
		}
		if r.from != nil {
			want.From = r.from.id
		}
		if r.to != nil {
			want.To = r.to.id
		}
		wantJSON, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		got := appendStored(nil, r)
		var gotDoc, wantDoc any
		if err := json.Unmarshal(got, &gotDoc); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", r.id, err, got)
		}
		if err := json.Unmarshal(wantJSON, &wantDoc); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotDoc, wantDoc) {
			t.Errorf("%s:\ngot  %s\nwant %s", r.id, got, wantJSON)
		}
	}
}
