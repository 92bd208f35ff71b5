package command

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/atomicfile"
	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/lang"
)

// fmtSuffixes are the native-syntax files fmt rewrites (JSON syntax is left alone).
var fmtSuffixes = []string{".hcl", ".j1vars"}

func fmtCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "fmt",
		Usage:     "rewrite configuration files in canonical format",
		ArgsUsage: "[PATH...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", Usage: "only check; exit 3 when some file is not formatted"},
			&cli.BoolFlag{Name: "diff", Usage: "print the changes as a unified diff"},
			&cli.BoolFlag{Name: "recursive", Usage: "also process subdirectories"},
			&cli.BoolFlag{Name: "list", Value: true, Usage: "list the files whose formatting differs"},
			&cli.BoolFlag{Name: "write", Value: true, Usage: "write the result to the files (off with -check)"},
		},
		Action: func(c *cli.Context) error {
			paths := c.Args().Slice()
			if len(paths) == 0 {
				paths = []string{"."}
			}
			f := formatter{m: m, check: c.Bool("check"), diff: c.Bool("diff"), list: c.Bool("list"), write: c.Bool("write") && !c.Bool("check")}
			for _, p := range paths {
				if p == "-" {
					f.stdin()
					continue
				}
				f.path(p, c.Bool("recursive"))
			}
			if len(f.diags) > 0 {
				m.view.Diagnostics(nil, f.diags)
				return exitCode(ExitError)
			}
			if f.check && f.changed > 0 {
				return exitCode(ExitUnchanged)
			}
			return nil
		},
	}
}

type formatter struct {
	m                        *meta
	check, diff, list, write bool
	changed                  int
	diags                    hcl.Diagnostics
}

func (f *formatter) path(p string, recursive bool) {
	st, err := os.Stat(p)
	if err != nil {
		f.diags = append(f.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read path", Detail: fmt.Sprintf("%s. Pass files or directories that exist.", err)})
		return
	}
	if !st.IsDir() {
		f.file(p, true)
		return
	}
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != p && (!recursive || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if hasFmtSuffix(path) {
			f.file(path, false)
		}
		return nil
	})
	if err != nil {
		f.diags = append(f.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read directory", Detail: err.Error()})
	}
}

func hasFmtSuffix(p string) bool {
	for _, s := range fmtSuffixes {
		if strings.HasSuffix(p, s) {
			return true
		}
	}
	return false
}

// file formats one file; explicit says the user named it (so any suffix is accepted).
func (f *formatter) file(p string, explicit bool) {
	if !explicit && !hasFmtSuffix(p) {
		return
	}
	if strings.HasSuffix(p, ".json") {
		f.diags = append(f.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot format JSON syntax", Detail: fmt.Sprintf("%s uses HCL's JSON syntax, which fmt does not rewrite. Format it with a JSON tool.", p)})
		return
	}
	src, err := os.ReadFile(p)
	if err != nil {
		f.diags = append(f.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read file", Detail: err.Error()})
		return
	}
	out, ok := f.format(p, src)
	if !ok || bytes.Equal(src, out) {
		return
	}
	f.changed++
	if f.list {
		fmt.Fprintln(f.m.env.Stdout, render.Escape(p))
	}
	if f.diff {
		render.UnifiedDiff(f.m.env.Stdout, "old/"+filepath.ToSlash(p), "new/"+filepath.ToSlash(p), string(src), string(out))
	}
	if f.write {
		if err := writeFileKeepMode(p, out); err != nil {
			f.diags = append(f.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write file", Detail: err.Error()})
		}
	}
}

// format checks the syntax (fmt never rewrites a file it cannot parse) and formats. Nesting
// is bounded before anything parses the text, whose parsers recurse without limit.
func (f *formatter) format(name string, src []byte) ([]byte, bool) {
	if diags := lang.CheckNesting(name, src); diags.HasErrors() {
		f.diags = append(f.diags, diags...)
		return nil, false
	}
	if _, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos); diags.HasErrors() {
		f.diags = append(f.diags, diags...)
		return nil, false
	}
	return hclwrite.Format(src), true
}

func (f *formatter) stdin() {
	src, err := io.ReadAll(f.m.env.Stdin)
	if err != nil {
		f.diags = append(f.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read standard input", Detail: err.Error()})
		return
	}
	out, ok := f.format("<stdin>", src)
	if !ok {
		return
	}
	if !bytes.Equal(src, out) {
		f.changed++
	}
	switch {
	case f.diff:
		render.UnifiedDiff(f.m.env.Stdout, "old/<stdin>", "new/<stdin>", string(src), string(out))
	case !f.check:
		f.m.env.Stdout.Write(out)
	}
}

func writeFileKeepMode(p string, data []byte) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(p, st.Mode().Perm(), data)
}
