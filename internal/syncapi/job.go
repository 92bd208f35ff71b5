package syncapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

const jobsPath = "/persister/synchronization/jobs"

// JobStatus is the status field of a Sync API job.
type JobStatus string

// Job statuses, in the order a successful job passes through them, then the other terminal
// ones.
const (
	StatusAwaitingUploads                  JobStatus = "AWAITING_UPLOADS"
	StatusFinalizePending                  JobStatus = "FINALIZE_PENDING"
	StatusFinalizingEntities               JobStatus = "FINALIZING_ENTITIES"
	StatusFinalizingRelationships          JobStatus = "FINALIZING_RELATIONSHIPS"
	StatusFinished                         JobStatus = "FINISHED"
	StatusAborted                          JobStatus = "ABORTED"
	StatusErrorBadData                     JobStatus = "ERROR_BAD_DATA"
	StatusErrorUnexpectedFailure           JobStatus = "ERROR_UNEXPECTED_FAILURE"
	StatusAbortedDueToInvalidConfiguration JobStatus = "ABORTED_DUE_TO_INVALID_CONFIGURATION"
	// StatusUnknown is a status the platform reports while it cannot tell; it is not
	// terminal, so a waiting client keeps polling.
	StatusUnknown JobStatus = "UNKNOWN"
)

// Terminal reports whether a job in this status will not change any more.
func (s JobStatus) Terminal() bool {
	switch s {
	case StatusFinished, StatusAborted, StatusErrorBadData, StatusErrorUnexpectedFailure, StatusAbortedDueToInvalidConfiguration:
		return true
	}
	return false
}

// Failed reports whether the status is terminal without the job's data having been applied.
func (s JobStatus) Failed() bool { return s.Terminal() && s != StatusFinished }

// Finalized reports whether finalize has been accepted: the job left AWAITING_UPLOADS for
// anything but an abort.
func (s JobStatus) Finalized() bool {
	switch s {
	case StatusFinalizePending, StatusFinalizingEntities, StatusFinalizingRelationships, StatusFinished,
		StatusErrorBadData, StatusErrorUnexpectedFailure:
		return true
	}
	return false
}

// Source is where a job's data comes from; it decides what a DIFF job replaces.
type Source string

// The sources of a job.
const (
	// SourceIntegrationExternal is a custom integration instance's job: the target is the
	// instance.
	SourceIntegrationExternal Source = "integration-external"
	// SourceIntegrationManaged is the source JupiterOne's integration SDK uses by default;
	// like SourceIntegrationExternal, the target is the instance.
	SourceIntegrationManaged Source = "integration-managed"
	// SourceAPI is an API job: the target is the scope.
	SourceAPI Source = "api"
)

// SyncMode is how finalize reconciles a job's upload with the graph.
type SyncMode string

// The sync modes j1hcl uses.
const (
	// SyncModeDiff makes the upload the complete new state of the target: finalize deletes
	// what was not uploaded.
	SyncModeDiff SyncMode = "DIFF"
	// SyncModePatch creates and updates entities only.
	SyncModePatch SyncMode = "PATCH"
)

// JobSpec describes the job to start: a source with its target, and a mode.
type JobSpec struct {
	Source Source `json:"source"`
	// IntegrationInstanceID is required with SourceIntegrationExternal.
	IntegrationInstanceID string `json:"integrationInstanceId,omitempty"`
	// Scope is required with SourceAPI in DIFF mode, and only allowed with SourceAPI.
	Scope string `json:"scope,omitempty"`
	// SyncMode defaults to SyncModeDiff.
	SyncMode SyncMode `json:"syncMode"`
	// IgnoreDuplicates makes a second object with the same _key in the job replace the
	// first instead of failing its upload.
	IgnoreDuplicates bool `json:"ignoreDuplicates,omitempty"`
}

// IsIntegration reports whether the source is an integration's, whose target is an
// integration instance.
func (s Source) IsIntegration() bool {
	return s == SourceIntegrationExternal || s == SourceIntegrationManaged
}

// check refuses the combinations sync-api.md says the API refuses, before a request is sent.
func (s JobSpec) check() error {
	switch s.Source {
	case SourceIntegrationExternal, SourceIntegrationManaged:
		if s.IntegrationInstanceID == "" {
			return fmt.Errorf("an %s job needs an integration instance id", s.Source)
		}
		if s.Scope != "" {
			return errors.New("scope is only allowed with source api")
		}
	case SourceAPI:
		if s.SyncMode == SyncModeDiff && s.Scope == "" {
			return errors.New("a DIFF job with source api needs a scope")
		}
		if s.IntegrationInstanceID != "" {
			return errors.New("an integration instance id is only allowed with an integration source")
		}
	case "":
		return errors.New("the job has no source")
	default:
		return fmt.Errorf("unknown job source %q (want %q, %q or %q)", s.Source, SourceAPI, SourceIntegrationExternal, SourceIntegrationManaged)
	}
	return nil
}

