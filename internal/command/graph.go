package command

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/render"
)

func graphCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "graph",
		Usage:     "print the desired graph as Graphviz DOT or a Mermaid flowchart",
		ArgsUsage: " ",
		Flags: append(varFlags(),
			&cli.StringFlag{Name: "format", Value: "dot", Usage: "output format: `dot|mermaid`"},
		),
		Action: func(c *cli.Context) error {
			a := graphArgs{vars: parseVarArgs(c), format: c.String("format")}
			if a.format != "dot" && a.format != "mermaid" {
				return fmt.Errorf("-format must be dot or mermaid, not %q", a.format)
			}
			if c.NArg() > 0 {
				return fmt.Errorf("graph takes no arguments")
			}
			return m.graph(a)
		},
	}
}

// graphArgs are the arguments of graph.
type graphArgs struct {
	vars   varArgs
	format string // dot or mermaid
}

func (m *meta) graph(a graphArgs) error {
	l := m.load(loadOptions{vars: a.vars})
	m.view.Diagnostics(l.files(), l.diags)
	if l.diags.HasErrors() {
		return exitCode(ExitError)
	}
	if a.format == "mermaid" {
		return render.GraphMermaid(m.env.Stdout, l.cfg.Graph)
	}
	return render.GraphDOT(m.env.Stdout, l.cfg.Graph)
}
