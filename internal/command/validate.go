package command

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/render"
)

// validateArgs are the arguments of validate.
type validateArgs struct {
	vars varArgs
	json bool
	mode string
}

func validateCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "load, evaluate and validate the configuration (no state, no network)",
		ArgsUsage: " ",
		Flags: append(varFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print the result as one JSON document"},
			&cli.StringFlag{Name: "mode", Usage: "check the configuration for sync mode `DIFF|PATCH` (default from the integration block)"},
		),
		Action: func(c *cli.Context) error {
			a := validateArgs{vars: parseVarArgs(c), json: c.Bool("json"), mode: c.String("mode")}
			if a.json {
				m.useView("json")
			}
			if c.NArg() > 0 {
				return fmt.Errorf("validate takes no arguments; run it in the configuration directory or pass -chdir=DIR")
			}
			return m.validate(a)
		},
	}
}

func (m *meta) validate(a validateArgs) error {
	l := m.load(loadOptions{vars: a.vars, mode: a.mode})
	if a.json {
		// The document is the result, valid or not.
		m.view.(jsonView).document(l.files(), l.diags)
	} else {
		m.view.Diagnostics(l.files(), l.diags)
	}
	if l.diags.HasErrors() {
		return exitCode(ExitError)
	}
	if a.json {
		return nil
	}
	_, warns := countDiagnostics(l.diags)
	msg := "Success! The configuration is valid"
	if warns > 0 {
		msg += fmt.Sprintf(", but there %s %s", render.Plural(warns, "is", "are"), render.Count(warns, "warning", "warnings"))
	}
	_, err := fmt.Fprintf(m.env.Stdout, "%s (%s, %s).\n", m.pal.Bold(m.pal.Green(msg)),
		render.Count(len(l.cfg.Graph.Entities), "entity", "entities"), render.Count(len(l.cfg.Graph.Relationships), "relationship", "relationships"))
	return err
}
