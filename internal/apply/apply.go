// Package apply runs a plan as a Sync API job and commits the state when the job finishes.
//
// The order of an apply is what keeps the graph and the state in step whatever happens:
//
//  1. start the job, upload the plan's payload (entities, then relationships);
//  2. any failure or interruption so far: abort the job, never finalize it, leave the state
//     untouched;
//  3. record the job as pending_job in the state, with the state it leads to;
//  4. finalize and poll the job until it is terminal;
//  5. FINISHED: commit the recorded state; failed: clear the pending record.
//
// A process that dies after step 3 leaves a pending record behind; ResolvePending, which
// every state-reading command runs first, completes it from the job's outcome.
package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// Defaults of Options.
const (
	DefaultFinalizeTimeout = 30 * time.Minute
	// abortTimeout bounds the abort of a failed job, sent on a fresh context because the
	// apply's own may be the reason it failed (an interrupt).
	abortTimeout = 30 * time.Second
	// finalizeRequestTimeout bounds the finalize request itself. Finalize is sent on a
	// context an interrupt does not cancel: once the pending record is written, knowing
	// whether finalize was received matters more than stopping a moment sooner.
	finalizeRequestTimeout = 2 * time.Minute
	// stateTimeout bounds one read or write of the state in its backend.
	stateTimeout = 2 * time.Minute
	// maxReason bounds the abort reason, which quotes the failure.
	maxReason = 1000
)

// Runner runs plans and resolves pending jobs through one Sync API client.
type Runner struct {
	// Client talks to the Sync API.
	Client *syncapi.Client
	// Out receives one line per step (job started, finalizing, finished, aborted, pending job
	// resolved). Nil discards them.
	Out io.Writer
	// Now is the clock of the state's timestamps (pending_job.recorded_at,
	// last_job.finished_at). Nil is time.Now.
	Now func() time.Time
	// ToolVersion is recorded in the state files the runner writes.
	ToolVersion string
}

// Options tune one apply.
type Options struct {
	// BatchSize is the most objects per upload request (syncapi.DefaultBatchSize when 0).
	BatchSize int
	// Parallelism is how many upload requests are in flight at once
	// (syncapi.DefaultParallelism when 0).
	Parallelism int
	// DisableGzip sends upload bodies uncompressed.
	DisableGzip bool
	// FinalizeTimeout bounds the wait for a finalized job to become terminal
	// (DefaultFinalizeTimeout when 0). A job still running then stays pending in the state.
	FinalizeTimeout time.Duration
	// PollInterval is the first pause between job status polls (syncapi.DefaultPollInterval
	// when 0).
	PollInterval time.Duration
	// AllowMassDelete lets a plan with MassDelete set run.
	AllowMassDelete bool
	// Progress reports the upload. Nil reports nothing.
	Progress Progress
}

// Result is a successful apply.
type Result struct {
	// Job is the finished job; nil when the plan needed none (only moves, which change the
	// state's addresses and nothing remote).
	Job *syncapi.Job
	// Counts are the plan's counts of objects added, changed and destroyed.
	Counts plan.Counts
	// Moved counts objects whose address changed.
	Moved int
	// State is the state as written.
	State *state.File
	// StateChanged reports whether the recorded objects changed (and so the serial grew).
	StateChanged bool
}

// Warnings returns one sentence per non-zero error counter of the job, e.g. a relationship
// not created because an endpoint does not exist.
func (r *Result) Warnings() []string {
	if r.Job == nil {
		return nil
	}
	var out []string
	for _, c := range r.Job.ErrorCounters() {
		out = append(out, fmt.Sprintf("job %s reports %s = %d: %s", r.Job.ID, c.Name, c.Value, counterHint(c.Name)))
	}
	return out
}

func counterHint(name string) string {
	switch name {
	case "numRelationshipCreateErrors":
		return "some relationships were not created, usually because an endpoint entity does not exist in the graph; check _fromEntityKey and _toEntityKey"
	case "numEntityCreateErrors", "numEntityUpdateErrors":
		return "JupiterOne refused some entities; check the job's events in JupiterOne"
	case "numEntityDeleteErrors", "numRelationshipDeleteErrors", "numMappedRelationshipDeleteErrors":
		return "some objects could not be deleted; a later DIFF apply retries the deletion"
	case "numMappedRelationshipCreateErrors", "numMappedRelationshipUpdateErrors":
		return "JupiterOne could not map some mapped relationships; check their _mapping (targetFilterKeys and targetEntity) and the job's events in JupiterOne"
	}
	return "check the job's events in JupiterOne"
}

