package command

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/lang"
)

// starterConfig is what `j1hcl init` writes: one entity, ready to validate.
const starterConfig = `# j1hcl configuration: the part of your JupiterOne graph this integration instance owns.
# Docs: README.md of j1hcl. Run "j1hcl validate", then "j1hcl plan".

variable "instance_id" {
  type        = string
  description = "The custom integration instance id (JupiterOne: Integrations > Custom > instance)."
  # Set it with -var instance_id=…, or J1HCL_VAR_instance_id, or JUPITERONE_INTEGRATION_INSTANCE_ID.
  default = null
}

integration {
  type        = "my-inventory" # the custom definition's integration type (kebab-case)
  instance_id = var.instance_id
  sync_mode   = "DIFF"
}

# Identity: JupiterOne knows an object by its _key. Without a _key attribute, j1hcl derives
# one from the block's labels, so renaming a block replaces the object (a new _id; links from
# other sources break). To rename a block and keep the object, pin _key = "<old key>" in it
# or add moved { from = entity.team.old  to = entity.team.new }.
entity "team" "platform" {
  _class      = "Team"
  name        = "platform"
  displayName = "Platform"
  email       = "platform@example.com"
}
`

// ignoredFiles are what init adds to .gitignore: state backups, locks and saved plans.
var ignoredFiles = []string{DefaultStateFile + ".backup", DefaultStateFile + ".lock", "*.j1plan"}

func initCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a starter configuration; in a configured directory, check the backend (and migrate the state to it)",
		ArgsUsage: "[DIR]",
		Flags: append(stateFlags(true),
			&cli.BoolFlag{Name: "migrate-state", Usage: "copy the local state file (-state, default " + DefaultStateFile + ") into the configured backend"},
			&cli.BoolFlag{Name: "force-copy", Usage: "with -migrate-state: do not ask for confirmation"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return fmt.Errorf("init takes at most one directory")
			}
			dir := workDir()
			if c.NArg() == 1 {
				dir = c.Args().First()
			}
			a := initArgs{state: parseStateArgs(c), migrate: c.Bool("migrate-state"), forceCopy: c.Bool("force-copy")}
			if files, _ := lang.ConfigFiles(dir); len(files) > 0 && c.NArg() == 0 {
				return m.initConfigured(c.Context, a)
			}
			if a.migrate {
				return fmt.Errorf("-migrate-state needs a configuration with a backend block in the current directory")
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", dir, err)
			}
			main := filepath.Join(dir, "main.hcl")
			f, err := os.OpenFile(main, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists; init never overwrites files. Remove it or choose another directory", main)
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", main, err)
			}
			if _, err := f.WriteString(starterConfig); err != nil {
				f.Close()
				return fmt.Errorf("write %s: %w", main, err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("write %s: %w", main, err)
			}
			added, err := addGitignore(filepath.Join(dir, ".gitignore"))
			if err != nil {
				return err
			}
			out := m.env.Stdout
			fmt.Fprintf(out, "%s Wrote %s", m.pal.Bold(m.pal.Green("j1hcl initialized.")), main)
			if added > 0 {
				fmt.Fprintf(out, " and added %s to .gitignore", render.Count(added, "entry", "entries"))
			}
			fmt.Fprintf(out, ".\n\nNext steps:\n")
			fmt.Fprintf(out, "  1. Set the integration type and your instance id in main.hcl (or export %s).\n", EnvInstanceID)
			fmt.Fprintf(out, "  2. Declare your entities and relationships, then run: j1hcl validate\n")
			fmt.Fprintf(out, "  3. Review the changes: j1hcl plan\n")
			fmt.Fprintf(out, "  4. Push them with JUPITERONE_API_KEY set: j1hcl apply\n")
			return nil
		},
	}
}

// addGitignore appends the entries .gitignore lacks and reports how many it added.
func addGitignore(path string) (int, error) {
	existing, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	have := map[string]bool{}
	for _, line := range strings.Split(string(existing), "\n") {
		have[strings.TrimSpace(line)] = true
	}
	var add []string
	for _, e := range ignoredFiles {
		if !have[e] {
			add = append(add, e)
		}
	}
	if len(add) == 0 {
		return 0, nil
	}
	var sb strings.Builder
	if len(existing) > 0 && !strings.HasSuffix(string(existing), "\n") {
		sb.WriteString("\n")
	}
	sb.WriteString("# j1hcl: state backup, lock and saved plans\n")
	for _, e := range add {
		sb.WriteString(e + "\n")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return 0, fmt.Errorf("update %s: %w", path, err)
	}
	if _, err := f.WriteString(sb.String()); err != nil {
		f.Close()
		return 0, fmt.Errorf("update %s: %w", path, err)
	}
	return len(add), f.Close()
}
