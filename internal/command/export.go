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
			&cli.StringFlag{Name: "out", Usage: "write to `FILE` instead of standard output", TakesFile: true},
			&cli.StringFlag{Name: "mode", Usage: "check the configuration for sync mode `DIFF|PATCH`"},
		),
		Action: func(c *cli.Context) error {
			a := exportArgs{vars: parseVarArgs(c), mode: c.String("mode"), out: c.String("out")}
			if c.NArg() > 0 {
				return fmt.Errorf("export takes no arguments; did you mean -out=%s?", c.Args().First())
			}
			return m.export(a)
		},
	}
}

// exportArgs are the arguments of export.
type exportArgs struct {
	vars varArgs
	mode string
	out  string // "" is standard output
}

func (m *meta) export(a exportArgs) error {
	l := m.load(loadOptions{vars: a.vars, mode: a.mode})
	m.view.Diagnostics(l.files(), l.diags)
	if l.diags.HasErrors() {
		return exitCode(ExitError)
	}
	var buf bytes.Buffer
	if err := model.PayloadOf(l.cfg.Graph).WriteJSON(&buf, "  "); err != nil {
		return err
	}
	if a.out != "" {
		if err := os.WriteFile(a.out, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", a.out, err)
		}
		return nil
	}
	_, err := m.env.Stdout.Write(buf.Bytes())
	return err
}
