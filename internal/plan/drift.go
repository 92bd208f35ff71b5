package plan

import "github.com/j1hcl/j1hcl/internal/model"

// Drift returns how the live graph differs from the state's: Update for an object changed
// outside j1hcl, Delete for one deleted outside, Create for one created outside (its Address
// empty when the state never knew it). Before is the state's object, After the live one.
func Drift(prior, live *model.Graph) []Change {
	if prior == nil {
		prior = &model.Graph{}
	}
	drift, _ := diffGraphs(live, prior)
	sortChanges(drift)
	return drift
}

// RefreshOnly is the plan of a refresh-only run: no job, only the drift between the state and
// the live graph, which apply -refresh-only records in the state.
func RefreshOnly(prior, live *model.Graph, priorInfo Prior, opts Options) *Plan {
	if opts.Mode == "" {
		opts.Mode = ModeDiff
	}
	return &Plan{
		ToolVersion: opts.ToolVersion,
		Mode:        opts.Mode,
		Target:      opts.Target,
		Prior:       priorInfo,
		Live:        LiveCompared,
		RefreshOnly: true,
		Drift:       Drift(prior, live),
	}
}