// Job mirrors the Sync API's job object. The created/updated/deleted counters are meaningful
// only after finalization.
type Job struct {
	ID                    string    `json:"id"`
	Source                Source    `json:"source"`
	Scope                 string    `json:"scope"`
	IntegrationInstanceID string    `json:"integrationInstanceId"`
	SyncMode              SyncMode  `json:"syncMode"`
	Status                JobStatus `json:"status"`
	// StartTimestamp is in Unix milliseconds.
	StartTimestamp int64 `json:"startTimestamp"`
	// DoneFlag is the API's "done" field; Done also looks at the status.
	DoneFlag bool `json:"done"`
	// AccountID is the JupiterOne account the job belongs to.
	AccountID string `json:"accountId"`
	// IntegrationJobID is the integration job the sync job belongs to; nil when the API
	// answers null or nothing.
	IntegrationJobID *string `json:"integrationJobId"`

	NumEntitiesUploaded   int `json:"numEntitiesUploaded"`
	NumEntitiesCreated    int `json:"numEntitiesCreated"`
	NumEntitiesUpdated    int `json:"numEntitiesUpdated"`
	NumEntitiesDeleted    int `json:"numEntitiesDeleted"`
	NumEntityCreateErrors int `json:"numEntityCreateErrors"`
	NumEntityUpdateErrors int `json:"numEntityUpdateErrors"`
	NumEntityDeleteErrors int `json:"numEntityDeleteErrors"`

	NumRelationshipsUploaded    int `json:"numRelationshipsUploaded"`
	NumRelationshipsCreated     int `json:"numRelationshipsCreated"`
	NumRelationshipsUpdated     int `json:"numRelationshipsUpdated"`
	NumRelationshipsDeleted     int `json:"numRelationshipsDeleted"`
	NumRelationshipCreateErrors int `json:"numRelationshipCreateErrors"`
	NumRelationshipUpdateErrors int `json:"numRelationshipUpdateErrors"`
	NumRelationshipDeleteErrors int `json:"numRelationshipDeleteErrors"`

	NumMappedRelationshipsCreated int `json:"numMappedRelationshipsCreated"`
	NumMappedRelationshipsUpdated int `json:"numMappedRelationshipsUpdated"`
	NumMappedRelationshipsDeleted int `json:"numMappedRelationshipsDeleted"`

	NumMappedRelationshipCreateErrors int `json:"numMappedRelationshipCreateErrors"`
	NumMappedRelationshipUpdateErrors int `json:"numMappedRelationshipUpdateErrors"`
	NumMappedRelationshipDeleteErrors int `json:"numMappedRelationshipDeleteErrors"`
}

// Done reports whether the job is terminal: the API says so, or its status is one that
// never changes. A job whose status is UNKNOWN is never done, whatever its flag says.
func (j *Job) Done() bool {
	return j.Status != StatusUnknown && (j.DoneFlag || j.Status.Terminal())
}

// Succeeded reports whether the job finished and its data is in the graph.
func (j *Job) Succeeded() bool { return j.Status == StatusFinished }

// Counter is one named job counter, named as in the API's job object.
type Counter struct {
	Name  string
	Value int
}

// ErrorCounters returns the job's non-zero error counters, entities first, then
// relationships and mapped relationships, for reporting as warnings.
func (j *Job) ErrorCounters() []Counter {
	var out []Counter
	for _, c := range []Counter{
		{"numEntityCreateErrors", j.NumEntityCreateErrors},
		{"numEntityUpdateErrors", j.NumEntityUpdateErrors},
		{"numEntityDeleteErrors", j.NumEntityDeleteErrors},
		{"numRelationshipCreateErrors", j.NumRelationshipCreateErrors},
		{"numRelationshipUpdateErrors", j.NumRelationshipUpdateErrors},
		{"numRelationshipDeleteErrors", j.NumRelationshipDeleteErrors},
		{"numMappedRelationshipCreateErrors", j.NumMappedRelationshipCreateErrors},
		{"numMappedRelationshipUpdateErrors", j.NumMappedRelationshipUpdateErrors},
		{"numMappedRelationshipDeleteErrors", j.NumMappedRelationshipDeleteErrors},
	} {
		if c.Value != 0 {
			out = append(out, c)
		}
	}
	return out
}

