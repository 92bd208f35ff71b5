package command

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/render"
)

// showArgs are the arguments of show.
type showArgs struct {
	state    stateArgs
	refresh  refreshArgs
	output   outputArgs
	json     bool
	planFile string // "" shows the state
}

func showCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "render a saved plan, or the current state",
		ArgsUsage: "[PLANFILE]",
		Flags:     append(append(stateFlags(false), refreshFlags(false)...), outputFlags()...),
		Action: func(c *cli.Context) error {
			output, err := parseOutputArgs(c)
			if err != nil {
				return err
			}
			a := showArgs{state: parseStateArgs(c), output: output, json: output.format == "json", planFile: c.Args().First()}
			a.refresh, _ = parseRefreshArgs(c) // show declares no -refresh-only, so nothing contradicts
			if a.planFile != "" && a.refresh.set {
				return fmt.Errorf("-refresh applies to showing the state; a saved plan is shown as it was made (plan again to compare with the live graph)")
			}
			if a.planFile == "" && (output.format == "markdown" || output.compact) {
				return fmt.Errorf("-format=markdown and -compact render a saved plan: give show a PLANFILE (the state has no markdown form)")
			}
			if a.json {
				m.useView("json")
			}
			if c.NArg() > 1 {
				return fmt.Errorf("show takes at most one plan file")
			}
			return m.show(c.Context, a)
		},
	}
}

func (m *meta) show(ctx context.Context, a showArgs) error {
	opts := render.TextOptions{Color: m.color, Width: m.env.Width}
	if a.planFile != "" {
		settings, err := m.stateSettings(nil)
		if err != nil {
			return err
		}
		p, err := m.readPlanFile(a.planFile, settings)
		if err != nil {
			return err
		}
		return m.renderPlan(m.env.Stdout, p, a.output)
	}
	st, err := m.openState(ctx, a.state, openOptions{})
	if err != nil {
		return err
	}
	defer st.release()
	switch {
	case st.file == nil && a.json:
		_, err := fmt.Fprintln(m.env.Stdout, `{"format_version":"1.0","state":null}`)
		return err
	case st.file == nil:
		_, err := fmt.Fprintln(m.env.Stdout, "No state. Nothing has been applied yet.")
		return err
	}
	var refreshed *plan.Plan
	if a.refresh.on(m.env.Getenv) {
		recorded := st.file.Graph()
		live, err := m.readLive(ctx, st.file.Target, recorded)
		if err != nil {
			return err
		}
		refreshed = plan.RefreshOnly(recorded, live, plan.Prior{}, plan.Options{Target: st.file.Target, ToolVersion: Version})
	}
	if a.json {
		return render.StateJSONRefreshed(m.env.Stdout, st.file, refreshed)
	}
	if err := render.StateText(m.env.Stdout, st.file, opts); err != nil || refreshed == nil {
		return err
	}
	fmt.Fprintln(m.env.Stdout)
	return render.PlanText(m.env.Stdout, refreshed, opts)
}
