package command

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/suggest"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// commandDoc is the help of one command beyond its flags: a paragraph, the environment
// variables it reads and an example or two. Flags document themselves.
type commandDoc struct {
	paragraph string
	env       []string
	examples  []string
}

// Environment variables, as the help describes them.
var envDocs = map[string]string{
	syncapi.EnvAPIKey:     "JupiterOne API key (never printed or stored)",
	EnvInstanceID:         "integration instance id; overrides the integration block",
	"JUPITERONE_API_BASE": "Sync API base URL (default https://api.us.jupiterone.io)",
	"JUPITERONE_ACCOUNT":  "JupiterOne account id, sent as the JupiterOne-Account header",
	syncapi.EnvGraphQLURL: "GraphQL URL for J1QL reads of the live graph (default derived from the API base)",
	"J1HCL_VAR_<name>":    "value of variable <name>",
	"J1HCL_LOG":           "debug|info|warn|error: a structured log on standard error",
	"NO_COLOR":            "set: no colour",
	EnvEmulatorAPIKey:     "the emulator's API key (else " + syncapi.EnvAPIKey + ")",
}

// Variables every command that evaluates the configuration reads.
var configEnv = []string{"J1HCL_VAR_<name>", EnvInstanceID}

// syncEnv are the variables of commands that talk to the Sync API.
var syncEnv = []string{syncapi.EnvAPIKey, "JUPITERONE_API_BASE", "JUPITERONE_ACCOUNT", syncapi.EnvGraphQLURL}

var commandDocs = map[string]commandDoc{
	"init": {
		paragraph: "Writes a starter main.hcl into DIR (default: the current directory) and adds the state backup, the lock and saved plans to .gitignore. It never overwrites a file.",
		examples:  []string{"j1hcl init", "j1hcl init inventory"},
	},
	"validate": {
		paragraph: "Loads and evaluates the .hcl files of the current directory and checks them against JupiterOne's rules and data model. It reads no state and uses no network. Exit status 1 when there is an error.",
		env:       configEnv,
		examples:  []string{"j1hcl validate", "j1hcl validate -json -var-file=prod.j1vars"},
	},
	"fmt": {
		paragraph: "Rewrites .hcl and .j1vars files in canonical format. PATH may be files, directories or - for standard input (formatted to standard output). With -check nothing is written and the exit status is 3 when some file is not formatted.",
		examples:  []string{"j1hcl fmt -recursive", "j1hcl fmt -check -diff"},
	},
	"plan": {
		paragraph: "Compares the configuration with the state and prints what apply would change. With an API key it first reads the live graph (-refresh, default on when JUPITERONE_API_KEY is set), shows what changed outside j1hcl and plans against what JupiterOne really holds; -refresh-only shows only that drift. It takes the state lock while it reads. With -detailed-exitcode the exit status is 2 when there are changes (or, with -refresh-only, drift); -out saves the plan for apply.",
		env:       append(append([]string(nil), configEnv...), syncEnv...),
		examples:  []string{"j1hcl plan", "j1hcl plan -out=plan.j1plan -format=markdown -detailed-exitcode", "j1hcl plan -refresh-only -detailed-exitcode"},
	},
	"apply": {
		paragraph: "Plans (or reads PLANFILE, saved by plan -out), asks for confirmation, runs a Sync API job and records the new state. A saved plan is applied exactly as saved, without a question, and only to the state it was made for. -refresh-only records the live graph in the state without any job.",
		env:       append(append([]string(nil), configEnv...), syncEnv...),
		examples:  []string{"j1hcl apply", "j1hcl apply plan.j1plan"},
	},
	"show": {
		paragraph: "Renders a saved plan, or without PLANFILE the current state; with -refresh (default on when JUPITERONE_API_KEY is set) the state is followed by what changed outside j1hcl.",
		examples:  []string{"j1hcl show", "j1hcl show -json plan.j1plan"},
	},
	"state": {
		paragraph: "Inspects the state or forgets objects in it. The remote graph is never changed.",
		examples:  []string{"j1hcl state list 'entity.host.*'", "j1hcl state rm -dry-run entity.host.old"},
	},
	"state list": {
		paragraph: "Lists the recorded objects (address and _key), those whose address or _key matches the glob PATTERN when given.",
		examples:  []string{"j1hcl state list", "j1hcl state list 'entity.host.*'"},
	},
	"state show": {
		paragraph: "Shows one recorded object, found by _key or address.",
		examples:  []string{"j1hcl state show entity.team.platform"},
	},
	"state rm": {
		paragraph: "Forgets objects, found by _key or address, in the state; the remote graph is unchanged, so the next DIFF apply creates them again if they are still in the configuration. A pending job is settled first.",
		env:       syncEnv,
		examples:  []string{"j1hcl state rm -dry-run entity.host.old", "j1hcl state rm entity.host.old"},
	},
	"state pull": {
		examples: []string{"j1hcl state pull > backup.json"},
	},
	"state push": {
		examples: []string{"j1hcl state push backup.json"},
	},
	"import": {
		paragraph: "Reads the object with _key KEY from the target's live graph and records it in the state at ADDRESS, a block of the configuration that produces that _key. Nothing is sent to JupiterOne; the next plan shows how the configuration differs from the adopted object.",
		env:       append(append([]string(nil), configEnv...), syncEnv...),
		examples:  []string{`j1hcl import 'entity.user.all["alice"]' acme:user:alice`},
	},
	"import-remote": {
		paragraph: "Reads the target's whole live graph and writes an idiomatic configuration and a matching state into DIR, so that plan there shows No changes. The target is the configuration's in the current directory, else -instance-id or -scope.",
		env:       syncEnv,
		examples:  []string{"j1hcl import-remote -out=adopted"},
	},
	"export": {
		paragraph: "Writes the desired graph as Sync API upload JSON ({\"entities\": [...], \"relationships\": [...]}).",
		env:       configEnv,
		examples:  []string{"j1hcl export -out=payload.json"},
	},
	"import-json": {
		paragraph: "Turns a Sync API upload payload (FILE, or - for standard input) into .hcl files, checks that export of them reproduces the payload, and writes them. It never overwrites a file.",
		examples:  []string{"j1hcl import-json payload.json -out=config", "j1hcl import-json -type=acme_hr payload.json"},
	},
	"graph": {
		paragraph: "Prints the desired graph as a Graphviz DOT digraph or a Mermaid flowchart.",
		env:       configEnv,
		examples:  []string{"j1hcl graph | dot -Tsvg > graph.svg", "j1hcl graph -format=mermaid"},
	},
	"serve": {
		env:      []string{EnvEmulatorAPIKey, syncapi.EnvAPIKey},
		examples: []string{"j1hcl serve -listen=127.0.0.1:8080", "j1hcl serve -data=graph.json -finalize-delay=2s"},
	},
	"force-unlock": {
		paragraph: "Removes the state lock with id LOCK-ID, shown in the \"state is locked\" error, after confirmation (-force skips it). Only do this when no j1hcl is working on the state.",
		examples:  []string{"j1hcl force-unlock 3f1c2a57-3f0e-4a53-8d4c-7a9b1e2c3d40"},
	},
	"version": {
		paragraph: "Prints j1hcl's version, the Go version and platform, and the version of the embedded JupiterOne data model.",
		examples:  []string{"j1hcl version", "j1hcl version -json"},
	},
	"help": {
		paragraph: "Shows the list of commands, or the help of COMMAND.",
		examples:  []string{"j1hcl help", "j1hcl help state rm"},
	},
	"completion": {
		paragraph: "Prints a completion script for bash, zsh or fish, completing commands, subcommands and flags.",
		examples:  []string{"source <(j1hcl completion bash)", "j1hcl completion fish > ~/.config/fish/completions/j1hcl.fish"},
	},
}

