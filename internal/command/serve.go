package command

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func serveCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the local Sync API emulator",
		Action: func(c *cli.Context) error {
			return fmt.Errorf("serve is not implemented yet")
		},
	}
}
