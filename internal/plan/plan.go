// Package plan computes what a Sync API job must do to turn the state's graph into the desired
// graph, under DIFF or PATCH semantics, and reads and writes saved plan files.
package plan

import (
	"fmt"
	"path"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
)

// Sync modes.
const (
	ModeDiff  = "DIFF"
	ModePatch = "PATCH"
)

// Action is what a change does to one object.
type Action string

// Actions, as the JSON plan spells them.
const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
	NoOp   Action = "no-op"
)

// Change is one object's planned change. Identity is the _key: Address is the object's address
// in the configuration (for deletes: as the state recorded it).
type Change struct {
	Address string
	// PreviousAddress is the state's address when the block was renamed without changing the
	// object's _key ("has moved to"); empty otherwise.
	PreviousAddress string
	Kind            model.Kind
	Key             string
	Type            string
	Action          Action
	// Before is the object as the state records it (nil for Create).
	Before model.Properties
	// After is the object as configured (nil for Delete).
	After model.Properties
	// Sensitive lists properties whose values renderers must hide.
	Sensitive []string
	// Import is set when the change adopts an object JupiterOne holds and the state does not
	// (Before is the live object): a NoOp or an Update, never counted as a create.
	Import ImportKind
}

// IsSensitive reports whether a property of the change must be hidden in output.
func (c *Change) IsSensitive(prop string) bool {
	for _, s := range c.Sensitive {
		if s == prop {
			return true
		}
	}
	return false
}

// Prior identifies the state a plan was made against.
type Prior struct {
	// Exists is false when there was no state file yet.
	Exists  bool
	Lineage string
	Serial  uint64
	Hash    model.Hash
}

// MassDelete describes a DIFF plan that deletes most of the graph.
type MassDelete struct {
	Deleting int
	Total    int
}

// Plan is the result of comparing the desired graph with the state.
type Plan struct {
	ToolVersion string
	Mode        string
	Target      state.Target
	Prior       Prior
	// DesiredHash is the hash of the graph the plan leads to once every change is made, those
	// NotApplied included: the desired graph, or for a -target plan the state's graph with the
	// selected changes. VerifyFile checks a saved plan against it.
	DesiredHash model.Hash
	// Targets are the -target patterns the plan was restricted to.
	Targets []string
	// Changes are what this job does, sorted by kind then address. Moved objects without other
	// changes appear as NoOp with a PreviousAddress.
	Changes []Change
	// NotApplied are changes the mode cannot make (PATCH: deletes and every relationship
	// change). They stay pending in the state for the next DIFF.
	NotApplied []Change
	// Unchanged counts objects that neither change nor move.
	Unchanged int
	// MassDelete is set when a DIFF plan deletes more than half of the state's objects (and
	// more than 10), or all of them.
	MassDelete *MassDelete
	// Upload is the job's payload: the whole desired graph for DIFF; created and changed
	// entities for PATCH, with removed properties sent as null.
	Upload model.Payload
	// Live says whether the plan was compared with the live graph (Build sets it).
	Live LiveStatus
	// RefreshOnly marks a refresh-only plan (RefreshOnly makes it): it plans no job, only
	// the Drift that apply -refresh-only records in the state.
	RefreshOnly bool
	// Drift is how the live graph differs from the state, as changes from the state's object
	// to the live one: Update (changed outside j1hcl), Delete (deleted outside), Create
	// (created outside; Address empty when the state never knew it). Changes start from the
	// live graph.
	Drift []Change
	// Replacements pair the deletes and creates of Changes that are one renamed object.
	Replacements []Replacement
}

// ReplacementLookup returns a function that gives, for any change of p, the replacement it
// takes part in (as its delete or its create; the first one, should two name its _key), or
// nil. The replacements are indexed once: a scan of them all for each change would be
// quadratic for a renamed block of 100,000 instances and its 200,000 changes.
func (p *Plan) ReplacementLookup() func(ch *Change) *Replacement {
	type end struct {
		relationship, create bool
		key                  string
	}
	idx := make(map[end]*Replacement, 2*len(p.Replacements))
	for i := len(p.Replacements) - 1; i >= 0; i-- { // the first of a key wins, as in the scan
		r := &p.Replacements[i]
		idx[end{r.Kind.IsRelationship(), false, r.OldKey}] = r
		idx[end{r.Kind.IsRelationship(), true, r.NewKey}] = r
	}
	return func(ch *Change) *Replacement {
		if len(idx) == 0 || (ch.Action != Delete && ch.Action != Create) {
			return nil
		}
		return idx[end{ch.Kind.IsRelationship(), ch.Action == Create, ch.Key}]
	}
}

// Counts are a plan's change counts.
type Counts struct {
	Add, Change, Destroy int
}

// Total is the number of changes counted.
func (c Counts) Total() int { return c.Add + c.Change + c.Destroy }

// Summary counts the plan's changes: all of them, entities only, relationships (direct and
// mapped) only, and per kind.
type Summary struct {
	All, Entities, Relationships Counts
	ByKind                       map[model.Kind]Counts
	NotApplied                   int
	Moved                        int
	Unchanged                    int
	// Imported counts objects adopted from the live graph; Replaced counts replacements.
	Imported, Replaced int
	// Drift counts the differences found outside j1hcl (changed, deleted, created).
	Drift Counts
}

