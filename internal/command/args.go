package command

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/apply"
	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// Each command parses its flags into one of these structs before it does any work; nothing
// below the command's Action reads *cli.Context. A flag shared by several commands is declared
// by one function here and parsed by its partner.

// varArgs are the flags that feed variables.
type varArgs struct {
	vars, files []string
}

func varFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "var", Usage: "set a variable: `NAME=VALUE` (repeatable)"},
		&cli.StringSliceFlag{Name: "var-file", Usage: "read variable values from `FILE` (repeatable)", TakesFile: true},
	}
}

func parseVarArgs(c *cli.Context) varArgs {
	return varArgs{vars: c.StringSlice("var"), files: c.StringSlice("var-file")}
}

// stateArgs say where the state is and how to lock it.
type stateArgs struct {
	// path is the state file of the local backend, resolved against the configuration
	// directory; pathSet says -state gave it.
	path    string
	pathSet bool
	// backendConfig are the -backend-config values (KEY=VALUE or FILE), in order.
	backendConfig []string
	// lock is false with -lock=false, and for commands that only read.
	lock        bool
	lockTimeout time.Duration
}

// stateFlags declares -state and, for commands that change the state, -lock and
// -lock-timeout. These flags are declared nowhere else.
func stateFlags(locking bool) []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "state", Usage: "state file `PATH` (default " + DefaultStateFile + " in the configuration directory)", TakesFile: true},
		&cli.StringSliceFlag{Name: "backend-config", Usage: "override a backend block setting: `KEY=VALUE`, or a FILE of such settings (repeatable)"},
	}
	if locking {
		flags = append(flags,
			&cli.BoolFlag{Name: "lock", Value: true, Usage: "lock the state while working (-lock=false to skip)"},
			&cli.DurationFlag{Name: "lock-timeout", Usage: "wait up to `DURATION` for a held state lock (e.g. 30s)"},
		)
	}
	return flags
}

// parseStateArgs reads the flags stateFlags declared for this command.
func parseStateArgs(c *cli.Context) stateArgs {
	a := stateArgs{path: c.String("state"), pathSet: c.IsSet("state"), backendConfig: c.StringSlice("backend-config")}
	if a.path == "" {
		a.path = filepath.Join(workDir(), DefaultStateFile)
	}
	if declared(c, "lock") {
		a.lock = c.Bool("lock")
		a.lockTimeout = c.Duration("lock-timeout")
	}
	return a
}

// declared reports whether the running command declares the flag name.
func declared(c *cli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// outputArgs choose how a plan is shown.
type outputArgs struct {
	format   string // text, markdown or json
	compact  bool
	maxChars int
	graph    bool
}

func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "json", Usage: "print the plan as one JSON document (same as -format=json)"},
		&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: `text|markdown|json`"},
		&cli.BoolFlag{Name: "compact", Usage: "one line per changed object, then the summary"},
		&cli.IntFlag{Name: "max-chars", Value: render.DefaultMaxChars, Usage: "markdown only: cap the output at `N` characters"},
		&cli.BoolFlag{Name: "graph", Usage: "markdown only: add a Mermaid diagram of the changed objects"},
	}
}

func parseOutputArgs(c *cli.Context) (outputArgs, error) {
	a := outputArgs{format: strings.ToLower(c.String("format")), compact: c.Bool("compact"), maxChars: c.Int("max-chars"), graph: c.Bool("graph")}
	if c.Bool("json") {
		if c.IsSet("format") && a.format != "json" {
			return a, fmt.Errorf("-json and -format=%s contradict each other", a.format)
		}
		a.format = "json"
	}
	switch a.format {
	case "text", "markdown", "json":
	default:
		return a, fmt.Errorf("-format must be text, markdown or json, not %q", a.format)
	}
	if a.compact && a.format == "json" {
		return a, fmt.Errorf("-compact applies to text and markdown output, not json")
	}
	return a, nil
}

