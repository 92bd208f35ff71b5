package state

import (
	"sync"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
)

// Shared is what DecodeShared may hand out for recorded objects: the properties of a graph's
// entities and relationships, by _key.
type Shared struct {
	ents, rels *model.Sharing
}

// ShareWith returns the sharing of g's objects for DecodeShared. The graph's properties are
// then also the decoded state's: neither may be modified while both are in use.
func ShareWith(g *model.Graph) *Shared {
	sh := &Shared{}
	var wg sync.WaitGroup
	crash.GoWait(&wg, func() { sh.rels = model.NewSharing(g.Relationships) })
	sh.ents = model.NewSharing(g.Entities)
	wg.Wait()
	return sh
}

func (sh *Shared) entities() *model.Sharing {
	if sh == nil {
		return nil
	}
	return sh.ents
}

func (sh *Shared) relationships() *model.Sharing {
	if sh == nil {
		return nil
	}
	return sh.rels
}