// Event is a message attached to a job, listed with it in JupiterOne.
type Event struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// StartJob creates a job and returns it (status AWAITING_UPLOADS).
func (c *Client) StartJob(ctx context.Context, spec JobSpec) (*Job, error) {
	if spec.SyncMode == "" {
		spec.SyncMode = SyncModeDiff
	}
	if err := spec.check(); err != nil {
		return nil, fmt.Errorf("start job: %w", err)
	}
	job, _, err := c.jobCall(ctx, "POST", jobsPath, "", spec)
	if err != nil {
		return nil, fmt.Errorf("start job: %w", err)
	}
	if job.ID == "" {
		return nil, errors.New("start job: the API answered without a job id")
	}
	return job, nil
}

// GetJob returns the job's current state.
func (c *Client) GetJob(ctx context.Context, jobID string) (*Job, error) {
	job, _, err := c.jobCall(ctx, "GET", jobPath(jobID, ""), jobID, nil)
	if err != nil {
		return nil, fmt.Errorf("get job status: %w", err)
	}
	return job, nil
}

// FinalizeOptions are the optional parts of a finalize request.
type FinalizeOptions struct {
	// PartialDatasetTypes lists _types a DIFF finalize must not delete from (sent as
	// partialDatasets.types).
	PartialDatasetTypes []string
}

// FinalizeJob asks the API to apply the job's uploads. The answer is usually
// FINALIZE_PENDING: poll with WaitForJob until the job is done.
//
// When a retried finalize is refused, an earlier attempt may have reached the server and
// only its answer been lost; FinalizeJob then reads the job and succeeds if it is finalizing.
func (c *Client) FinalizeJob(ctx context.Context, jobID string, opts FinalizeOptions) (*Job, error) {
	type partial struct {
		Types []string `json:"types"`
	}
	var body struct {
		PartialDatasets *partial `json:"partialDatasets,omitempty"`
	}
	if len(opts.PartialDatasetTypes) > 0 {
		body.PartialDatasets = &partial{Types: opts.PartialDatasetTypes}
	}
	job, attempts, err := c.jobCall(ctx, "POST", jobPath(jobID, "/finalize"), jobID, body)
	if err != nil && attempts > 1 && isClientError(err) {
		if j, gerr := c.GetJob(ctx, jobID); gerr == nil && j.Status.Finalized() {
			return j, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("finalize job: %w", err)
	}
	return job, nil
}

// AbortJob stops a job that has not been finalized; nothing it uploaded reaches the graph.
// A caller aborting because its context was cancelled should pass a fresh context (e.g.
// context.WithoutCancel with a timeout), or the abort is cancelled too.
func (c *Client) AbortJob(ctx context.Context, jobID, reason string) (*Job, error) {
	body := struct {
		Reason string `json:"reason,omitempty"`
	}{reason}
	job, attempts, err := c.jobCall(ctx, "POST", jobPath(jobID, "/abort"), jobID, body)
	if err != nil && attempts > 1 && isClientError(err) {
		if j, gerr := c.GetJob(ctx, jobID); gerr == nil && j.Status == StatusAborted {
			return j, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("abort job: %w", err)
	}
	return job, nil
}

// PublishEvents attaches events to a job.
func (c *Client) PublishEvents(ctx context.Context, jobID string, events ...Event) error {
	if err := CheckJobID(jobID); err != nil {
		return fmt.Errorf("publish job events: %w", err)
	}
	if events == nil {
		events = []Event{}
	}
	body, err := json.Marshal(struct {
		Events []Event `json:"events"`
	}{events})
	if err != nil {
		return fmt.Errorf("publish job events: %w", err)
	}
	// The answer is not needed: events are informational, so their route's answer is not
	// held to the job document shape.
	if _, err := c.do(ctx, &call{method: "POST", path: jobPath(jobID, "/events"), jobID: jobID, body: body}); err != nil {
		return fmt.Errorf("publish job events: %w", err)
	}
	return nil
}

// Polling intervals of WaitForJob.
const (
	DefaultPollInterval = 250 * time.Millisecond
	maxPollInterval     = 5 * time.Second
)

// WaitTimeoutError is returned by WaitForJob when the timeout passes before the job is done.
type WaitTimeoutError struct {
	JobID   string
	Status  JobStatus // the last status read; empty when no status answer arrived in time
	Timeout time.Duration
}

// Error names the job and its last status, and tells the user how to check on it later.
func (e *WaitTimeoutError) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("job %s: no status answer arrived within %s; it may still finish: run the command again to check it",
			e.JobID, e.Timeout)
	}
	return fmt.Sprintf("job %s is still %s after waiting %s; it may still finish: run the command again to check it",
		e.JobID, e.Status, e.Timeout)
}

