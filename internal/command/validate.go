package command

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func validateCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "load, evaluate and validate the configuration (no state, no network)",
		ArgsUsage: " ",
		Flags: append(varFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print the result as one JSON document"},
			&cli.StringFlag{Name: "mode", Usage: "sync mode the configuration is checked for: DIFF or PATCH (default from the integration block)"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("validate takes no arguments; run it in the configuration directory or pass -chdir=DIR")
			}
			l := m.load(m.loadOptions(c))
			if c.Bool("json") {
				if err := m.diagnosticsJSON(l); err != nil {
					return err
				}
				if l.diags.HasErrors() {
					return exitCode(ExitError)
				}
				return nil
			}
			m.printDiagnostics(l.cfg, l.diags)
			if l.diags.HasErrors() {
				return exitCode(ExitError)
			}
			_, warns := countDiagnostics(l.diags)
			msg := "Success! The configuration is valid"
			if warns > 0 {
				msg += fmt.Sprintf(", but there %s %d %s", plural(warns, "is", "are"), warns, plural(warns, "warning", "warnings"))
			}
			fmt.Fprintf(m.env.Stdout, "%s (%d entities, %d relationships).\n", m.style(msg, ansiBoldGreen), len(l.cfg.Graph.Entities), len(l.cfg.Graph.Relationships))
			return nil
		},
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
