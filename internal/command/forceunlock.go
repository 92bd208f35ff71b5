package command

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/render"
)

// forceUnlockArgs are the arguments of force-unlock.
type forceUnlockArgs struct {
	state stateArgs
	id    string
	force bool
}

func forceUnlockCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "force-unlock",
		Usage:     "remove a stale state lock",
		ArgsUsage: "LOCK-ID",
		Flags: append(stateFlags(false),
			&cli.BoolFlag{Name: "force", Usage: "do not ask for confirmation"},
		),
		Action: func(c *cli.Context) error {
			a := forceUnlockArgs{state: parseStateArgs(c), id: c.Args().First(), force: c.Bool("force")}
			if c.NArg() != 1 {
				return fmt.Errorf("force-unlock needs the lock id (shown in the \"state is locked\" error)")
			}
			return m.forceUnlock(c.Context, a)
		},
	}
}

func (m *meta) forceUnlock(ctx context.Context, a forceUnlockArgs) error {
	store, err := m.backendFor(ctx, a.state, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	info, err := store.LockHolder(ctx)
	switch {
	case errors.Is(err, backend.ErrNotLocked):
		return fmt.Errorf("the state %s is not locked; nothing to unlock", store)
	case err != nil:
		return fmt.Errorf("read the state lock of %s: %w", store, err)
	case info.ID != a.id:
		return fmt.Errorf("the lock on %s has id %s, not %s; nothing was unlocked", store, render.Escape(info.ID), a.id)
	}
	if !a.force {
		fmt.Fprintf(m.env.Stdout, "The state %s is locked by %s (pid %d) for \"%s\" since %s.\n",
			store, render.Escape(info.Who), info.PID, render.Escape(info.Operation), render.Escape(info.Created))
		ok, err := m.confirm("Removing a lock that a running j1hcl still holds can corrupt the state.\nDo you really want to force-unlock? Only 'yes' will be accepted: ",
			"run j1hcl force-unlock -force "+a.id+" to unlock without asking")
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("force-unlock cancelled")
		}
	}
	if err := store.ForceUnlock(ctx, a.id); err != nil {
		return fmt.Errorf("force-unlock %s: %w", store, err)
	}
	fmt.Fprintf(m.env.Stdout, "%s The state %s is unlocked.\n", m.pal.Bold(m.pal.Green("Done.")), store)
	return nil
}

// confirm asks on the terminal; only "yes" is accepted. Without a terminal, it refuses and
// says what to do instead (instead: "run … -force …").
func (m *meta) confirm(prompt, instead string) (bool, error) {
	if !m.env.StdinTerminal {
		return false, fmt.Errorf("no terminal to ask for confirmation on (standard input is not a terminal), so nothing was changed: %s", instead)
	}
	fmt.Fprint(m.env.Stdout, prompt)
	line, err := bufio.NewReader(m.env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("read confirmation: %w", err)
	}
	return strings.TrimSpace(line) == "yes", nil
}
