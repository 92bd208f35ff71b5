package plan

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/j1hcl/j1hcl/internal/model"
)

// ErrModified is wrapped by every error of VerifyFile: a saved plan whose parts disagree with
// each other or with the state it was made against.
var ErrModified = errors.New("the plan file was modified or corrupted")

func modified(format string, args ...any) error {
	return fmt.Errorf("%w: %s; nothing was sent: make the plan again with plan -out", ErrModified, fmt.Sprintf(format, args...))
}

// VerifyFile checks a saved plan end to end against prior, the graph its state records now
// (nil or empty when there is no state), before anything is sent. The graph the plan starts
// from is prior with the recorded drift and imported live objects; the graph it leads to is
// rebuilt from that and the plan's changes; its hash must equal DesiredHash, and planning
// it again against prior in the plan's mode must give exactly the plan's changes, the changes
// it cannot apply, the mass-delete verdict and the upload. A DIFF upload must hash to
// DesiredHash itself, since finalize deletes whatever it lacks. Errors wrap ErrModified.
//
// Call it after CheckCurrent, which tells a stale plan (the state moved on) from a modified one.
func VerifyFile(p *Plan, prior *model.Graph) error {
	if p.Mode != ModeDiff && p.Mode != ModePatch {
		return modified("unknown sync mode %q", p.Mode)
	}
	if p.DesiredHash == "" {
		return modified("it records no desired_hash")
	}
	if p.Mode == ModeDiff {
		got := model.HashGraph(uploadGraph(p.Upload))
		if got != p.DesiredHash {
			return modified("the upload's hash is %s, but the plan records desired_hash %s", got, p.DesiredHash)
		}
	}
	if prior == nil {
		prior = &model.Graph{}
	}
	base, err := p.base(prior)
	if err != nil {
		return modified("%s", err)
	}
	desired, err := p.desiredGraph(base)
	if err != nil {
		return modified("%s", err)
	}
	explicit := map[objectID]bool{}
	for _, list := range [][]Change{p.Changes, p.NotApplied} {
		for i := range list {
			if list[i].Import == ImportBlock {
				explicit[identity(list[i].Kind, list[i].Key)] = true
			}
		}
	}
	again, err := computeAdopting(desired, base, prior, p.Prior, Options{Mode: p.Mode, Target: p.Target, ToolVersion: p.ToolVersion, Targets: p.Targets}, explicit)
	if err != nil {
		return modified("%s", err)
	}
	if again.DesiredHash != p.DesiredHash {
		return modified("its changes lead to a graph with hash %s, but it records desired_hash %s", again.DesiredHash, p.DesiredHash)
	}
	if err := sameChanges("changes", p.Changes, again.Changes); err != nil {
		return err
	}
	if err := sameChanges("not_applied", p.NotApplied, again.NotApplied); err != nil {
		return err
	}
	// A targeted plan leaves out changes it does not select, so its count of unchanged objects
	// cannot be rebuilt; it is only displayed.
	if len(p.Targets) == 0 && p.Unchanged != again.Unchanged {
		return modified("it counts %d unchanged objects, but the state and its changes give %d", p.Unchanged, again.Unchanged)
	}
	if (p.MassDelete == nil) != (again.MassDelete == nil) || (p.MassDelete != nil && *p.MassDelete != *again.MassDelete) {
		return modified("its mass_delete record does not match the deletes it makes")
	}
	if p.Mode == ModePatch {
		var got, want bytes.Buffer
		if err := p.Upload.WriteJSON(&got, ""); err != nil {
			return fmt.Errorf("verify plan upload: %w", err)
		}
		if err := again.Upload.WriteJSON(&want, ""); err != nil {
			return fmt.Errorf("verify plan upload: %w", err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			return modified("the upload does not match its changes")
		}
	}
	return nil
}

// desiredGraph rebuilds the graph a plan leads to: prior with every change applied, those the
// mode cannot make included. It checks each change against prior on the way: a create of a
// _key prior has, or an update or delete whose "before" is not what prior records, is an error.
func (p *Plan) desiredGraph(prior *model.Graph) (*model.Graph, error) {
	ents, rels := model.NewIndex(prior.Entities), model.NewIndex(prior.Relationships)
	seen := map[string]bool{}
	apply := func(list string, changes []Change) error {
		for i := range changes {
			ch := &changes[i]
			idx := ents
			if ch.Kind.IsRelationship() {
				idx = rels
			}
			id := "entity " + ch.Key
			if ch.Kind.IsRelationship() {
				id = "relationship " + ch.Key
			}
			if seen[id] {
				return fmt.Errorf("%s[%d]: %s %q is changed twice", list, i, ch.Kind, ch.Key)
			}
			seen[id] = true
			old, exists := idx[ch.Key]
			if ch.Action == Create {
				if exists {
					return fmt.Errorf("%s[%d] creates %s %q, which the state already records", list, i, ch.Kind, ch.Key)
				}
			} else if !exists || old.Kind != ch.Kind || !model.EqualProperties(old.Props, ch.Before) {
				return fmt.Errorf("%s[%d] (%s %s) does not start from what the state records for _key %q", list, i, ch.Action, ch.Address, ch.Key)
			}
			switch ch.Action {
			case Delete:
				if ch.After != nil {
					return fmt.Errorf("%s[%d] deletes %s but has an \"after\"", list, i, ch.Address)
				}
				delete(idx, ch.Key)
			case NoOp:
				if !model.EqualProperties(ch.Before, ch.After) {
					return fmt.Errorf("%s[%d] is a no-op whose \"before\" and \"after\" differ", list, i)
				}
				moved := *old
				moved.Address = ch.Address
				moved.Sensitive = model.SensitiveSet(ch.Sensitive)
				idx[ch.Key] = &moved
			default:
				if key, _ := ch.After[model.PropKey].(string); key != ch.Key {
					return fmt.Errorf("%s[%d] is for _key %q, but its \"after\" has _key %q", list, i, ch.Key, key)
				}
				idx[ch.Key] = &model.Object{Kind: ch.Kind, Address: ch.Address, Props: ch.After, Sensitive: model.SensitiveSet(ch.Sensitive)}
			}
		}
		return nil
	}
	if err := apply("changes", p.Changes); err != nil {
		return nil, err
	}
	if err := apply("not_applied", p.NotApplied); err != nil {
		return nil, err
	}
	out := model.GraphOf(ents, rels)
	return out, nil
}

// sameChanges compares a plan file's list of changes with the list planned again.
func sameChanges(list string, got, want []Change) error {
	if len(got) != len(want) {
		return modified("it lists %d %s, but its state and upload give %d", len(got), list, len(want))
	}
	for i := range got {
		g, w := &got[i], &want[i]
		if g.Address != w.Address || g.PreviousAddress != w.PreviousAddress || g.Kind != w.Kind || g.Key != w.Key ||
			g.Type != w.Type || g.Action != w.Action || g.Import != w.Import || !slices.Equal(g.Sensitive, w.Sensitive) ||
			!model.EqualProperties(g.Before, w.Before) || !model.EqualProperties(g.After, w.After) {
			return modified("%s[%d] (%s) does not match what its state and upload give (%s %s)", list, i, g.Address, w.Action, w.Address)
		}
	}
	return nil
}

// uploadGraph is the graph of an upload payload, for hashing: properties only.
func uploadGraph(u model.Payload) *model.Graph {
	g := &model.Graph{Entities: make([]*model.Object, len(u.Entities)), Relationships: make([]*model.Object, len(u.Relationships))}
	for i, p := range u.Entities {
		g.Entities[i] = &model.Object{Kind: model.KindEntity, Props: p}
	}
	for i, p := range u.Relationships {
		g.Relationships[i] = &model.Object{Kind: model.KindOf(p, true), Props: p}
	}
	return g
}