// MassDeleteError refuses a DIFF plan that deletes most of the graph without
// Options.AllowMassDelete.
type MassDeleteError struct {
	Deleting, Total int
}

func (e *MassDeleteError) Error() string {
	return fmt.Sprintf("the plan destroys %d of the %d objects in the state; refusing to apply a mass delete. "+
		"If that is intended (for example, the configuration really was emptied), apply again with -allow-mass-delete; "+
		"otherwise check the configuration, -var values and the integration instance or scope", e.Deleting, e.Total)
}

// Error is a failed apply: what failed, and what became of the job and of the state.
type Error struct {
	// JobID is the job concerned; empty when none was started.
	JobID string
	// Err is the failure, naming the request, HTTP status and the API's error code and message
	// when the API refused something.
	Err error
	// Outcome says, in sentences, what became of the job and the state, and what to do next.
	Outcome string
	// Pending is set when the state was left recording the job as pending: its outcome will
	// be recorded by the next command that reads the state.
	Pending bool
}

func (e *Error) Error() string {
	if e.Outcome == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + ". " + e.Outcome
}

func (e *Error) Unwrap() error { return e.Err }

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) printf(format string, args ...any) {
	if r.Out != nil {
		fmt.Fprintf(r.Out, format, args...)
	}
}

// Apply runs p against the graph that prior (nil when there is no state file yet) records,
// and records the outcome in the state that store holds, which the caller has locked. Only a
// FINISHED job changes the recorded objects; on any failure before finalize the job is
// aborted and the state is left as it was. Errors are *Error, *MassDeleteError, or errors
// about the arguments.
func (r *Runner) Apply(ctx context.Context, p *plan.Plan, prior *state.File, store backend.Backend, opts Options) (*Result, error) {
	if p.MassDelete != nil && !opts.AllowMassDelete {
		return nil, &MassDeleteError{Deleting: p.MassDelete.Deleting, Total: p.MassDelete.Total}
	}
	if prior != nil {
		if err := prior.CheckTarget(p.Target); err != nil {
			return nil, err
		}
		if prior.PendingJob != nil {
			return nil, fmt.Errorf("the state records job %q as pending: resolve it (ResolvePending) before applying", prior.PendingJob.ID)
		}
	}
	summary := p.Summary()
	res := &Result{Counts: summary.All, Moved: summary.Moved}
	if !p.HasChanges() {
		res.State = prior
		return res, nil
	}
	var priorGraph *model.Graph
	if prior != nil {
		priorGraph = prior.Graph()
	}
	// The working copy: prior itself stays as it was, so a failure can write it back.
	f := r.working(prior, p.Target)

	if summary.All.Total() == 0 {
		// Only moves: the remote graph has nothing to change, the state's addresses do.
		if f.SetObjects(p.Next(priorGraph)) {
			f.Serial++
			res.StateChanged = true
		}
		if err := r.writeState(ctx, store, f); err != nil {
			return nil, fmt.Errorf("record the moved addresses: %w", err)
		}
		res.State = f
		return res, nil
	}

	// Record the job before finalize: if this process dies from here on, the next command
	// finds the record and completes it from the job's outcome (a job still awaiting uploads
	// then is aborted). The record is built, encoded and written while the uploads run: the
	// client mostly waits for the API then, and writing a state of a million objects takes
	// seconds. When the uploads fail, the job is aborted and the state written back.
	var recorded bool
	var pendingErr error
	job, err := r.startAndUpload(ctx, p, opts, func(job *syncapi.Job) {
		f.RecordPending(job.ID, p.Mode, p.Next(priorGraph), r.now())
		pending, err := f.EncodeParts()
		recorded = true
		pendingErr = r.putState(ctx, store, pending, err)
	})
	if err != nil {
		var e *Error
		if recorded && errors.As(err, &e) {
			r.restoreInto(ctx, e, store, prior)
		}
		return nil, err
	}
	if pendingErr != nil {
		e := r.abort(ctx, job.ID, fmt.Errorf("record job %s as pending in the state: %w", job.ID, pendingErr), "the state is unchanged")
		r.restoreInto(ctx, e, store, prior)
		return nil, e
	}

	final, err := r.finalize(ctx, job.ID, opts, prior, store)
	if err != nil {
		return nil, err
	}
	r.printf("Job %s %s.\n", final.ID, final.Status)
	if !final.Succeeded() {
		e := &Error{JobID: job.ID,
			Err:     fmt.Errorf("job %s ended with status %s%s", job.ID, final.Status, countersNote(final)),
			Outcome: "JupiterOne did not apply it: the graph and the state keep what they had before. Check the job's events in JupiterOne, fix the cause and run apply again"}
		r.restoreInto(ctx, e, store, prior)
		return nil, e
	}
	if _, err := f.ResolvePending(r.stateJob(final, p.Mode)); err != nil {
		return nil, err // unreachable: final is the pending job, and terminal
	}
	if err := r.writeState(ctx, store, f); err != nil {
		return nil, &Error{JobID: job.ID, Pending: true,
			Err:     fmt.Errorf("job %s FINISHED, but the state could not be written: %w", job.ID, err),
			Outcome: "The state still records the job as pending (that record was written before finalize): once the state's backend is writable again, run any j1hcl command (e.g. plan) and it will record the job's result"}
	}
	res.Job = final
	res.State = f
	res.StateChanged = prior == nil || f.Serial != prior.Serial
	return res, nil
}

