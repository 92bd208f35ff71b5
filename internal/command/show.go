package command

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/render"
)

func showCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "render a saved plan, or the current state",
		ArgsUsage: "[PLANFILE]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print as JSON"},
			&cli.StringFlag{Name: "state", Usage: "state file `PATH` (without PLANFILE)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return fmt.Errorf("show takes at most one plan file")
			}
			opts := render.TextOptions{Color: m.color, Width: m.env.Width}
			if c.NArg() == 1 {
				p, err := plan.ReadFile(c.Args().First())
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return render.PlanJSON(m.env.Stdout, p)
				}
				return render.PlanText(m.env.Stdout, p, opts)
			}
			f, err := readState(statePath(c))
			if err != nil {
				return err
			}
			if f == nil {
				if c.Bool("json") {
					fmt.Fprintln(m.env.Stdout, `{"format_version":"1.0","state":null}`)
					return nil
				}
				fmt.Fprintln(m.env.Stdout, "No state. Nothing has been applied yet.")
				return nil
			}
			m.warnPending(f)
			if c.Bool("json") {
				return render.StateJSON(m.env.Stdout, f)
			}
			return render.StateText(m.env.Stdout, f, opts)
		},
	}
}
