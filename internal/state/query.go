package state

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Lookup returns the one recorded object that ref (an address or a _key) names, with its kind.
// An address takes precedence over a _key; a ref naming nothing, or several objects (the same
// _key for an entity and a relationship), is an error saying what to type instead.
func (f *File) Lookup(ref string) (Entry, model.Kind, error) {
	m, err := f.newMatcher().resolve(ref)
	if err != nil {
		return Entry{}, 0, err
	}
	return m.entry(f), m.kind(f), nil
}

// Remove forgets the objects that refs name (addresses or _keys, as Lookup resolves them) and
// returns them sorted by address. Nothing is removed unless every ref names exactly one
// object. It does not change Serial: the caller bumps it when something was removed.
func (f *File) Remove(refs []string) (removed []Entry, err error) {
	matcher := f.newMatcher()
	var problems []string
	drop := map[location]bool{}
	for _, ref := range refs {
		loc, err := matcher.resolve(ref)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		drop[loc] = true
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("remove from state: %s", strings.Join(problems, "; "))
	}
	keep := func(list []Entry, entities bool) []Entry {
		out := make([]Entry, 0, len(list))
		for i, e := range list {
			if drop[location{entities, i}] {
				removed = append(removed, e)
			} else {
				out = append(out, e)
			}
		}
		return out
	}
	f.Entities = keep(f.Entities, true)
	f.Relationships = keep(f.Relationships, false)
	sortByAddress(removed)
	return removed, nil
}

// List returns the recorded objects whose address or _key matches pattern, sorted by address.
// The pattern is a path.Match glob (so * does not cross a '/'); an empty pattern lists
// everything, and a pattern that is not a valid glob (an address like entity.host.all["web-1"]
// has brackets) matches only itself.
func (f *File) List(pattern string) []Entry {
	match := func(e Entry) bool {
		if pattern == "" || e.Address == pattern {
			return true
		}
		key := e.Key()
		if key == pattern {
			return true
		}
		ok, err := path.Match(pattern, e.Address)
		if err == nil && !ok {
			ok, err = path.Match(pattern, key)
		}
		return err == nil && ok
	}
	out := []Entry{}
	for _, list := range [][]Entry{f.Entities, f.Relationships} {
		for _, e := range list {
			if match(e) {
				out = append(out, e)
			}
		}
	}
	sortByAddress(out)
	return out
}

func sortByAddress(list []Entry) {
	slices.SortStableFunc(list, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.Address, b.Address), cmp.Compare(a.Key(), b.Key()))
	})
}

// location is an entry's place in a File: its list and index.
type location struct {
	entities bool
	index    int
}

func (l location) entry(f *File) Entry {
	if l.entities {
		return f.Entities[l.index]
	}
	return f.Relationships[l.index]
}

func (l location) kind(f *File) model.Kind {
	if l.entities {
		return model.KindEntity
	}
	return model.KindOf(f.Relationships[l.index].Object, true)
}

// matcher resolves refs against indexes built once, so removing many objects stays linear.
type matcher struct {
	f         *File
	byAddress map[string][]location
	byKey     map[string][]location
}

func (f *File) newMatcher() *matcher {
	m := &matcher{
		f:         f,
		byAddress: make(map[string][]location, len(f.Entities)+len(f.Relationships)),
		byKey:     make(map[string][]location, len(f.Entities)+len(f.Relationships)),
	}
	for _, side := range []struct {
		list     []Entry
		entities bool
	}{{f.Entities, true}, {f.Relationships, false}} {
		for i, e := range side.list {
			loc := location{side.entities, i}
			if e.Address != "" {
				m.byAddress[e.Address] = append(m.byAddress[e.Address], loc)
			}
			m.byKey[e.Key()] = append(m.byKey[e.Key()], loc)
		}
	}
	return m
}

func (m *matcher) resolve(ref string) (location, error) {
	locs := m.byAddress[ref]
	if len(locs) == 0 {
		locs = m.byKey[ref]
	}
	switch len(locs) {
	case 0:
		return location{}, fmt.Errorf("no object in the state has the address or _key %q (`j1hcl state list` shows what it holds)", ref)
	case 1:
		return locs[0], nil
	}
	names := make([]string, len(locs))
	for i, l := range locs {
		e := l.entry(m.f)
		names[i] = fmt.Sprintf("%s %s", l.kind(m.f), cmp.Or(e.Address, "(no address)"))
	}
	return location{}, fmt.Errorf("%q names %d objects in the state (%s): use an address that names one", ref, len(locs), strings.Join(names, ", "))
}
