package command

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/render"
)

// showArgs are the arguments of show.
type showArgs struct {
	state    stateArgs
	json     bool
	planFile string // "" shows the state
}

func showCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "render a saved plan, or the current state",
		ArgsUsage: "[PLANFILE]",
		Flags: append(stateFlags(false),
			&cli.BoolFlag{Name: "json", Usage: "print as JSON"},
		),
		Action: func(c *cli.Context) error {
			a := showArgs{state: parseStateArgs(c), json: c.Bool("json"), planFile: c.Args().First()}
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
		if a.json {
			return render.PlanJSON(m.env.Stdout, p)
		}
		return render.PlanText(m.env.Stdout, p, opts)
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
	case a.json:
		return render.StateJSON(m.env.Stdout, st.file)
	}
	return render.StateText(m.env.Stdout, st.file, opts)
}
