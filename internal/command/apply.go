package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/apply"
	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

func applyCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "plan (or load PLANFILE), ask, run the Sync API job and record the new state",
		ArgsUsage: "[PLANFILE]",
		Flags: append(planFlags(),
			&cli.BoolFlag{Name: "auto-approve", Usage: "apply without asking for confirmation"},
			&cli.IntFlag{Name: "batch-size", Value: syncapi.DefaultBatchSize, Usage: "at most `N` objects per upload request"},
			&cli.IntFlag{Name: "parallelism", Value: syncapi.DefaultParallelism, Usage: "at most `N` upload requests in flight"},
			&cli.BoolFlag{Name: "allow-mass-delete", Usage: "apply a DIFF plan that destroys more than half of the recorded objects"},
			&cli.DurationFlag{Name: "finalize-timeout", Value: apply.DefaultFinalizeTimeout, Usage: "how long (`DURATION`) to wait for the job to finish after finalize"},
		),
		Action: m.runApply,
	}
}

// savedPlanConflicts are the flags that would change a plan; a saved plan is applied exactly
// as it was made.
var savedPlanConflicts = []string{"var", "var-file", "mode", "target"}

func (m *meta) runApply(c *cli.Context) error {
	if c.NArg() > 1 {
		return fmt.Errorf("apply takes at most one argument, a plan file saved with plan -out")
	}
	format, err := outputFormat(c)
	if err != nil {
		return err
	}
	if format == "json" && c.NArg() == 0 && !c.Bool("auto-approve") {
		// The question would land in the middle of the JSON document.
		return fmt.Errorf("apply -json needs -auto-approve (or a saved plan): there is no room for a question in JSON output")
	}
	opts := apply.Options{
		BatchSize:       c.Int("batch-size"),
		Parallelism:     c.Int("parallelism"),
		FinalizeTimeout: c.Duration("finalize-timeout"),
		AllowMassDelete: c.Bool("allow-mass-delete"),
	}
	switch {
	case opts.BatchSize < 1:
		return fmt.Errorf("-batch-size must be at least 1, not %d", opts.BatchSize)
	case opts.Parallelism < 1:
		return fmt.Errorf("-parallelism must be at least 1, not %d", opts.Parallelism)
	case opts.FinalizeTimeout <= 0:
		return fmt.Errorf("-finalize-timeout must be positive, not %s", opts.FinalizeTimeout)
	}
	// The API settings are checked first: an apply that cannot reach the API need not plan.
	client, err := m.syncClient()
	if err != nil {
		return err
	}
	// Messages go to standard output unless it carries a JSON document.
	out := m.env.Stdout
	if format == "json" {
		out = m.env.Stderr
	}

	var (
		p      *plan.Plan
		prior  *state.File
		path   string
		unlock func()
	)
	if c.NArg() == 1 {
		p, prior, path, unlock, err = m.loadSavedPlan(c, c.Args().First())
		if err != nil {
			return err
		}
		defer unlock()
		if !p.HasChanges() {
			fmt.Fprintln(out, "No changes. The saved plan has nothing to apply.")
			return nil
		}
	} else {
		run, err := m.makePlan(c, "apply", false)
		if err != nil {
			return err
		}
		defer run.unlock()
		p, prior, path = run.plan, run.prior, run.statePath
		if err := m.renderPlan(m.env.Stdout, p, format, c); err != nil {
			return err
		}
		if !p.HasChanges() {
			return nil
		}
		// Refuse before asking: a "yes" to a plan that will be refused is wasted.
		if p.MassDelete != nil && !opts.AllowMassDelete {
			return &apply.MassDeleteError{Deleting: p.MassDelete.Deleting, Total: p.MassDelete.Total}
		}
		if !c.Bool("auto-approve") {
			if err := m.approve(); err != nil {
				return err
			}
		}
	}

	if m.env.StdoutTerminal && format != "json" {
		opts.Progress = apply.NewBar(out)
	} else {
		opts.Progress = apply.NewLog(out)
	}
	ctx, stop := interruptible(c.Context)
	defer stop()
	runner := &apply.Runner{Client: client, Out: out, Now: time.Now, ToolVersion: Version}
	res, err := runner.Apply(ctx, p, prior, backend.NewLocal(path), opts)
	if err != nil {
		return err
	}
	m.printApplied(out, res)
	return nil
}

// approve asks for confirmation; only "yes" goes ahead.
func (m *meta) approve() error {
	if !m.env.StdinTerminal {
		return fmt.Errorf("apply needs confirmation, but standard input is not a terminal, so nothing was sent: " +
			"run apply -auto-approve to apply without asking, or save the plan with plan -out=FILE and run apply FILE")
	}
	ok, err := m.confirm("\nDo you want to apply these changes? Only 'yes' will be accepted: ")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("apply cancelled: nothing was sent")
	}
	return nil
}

