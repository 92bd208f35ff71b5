package command

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/encryption"
	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/lang"
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
				Flags:     stateFlags(false),
				Action: func(c *cli.Context) error {
					a := parseStateArgs(c)
					if c.NArg() > 1 {
						return fmt.Errorf("state list takes at most one pattern")
					}
					return m.stateList(c.Context, a, c.Args().First())
				},
			},
			{
				Name:      "show",
				Usage:     "show one recorded object",
				ArgsUsage: "KEY-OR-ADDRESS",
				Flags: append(stateFlags(false),
					&cli.BoolFlag{Name: "json", Usage: "print the object as JSON"},
				),
				Action: func(c *cli.Context) error {
					a := stateShowArgs{state: parseStateArgs(c), json: c.Bool("json"), object: c.Args().First()}
					if a.json {
						m.useView("json")
					}
					if c.NArg() != 1 {
						return fmt.Errorf("state show takes exactly one _key or address")
					}
					return m.stateShow(c.Context, a)
				},
			},
			{
				Name:  "pull",
				Usage: "print the stored state (decrypted) as JSON",
				Flags: stateFlags(false),
				Action: func(c *cli.Context) error {
					if c.NArg() != 0 {
						return fmt.Errorf("state pull takes no arguments")
					}
					return m.statePull(c.Context, parseStateArgs(c))
				},
			},
			{
				Name:      "push",
				Usage:     "replace the stored state with a state file (lineage and serial checked)",
				ArgsUsage: "FILE",
				Flags: append(stateFlags(true),
					&cli.BoolFlag{Name: "force", Usage: "replace the stored state even if its lineage differs or its serial is newer"},
				),
				Action: func(c *cli.Context) error {
					a := statePushArgs{state: parseStateArgs(c), file: c.Args().First(), force: c.Bool("force")}
					if c.NArg() != 1 {
						return fmt.Errorf("state push needs exactly one state file")
					}
					return m.statePush(c.Context, a)
				},
			},
			{
				Name:      "rm",
				Usage:     "forget objects (the remote graph is not changed)",
				ArgsUsage: "KEY-OR-ADDRESS...",
				Flags: append(stateFlags(true),
					&cli.BoolFlag{Name: "dry-run", Usage: "list what would be removed and change nothing"},
				),
				Action: func(c *cli.Context) error {
					a := stateRmArgs{state: parseStateArgs(c), dryRun: c.Bool("dry-run"), objects: c.Args().Slice()}
					if c.NArg() == 0 {
						return fmt.Errorf("state rm needs at least one _key or address")
					}
					return m.stateRm(c.Context, a)
				},
			},
		},
	}
}

func (m *meta) stateList(ctx context.Context, a stateArgs, pattern string) error {
	st, err := m.openState(ctx, a, openOptions{mustExist: true})
	if err != nil {
		return err
	}
	defer st.release()
	for _, e := range st.file.List(pattern) {
		fmt.Fprintf(m.env.Stdout, "%s\t%s\n", render.Escape(e.Address), render.Escape(render.EntryKey(e)))
	}
	return nil
}

// stateShowArgs are the arguments of state show.
type stateShowArgs struct {
	state  stateArgs
	json   bool
	object string // _key or address
}

func (m *meta) stateShow(ctx context.Context, a stateShowArgs) error {
	st, err := m.openState(ctx, a.state, openOptions{mustExist: true})
	if err != nil {
		return err
	}
	defer st.release()
	e, kind, err := st.file.Lookup(a.object)
	if err != nil {
		return err
	}
	if a.json {
		return render.EntryJSON(m.env.Stdout, e, kind)
	}
	return render.EntryText(m.env.Stdout, e, kind, render.TextOptions{Color: m.color, Width: m.env.Width})
}

// stateRmArgs are the arguments of state rm.
type stateRmArgs struct {
	state   stateArgs
	dryRun  bool
	objects []string // _keys or addresses
}

func (m *meta) stateRm(ctx context.Context, a stateRmArgs) error {
	// Forgetting objects of a state whose last job is undecided would record a guess:
	// openState settles the job first. A dry run changes nothing and only reads.
	open := openOptions{operation: "state rm", mustExist: true}
	if a.dryRun {
		open.operation = ""
	}
	st, err := m.openState(ctx, a.state, open)
	if err != nil {
		return err
	}
	defer st.release()
	f := st.file
	removed, err := f.Remove(a.objects)
	if err != nil {
		return err
	}
	verb := "Removed"
	if a.dryRun {
		verb = "Would remove"
	}
	for _, e := range removed {
		fmt.Fprintf(m.env.Stdout, "%s %s (%s)\n", verb, render.Escape(e.Address), render.Escape(render.EntryKey(e)))
	}
	n := len(removed)
	if a.dryRun {
		_, err := fmt.Fprintf(m.env.Stdout, "Would remove %s from the state; nothing was changed (-dry-run).\n", render.Count(n, "object", "objects"))
		return err
	}
	f.Serial++
	if err := backend.WriteState(ctx, st.store, f); err != nil {
		return err
	}
	_, err = fmt.Fprintf(m.env.Stdout, "Successfully removed %s from the state. The remote graph is unchanged; the next DIFF apply would create %s again if %s still in the configuration.\n",
		render.Count(n, "object", "objects"), render.Plural(n, "it", "them"), render.Plural(n, "it is", "they are"))
	return err
}

func (m *meta) statePull(ctx context.Context, a stateArgs) error {
	st, err := m.openState(ctx, a, openOptions{mustExist: true})
	if err != nil {
		return err
	}
	defer st.release()
	data, err := st.file.Encode()
	if err != nil {
		return err
	}
	_, err = m.env.Stdout.Write(data)
	return err
}

// statePushArgs are the arguments of state push.
type statePushArgs struct {
	state stateArgs
	file  string
	force bool
}

func (m *meta) statePush(ctx context.Context, a statePushArgs) error {
	settings, err := m.stateSettings(nil)
	if err != nil {
		return err
	}
	next, err := m.readStateFile(a.file, settings)
	if err != nil {
		return err
	}
	st, err := m.openState(ctx, a.state, openOptions{operation: "state push", settings: settings})
	if err != nil {
		return err
	}
	defer st.release()
	if !a.force {
		if err := state.CheckReplace(st.file, next); err != nil {
			return fmt.Errorf("state push refused, nothing was changed: %w", err)
		}
	}
	if err := backend.WriteState(ctx, st.store, next); err != nil {
		return err
	}
	fmt.Fprintf(m.env.Stdout, "Pushed %s to %s (lineage %s, serial %d).\n", a.file, st.store, next.Lineage, next.Serial)
	return nil
}

// readStateFile reads a state file given on the command line, decrypting it when it is
// encrypted.
func (m *meta) readStateFile(path string, settings *lang.StateSettings) (*state.File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	if encryption.IsSealed(data) {
		sealer, err := m.planSealer(settings)
		if err != nil {
			return nil, err
		}
		if sealer == nil {
			return nil, fmt.Errorf("the state file %s is encrypted: give its passphrase with an encryption block or %s", path, EnvStatePassphrase)
		}
		if data, err = sealer.Open(data); err != nil {
			return nil, fmt.Errorf("the state file %s is encrypted, and %w", path, err)
		}
	}
	return state.Decode(data, path)
}