// working returns a copy of prior that Apply may change, or a new state for target.
func (r *Runner) working(prior *state.File, target state.Target) *state.File {
	var f state.File
	if prior == nil {
		f = *state.New(target, r.ToolVersion)
	} else {
		f = *prior
	}
	if r.ToolVersion != "" {
		f.ToolVersion = r.ToolVersion
	}
	return &f
}

func (r *Runner) stateJob(j *syncapi.Job, mode string) state.Job {
	out := state.Job{ID: j.ID, SyncMode: string(j.SyncMode), Status: string(j.Status)}
	if out.SyncMode == "" {
		out.SyncMode = mode
	}
	if j.Status == syncapi.StatusFinished {
		out.FinishedAt = r.now().UTC().Format(time.RFC3339)
	}
	return out
}

// startAndUpload starts the job and uploads the plan's payload, running meanwhile(job) beside
// the uploads once the job started; it returns when both are done. On failure after the
// start, the job has been aborted and the error says so.
func (r *Runner) startAndUpload(ctx context.Context, p *plan.Plan, opts Options, meanwhile func(*syncapi.Job)) (*syncapi.Job, error) {
	spec := syncapi.JobSpec{
		Source:                syncapi.Source(p.Target.Source),
		IntegrationInstanceID: p.Target.IntegrationInstanceID,
		Scope:                 p.Target.Scope,
		SyncMode:              syncapi.SyncMode(p.Mode),
	}
	job, err := r.Client.StartJob(ctx, spec)
	if err != nil {
		return nil, &Error{Err: interrupted(ctx, err), Outcome: "No job was started; nothing was sent and the state is unchanged. " + nextStep(ctx, err)}
	}
	r.printf("Started %s job %s for %s.\n", p.Mode, job.ID, p.Target)
	var besides sync.WaitGroup
	crash.GoWait(&besides, func() { meanwhile(job) })
	defer besides.Wait()

	ents, rels := p.Upload.Entities, p.Upload.Relationships
	total := len(ents) + len(rels)
	progress := opts.Progress
	if progress == nil {
		progress = noProgress{}
	}
	progress.Start(total)
	uploadOpts := func(offset int) syncapi.UploadOptions {
		return syncapi.UploadOptions{
			BatchSize:   opts.BatchSize,
			Parallelism: opts.Parallelism,
			DisableGzip: opts.DisableGzip,
			Progress:    func(done, _ int) { progress.Update(offset+done, total) },
		}
	}
	err = r.Client.Upload(ctx, job.ID, syncapi.Entities, ents, uploadOpts(0))
	if err == nil && ctx.Err() == nil {
		err = r.Client.Upload(ctx, job.ID, syncapi.Relationships, rels, uploadOpts(len(ents)))
	}
	if err == nil {
		// An interrupt that arrived after the last batch still stops the apply: the user
		// asked not to finalize.
		err = context.Cause(ctx)
	}
	progress.Finish(err == nil)
	if err != nil {
		return nil, r.abort(ctx, job.ID, interrupted(ctx, err), "the state is unchanged")
	}
	return job, nil
}

