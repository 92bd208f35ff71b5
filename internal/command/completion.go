package command

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

func completionCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script",
		ArgsUsage: "bash|zsh|fish",
		Action: func(c *cli.Context) error {
			shell := c.Args().First()
			if c.NArg() != 1 {
				return fmt.Errorf("completion takes one shell: bash, zsh or fish")
			}
			write, ok := completionWriters[shell]
			if !ok {
				return fmt.Errorf("completion supports bash, zsh and fish, not %q", shell)
			}
			return write(m.env.Stdout, completionTree(c.App.Commands))
		},
	}
}

var completionWriters = map[string]func(io.Writer, []completionEntry) error{
	"bash": bashCompletion,
	"zsh":  zshCompletion,
	"fish": fishCompletion,
}

// completionEntry is one command (path "state rm") with what can follow it.
type completionEntry struct {
	path        string
	usage       string
	subcommands []string
	flags       []completionFlag
}

type completionFlag struct {
	name, usage string
	takesValue  bool
}

// completionTree flattens the visible command tree: the top level (path "") first.
func completionTree(cmds []*cli.Command) []completionEntry {
	top := completionEntry{}
	var out []completionEntry
	var walk func(path string, c *cli.Command)
	walk = func(path string, c *cli.Command) {
		e := completionEntry{path: path, usage: c.Usage}
		for _, f := range c.VisibleFlags() {
			df, ok := f.(cli.DocGenerationFlag)
			_, usage := unquoteUsage(df.GetUsage())
			e.flags = append(e.flags, completionFlag{name: f.Names()[0], usage: usage, takesValue: ok && df.TakesValue()})
		}
		for _, sub := range c.Subcommands {
			if !sub.Hidden {
				e.subcommands = append(e.subcommands, sub.Name)
			}
		}
		out = append(out, e)
		for _, sub := range c.Subcommands {
			if !sub.Hidden {
				walk(path+" "+sub.Name, sub)
			}
		}
	}
	for _, c := range cmds {
		if !c.Hidden {
			top.subcommands = append(top.subcommands, c.Name)
		}
	}
	for _, c := range cmds {
		if !c.Hidden {
			walk(c.Name, c)
		}
	}
	return append([]completionEntry{top}, out...)
}

// shellQuote quotes s for a POSIX shell (and fish) as one single-quoted word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (e completionEntry) flagNames() string {
	names := make([]string, len(e.flags))
	for i, f := range e.flags {
		names[i] = "-" + f.name
	}
	return strings.Join(names, " ")
}

func bashCompletion(w io.Writer, tree []completionEntry) error {
	var b strings.Builder
	b.WriteString(`# bash completion for j1hcl. Load it with: source <(j1hcl completion bash)
_j1hcl() {
    local cur="${COMP_WORDS[COMP_CWORD]}" cmdpath="" word i
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${COMP_WORDS[i]}"
        case "$word" in
        -*) ;;
        *) case " $(_j1hcl_subcommands "$cmdpath") " in
            *" $word "*) cmdpath="${cmdpath:+$cmdpath }$word" ;;
            esac ;;
        esac
    done
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_j1hcl_flags "$cmdpath")" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$(_j1hcl_subcommands "$cmdpath")" -- "$cur"))
    fi
}
_j1hcl_subcommands() {
    case "$1" in
`)
	for _, e := range tree {
		if len(e.subcommands) > 0 {
			fmt.Fprintf(&b, "    %s) echo %s ;;\n", shellQuote(e.path), shellQuote(strings.Join(e.subcommands, " ")))
		}
	}
	b.WriteString(`    esac
}
_j1hcl_flags() {
    case "$1" in
`)
	for _, e := range tree {
		if len(e.flags) > 0 {
			fmt.Fprintf(&b, "    %s) echo %s ;;\n", shellQuote(e.path), shellQuote(e.flagNames()))
		}
	}
	b.WriteString(`    esac
}
complete -o default -F _j1hcl j1hcl
`)
	_, err := io.WriteString(w, b.String())
	return err
}

