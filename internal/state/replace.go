package state

import "fmt"

// CheckReplace refuses to replace current (the stored state; nil when there is none) with
// next when that could lose an update: next must be of the same lineage, and not older. The
// same serial is accepted only with the same content (replacing a state by itself).
func CheckReplace(current, next *File) error {
	if current == nil {
		return nil
	}
	switch {
	case current.Lineage != next.Lineage:
		return fmt.Errorf("the stored state has lineage %s, and the new one %s: they are different states (of another configuration or target), and replacing one by the other would lose it. Check you chose the right file; -force replaces it anyway", current.Lineage, next.Lineage)
	case next.Serial < current.Serial:
		return fmt.Errorf("the stored state has serial %d, newer than the new one's %d: replacing it would lose the changes recorded since. Pull the stored state (j1hcl state pull) and start from it; -force replaces it anyway", current.Serial, next.Serial)
	case next.Serial == current.Serial && next.Hash() != current.Hash():
		return fmt.Errorf("the stored state and the new one both have serial %d but different objects: one of them was edited by hand. Give the new one a higher serial if it is the one to keep; -force replaces it anyway", current.Serial)
	}
	return nil
}