// loadSavedPlan reads a saved plan, locks its state, checks that the plan was made against
// the state as it is now and verifies the file end to end (plan.VerifyFile).
func (m *meta) loadSavedPlan(c *cli.Context, file string) (*plan.Plan, *state.File, string, func(), error) {
	for _, name := range savedPlanConflicts {
		if c.IsSet(name) {
			return nil, nil, "", nil, fmt.Errorf("-%s cannot be used with a saved plan: the plan in %s already fixes the configuration it was made from; make a new plan instead", name, file)
		}
	}
	p, err := plan.ReadFile(file)
	if err != nil {
		return nil, nil, "", nil, err
	}
	path := statePath(c)
	unlock, err := m.lockState(c, path, "apply")
	if err != nil {
		return nil, nil, "", nil, err
	}
	prior, err := m.readCurrentState(c, path, p.Target)
	if err == nil {
		g, info := priorOf(prior, true)
		if err = p.CheckCurrent(info, p.Target); err == nil {
			err = plan.VerifyFile(p, g)
		}
	}
	if err != nil {
		unlock()
		return nil, nil, "", nil, err
	}
	return p, prior, path, unlock, nil
}

// printApplied reports a successful apply: the plan's counts, then what the job counted.
func (m *meta) printApplied(w io.Writer, res *apply.Result) {
	c := res.Counts
	if res.Job == nil {
		fmt.Fprintf(w, "\n%s %d moved in the state; no job was needed.\n", m.style("Apply complete!", ansiBoldGreen), res.Moved)
		return
	}
	j := res.Job
	fmt.Fprintf(w, "\n%s Job %s: %d added, %d changed, %d destroyed.\n", m.style("Apply complete!", ansiBoldGreen), j.ID, c.Add, c.Change, c.Destroy)
	fmt.Fprintf(w, "Entities:             %d uploaded, %d created, %d updated, %d deleted\n",
		j.NumEntitiesUploaded, j.NumEntitiesCreated, j.NumEntitiesUpdated, j.NumEntitiesDeleted)
	fmt.Fprintf(w, "Relationships:        %d uploaded, %d created, %d updated, %d deleted\n",
		j.NumRelationshipsUploaded, j.NumRelationshipsCreated, j.NumRelationshipsUpdated, j.NumRelationshipsDeleted)
	if j.NumMappedRelationshipsCreated+j.NumMappedRelationshipsUpdated+j.NumMappedRelationshipsDeleted > 0 {
		fmt.Fprintf(w, "Mapped relationships: %d created, %d updated, %d deleted\n",
			j.NumMappedRelationshipsCreated, j.NumMappedRelationshipsUpdated, j.NumMappedRelationshipsDeleted)
	}
	for _, warning := range res.Warnings() {
		m.warnLine(warning)
	}
}

// syncClient returns a Sync API client configured from the environment.
func (m *meta) syncClient() (*syncapi.Client, error) {
	cfg := syncapi.ConfigFromEnv(m.env.Getenv)
	cfg.Logger = m.logger
	cfg.UserAgent = "j1hcl/" + Version
	return syncapi.New(cfg)
}

// interruptible returns a context cancelled by the first SIGINT or SIGTERM, with the signal
// as its cause. The default behaviour is back before the context is cancelled, so a second
// signal, however soon after the first, ends the process at once, as users expect of a second
// Ctrl-C. signal.NotifyContext restores it only when its stop is called, which raced with the
// shutdown the cancellation starts: a quick second signal could be swallowed.
func interruptible(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-signals:
			signal.Stop(signals)
			cancel(errors.New(s.String() + " signal received"))
		case <-ctx.Done():
			signal.Stop(signals)
		}
	}()
	return ctx, func() { cancel(nil) }
}

// resolvePending completes or clears the state's pending job record: it asks the Sync API
// for the job's outcome and writes the state back (the caller holds the state lock).
func (m *meta) resolvePending(c *cli.Context, path string, f *state.File) (*state.File, error) {
	client, err := m.syncClient()
	if err != nil {
		return nil, fmt.Errorf("the state %s records job %s as pending, and recording its outcome needs the Sync API: %w", path, f.PendingJob.ID, err)
	}
	wait := apply.DefaultPendingWait
	if d := c.Duration("finalize-timeout"); d > 0 {
		wait = d
	}
	runner := &apply.Runner{Client: client, Out: m.env.Stderr, Now: time.Now, ToolVersion: Version}
	return runner.ResolvePending(c.Context, f, backend.NewLocal(path), wait)
}
