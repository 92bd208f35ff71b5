package command

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/internal/state"
)

// planFlags are shared by plan and apply.
func planFlags() []cli.Flag {
	flags := append(varFlags(), stateFlags()...)
	return append(flags,
		&cli.StringFlag{Name: "mode", Usage: "sync `MODE`: DIFF or PATCH (default from the integration block, else DIFF)"},
		&cli.StringSliceFlag{Name: "target", Usage: "limit the plan to objects whose address or _key matches `ADDRESS-OR-GLOB` (repeatable; PATCH only)"},
		&cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 0 when there are no changes, 2 when there are"},
		&cli.BoolFlag{Name: "json", Usage: "print the plan as one JSON document (same as -format=json)"},
		&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text, markdown or json"},
		&cli.BoolFlag{Name: "compact", Usage: "one line per changed object, then the summary"},
		&cli.IntFlag{Name: "max-chars", Value: render.DefaultMaxChars, Usage: "markdown only: cap the output at `N` characters"},
		&cli.BoolFlag{Name: "graph", Usage: "markdown only: add a Mermaid diagram of the changed objects"},
	)
}

func planCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "show what apply would change in the graph",
		ArgsUsage: " ",
		Flags: append(planFlags(),
			&cli.StringFlag{Name: "out", Usage: "save the plan to `FILE` for apply"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("plan takes no arguments; did you mean -out=%s?", c.Args().First())
			}
			format, err := outputFormat(c)
			if err != nil {
				return err
			}
			// Content hashes are for saved plans and the JSON document; a terminal or markdown
			// plan of 200,000 objects saves their cost.
			run, err := m.makePlan(c, "plan", c.String("out") != "" || format == "json")
			if err != nil {
				return err
			}
			defer run.unlock()
			p := run.plan
			start := time.Now()
			if err := m.renderPlan(m.env.Stdout, p, format, c); err != nil {
				return err
			}
			m.logger.Debug("plan rendered", "format", format, "duration", time.Since(start))
			if out := c.String("out"); out != "" {
				if err := plan.WriteFile(out, p); err != nil {
					return err
				}
				if format == "text" {
					fmt.Fprintf(m.env.Stdout, "\nSaved the plan to: %s\nTo apply exactly this plan, run: j1hcl apply %s\n", out, out)
				}
			}
			if c.Bool("detailed-exitcode") && p.HasChanges() {
				return exitCode(ExitChanges)
			}
			return nil
		},
	}
}

func outputFormat(c *cli.Context) (string, error) {
	format := strings.ToLower(c.String("format"))
	if c.Bool("json") {
		if c.IsSet("format") && format != "json" {
			return "", fmt.Errorf("-json and -format=%s contradict each other", format)
		}
		format = "json"
	}
	switch format {
	case "text", "markdown", "json":
	default:
		return "", fmt.Errorf("-format must be text, markdown or json, not %q", format)
	}
	if c.Bool("compact") && format == "json" {
		return "", fmt.Errorf("-compact applies to text and markdown output, not json")
	}
	return format, nil
}

func (m *meta) renderPlan(w io.Writer, p *plan.Plan, format string, c *cli.Context) error {
	opts := render.TextOptions{Color: m.color, Width: m.env.Width}
	switch format {
	case "json":
		return render.PlanJSON(w, p)
	case "markdown":
		return render.PlanMarkdown(w, p, render.MarkdownOptions{MaxChars: c.Int("max-chars"), Graph: c.Bool("graph"), Compact: c.Bool("compact")})
	}
	if c.Bool("compact") {
		return render.PlanCompact(w, p, opts)
	}
	return render.PlanText(w, p, opts)
}

// planRun is a plan made under the state lock; unlock releases it.
type planRun struct {
	loaded    *loaded
	statePath string
	prior     *state.File
	plan      *plan.Plan
	unlock    func()
}

// makePlan loads and validates the configuration, locks and reads the state, and plans. On
// error, diagnostics have been printed and nothing is locked.
func (m *meta) makePlan(c *cli.Context, operation string, hashes bool) (*planRun, error) {
	l := m.load(m.loadOptions(c))
	m.printDiagnostics(l.cfg, l.diags)
	if l.diags.HasErrors() {
		return nil, exitCode(ExitError)
	}
	if l.targetErr != nil {
		return nil, l.targetErr
	}
	targets := c.StringSlice("target")
	if err := plan.CheckTargets(l.mode, targets); err != nil {
		return nil, err
	}
	path := statePath(c)
	unlock, err := m.lockState(c, path, operation)
	if err != nil {
		return nil, err
	}
	run := &planRun{loaded: l, statePath: path, unlock: unlock}
	ok := false
	defer func() {
		if !ok {
			unlock()
		}
	}()
	// The state is read after the configuration is evaluated, not alongside: the two at once
	// would hold both graphs and the evaluation's intermediate values in memory together.
	start := time.Now()
	prior, err := m.readCurrentState(c, path, l.target)
	if err != nil {
		return nil, err
	}
	run.prior = prior
	priorGraph, priorInfo := priorOf(prior, hashes)
	m.logger.Debug("state read", "path", path, "exists", prior != nil, "objects", priorGraph.Len(), "duration", time.Since(start))
	start = time.Now()
	p, err := plan.Compute(l.cfg.Graph, priorGraph, priorInfo, plan.Options{
		Mode:        l.mode,
		Target:      l.target,
		ToolVersion: Version,
		Targets:     targets,
		Protected:   l.cfg.Protected,
		SkipHash:    !hashes,
	})
	var protected *plan.ProtectedError
	if errors.As(err, &protected) {
		return nil, fmt.Errorf("%s. Remove prevent_destroy from the block first if destroying them is intended", err)
	}
	if err != nil {
		return nil, err
	}
	run.plan = p
	m.logger.Debug("plan computed", "changes", len(p.Changes), "not_applied", len(p.NotApplied), "unchanged", p.Unchanged, "duration", time.Since(start))
	ok = true
	return run, nil
}

// readCurrentState reads the state for target, resolving a pending job first when one is
// recorded.
func (m *meta) readCurrentState(c *cli.Context, path string, target state.Target) (*state.File, error) {
	f, err := readState(path)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, nil
	}
	if err := f.CheckTarget(target); err != nil {
		return nil, err
	}
	if f.PendingJob != nil {
		if f, err = m.resolvePending(c, path, f); err != nil {
			return nil, err
		}
	}
	return f, nil
}
