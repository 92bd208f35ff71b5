package command

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/apply"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/render"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

func applyCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "plan (or load PLANFILE), ask, run the Sync API job and record the new state",
		ArgsUsage: "[PLANFILE]",
		Flags:     applyFlags(),
		Action: func(c *cli.Context) error {
			a, err := parseApplyArgs(c)
			m.useView(a.output.format)
			if err != nil {
				return err
			}
			return m.runApply(c.Context, a)
		},
	}
}

func (m *meta) runApply(ctx context.Context, a applyArgs) error {
	json := a.output.format == "json"
	if json && a.planFile == "" && !a.autoApprove {
		// The question would land in the middle of the JSON document.
		return fmt.Errorf("apply -json needs -auto-approve (or a saved plan): there is no room for a question in JSON output")
	}
	// The API settings are checked first: an apply that cannot reach the API need not plan.
	client, err := m.syncClient()
	if err != nil {
		return err
	}
	out := m.view.Log()
	opts := a.options

	var (
		p  *plan.Plan
		st *openedState
	)
	if a.planFile != "" {
		p, st, err = m.loadSavedPlan(ctx, a)
		if err != nil {
			return err
		}
		defer st.release()
		if !p.HasChanges() {
			fmt.Fprintln(out, "No changes. The saved plan has nothing to apply.")
			return nil
		}
	} else {
		run, err := m.makePlan(ctx, a.planArgs, "apply", opts.FinalizeTimeout, false)
		if err != nil {
			return err
		}
		st = run.state
		defer st.release()
		p = run.plan
		if a.refresh.only {
			return m.recordRefresh(ctx, a, run)
		}
		if err := m.renderPlan(m.env.Stdout, p, a.output); err != nil {
			return err
		}
		if !p.HasChanges() {
			return nil
		}
		// Refuse before asking: a "yes" to a plan that will be refused is wasted.
		if p.MassDelete != nil && !opts.AllowMassDelete {
			return &apply.MassDeleteError{Deleting: p.MassDelete.Deleting, Total: p.MassDelete.Total}
		}
		if !a.autoApprove {
			if err := m.approve(); err != nil {
				return err
			}
		}
	}

	// What the configuration's evaluation, validation and diff left behind is garbage now,
	// most of the heap of a large plan: collecting it before the uploads lets them and the
	// pending record reuse that memory instead of growing the heap into fresh pages.
	runtime.GC()

	if m.env.StdoutTerminal && !json {
		opts.Progress = apply.NewBar(m.env.Stdout) // numbers only, and it draws with \r
	} else {
		opts.Progress = apply.NewLog(out)
	}
	ctx, stop := m.interruptible(ctx)
	defer stop()
	runner := &apply.Runner{Client: client, Out: out, Now: time.Now, ToolVersion: Version}
	res, err := runner.Apply(ctx, p, st.file, st.store, opts)
	if err != nil {
		return err
	}
	if json {
		return m.appliedJSON(res)
	}
	m.printApplied(out, res, p.Summary().Imported)
	return nil
}

// approve asks for confirmation; only "yes" goes ahead.
func (m *meta) approve() error {
	if !m.env.StdinTerminal {
		return fmt.Errorf("apply needs confirmation, but standard input is not a terminal, so nothing was sent: " +
			"run apply -auto-approve to apply without asking, or save the plan with plan -out=FILE and run apply FILE")
	}
	ok, err := m.confirm("\nDo you want to apply these changes? Only 'yes' will be accepted: ", "run apply -auto-approve")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("apply cancelled: nothing was sent")
	}
	return nil
}

