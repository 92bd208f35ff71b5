package command

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func importJSONCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "import-json",
		Usage:     "turn a Sync API upload payload into .hcl files",
		ArgsUsage: "FILE",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "out", Usage: "write the files into `DIR`"}},
		Action: func(c *cli.Context) error {
			return fmt.Errorf("import-json is not implemented yet")
		},
	}
}