// WaitForJob polls the job until it is done and returns its final state; a failed job is
// returned like a finished one, so check Succeeded. Polls start pollInterval apart
// (DefaultPollInterval when 0) and grow by half each time up to 5 s, so a quick finalize is
// noticed quickly and a long one costs few requests. A timeout of 0 waits as long as ctx
// allows. The timeout bounds the whole wait, a status request that stalls included: on
// timeout WaitForJob returns the last state read (nil when none was) with a
// *WaitTimeoutError.
func (c *Client) WaitForJob(ctx context.Context, jobID string, pollInterval, timeout time.Duration) (*Job, error) {
	if pollInterval <= 0 {
		pollInterval = DefaultPollInterval
	}
	ceiling := max(pollInterval, maxPollInterval)
	deadline := c.now().Add(timeout)
	parent := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, errWaitTimeout)
		defer cancel()
	}
	var last *Job
	timedOut := func() error {
		e := &WaitTimeoutError{JobID: jobID, Timeout: timeout}
		if last != nil {
			e.Status = last.Status
		}
		return e
	}
	for {
		job, err := c.GetJob(ctx, jobID)
		if err != nil {
			if parent.Err() == nil && context.Cause(ctx) == errWaitTimeout {
				return last, timedOut()
			}
			return nil, fmt.Errorf("wait for job %s: %w", jobID, err)
		}
		last = job
		if job.Done() {
			return job, nil
		}
		wait := pollInterval
		if timeout > 0 {
			left := deadline.Sub(c.now())
			if left <= 0 {
				return job, timedOut()
			}
			wait = min(wait, left)
		}
		if err := c.sleep(ctx, wait); err != nil {
			if parent.Err() == nil && context.Cause(ctx) == errWaitTimeout {
				return job, timedOut()
			}
			return job, fmt.Errorf("wait for job %s (last status %s): %w", jobID, job.Status, err)
		}
		pollInterval = min(pollInterval+pollInterval/2, ceiling)
	}
}

// errWaitTimeout is the cause of WaitForJob's context when its timeout passed.
var errWaitTimeout = errors.New("wait timeout")

// errNoJobID guards the routes of one job: an empty id would address the collection.
var errNoJobID = errors.New("no job id")

// maxJobIDLength bounds a job id, as sync-api.md does.
const maxJobIDLength = 128

// CheckJobID refuses a job id that is not the UUID-like token the Sync API issues: 1 to 128
// ASCII letters, digits and dashes. Ids come from the server and from state files, and are
// used in request paths and stored; anything else ("..", a slash, control characters) is
// refused before it is used.
func CheckJobID(id string) error {
	if id == "" {
		return errNoJobID
	}
	if len(id) <= maxJobIDLength && !strings.ContainsFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-')
	}) {
		return nil
	}
	return fmt.Errorf("job id %s is not a Sync API job id (1 to %d ASCII letters, digits and dashes)", quoteSnippet(id), maxJobIDLength)
}

// jobCall sends a job route request and decodes its {"job": …} answer.
func (c *Client) jobCall(ctx context.Context, method, path, jobID string, body any) (*Job, int, error) {
	if path != jobsPath {
		if err := CheckJobID(jobID); err != nil {
			return nil, 0, err
		}
	}
	cl := &call{method: method, path: path, jobID: jobID}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, 0, err
		}
		cl.body = b
	}
	var answer struct {
		Job *Job `json:"job"`
	}
	cl.decode = func(data []byte) error {
		if err := json.Unmarshal(data, &answer); err != nil {
			return err
		}
		if answer.Job == nil {
			return errors.New(`no "job" in the answer`)
		}
		if answer.Job.ID != "" {
			if err := CheckJobID(answer.Job.ID); err != nil {
				return fmt.Errorf("refusing the job the API answered: %w", err)
			}
		}
		return nil
	}
	attempts, err := c.do(ctx, cl)
	if err != nil {
		return nil, attempts, err
	}
	return answer.Job, attempts, nil
}

func jobPath(jobID, suffix string) string {
	return jobsPath + "/" + url.PathEscape(jobID) + suffix
}

// isClientError reports a 4xx answer, which a retry after a lost answer can provoke.
func isClientError(err error) bool {
	s := StatusOf(err)
	return s >= 400 && s < 500
}