// loadSavedPlan reads a saved plan, opens its state, checks that the plan was made against
// the state as it is now and verifies the file end to end (plan.VerifyFile).
func (m *meta) loadSavedPlan(ctx context.Context, a applyArgs) (*plan.Plan, *openedState, error) {
	if len(a.planFlagsSet) > 0 {
		return nil, nil, fmt.Errorf("-%s cannot be used with a saved plan: the plan in %s already fixes the configuration it was made from; make a new plan instead", a.planFlagsSet[0], a.planFile)
	}
	settings, err := m.stateSettings(nil)
	if err != nil {
		return nil, nil, err
	}
	p, err := m.readPlanFile(a.planFile, settings)
	if err != nil {
		return nil, nil, err
	}
	st, err := m.openState(ctx, a.state, openOptions{operation: "apply", target: &p.Target, pendingWait: a.options.FinalizeTimeout, settings: settings})
	if err != nil {
		return nil, nil, err
	}
	g, info := priorOf(st.file, true)
	err = p.CheckCurrent(info, p.Target)
	if err == nil {
		err = plan.VerifyFile(p, g)
	}
	if err != nil {
		st.release()
		return nil, nil, err
	}
	return p, st, nil
}

// printApplied reports a successful apply: the plan's counts, then what the job counted.
func (m *meta) printApplied(w io.Writer, res *apply.Result, imported int) {
	c := res.Counts
	if res.Job == nil {
		var recorded []string
		if imported > 0 {
			recorded = append(recorded, render.Count(imported, "object", "objects")+" imported")
		}
		if res.Moved > 0 || imported == 0 {
			recorded = append(recorded, render.Count(res.Moved, "object", "objects")+" moved")
		}
		fmt.Fprintf(w, "\n%s The state records %s; no job was needed.\n", m.pal.Bold(m.pal.Green("Apply complete!")), strings.Join(recorded, " and "))
		return
	}
	j := res.Job
	fmt.Fprintf(w, "\n%s Job %s: %d added, %d changed, %d destroyed.\n", m.pal.Bold(m.pal.Green("Apply complete!")), render.Escape(j.ID), c.Add, c.Change, c.Destroy)
	fmt.Fprintf(w, "Entities:             %d uploaded, %d created, %d updated, %d deleted\n",
		j.NumEntitiesUploaded, j.NumEntitiesCreated, j.NumEntitiesUpdated, j.NumEntitiesDeleted)
	fmt.Fprintf(w, "Relationships:        %d uploaded, %d created, %d updated, %d deleted\n",
		j.NumRelationshipsUploaded, j.NumRelationshipsCreated, j.NumRelationshipsUpdated, j.NumRelationshipsDeleted)
	if j.NumMappedRelationshipsCreated+j.NumMappedRelationshipsUpdated+j.NumMappedRelationshipsDeleted > 0 {
		fmt.Fprintf(w, "Mapped relationships: %d created, %d updated, %d deleted\n",
			j.NumMappedRelationshipsCreated, j.NumMappedRelationshipsUpdated, j.NumMappedRelationshipsDeleted)
	}
	for _, warning := range res.Warnings() {
		m.view.Warning(warning)
	}
}

// appliedJSON reports a successful apply as a line of JSON on standard error (standard output
// holds the plan document): {"type":"apply_complete","job_id","added","changed","destroyed",
// "moved","job":{the job's counters}}.
func (m *meta) appliedJSON(res *apply.Result) error {
	for _, warning := range res.Warnings() {
		m.view.Warning(warning)
	}
	type complete struct {
		Type      string       `json:"type"`
		JobID     string       `json:"job_id,omitempty"`
		Added     int          `json:"added"`
		Changed   int          `json:"changed"`
		Destroyed int          `json:"destroyed"`
		Moved     int          `json:"moved"`
		Job       *syncapi.Job `json:"job,omitempty"`
	}
	c := complete{Type: "apply_complete", Added: res.Counts.Add, Changed: res.Counts.Change, Destroyed: res.Counts.Destroy, Moved: res.Moved, Job: res.Job}
	if res.Job != nil {
		c.JobID = res.Job.ID
	}
	return writeJSONLine(m.env.Stderr, c)
}

// syncClient returns a Sync API client configured from the environment.
func (m *meta) syncClient() (*syncapi.Client, error) {
	cfg := syncapi.ConfigFromEnv(m.env.Getenv)
	cfg.Logger = m.logger
	cfg.UserAgent = "j1hcl/" + Version
	return syncapi.New(cfg)
}