// abort aborts a job that was not finalized and returns the error describing it all.
func (r *Runner) abort(ctx context.Context, jobID string, cause error, stateNote string) *Error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	reason := "j1hcl apply stopped before finalize: " + cause.Error()
	if len(reason) > maxReason {
		cut := maxReason
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut] + "…"
	}
	e := &Error{JobID: jobID, Err: cause}
	if _, err := r.Client.AbortJob(actx, jobID, reason); err != nil {
		r.printf("Could not abort job %s: %s\n", jobID, err)
		e.Outcome = fmt.Sprintf("Job %s was never finalized, so nothing reached the graph, and %s; aborting it failed too (%s), so it stays open until JupiterOne expires it. %s",
			jobID, stateNote, err, nextStep(ctx, cause))
		return e
	}
	r.printf("Aborted job %s.\n", jobID)
	e.Outcome = fmt.Sprintf("Job %s was aborted: nothing reached the graph, and %s. %s", jobID, stateNote, nextStep(ctx, cause))
	return e
}

// finalize sends finalize and waits for the job to become terminal. The job is pending in
// the state. When finalize surely did not take effect, the job is aborted and the state
// restored to prior; when the job was finalized but its outcome is not known (the wait timed
// out, was interrupted, or the API could not be reached), the pending record stays for the
// next command to complete.
func (r *Runner) finalize(ctx context.Context, jobID string, opts Options, prior *state.File, store backend.Backend) (*syncapi.Job, error) {
	if cause := context.Cause(ctx); cause != nil {
		e := r.abort(ctx, jobID, interrupted(ctx, cause), "the state is unchanged")
		r.restoreInto(ctx, e, store, prior)
		return nil, e
	}
	timeout := opts.FinalizeTimeout
	if timeout <= 0 {
		timeout = DefaultFinalizeTimeout
	}
	// The finalize timeout bounds the whole wait: the finalize request, then the polls.
	started := time.Now()
	r.printf("Finalizing job %s…\n", jobID)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(finalizeRequestTimeout, timeout))
	job, err := r.Client.FinalizeJob(fctx, jobID, syncapi.FinalizeOptions{})
	cancel()
	if err != nil {
		// Every attempt may have failed after the API took the finalize in (a lost answer):
		// only the job's status says whether it did.
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
		current, gerr := r.Client.GetJob(gctx, jobID)
		cancel()
		switch {
		case gerr != nil:
			return nil, &Error{JobID: jobID, Pending: true, Err: err,
				Outcome: fmt.Sprintf("Whether JupiterOne received the finalize is unknown: reading the job failed too (%s). "+
					"The state records the job as pending: run any j1hcl command (e.g. plan) once the API is reachable, and it will record the job's outcome", gerr)}
		case current.Status == syncapi.StatusUnknown:
			return nil, &Error{JobID: jobID, Pending: true, Err: err,
				Outcome: fmt.Sprintf("Whether JupiterOne received the finalize is unknown: the API reports the job's status as %s. "+
					"The state records the job as pending: run any j1hcl command (e.g. plan) later, and it will record the job's outcome", current.Status)}
		case current.Status == syncapi.StatusAwaitingUploads:
			e := r.abort(ctx, jobID, err, "the state is unchanged")
			r.restoreInto(ctx, e, store, prior)
			return nil, e
		case !current.Status.Finalized():
			e := &Error{JobID: jobID, Err: err,
				Outcome: fmt.Sprintf("The job is %s: nothing reached the graph and the state is unchanged. %s", current.Status, nextStep(ctx, err))}
			r.restoreInto(ctx, e, store, prior)
			return nil, e
		}
		job = current
	}
	if job.Done() {
		return job, nil
	}
	r.printf("Waiting for job %s to finish (status %s)…\n", jobID, job.Status)
	var final *syncapi.Job
	if left := timeout - time.Since(started); left > 0 {
		stop := reportWait(opts.Progress, jobID, started)
		final, err = r.Client.WaitForJob(ctx, jobID, opts.PollInterval, left)
		stop()
	} else {
		err = &syncapi.WaitTimeoutError{JobID: jobID, Status: job.Status, Timeout: timeout}
	}
	if err != nil {
		return nil, &Error{JobID: jobID, Pending: true, Err: interrupted(ctx, err),
			Outcome: fmt.Sprintf("Job %s was finalized and may still finish: the state records it as pending, "+
				"and the next j1hcl command (e.g. plan) records its outcome, waiting for it if needed", jobID)}
	}
	return final, nil
}

