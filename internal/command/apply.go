package command

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/state"
)

func applyCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "plan (or load PLANFILE), ask, run the Sync API job and record the new state",
		ArgsUsage: "[PLANFILE]",
		Flags:     planFlags(),
		Action: func(c *cli.Context) error {
			return fmt.Errorf("apply is not implemented yet")
		},
	}
}

// resolvePending completes or clears the state's pending job record.
func (m *meta) resolvePending(c *cli.Context, path string, f *state.File) (*state.File, error) {
	return nil, fmt.Errorf("the state %s records job %s as pending; its outcome must be checked against the Sync API first", path, f.PendingJob.ID)
}
