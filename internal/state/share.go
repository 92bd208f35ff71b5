package state

import (
	"sync"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
)

// shared is what DecodeShared may hand out for recorded objects: the properties of a graph's
// entities and relationships, by _key.
type shared struct {
	ents, rels *model.Sharing
}

// shareWith returns the sharing of g's objects for DecodeShared; nil for no graph or an empty
// one.
func shareWith(g *model.Graph) *shared {
	if g == nil || g.Len() == 0 {
		return nil
	}
	sh := &shared{}
	var wg sync.WaitGroup
	crash.GoWait(&wg, func() { sh.rels = model.NewSharing(g.Relationships) })
	sh.ents = model.NewSharing(g.Entities)
	wg.Wait()
	return sh
}

func (sh *shared) entities() *model.Sharing {
	if sh == nil {
		return nil
	}
	return sh.ents
}

func (sh *shared) relationships() *model.Sharing {
	if sh == nil {
		return nil
	}
	return sh.rels
}
