package emulator

import (
	"hash/maphash"

	"github.com/j1hcl/j1hcl/internal/model"
)

// uploads are the objects a job accepted: in upload order, one list per kind, and indexed
// by _key, entities and relationships together (a _key names one object of a job). A slot
// that ignoreDuplicates emptied, when an object of the other list replaced its object, is
// nil.
//
// The index maps a 64-bit hash of each _key, not the _key itself, to where its object
// stands. The map then holds no pointers, so the collector never scans it, and growing it
// to millions of entries moves integers, where a map by _key would read every _key again
// (a cache miss each) to rehash it. The held object's own _key confirms a match. A _key
// whose hash another _key already has is indexed in collided instead: that takes about one
// job in ten million at two million _keys.
type uploads struct {
	entities, relationships []*model.Object

	seed     maphash.Seed
	byHash   map[uint64]heldObject
	collided map[string]heldObject
	// hash is maphash.String but in tests, which force collisions.
	hash func(maphash.Seed, string) uint64
}

// heldObject is where an accepted object stands: its slot in the job's entities or
// relationships. An int32 slot keeps the index's entries at 16 bytes; no job holds two
// billion objects.
type heldObject struct {
	slot         int32
	relationship bool
}

func newUploads() *uploads {
	return &uploads{seed: maphash.MakeSeed(), byHash: make(map[uint64]heldObject), hash: maphash.String}
}

func (u *uploads) list(relationship bool) []*model.Object {
	if relationship {
		return u.relationships
	}
	return u.entities
}

func (u *uploads) object(at heldObject) *model.Object { return u.list(at.relationship)[at.slot] }

// find returns where the object held under key stands.
func (u *uploads) find(key string) (heldObject, bool) {
	at, ok := u.byHash[u.hash(u.seed, key)]
	switch {
	case !ok:
		return heldObject{}, false
	case u.object(at).Key() == key:
		return at, true
	}
	at, ok = u.collided[key]
	return at, ok
}

// get returns the object held under key, nil when there is none.
func (u *uploads) get(key string) *model.Object {
	if at, ok := u.find(key); ok {
		return u.object(at)
	}
	return nil
}

// hold stores o under key. The object held there before, if any, is replaced in place when
// of the same list; otherwise its slot is emptied and o goes to the end of its own list.
// hold returns where the replaced object stood.
func (u *uploads) hold(key string, o *model.Object) (prev heldObject, replaced bool) {
	prev, replaced = u.find(key)
	isRel := o.Kind.IsRelationship()
	if replaced && prev.relationship == isRel {
		u.list(isRel)[prev.slot] = o
		return prev, true
	}
	at := heldObject{relationship: isRel}
	if isRel {
		at.slot = int32(len(u.relationships))
		u.relationships = append(u.relationships, o)
	} else {
		at.slot = int32(len(u.entities))
		u.entities = append(u.entities, o)
	}
	u.index(key, at) // before emptying prev's slot: index may read its _key
	if replaced {
		u.list(prev.relationship)[prev.slot] = nil
	}
	return prev, replaced
}

// index points key at a new place.
func (u *uploads) index(key string, at heldObject) {
	h := u.hash(u.seed, key)
	if other, taken := u.byHash[h]; taken && u.object(other).Key() != key {
		if u.collided == nil {
			u.collided = make(map[string]heldObject)
		}
		u.collided[key] = at
		return
	}
	u.byHash[h] = at
}
