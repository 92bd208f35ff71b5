package command

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/refresh"
	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/syncapi"
	"github.com/j1hcl/j1hcl/lang"
)

// refreshArgs say whether a command reads the live graph before it plans.
type refreshArgs struct {
	// set is true when -refresh was given; enabled is then its value.
	set, enabled bool
	// only is -refresh-only: show (plan) or record (apply) the drift, plan no job.
	only bool
}

// on reports whether the live graph is read: -refresh as given, else whenever an API key is
// configured (getenv reads the environment).
func (a refreshArgs) on(getenv func(string) string) bool {
	if a.set || a.only {
		return a.enabled
	}
	return strings.TrimSpace(getenv(syncapi.EnvAPIKey)) != ""
}

// refreshFlags declares -refresh and, for plan and apply, -refresh-only.
func refreshFlags(only bool) []cli.Flag {
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "refresh", Usage: "read the live graph first and plan against it (`true|false`; default true when " + syncapi.EnvAPIKey + " is set)"},
	}
	if only {
		flags = append(flags, &cli.BoolFlag{Name: "refresh-only", Usage: "only compare the state with the live graph: plan shows what changed outside j1hcl, apply records it in the state; no job"})
	}
	return flags
}

// parseRefreshArgs reads the flags refreshFlags declared.
func parseRefreshArgs(c *cli.Context) (refreshArgs, error) {
	a := refreshArgs{set: c.IsSet("refresh"), enabled: c.Bool("refresh")}
	if declared(c, "refresh-only") && c.Bool("refresh-only") {
		if a.set && !a.enabled {
			return a, fmt.Errorf("-refresh-only and -refresh=false contradict each other: a refresh-only run is a refresh")
		}
		a.only, a.enabled = true, true
	}
	return a, nil
}

// readLive reads the target's whole graph as JupiterOne holds it, shaped like the recorded
// graph (addresses and sensitive names of the objects the state knows). A failure on any
// page is an error: a partial graph is never taken as the truth.
func (m *meta) readLive(ctx context.Context, target state.Target, recorded *model.Graph) (*model.Graph, error) {
	client, err := m.syncClient()
	if err != nil {
		return nil, fmt.Errorf("refresh needs the JupiterOne API: %w (or plan against the state alone with -refresh=false)", err)
	}
	start := time.Now()
	live, err := refresh.Read(ctx, client, target, recorded, refresh.Options{})
	if err != nil {
		return nil, fmt.Errorf("%w. Nothing was planned or changed. %s, or plan against the state alone with -refresh=false", err, readAdvice(err))
	}
	kept := refresh.KeepUnreadable(live, recorded)
	m.logger.Debug("live graph read", "entities", len(live.Entities), "relationships", len(live.Relationships), "unreadable_mapped_kept", kept, "duration", time.Since(start))
	return live, nil
}

// recordRefresh is apply -refresh-only: it shows the drift and, once approved, writes the live
// graph into the state (serial + 1) without any job. An object created outside j1hcl is
// recorded under its _key with no address.
func (m *meta) recordRefresh(ctx context.Context, a applyArgs, run *planRun) error {
	p := run.plan
	if err := m.renderPlan(m.env.Stdout, p, a.output); err != nil {
		return err
	}
	if len(p.Drift) == 0 {
		return nil
	}
	if !a.autoApprove {
		if err := m.approve(); err != nil {
			return err
		}
	}
	var f state.File
	if run.state.file == nil {
		f = *state.New(run.loaded.target, Version)
	} else {
		f = *run.state.file
	}
	f.ToolVersion = Version
	if f.SetObjects(run.live) {
		f.Serial++
	}
	if err := writeStateBounded(ctx, run.state.store, &f); err != nil {
		return fmt.Errorf("record the live graph in the state: %w", err)
	}
	fmt.Fprintf(m.view.Log(), "\n%s The state now records the live graph: %s, serial %d.\n",
		m.pal.Bold(m.pal.Green("Refresh complete!")), render.Count(len(p.Drift), "difference", "differences")+" recorded", f.Serial)
	return nil
}

// readAdvice says what to do about a failed read of the live graph.
func readAdvice(err error) string {
	var api *syncapi.APIError
	if errors.As(err, &api) {
		switch api.Status {
		case 401:
			return "Check the API key in " + syncapi.EnvAPIKey + " and run again"
		case 403:
			return "Check that the API key may read the account in " + syncapi.EnvAccount + " and run again"
		}
	}
	if syncapi.IsRetryable(err) {
		return "The API or the network failed repeatedly: check " + syncapi.EnvGraphQLURL + " (or " + syncapi.EnvBaseURL + ") and connectivity, then run again"
	}
	return "Fix the cause above and run again"
}

// importsOf turns the configuration's import blocks into the plan's. Without a refresh the
// plan does not see the live graph, so each import carries the live object it names (nil
// when JupiterOne holds none) from the read made for the imports alone.
func importsOf(blocks []lang.Import, live *model.Graph, refreshing bool) []plan.Import {
	if len(blocks) == 0 {
		return nil
	}
	var ents, rels model.Index
	if live != nil && !refreshing {
		ents, rels = model.NewIndex(live.Entities), model.NewIndex(live.Relationships)
	}
	out := make([]plan.Import, len(blocks))
	for i, b := range blocks {
		out[i] = plan.Import{To: b.To, Key: b.Key}
		if ents != nil {
			if strings.HasPrefix(b.To, "entity.") {
				out[i].Found = ents[b.Key]
			} else {
				out[i].Found = rels[b.Key]
			}
		}
	}
	return out
}

// importDiagnostic is a diagnostic at the import block the plan could not honour; nil when
// no block matches.
func importDiagnostic(blocks []lang.Import, e *plan.ImportError) *hcl.Diagnostic {
	for _, b := range blocks {
		if b.To == e.Import.To && b.Key == e.Import.Key {
			r := b.DeclRange
			return &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot import " + b.To,
				Detail:   capitalizeFirst(e.Reason) + ".",
				Subject:  &r,
			}
		}
	}
	return nil
}
