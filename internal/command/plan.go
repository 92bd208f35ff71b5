package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/render"
)

func planCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "show what apply would change in the graph",
		ArgsUsage: " ",
		Flags: append(planFlags(),
			&cli.StringFlag{Name: "out", Usage: "save the plan to `FILE` for apply", TakesFile: true},
		),
		Action: func(c *cli.Context) error {
			a, err := parsePlanArgs(c)
			m.useView(a.output.format)
			if err != nil {
				return err
			}
			if c.NArg() > 0 {
				return fmt.Errorf("plan takes no arguments; did you mean -out=%s?", c.Args().First())
			}
			return m.runPlan(c.Context, a, c.String("out"))
		},
	}
}

// useView picks the JSON view for JSON output and the text view otherwise.
func (m *meta) useView(format string) {
	if format == "json" {
		m.view = jsonView{m}
		return
	}
	m.view = textView{m}
}

func (m *meta) runPlan(ctx context.Context, a planArgs, out string) error {
	format := a.output.format
	// Content hashes are for saved plans and the JSON document; a terminal or markdown plan
	// of 200,000 objects saves their cost.
	run, err := m.makePlan(ctx, a, "plan", 0, out != "" || format == "json")
	if err != nil {
		return err
	}
	defer run.state.release()
	p := run.plan
	start := time.Now()
	if err := m.renderPlan(m.env.Stdout, p, a.output); err != nil {
		return err
	}
	m.logger.Debug("plan rendered", "format", format, "duration", time.Since(start))
	if out != "" {
		if err := m.writePlanFile(out, p, &run.loaded.cfg.State); err != nil {
			return err
		}
		if format == "text" {
			fmt.Fprintf(m.env.Stdout, "\nSaved the plan to: %s\nTo apply exactly this plan, run: j1hcl apply %s\n", out, out)
		}
	}
	if a.detailedExitcode && (p.HasChanges() || (a.refresh.only && len(p.Drift) > 0)) {
		return exitCode(ExitChanges)
	}
	return nil
}

func (m *meta) renderPlan(w io.Writer, p *plan.Plan, o outputArgs) error {
	opts := render.TextOptions{Color: m.color, Width: m.env.Width}
	switch o.format {
	case "json":
		return render.PlanJSON(w, p)
	case "markdown":
		return render.PlanMarkdown(w, p, render.MarkdownOptions{MaxChars: o.maxChars, Graph: o.graph, Compact: o.compact})
	}
	if o.compact {
		return render.PlanCompact(w, p, opts)
	}
	return render.PlanText(w, p, opts)
}

// planRun is a plan made with the state open; release its state when done.
type planRun struct {
	loaded *loaded
	state  *openedState
	plan   *plan.Plan
	// live is the graph read from JupiterOne; nil when the plan was not refreshed.
	live *model.Graph
}

// makePlan loads and validates the configuration, opens the state and plans. On error,
// diagnostics have been reported and nothing is locked. pendingWait bounds the wait for a
// pending job's outcome (0: the default).
func (m *meta) makePlan(ctx context.Context, a planArgs, operation string, pendingWait time.Duration, hashes bool) (*planRun, error) {
	l := m.load(loadOptions{vars: a.vars, mode: a.mode})
	m.view.Diagnostics(l.files(), l.diags)
	if l.diags.HasErrors() {
		return nil, exitCode(ExitError)
	}
	// Reported: a warning for each of a million objects (160 MB) need not stay in memory
	// while the state is read and the plan made.
	l.diags = nil
	if l.targetErr != nil {
		return nil, l.targetErr
	}
	if err := plan.CheckTargets(l.mode, a.targets); err != nil {
		return nil, err
	}
	// The state is read after the configuration is evaluated, not alongside: the two at once
	// would hold both graphs and the evaluation's intermediate values in memory together.
	start := time.Now()
	st, err := m.openState(ctx, a.state, openOptions{operation: operation, target: &l.target, pendingWait: pendingWait, settings: &l.cfg.State, like: l.cfg.Graph})
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			st.release()
		}
	}()
	priorGraph, priorInfo := priorOf(st.file, hashes)
	m.logger.Debug("state read", "state", st.store.String(), "exists", st.file != nil, "objects", priorGraph.Len(), "duration", time.Since(start))
	opts := plan.Options{
		Mode:        l.mode,
		Target:      l.target,
		ToolVersion: Version,
		Targets:     a.targets,
		Protected:   l.cfg.Protected,
		SkipHash:    !hashes,
	}
	var live *model.Graph
	refreshing := a.refresh.on(m.env.Getenv)
	if refreshing || len(l.cfg.Imports) > 0 {
		// Import blocks are checked against JupiterOne even without a refresh: the read is
		// the same, but only the imported keys are taken from it.
		if live, err = m.readLive(ctx, l.target, priorGraph); err != nil {
			return nil, err
		}
	}
	imports := importsOf(l.cfg.Imports, live, refreshing)
	if !refreshing {
		live = nil
	}
	if a.refresh.only {
		ok = true
		return &planRun{loaded: l, state: st, plan: plan.RefreshOnly(priorGraph, live, priorInfo, opts), live: live}, nil
	}
	start = time.Now()
	p, err := plan.Build(plan.Input{
		Desired:   l.cfg.Graph,
		Prior:     priorGraph,
		PriorInfo: priorInfo,
		Live:      live,
		Imports:   imports,
		Options:   opts,
	})
	var importErr *plan.ImportError
	if errors.As(err, &importErr) {
		if d := importDiagnostic(l.cfg.Imports, importErr); d != nil {
			m.view.Diagnostics(l.files(), hcl.Diagnostics{d})
			return nil, exitCode(ExitError)
		}
	}
	var protected *plan.ProtectedError
	if errors.As(err, &protected) {
		return nil, fmt.Errorf("%s. Remove prevent_destroy from the block first if destroying them is intended", err)
	}
	if err != nil {
		return nil, err
	}
	m.logger.Debug("plan computed", "changes", len(p.Changes), "not_applied", len(p.NotApplied), "unchanged", p.Unchanged, "duration", time.Since(start))
	ok = true
	return &planRun{loaded: l, state: st, plan: p}, nil
}