func zshCompletion(w io.Writer, tree []completionEntry) error {
	var b strings.Builder
	b.WriteString(`#compdef j1hcl
# zsh completion for j1hcl. Load it with: source <(j1hcl completion zsh)
# (or save it as _j1hcl in a directory of $fpath).
_j1hcl() {
    local cmdpath="" word i
    local -a items
    for ((i = 2; i < CURRENT; i++)); do
        word="${words[i]}"
        [[ "$word" == -* ]] && continue
        items=(${(f)"$(_j1hcl_subcommands "$cmdpath")"})
        (( ${items[(I)${word}:*]} )) && cmdpath="${cmdpath:+$cmdpath }$word"
    done
    if [[ "${words[CURRENT]}" == -* ]]; then
        items=(${(f)"$(_j1hcl_flags "$cmdpath")"})
        _describe -t flags 'flag' items
    else
        items=(${(f)"$(_j1hcl_subcommands "$cmdpath")"})
        if (( ${#items} )); then
            _describe -t commands 'command' items
        else
            _files
        fi
    fi
}
_j1hcl_subcommands() {
    case "$1" in
`)
	usage := map[string]string{}
	for _, e := range tree {
		usage[e.path] = e.usage
	}
	for _, e := range tree {
		if len(e.subcommands) == 0 {
			continue
		}
		lines := make([]string, len(e.subcommands))
		for i, s := range e.subcommands {
			lines[i] = s + ":" + usage[strings.TrimSpace(e.path+" "+s)]
		}
		fmt.Fprintf(&b, "    %s) print -r -- %s ;;\n", shellQuote(e.path), shellQuote(strings.Join(lines, "\n")))
	}
	b.WriteString(`    esac
}
_j1hcl_flags() {
    case "$1" in
`)
	for _, e := range tree {
		if len(e.flags) == 0 {
			continue
		}
		lines := make([]string, len(e.flags))
		for i, f := range e.flags {
			lines[i] = "-" + f.name + ":" + f.usage
		}
		fmt.Fprintf(&b, "    %s) print -r -- %s ;;\n", shellQuote(e.path), shellQuote(strings.Join(lines, "\n")))
	}
	b.WriteString(`    esac
}
compdef _j1hcl j1hcl
`)
	_, err := io.WriteString(w, b.String())
	return err
}

func fishCompletion(w io.Writer, tree []completionEntry) error {
	var b strings.Builder
	b.WriteString("# fish completion for j1hcl. Load it with: j1hcl completion fish | source\n")
	top := tree[0]
	for _, e := range tree[1:] {
		if !strings.Contains(e.path, " ") {
			fmt.Fprintf(&b, "complete -c j1hcl -n %s -a %s -d %s\n",
				shellQuote("not __fish_seen_subcommand_from "+strings.Join(top.subcommands, " ")), shellQuote(e.path), shellQuote(e.usage))
		}
	}
	for _, e := range tree[1:] {
		cond := "__fish_seen_subcommand_from " + lastWord(e.path)
		if i := strings.IndexByte(e.path, ' '); i > 0 {
			cond = "__fish_seen_subcommand_from " + e.path[:i] + "; and " + cond
		}
		if len(e.subcommands) > 0 {
			for _, sub := range e.subcommands {
				fmt.Fprintf(&b, "complete -c j1hcl -n %s -a %s\n",
					shellQuote(cond+"; and not __fish_seen_subcommand_from "+strings.Join(e.subcommands, " ")), shellQuote(sub))
			}
		}
		for _, f := range e.flags {
			value := ""
			if f.takesValue {
				value = " -r"
			}
			fmt.Fprintf(&b, "complete -c j1hcl -n %s -o %s%s -d %s\n", shellQuote(cond), f.name, value, shellQuote(f.usage))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func lastWord(path string) string {
	if i := strings.LastIndexByte(path, ' '); i >= 0 {
		return path[i+1:]
	}
	return path
}
