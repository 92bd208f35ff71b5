package emulator

import (
	"sync"
	"testing"

	"github.com/google/uuid"
)

// TestIDsAreRandomUUIDs: ids are version 4 UUIDs in their canonical form, distinct, also when
// drawn concurrently (run with -race).
func TestIDsAreRandomUUIDs(t *testing.T) {
	src := newIDSource()
	const workers, each = 4, 25_000
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				ids[w] = append(ids[w], src.next())
			}
		})
	}
	wg.Wait()
	seen := make(map[string]bool, workers*each)
	for _, list := range ids {
		for _, id := range list {
			u, err := uuid.Parse(id)
			if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || u.String() != id {
				t.Fatalf("id %q is not a canonical version 4 UUID (%v)", id, err)
			}
			if seen[id] {
				t.Fatalf("id %q drawn twice", id)
			}
			seen[id] = true
		}
	}
	if other := newIDSource().next(); seen[other] {
		t.Errorf("a second source repeats the first (the same seed?): %q", other)
	}
}

// TestServerIDs: jobs and stored objects get such ids from a server's own source.
func TestServerIDs(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.sync("inst", "DIFF", []map[string]any{entity("a"), entity("b")}, []map[string]any{rel("a-b", "a", "b")})
	ents, rels := h.graph("")
	ids := []string{j.ID}
	for _, o := range append(ents, rels...) {
		ids = append(ids, o["_id"].(string))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if u, err := uuid.Parse(id); err != nil || u.Version() != 4 || u.String() != id || seen[id] {
			t.Errorf("id %q: not a new canonical version 4 UUID (%v)", id, err)
		}
		seen[id] = true
	}
}
