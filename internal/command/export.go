package command

import (
	"bytes"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/model"
)

func exportCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write the desired graph as Sync API upload JSON",
		ArgsUsage: " ",
		Flags: append(varFlags(),
			&cli.StringFlag{Name: "out", Usage: "write to `FILE` instead of standard output"},
			&cli.StringFlag{Name: "mode", Usage: "sync mode the configuration is checked for: DIFF or PATCH"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("export takes no arguments; did you mean -out=%s?", c.Args().First())
			}
			l := m.load(m.loadOptions(c))
			m.printDiagnostics(l.cfg, l.diags)
			if l.diags.HasErrors() {
				return exitCode(ExitError)
			}
			var buf bytes.Buffer
			if err := model.PayloadOf(l.cfg.Graph).WriteJSON(&buf, "  "); err != nil {
				return err
			}
			if out := c.String("out"); out != "" {
				if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
					return fmt.Errorf("write %s: %w", out, err)
				}
				return nil
			}
			_, err := m.env.Stdout.Write(buf.Bytes())
			return err
		},
	}
}