const appHelpTemplate = `Usage: j1hcl [global flags] COMMAND [flags] [arguments]

  Manage a JupiterOne graph as code.

COMMANDS:
{{range .VisibleCommands}}   {{join .Names ", "}}{{"\t"}}{{.Usage}}
{{end}}
GLOBAL FLAGS:
{{range .VisibleFlags}}   {{.}}
{{end}}
Run 'j1hcl help COMMAND' for a command's flags, environment variables and examples.
`

// helpTemplate builds the help of the command at path (e.g. "state rm").
func helpTemplate(path string, c *cli.Command) string {
	doc := commandDocs[path]
	var b strings.Builder
	args := strings.TrimSpace(c.ArgsUsage)
	fmt.Fprintf(&b, "Usage: j1hcl %s", path)
	if len(c.Subcommands) > 0 {
		b.WriteString(" SUBCOMMAND")
	}
	b.WriteString(" [flags]")
	if args != "" {
		b.WriteString(" " + args)
	}
	fmt.Fprintf(&b, "\n\n  %s.\n", capitalizeFirst(c.Usage))
	paragraph := doc.paragraph
	if paragraph == "" {
		paragraph = c.Description
	}
	if paragraph != "" {
		b.WriteString("\n" + indentText(templateText(paragraph), "  ") + "\n")
	}
	if len(c.Subcommands) > 0 {
		b.WriteString("\nSubcommands:\n")
		for _, sub := range c.Subcommands {
			fmt.Fprintf(&b, "  %s\t%s\n", sub.Name, templateText(sub.Usage))
		}
	}
	b.WriteString("\nFlags:\n{{range .VisibleFlags}}  {{.}}\n{{end}}")
	if len(doc.env) > 0 {
		b.WriteString("\nEnvironment:\n")
		for _, name := range doc.env {
			fmt.Fprintf(&b, "  %s\t%s\n", name, templateText(envDocs[name]))
		}
	}
	if len(doc.examples) > 0 {
		b.WriteString("\nExamples:\n")
		for _, e := range doc.examples {
			fmt.Fprintf(&b, "  %s\n", templateText(e))
		}
	}
	return b.String()
}

