package refresh

import "github.com/j1hcl/j1hcl/internal/model"

// KeepUnreadable adds to live the mapped relationships the state records that the read did
// not return, and reports how many. JupiterOne only shows a mapped relationship once the
// mapper has linked it to a target entity: one uploaded with skipTargetCreation whose target
// does not exist (yet) is held by the platform but cannot be read back. Taking its absence
// as a deletion would show it as deleted outside j1hcl, and as a create, in every plan; the
// state's record is the best knowledge there is, so it stands.
func KeepUnreadable(live, recorded *model.Graph) int {
	if recorded == nil {
		return 0
	}
	read := model.NewIndex(live.Relationships)
	kept := 0
	for _, o := range recorded.Relationships {
		if o.Kind == model.KindMappedRelationship && read[o.Key()] == nil {
			live.Relationships = append(live.Relationships, o)
			kept++
		}
	}
	if kept > 0 {
		model.SortObjects(live.Relationships)
	}
	return kept
}
