// Package command implements j1hcl's command-line interface: flags to typed arguments, calls
// into the pipeline, and views of the results.
package command

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// Version is j1hcl's version; release builds set it with -ldflags "-X ...command.Version=…".
var Version = "0.1.0-dev"

// Exit codes shared by every command (README: exit codes).
const (
	ExitOK        = 0
	ExitError     = 1
	ExitChanges   = 2 // plan -detailed-exitcode: success with changes
	ExitUnchanged = 3 // fmt -check: some files are not formatted
)

// exitCode carries a non-error exit status (plan -detailed-exitcode, fmt -check) or an error
// that has already been reported to the user.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// Env is what a command may touch of the outside world. Tests substitute every field.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Getenv         func(string) string
	Environ        func() []string
	// StdinTerminal and StdoutTerminal say whether the streams are interactive terminals.
	StdinTerminal  bool
	StdoutTerminal bool
	// Width is the terminal's width in columns, 0 when unknown or not a terminal.
	Width int
}

// OSEnv returns the process's real environment.
func OSEnv() *Env {
	env := &Env{
		Stdout:         os.Stdout,
		Stderr:         os.Stderr,
		Stdin:          os.Stdin,
		Getenv:         os.Getenv,
		Environ:        os.Environ,
		StdinTerminal:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTerminal: term.IsTerminal(int(os.Stdout.Fd())),
	}
	if env.StdoutTerminal {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			env.Width = w
		}
	}
	return env
}

// globals are the flags accepted before or after the command name.
type globals struct {
	chdir   string
	noColor bool
	color   string // auto, always, never
}

// Main runs j1hcl with args (os.Args) and returns the process exit code.
func Main(env *Env, args []string) int {
	g, rest, err := extractGlobals(args[1:])
	if err != nil {
		fmt.Fprintf(env.Stderr, "Error: %s\n", err)
		return ExitError
	}
	if g.chdir != "" {
		if err := os.Chdir(g.chdir); err != nil {
			fmt.Fprintf(env.Stderr, "Error: -chdir=%s: %s\n", g.chdir, err)
			return ExitError
		}
	}
	m := &meta{env: env, color: useColor(env, g), logger: newLogger(env)}
	app := newApp(m)
	err = app.Run(append([]string{args[0]}, permuteArgs(app.Commands, rest)...))
	return m.exitStatus(err)
}

func (m *meta) exitStatus(err error) int {
	var code exitCode
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &code):
		return int(code)
	}
	m.errorLine(err.Error())
	return ExitError
}

// extractGlobals removes -chdir, -no-color and --color from anywhere before "--".
func extractGlobals(args []string) (globals, []string, error) {
	g := globals{color: "auto"}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		switch name {
		case "chdir", "color":
			if !hasValue {
				if i+1 >= len(args) {
					return g, nil, fmt.Errorf("-%s needs a value", name)
				}
				i++
				value = args[i]
			}
			if name == "chdir" {
				g.chdir = value
				continue
			}
			switch value {
			case "auto", "always", "never":
				g.color = value
			default:
				return g, nil, fmt.Errorf("--color must be auto, always or never, not %q", value)
			}
		case "no-color":
			g.noColor = true
		default:
			rest = append(rest, a)
		}
	}
	return g, rest, nil
}

func useColor(env *Env, g globals) bool {
	switch {
	case g.noColor || g.color == "never":
		return false
	case env.Getenv("NO_COLOR") != "":
		return false
	case g.color == "always":
		return true
	}
	return env.StdoutTerminal
}

// permuteArgs moves a command's flags before its positional arguments, so that
// `j1hcl import-json payload.json -out dir` works like `j1hcl import-json -out dir payload.json`
// (Go's flag parsing stops at the first positional argument).
func permuteArgs(cmds []*cli.Command, args []string) []string {
	var prefix []string
	var cmd *cli.Command
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if cmd == nil {
				prefix = append(prefix, a) // app-level flags such as --help
				continue
			}
			break
		}
		var next *cli.Command
		for _, c := range cmds {
			if c.HasName(a) {
				next = c
			}
		}
		if next == nil {
			break
		}
		prefix = append(prefix, a)
		cmd, cmds = next, next.Subcommands
	}
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, positional []string
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if takesValue[name] && !hasValue && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	out := append(prefix, flags...)
	if len(positional) > 0 {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}

func newLogger(env *Env) *slog.Logger {
	level := env.Getenv("J1HCL_LOG")
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "info":
		l = slog.LevelInfo
	case "warn", "warning":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: l, ReplaceAttr: redactAttr}))
}

// redactAttr keeps credentials out of logs whatever a caller passes.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch strings.ToLower(a.Key) {
	case "authorization", "api_key", "apikey", "token":
		return slog.String(a.Key, "REDACTED")
	}
	return a
}

func newApp(m *meta) *cli.App {
	app := &cli.App{
		Name:                      "j1hcl",
		Usage:                     "manage a JupiterOne graph as code",
		Version:                   Version,
		Writer:                    m.env.Stdout,
		ErrWriter:                 m.env.Stderr,
		DisableSliceFlagSeparator: true,
		HideHelpCommand:           true,
		ExitErrHandler:            func(*cli.Context, error) {},
		Flags: []cli.Flag{
			// Handled before urfave/cli sees the arguments; declared for the help text.
			&cli.StringFlag{Name: "chdir", Usage: "switch to `DIR` before doing anything"},
			&cli.BoolFlag{Name: "no-color", Usage: "disable colour output"},
			&cli.StringFlag{Name: "color", Usage: "colour output: auto, always or never", Value: "auto"},
		},
		Commands: []*cli.Command{
			initCommand(m),
			validateCommand(m),
			fmtCommand(m),
			planCommand(m),
			applyCommand(m),
			showCommand(m),
			stateCommand(m),
			exportCommand(m),
			importJSONCommand(m),
			graphCommand(m),
			serveCommand(m),
			forceUnlockCommand(m),
			versionCommand(m),
		},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return fmt.Errorf("%s. Run 'j1hcl --help' for usage", err)
		},
	}
	for _, c := range app.Commands {
		if c.OnUsageError == nil {
			c.OnUsageError = func(c *cli.Context, err error, _ bool) error {
				return fmt.Errorf("%s. Run 'j1hcl %s -help' for usage", err, c.Command.FullName())
			}
		}
	}
	cli.VersionPrinter = func(c *cli.Context) { printVersion(m) }
	return app
}

func versionCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version, Go version and data-model version",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("version takes no arguments")
			}
			printVersion(m)
			return nil
		},
	}
}

func printVersion(m *meta) {
	fmt.Fprintf(m.env.Stdout, "j1hcl %s\n%s %s/%s\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(m.env.Stdout, "data model %s\n", dataModelVersion())
}
