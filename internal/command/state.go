package command

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/internal/state"
)

func stateCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:  "state",
		Usage: "inspect the state, or forget objects in it",
		Subcommands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "list the recorded objects, optionally those matching a glob",
				ArgsUsage: "[PATTERN]",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "state", Usage: "state file `PATH`"}},
				Action: func(c *cli.Context) error {
					if c.NArg() > 1 {
						return fmt.Errorf("state list takes at most one pattern")
					}
					f, err := m.mustReadState(c)
					if err != nil {
						return err
					}
					for _, e := range f.List(c.Args().First()) {
						fmt.Fprintf(m.env.Stdout, "%s\t%s\n", e.Address, render.EntryKey(e))
					}
					return nil
				},
			},
			{
				Name:      "show",
				Usage:     "show one recorded object",
				ArgsUsage: "KEY-OR-ADDRESS",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "state", Usage: "state file `PATH`"},
					&cli.BoolFlag{Name: "json", Usage: "print the object as JSON"},
				},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return fmt.Errorf("state show takes exactly one _key or address")
					}
					f, err := m.mustReadState(c)
					if err != nil {
						return err
					}
					e, kind, err := f.Lookup(c.Args().First())
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return render.EntryJSON(m.env.Stdout, e, kind)
					}
					return render.EntryText(m.env.Stdout, e, kind, render.TextOptions{Color: m.color, Width: m.env.Width})
				},
			},
			{
				Name:      "rm",
				Usage:     "forget objects (the remote graph is not changed)",
				ArgsUsage: "KEY-OR-ADDRESS...",
				Flags:     stateFlags(),
				Action: func(c *cli.Context) error {
					if c.NArg() == 0 {
						return fmt.Errorf("state rm needs at least one _key or address")
					}
					path := statePath(c)
					unlock, err := m.lockState(c, path, "state rm")
					if err != nil {
						return err
					}
					defer unlock()
					f, err := state.Read(path)
					if err != nil {
						return err
					}
					if f.PendingJob != nil {
						// Forgetting objects of a state whose last job is undecided would
						// record a guess: settle the job first.
						if f, err = m.resolvePending(c, path, f); err != nil {
							return err
						}
					}
					removed, err := f.Remove(c.Args().Slice())
					if err != nil {
						return err
					}
					f.Serial++
					if err := state.Write(path, f); err != nil {
						return err
					}
					for _, e := range removed {
						fmt.Fprintf(m.env.Stdout, "Removed %s (%s)\n", e.Address, render.EntryKey(e))
					}
					fmt.Fprintf(m.env.Stdout, "Successfully removed %d %s from the state. The remote graph is unchanged; the next DIFF apply would create %s again if %s still in the configuration.\n",
						len(removed), plural(len(removed), "object", "objects"), plural(len(removed), "it", "them"), plural(len(removed), "it is", "they are"))
					return nil
				},
			},
		},
	}
}

// mustReadState reads -state (default beside the configuration); a missing state is an error.
func (m *meta) mustReadState(c *cli.Context) (*state.File, error) {
	path := statePath(c)
	f, err := readState(path)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fmt.Errorf("no state file at %s: nothing has been applied yet (or pass -state=PATH)", path)
	}
	m.warnPending(f)
	return f, nil
}

// warnPending tells readers of a state that its last job's outcome is not recorded yet.
func (m *meta) warnPending(f *state.File) {
	if p := f.PendingJob; p != nil {
		m.warnLine(fmt.Sprintf("the state records %s job %s as pending since %s: its outcome is not recorded yet, so what is shown may be out of date. Run j1hcl plan or apply (with JUPITERONE_API_KEY set) to settle it.", p.SyncMode, p.ID, p.RecordedAt))
	}
}
