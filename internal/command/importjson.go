package command

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/importjson"
	"github.com/j1hcl/j1hcl/internal/render"
)

func importJSONCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "import-json",
		Usage:     "turn a Sync API upload payload into .hcl files",
		ArgsUsage: "FILE",
		Description: "Reads an upload payload ({\"entities\": [...], \"relationships\": [...]}, FILE or - for standard\n" +
			"input), as an existing script produces it, and writes an equivalent configuration: main.hcl\n" +
			"with the integration block, and for large payloads a file per entity resource and per\n" +
			"relationship kind. j1hcl export of the files reproduces the payload; import-json checks that\n" +
			"before it writes anything, and reports every normalization j1hcl applies (a missing\n" +
			"displayName, a lower-case relationship class, …). It never overwrites a file and refuses a\n" +
			"directory that already holds a configuration.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "write the files into `DIR` (default: the current directory)"},
			&cli.StringFlag{Name: "type", Usage: "the integration `TYPE` (default: derived from the entities' _type values)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("import-json takes one payload file (or - for standard input), e.g. j1hcl import-json payload.json -out config")
			}
			path := c.Args().First()
			data, err := readPayload(m, path)
			if err != nil {
				return err
			}
			source := filepath.Base(path)
			if path == "-" {
				source = "standard input"
			}
			res, err := importjson.Convert(data, importjson.Options{Source: source, IntegrationType: c.String("type")})
			if err != nil {
				return fmt.Errorf("%s: %w", source, err)
			}
			if err := res.Verify(); err != nil {
				return fmt.Errorf("%w (this is a bug in import-json; nothing was written)", err)
			}
			dir := c.String("out")
			if dir == "" {
				dir = "."
			}
			if err := res.Write(dir); err != nil {
				return err
			}
			m.printImport(res, source, dir)
			return nil
		},
	}
}

func readPayload(m *meta, path string) ([]byte, error) {
	if path == "-" {
		data, err := io.ReadAll(m.env.Stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read payload: %w", err)
	}
	return data, nil
}

// maxNoteElements caps how many objects a note names; a payload may have thousands.
const maxNoteElements = 3

func (m *meta) printImport(res *importjson.Result, source, dir string) {
	for _, n := range append(res.Notes, res.Warnings...) {
		elems := n.Elements
		more := ""
		if len(elems) > maxNoteElements {
			more = fmt.Sprintf(" and %d more", len(elems)-maxNoteElements)
			elems = elems[:maxNoteElements]
		}
		m.view.Warning(fmt.Sprintf("%s. In %s%s.", capitalizeFirst(n.Message), strings.Join(elems, ", "), more))
	}
	out := m.env.Stdout
	fmt.Fprintf(out, "%s %s from %s into %s:\n", m.pal.Bold(m.pal.Green("Imported")), res.Summary(), render.Escape(source), render.Escape(dir))
	for _, f := range res.Files {
		fmt.Fprintf(out, "  %s\n", render.Escape(f.Name))
	}
	switch {
	case len(res.Warnings) > 0:
		fmt.Fprintf(out, "Checked: these files evaluate to the payload; j1hcl validate rejects them until the objects warned about above are fixed.\n")
	case len(res.Notes) > 0:
		fmt.Fprintf(out, "Checked: j1hcl export of these files reproduces the payload, with the %s above.\n", render.Count(len(res.Notes), "normalization", "normalizations"))
	default:
		fmt.Fprintf(out, "Checked: j1hcl export of these files reproduces the payload exactly.\n")
	}
	fmt.Fprintf(out, "\nNext steps:\n")
	fmt.Fprintf(out, "  1. Review the files, then run: j1hcl validate\n")
	fmt.Fprintf(out, "  2. Set the instance id (-var instance_id=ID, or export %s) and run: j1hcl plan\n", EnvInstanceID)
}
