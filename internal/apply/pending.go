package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// DefaultPendingWait is how long ResolvePending waits, by default, for a pending job that is
// still finalizing.
const DefaultPendingWait = 2 * time.Minute

// PendingError is a pending job whose outcome could not be recorded yet: it is still
// running, or the API could not be asked. The state still records it as pending.
type PendingError struct {
	JobID string
	Err   error
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("the state records job %s as pending, and its outcome is not known yet: %s. "+
		"The state was not changed; run the command again later to record the job's outcome", e.JobID, e.Err)
}

func (e *PendingError) Unwrap() error { return e.Err }

// ResolvePending completes the pending job record of f, the state that store holds (which
// the caller has locked), before anything else uses the state. It asks the API for the job:
//
//   - FINISHED: the state the record holds is committed (serial + 1 when it changed, last_job
//     set), exactly as the apply that recorded it would have done;
//   - failed or aborted: the record is cleared and the state keeps its objects;
//   - still AWAITING_UPLOADS: the apply died before finalizing it, so it never will be; it is
//     aborted and the record cleared;
//   - finalizing: ResolvePending waits for it, up to wait (DefaultPendingWait when 0), and
//     returns a *PendingError if it is still running then;
//   - unknown to the API (JOB_NOT_FOUND): its outcome cannot be known; the record is cleared
//     with a warning, since the state's previous objects are the safe assumption (a DIFF apply
//     re-uploads the whole graph);
//   - an id that is no job id (syncapi.CheckJobID): the record is damaged and never sent to
//     the API; it is cleared with a warning, as for JOB_NOT_FOUND.
//
// The resolved state is written to store and returned; f is not modified. Out receives
// one line saying what happened. A state without a pending job is returned as is.
func (r *Runner) ResolvePending(ctx context.Context, f *state.File, store backend.Backend, wait time.Duration) (*state.File, error) {
	p := f.PendingJob
	if p == nil {
		return f, nil
	}
	if wait <= 0 {
		wait = DefaultPendingWait
	}
	id := p.ID
	if err := syncapi.CheckJobID(id); err != nil {
		// No job j1hcl started has such an id (StartJob refuses them), so the record is
		// damaged and no request can ask about it: it is cleared, or it would block every
		// command for good.
		out := *f
		out.PendingJob = nil
		if err := r.writeState(ctx, store, &out); err != nil {
			return nil, fmt.Errorf("clear the damaged pending job record from the state: %w", err)
		}
		r.printf("Warning: the state recorded a pending job whose id cannot be one (%s); the record was cleared and the state keeps the objects it had before. "+
			"A DIFF apply makes the graph match the configuration either way.\n", err)
		return &out, nil
	}
	job, err := r.Client.GetJob(ctx, id)
	switch {
	case syncapi.HasCode(err, syncapi.CodeJobNotFound):
		out := *f
		out.PendingJob = nil
		if err := r.writeState(ctx, store, &out); err != nil {
			return nil, fmt.Errorf("clear the pending job %s from the state: %w", id, err)
		}
		r.printf("Warning: the state recorded job %s (%s, %s) as pending, but the API does not know it (%s). "+
			"Its outcome cannot be known, so the pending record was cleared and the state keeps the objects it had before that job. "+
			"If the job did change the graph, the next plan shows those changes again; a DIFF apply makes the graph match the configuration either way.\n",
			id, p.SyncMode, p.RecordedAt, syncapi.CodeJobNotFound)
		return &out, nil
	case err != nil:
		return nil, &PendingError{JobID: id, Err: err}
	}

	if job.Status == syncapi.StatusAwaitingUploads {
		// The apply that recorded the job died between recording it and finalizing it: no one
		// will finalize it, and finalizing it now could apply a partial upload.
		aborted, err := r.Client.AbortJob(ctx, id, "j1hcl: the apply that started this job stopped before finalizing it")
		switch {
		case err == nil:
			job = aborted
		case syncapi.HasCode(err, syncapi.CodeJobNotAwaitingUploads):
			// Finalized meanwhile after all (a finalize request still in flight): follow it.
			if job, err = r.Client.GetJob(ctx, id); err != nil {
				return nil, &PendingError{JobID: id, Err: err}
			}
		default:
			return nil, &PendingError{JobID: id, Err: err}
		}
	}
	if !job.Done() {
		r.printf("The state records job %s as pending; it is %s. Waiting up to %s for it to finish…\n", id, job.Status, wait)
		job, err = r.Client.WaitForJob(ctx, id, 0, wait)
		if err != nil {
			var timeout *syncapi.WaitTimeoutError
			if errors.As(err, &timeout) {
				return nil, &PendingError{JobID: id, Err: fmt.Errorf("it is still %s after %s", timeout.Status, wait)}
			}
			return nil, &PendingError{JobID: id, Err: err}
		}
	}

	out := *f
	committed, err := out.ResolvePending(r.stateJob(job, p.SyncMode))
	if err != nil {
		return nil, err // unreachable: job is the pending one, and terminal
	}
	if r.ToolVersion != "" {
		out.ToolVersion = r.ToolVersion
	}
	if err := r.writeState(ctx, store, &out); err != nil {
		return nil, fmt.Errorf("record the outcome of the pending job %s (%s) in the state: %w", id, job.Status, err)
	}
	if committed {
		r.printf("Job %s, recorded as pending by an earlier apply, FINISHED: the state now records its result (serial %d).\n", id, out.Serial)
	} else {
		r.printf("Job %s, recorded as pending by an earlier apply, ended %s: the pending record was cleared, and the state keeps the objects it had before that job.\n", id, job.Status)
	}
	return &out, nil
}
