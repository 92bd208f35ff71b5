package command

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/backend"
)

func forceUnlockCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "force-unlock",
		Usage:     "remove a stale state lock",
		ArgsUsage: "LOCK-ID",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "state", Usage: "state file `PATH`"},
			&cli.BoolFlag{Name: "force", Usage: "do not ask for confirmation"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("force-unlock needs the lock id (shown in the \"state is locked\" error)")
			}
			path := statePath(c)
			id := c.Args().First()
			store := backend.NewLocal(path)
			info, err := store.LockHolder(c.Context)
			if err != nil {
				return fmt.Errorf("read the state lock of %s: %w", store, err)
			}
			if info != nil && info.ID != id {
				return fmt.Errorf("the lock on %s has id %s, not %s; nothing was unlocked", path, info.ID, id)
			}
			if !c.Bool("force") {
				if info != nil {
					fmt.Fprintf(m.env.Stdout, "The state %s is locked by %s (pid %d) for %q since %s.\n", path, info.Who, info.PID, info.Operation, info.Created)
				}
				ok, err := m.confirm("Removing a lock that a running j1hcl still holds can corrupt the state.\nDo you really want to force-unlock? Only 'yes' will be accepted: ")
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("force-unlock cancelled")
				}
			}
			if err := store.ForceUnlock(c.Context, id); err != nil {
				return fmt.Errorf("force-unlock %s: %w", store, err)
			}
			fmt.Fprintf(m.env.Stdout, "%s The state %s is unlocked.\n", m.style("Done.", ansiBoldGreen), path)
			return nil
		},
	}
}

// confirm asks on the terminal; only "yes" is accepted. Without a terminal, it refuses.
func (m *meta) confirm(prompt string) (bool, error) {
	if !m.env.StdinTerminal {
		return false, fmt.Errorf("no terminal to ask for confirmation on; pass the approval flag explicitly")
	}
	fmt.Fprint(m.env.Stdout, prompt)
	line, err := bufio.NewReader(m.env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("read confirmation: %w", err)
	}
	return strings.TrimSpace(line) == "yes", nil
}
