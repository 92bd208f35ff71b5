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
			&cli.StringFlag{Name: "format", Value: "dot", Usage: "dot or mermaid"},
		),
		Action: func(c *cli.Context) error {
			format := c.String("format")
			if format != "dot" && format != "mermaid" {
				return fmt.Errorf("-format must be dot or mermaid, not %q", format)
			}
			l := m.load(m.loadOptions(c))
			m.printDiagnostics(l.cfg, l.diags)
			if l.diags.HasErrors() {
				return exitCode(ExitError)
			}
			if format == "mermaid" {
				return render.GraphMermaid(m.env.Stdout, l.cfg.Graph)
			}
			return render.GraphDOT(m.env.Stdout, l.cfg.Graph)
		},
	}
}