// planArgs are the flags plan and apply share.
type planArgs struct {
	vars             varArgs
	state            stateArgs
	mode             string // "" when not given
	targets          []string
	detailedExitcode bool
	output           outputArgs
	refresh          refreshArgs
}

func planFlags() []cli.Flag {
	flags := append(varFlags(), stateFlags(true)...)
	flags = append(flags,
		&cli.StringFlag{Name: "mode", Usage: "sync mode: `DIFF|PATCH` (default from the integration block, else DIFF)"},
		&cli.StringSliceFlag{Name: "target", Usage: "limit the plan to objects whose address or _key matches `ADDRESS-OR-GLOB` (repeatable; PATCH only)"},
		&cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 0 when there are no changes, 2 when there are"},
	)
	flags = append(flags, refreshFlags(true)...)
	return append(flags, outputFlags()...)
}

func parsePlanArgs(c *cli.Context) (planArgs, error) {
	out, err := parseOutputArgs(c)
	a := planArgs{
		vars:             parseVarArgs(c),
		state:            parseStateArgs(c),
		mode:             c.String("mode"),
		targets:          c.StringSlice("target"),
		detailedExitcode: c.Bool("detailed-exitcode"),
		output:           out,
	}
	if err != nil {
		return a, err
	}
	a.refresh, err = parseRefreshArgs(c)
	return a, err
}

// applyArgs are apply's flags and its optional plan file.
type applyArgs struct {
	planArgs
	planFile    string // "" plans now
	autoApprove bool
	options     apply.Options
	// planFlagsSet are the flags given that would change a plan; a saved plan refuses them.
	planFlagsSet []string
}

func applyFlags() []cli.Flag {
	return append(planFlags(),
		&cli.BoolFlag{Name: "auto-approve", Usage: "apply without asking for confirmation"},
		&cli.IntFlag{Name: "batch-size", Value: syncapi.DefaultBatchSize, Usage: "at most `N` objects per upload request"},
		&cli.IntFlag{Name: "parallelism", Value: syncapi.DefaultParallelism, Usage: "at most `N` upload requests in flight"},
		&cli.BoolFlag{Name: "allow-mass-delete", Usage: "apply a DIFF plan that destroys more than half of the recorded objects"},
		&cli.DurationFlag{Name: "finalize-timeout", Value: apply.DefaultFinalizeTimeout, Usage: "bound the wait for the job to finish after finalize to `DURATION`"},
	)
}

// savedPlanConflicts are the flags that would change a plan; a saved plan is applied exactly
// as it was made.
var savedPlanConflicts = []string{"var", "var-file", "mode", "target", "refresh", "refresh-only"}

func parseApplyArgs(c *cli.Context) (applyArgs, error) {
	p, err := parsePlanArgs(c)
	a := applyArgs{
		planArgs:    p,
		autoApprove: c.Bool("auto-approve"),
		options: apply.Options{
			BatchSize:       c.Int("batch-size"),
			Parallelism:     c.Int("parallelism"),
			FinalizeTimeout: c.Duration("finalize-timeout"),
			AllowMassDelete: c.Bool("allow-mass-delete"),
		},
	}
	if err != nil {
		return a, err
	}
	switch c.NArg() {
	case 0:
	case 1:
		a.planFile = c.Args().First()
	default:
		return a, fmt.Errorf("apply takes at most one argument, a plan file saved with plan -out")
	}
	for _, name := range savedPlanConflicts {
		if c.IsSet(name) {
			a.planFlagsSet = append(a.planFlagsSet, name)
		}
	}
	switch o := a.options; {
	case o.BatchSize < 1:
		return a, fmt.Errorf("-batch-size must be at least 1, not %d", o.BatchSize)
	case o.Parallelism < 1:
		return a, fmt.Errorf("-parallelism must be at least 1, not %d", o.Parallelism)
	case o.FinalizeTimeout <= 0:
		return a, fmt.Errorf("-finalize-timeout must be positive, not %s", o.FinalizeTimeout)
	}
	return a, nil
}