// templateText quotes s for a text/template: "{{" would start an action.
func templateText(s string) string {
	return strings.ReplaceAll(s, "{{", `{{"{{"}}`)
}

func indentText(s, indent string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = indent + l
		}
	}
	return strings.Join(lines, "\n")
}

// flagString shows a flag the way j1hcl's documentation writes it: -name=PLACEHOLDER, the
// placeholder being the `quoted` word of its usage (or its type), then the usage and the
// default.
func flagString(f cli.Flag) string {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return fmt.Sprint(f)
	}
	names := f.Names()
	placeholder, usage := unquoteUsage(df.GetUsage())
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("-" + n)
	}
	if df.TakesValue() {
		if placeholder == "" {
			placeholder = "VALUE"
		}
		b.WriteString("=" + placeholder)
	}
	b.WriteString("\t" + usage)
	def := df.GetDefaultText()
	if def == "" {
		def = df.GetValue()
	}
	if _, isBool := f.(*cli.BoolFlag); isBool && def != "true" {
		def = ""
	}
	if def != "" && def != `""` && def != "0" && def != "0s" && !strings.Contains(usage, "default") {
		fmt.Fprintf(&b, " (default: %s)", strings.Trim(def, `"`))
	}
	return b.String()
}

// unquoteUsage returns the `quoted` placeholder of a flag's usage and the usage without the
// backquotes: "read `FILE`" gives FILE and "read FILE".
func unquoteUsage(usage string) (placeholder, text string) {
	start := strings.IndexByte(usage, '`')
	if start < 0 {
		return "", usage
	}
	end := strings.IndexByte(usage[start+1:], '`')
	if end < 0 {
		return "", usage
	}
	end += start + 1
	return usage[start+1 : end], usage[:start] + usage[start+1:end] + usage[end+1:]
}

func init() { cli.FlagStringer = flagString }

func helpCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the list of commands, or a command's help",
		ArgsUsage: "[COMMAND [SUBCOMMAND]]",
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) == 0 {
				return cli.ShowAppHelp(c)
			}
			cmd, err := findCommand(c.App.Commands, args)
			if err != nil {
				return err
			}
			cli.HelpPrinter(c.App.Writer, cmd.CustomHelpTemplate, cmd)
			return nil
		},
	}
}

// findCommand returns the command that path names ("state", "rm"), or an unknown-command
// error with a suggestion.
func findCommand(cmds []*cli.Command, path []string) (*cli.Command, error) {
	var found *cli.Command
	for i, name := range path {
		var next *cli.Command
		for _, c := range cmds {
			if c.HasName(name) {
				next = c
			}
		}
		if next == nil {
			return nil, unknownCommand(cmds, path[:i], name)
		}
		found, cmds = next, next.Subcommands
	}
	return found, nil
}

// unknownCommand is the error for name, unknown under the command path parents.
func unknownCommand(cmds []*cli.Command, parents []string, name string) error {
	var names []string
	for _, c := range cmds {
		if !c.Hidden {
			names = append(names, c.Names()...)
		}
	}
	sort.Strings(names)
	where := strings.Join(append([]string{"j1hcl"}, parents...), " ")
	return fmt.Errorf("%q is not a %s command.%s Run '%s' for the list of commands", name, where, suggest.DidYouMean(name, names), strings.Join(append([]string{"j1hcl help"}, parents...), " "))
}

// checkCommand refuses an unknown command or subcommand in args (global flags removed)
// before urfave/cli sees it, which would only say "No help topic".
func checkCommand(cmds []*cli.Command, args []string) error {
	var parents []string
	for _, a := range args {
		if a == "--" {
			return nil
		}
		if strings.HasPrefix(a, "-") {
			if len(parents) > 0 {
				return nil // the command's own flags and arguments follow
			}
			continue
		}
		var next *cli.Command
		for _, c := range cmds {
			if c.HasName(a) {
				next = c
			}
		}
		if next == nil {
			if len(parents) > 0 && len(cmds) == 0 {
				return nil // an argument of the command
			}
			return unknownCommand(cmds, parents, a)
		}
		parents = append(parents, a)
		cmds = next.Subcommands
		if len(cmds) == 0 {
			return nil
		}
	}
	return nil
}

// unknownFlag turns urfave/cli's "flag provided but not defined: -x" into a message with a
// suggestion among flags; other usage errors pass through.
func unknownFlag(err error, flags []cli.Flag, where string) error {
	const prefix = "flag provided but not defined: -"
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return fmt.Errorf("%s. Run '%s -help' for usage", msg, where)
	}
	name := strings.TrimLeft(strings.TrimPrefix(msg, prefix), "-")
	var names []string
	for _, f := range flags {
		for _, n := range f.Names() {
			names = append(names, "-"+n)
		}
	}
	return fmt.Errorf("%s has no flag -%s.%s Run '%s -help' for its flags", where, name, suggest.DidYouMean("-"+name, names), where)
}