// Summary counts the changes this job makes (NotApplied changes are counted apart).
func (p *Plan) Summary() Summary {
	s := Summary{ByKind: map[model.Kind]Counts{}, NotApplied: len(p.NotApplied), Unchanged: p.Unchanged, Replaced: len(p.Replacements)}
	for i := range p.Drift {
		count(&s.Drift, p.Drift[i].Action)
	}
	for i := range p.Changes {
		ch := &p.Changes[i]
		if ch.PreviousAddress != "" {
			s.Moved++
		}
		if ch.Import != "" {
			s.Imported++
		}
		k := s.ByKind[ch.Kind]
		count(&k, ch.Action)
		s.ByKind[ch.Kind] = k
		count(&s.All, ch.Action)
		if ch.Kind == model.KindEntity {
			count(&s.Entities, ch.Action)
		} else {
			count(&s.Relationships, ch.Action)
		}
	}
	return s
}

func count(c *Counts, a Action) {
	switch a {
	case Create:
		c.Add++
	case Update:
		c.Change++
	case Delete:
		c.Destroy++
	}
}

// HasChanges reports whether applying the plan would change the remote graph or the state
// (moves change the state's addresses).
func (p *Plan) HasChanges() bool {
	return len(p.Changes) > 0
}

// Options are the inputs of a plan besides the two graphs.
type Options struct {
	Mode        string
	Target      state.Target
	ToolVersion string
	// Targets restricts the plan to objects whose address or _key matches one of these globs
	// (path.Match syntax; a block address also matches its for_each instances). PATCH only.
	Targets []string
	// Protected reports whether the object at a (state) address may not be destroyed
	// (lifecycle { prevent_destroy = true }). Nil protects nothing.
	Protected func(address string) bool
	// SkipHash leaves DesiredHash empty, for plans that are only displayed: hashing 200,000
	// objects is a measurable part of a plan. Saved plans need the hash.
	SkipHash bool
}

// ProtectedError is returned when a plan would destroy objects under prevent_destroy.
type ProtectedError struct {
	Addresses []string
}

func (e *ProtectedError) Error() string {
	return fmt.Sprintf("the plan would destroy %s, protected by lifecycle { prevent_destroy = true }", strings.Join(e.Addresses, ", "))
}

// BlockAddress strips a for_each instance key: entity.host.all["web-1"] -> entity.host.all.
func BlockAddress(address string) string {
	if i := strings.IndexByte(address, '['); i >= 0 {
		return address[:i]
	}
	return address
}

// MatchTarget reports whether an object matches a -target pattern: its address, its block
// address or its _key matched as a glob.
func MatchTarget(pattern, address, key string) bool {
	if pattern == address || pattern == key || pattern == BlockAddress(address) {
		return true
	}
	for _, s := range []string{address, BlockAddress(address), key} {
		if ok, err := path.Match(pattern, s); err == nil && ok {
			return true
		}
	}
	return false
}

// CheckTargets validates -target patterns: well-formed globs, and not in DIFF mode, which
// uploads the whole graph.
func CheckTargets(mode string, targets []string) error {
	if len(targets) == 0 {
		return nil
	}
	if mode != ModePatch {
		return fmt.Errorf("-target cannot be used with sync mode %s: a DIFF job replaces the whole dataset, so it must upload every object; use -mode=PATCH to apply part of the configuration", mode)
	}
	for _, t := range targets {
		if _, err := path.Match(t, ""); err != nil {
			return fmt.Errorf("-target %q is not a valid pattern: %w", t, err)
		}
	}
	return nil
}

// sortChanges orders changes by kind, address and key, in place. Changes mostly arrive as a
// few runs already in order (one per block, for_each instances in key order), so it merges
// those runs (model.SortRuns), as a permutation of indexes, then moves each (large) Change once
// by following the permutation's cycles: no copy of the list, and linear time when there are
// few runs. Changes already in order are left as they are.
func sortChanges(cs []Change) {
	sorted := true
	for i := 1; i < len(cs) && sorted; i++ {
		sorted = compareChanges(&cs[i-1], &cs[i]) <= 0
	}
	if sorted {
		return
	}
	idx := make([]int32, len(cs))
	for i := range idx {
		idx[i] = int32(i)
	}
	model.SortRuns(idx, func(a, b int32) int { return compareChanges(&cs[a], &cs[b]) })
	// Position i takes the change at idx[i]; each cycle of the permutation is walked once,
	// marking its positions done as it goes.
	for i := range idx {
		if idx[i] == int32(i) {
			continue
		}
		saved := cs[i]
		for j := i; ; {
			k := int(idx[j])
			idx[j] = int32(j)
			if k == i {
				cs[j] = saved
				break
			}
			cs[j] = cs[k]
			j = k
		}
	}
}

func compareChanges(x, y *Change) int {
	if x.Kind != y.Kind {
		return int(x.Kind) - int(y.Kind)
	}
	if c := strings.Compare(x.Address, y.Address); c != 0 {
		return c
	}
	return strings.Compare(x.Key, y.Key)
}
