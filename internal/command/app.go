// Package command implements j1hcl's command-line interface: flags to typed arguments, calls
// into the pipeline, and views of the results.
package command

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/render"
)

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
	// Signals delivers SIGINT and SIGTERM; nil when the caller handles signals itself.
	Signals <-chan os.Signal
	// Die ends the process as the signal would have by default, once its state locks are
	// released; nil exits with status 1.
	Die func(os.Signal)
}

// OSEnv returns the process's real environment. It takes over SIGINT and SIGTERM (see
// signalRouter) and ignores SIGPIPE, so that a write to a closed pipe (j1hcl plan | head -1)
// fails like any other write, the command ends through its usual path and releases its
// locks, rather than the process dying on the spot.
func OSEnv() *Env {
	signal.Ignore(syscall.SIGPIPE)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	env := &Env{
		Signals:        signals,
		Die:            dieOf,
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

// Main runs j1hcl with args (os.Args) and returns the process exit code. Whatever happens,
// an error, a panic or a failed write to standard output, it releases the state locks it took,
// and it returns 2 or 3 only for their documented meanings (plan -detailed-exitcode, fmt
// -check): anything unexpected is exit status 1.
func Main(env *Env, args []string) (code int) {
	stdout := &checkedWriter{w: env.Stdout}
	e := *env
	e.Stdout = stdout
	if e.Die == nil {
		e.Die = func(os.Signal) { os.Exit(ExitError) }
	}
	env = &e
	m := &meta{env: env, stdout: stdout, logger: slog.New(slog.DiscardHandler), signals: &signalRouter{}}
	m.view = textView{m}
	defer func() {
		if r := recover(); r != nil {
			m.locks.releaseAll()
			code = m.crashed(r, debug.Stack())
		}
	}()
	// A panic in a worker goroutine ends the same way, but from that goroutine.
	crash.SetHandler(m.crashExit)
	defer crash.SetHandler(nil)
	m.logger = newLogger(env)
	if env.Signals != nil {
		done := make(chan struct{})
		defer close(done)
		crash.Go(func() { m.route(env.Signals, done) })
	}

	g, rest, err := extractGlobals(args[1:])
	if err != nil {
		m.view.Error(err)
		return ExitError
	}
	if g.chdir != "" {
		if err := os.Chdir(g.chdir); err != nil {
			m.view.Error(fmt.Errorf("-chdir=%s: %w", g.chdir, err))
			return ExitError
		}
	}
	m.color = useColor(env, g)
	m.pal = render.NewPalette(m.color)
	app := newApp(m)
	if err := checkCommand(app.Commands, rest); err != nil {
		m.view.Error(err)
		return ExitError
	}
	err = app.Run(append([]string{args[0]}, permuteArgs(app.Commands, rest)...))
	m.locks.releaseAll()
	if werr := stdout.failure(); werr != nil {
		if err != nil && !errors.Is(err, werr) {
			m.exitStatus(err)
		}
		textView{m}.Error(fmt.Errorf("cannot write to standard output: %w", werr))
		return ExitError
	}
	return m.exitStatus(err)
}

// exitStatus reports err through the command's view and returns the exit status it means.
func (m *meta) exitStatus(err error) int {
	var code exitCode
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &code):
		return int(code)
	}
	m.view.Error(err)
	return ExitError
}

// crashed reports a panic: the value and stack go to a file (on standard error when no file
// can be written) and the user is asked to report the bug. The exit status is 1, never the 2
// of a Go crash, which plan -detailed-exitcode would read as "changes".
func (m *meta) crashed(value any, stack []byte) int {
	report := fmt.Sprintf("j1hcl %s (%s %s/%s) panicked: %v\n\n%s", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH, value, stack)
	where := "below"
	f, err := os.CreateTemp("", "j1hcl-crash-*.txt")
	if err == nil {
		_, err = f.WriteString(report)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		where = "in " + f.Name()
	}
	fmt.Fprintf(m.env.Stderr, "%s j1hcl hit an internal error: %s\n"+
		"This is a bug in j1hcl, not in your configuration. Please report it at %s with the crash report %s.\n"+
		"Any state lock this process held was released.\n",
		m.pal.Bold(m.pal.Red("Error:")), render.EscapeLines(fmt.Sprint(value)), bugURL, where)
	if err != nil {
		fmt.Fprintln(m.env.Stderr, render.EscapeLines(report))
	}
	return ExitError
}

// crashExit ends the process after a panic in a goroutine other than main's: the locks are
// released, the report written, and the exit status is 1, never Go's 2.
func (m *meta) crashExit(value any, stack []byte) {
	m.locks.releaseAll()
	os.Exit(m.crashed(value, stack))
}

// bugURL is where bugs are reported.
const bugURL = "https://github.com/j1hcl/j1hcl/issues"

// dieOf ends the process by the signal s with its default action, so that the parent sees
// what it sent (a shell reports 130 for SIGINT); where that is impossible, it exits 1.
func dieOf(s os.Signal) {
	signal.Reset(s)
	if p, err := os.FindProcess(os.Getpid()); err == nil && p.Signal(s) == nil {
		time.Sleep(time.Second) // the signal is on its way
	}
	os.Exit(ExitError)
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
			&cli.StringFlag{Name: "color", Usage: "colour output: `auto|always|never` (auto: on a terminal, unless NO_COLOR is set)", Value: "auto"},
			// urfave/cli adds its help flag only when no command is named help.
			cli.HelpFlag,
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
			importCommand(m),
			importRemoteCommand(m),
			graphCommand(m),
			serveCommand(m),
			forceUnlockCommand(m),
			versionCommand(m),
			helpCommand(m),
			completionCommand(m),
		},
		CustomAppHelpTemplate: appHelpTemplate,
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return unknownFlag(err, c.App.Flags, "j1hcl")
		},
	}
	for _, c := range app.Commands {
		m.setUp(c, nil)
	}
	cli.VersionPrinter = func(c *cli.Context) { printVersion(m) }
	return app
}

// setUp gives c and its subcommands their help and usage-error text, and makes every action
// record its command's name (for messages such as "state rm failed") before it runs.
func (m *meta) setUp(c *cli.Command, parents []string) {
	path := append(append([]string(nil), parents...), c.Name)
	name := strings.Join(path, " ")
	c.HelpName = "j1hcl " + name
	c.CustomHelpTemplate = helpTemplate(name, c)
	if c.OnUsageError == nil {
		c.OnUsageError = func(ctx *cli.Context, err error, _ bool) error {
			return unknownFlag(err, ctx.Command.Flags, "j1hcl "+name)
		}
	}
	if action := c.Action; action != nil {
		c.Action = func(ctx *cli.Context) error {
			m.command = name
			return action(ctx)
		}
	}
	for _, sub := range c.Subcommands {
		m.setUp(sub, path)
	}
}