// restoreInto puts the state back as it was before Apply recorded job e.JobID as pending,
// and notes in e when that fails.
func (r *Runner) restoreInto(ctx context.Context, e *Error, store backend.Backend, prior *state.File) {
	if err := r.restore(ctx, store, prior, e.JobID); err != nil {
		e.Pending = true
		e.Outcome += fmt.Sprintf(". Restoring the state failed (%s): it may record job %s as pending, which the next command resolves", err, e.JobID)
	}
}

// restore writes prior back. Without a prior state it deletes the state, but only the one
// Apply wrote: a state recording jobID as pending.
func (r *Runner) restore(ctx context.Context, store backend.Backend, prior *state.File, jobID string) error {
	if prior != nil {
		return r.writeState(ctx, store, prior)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stateTimeout)
	defer cancel()
	if f, err := backend.ReadState(ctx, store); err != nil || f.PendingJob == nil || f.PendingJob.ID != jobID {
		return nil // no state, or not the one Apply wrote
	}
	return store.Delete(ctx)
}

// putState stores data, the encoding of a state (encErr when encoding failed), as writeState
// does.
func (r *Runner) putState(ctx context.Context, store backend.Backend, data state.Parts, encErr error) error {
	if encErr != nil {
		return encErr
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stateTimeout)
	defer cancel()
	if err := backend.PutParts(ctx, store, data); err != nil {
		return fmt.Errorf("write state to %s: %w", store, err) // as backend.WriteState says it
	}
	return nil
}

// writeState stores f on a context an interrupt does not cancel: once a job may change the
// graph, recording it matters more than stopping a moment sooner.
func (r *Runner) writeState(ctx context.Context, store backend.Backend, f *state.File) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stateTimeout)
	defer cancel()
	return backend.WriteState(ctx, store, f)
}

// interrupted rewords a failure caused by the apply's context ending.
func interrupted(ctx context.Context, err error) error {
	if ctx == nil || ctx.Err() == nil {
		return err
	}
	if cause := context.Cause(ctx); !strings.Contains(err.Error(), cause.Error()) {
		return fmt.Errorf("interrupted (%v): %w", cause, err)
	}
	return fmt.Errorf("interrupted: %w", err)
}

// nextStep tells the user what to do after an apply that changed nothing failed with err.
func nextStep(ctx context.Context, err error) string {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return "Run apply again when ready"
	}
	var api *syncapi.APIError
	if errors.As(err, &api) {
		switch {
		case api.Status == 401:
			return "Check the API key in " + syncapi.EnvAPIKey + ", then run apply again"
		case api.Status == 403:
			return "Check that the API key may act on the account in " + syncapi.EnvAccount + ", then run apply again"
		case api.Status == 413:
			return "An object is too large for the API even in a request of its own: make the object the message names smaller, then run apply again"
		case api.Code == syncapi.CodeInvalidIntegrationInstance:
			return "Check the integration instance id (instance_id in the integration block, or JUPITERONE_INTEGRATION_INSTANCE_ID), then run apply again"
		case api.Status >= 400 && api.Status < 500 && !api.Retryable():
			return "The API refused the data: fix the objects or settings the message names, then run apply again"
		}
	}
	if syncapi.IsRetryable(err) {
		return "The API or the network failed repeatedly: check " + syncapi.EnvBaseURL + " and connectivity, then run apply again"
	}
	return "Fix the cause above, then run apply again"
}

func countersNote(j *syncapi.Job) string {
	errs := j.ErrorCounters()
	if len(errs) == 0 {
		return ""
	}
	s := " ("
	for i, c := range errs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s = %d", c.Name, c.Value)
	}
	return s + ")"
}

// reportWait tells p, when it is a Waiter, how long the wait since started has lasted, every
// waitTick until the returned stop is called.
func reportWait(p Progress, jobID string, started time.Time) (stop func()) {
	w, ok := p.(Waiter)
	if !ok {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	crash.Go(func() {
		defer close(finished)
		tick := time.NewTicker(waitTick)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				w.Wait(jobID, time.Since(started))
			}
		}
	})
	return func() {
		close(done)
		<-finished
		w.Done()
	}
}
