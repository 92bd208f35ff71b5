package emulator

import "sync"

// Job statuses, as the platform spells them.
const (
	StatusAwaitingUploads         = "AWAITING_UPLOADS"
	StatusFinalizePending         = "FINALIZE_PENDING"
	StatusFinalizingEntities      = "FINALIZING_ENTITIES"
	StatusFinalizingRelationships = "FINALIZING_RELATIONSHIPS"
	StatusFinished                = "FINISHED"
	StatusAborted                 = "ABORTED"
	StatusErrorBadData            = "ERROR_BAD_DATA"
	StatusErrorUnexpected         = "ERROR_UNEXPECTED_FAILURE"
	StatusAbortedInvalidConfig    = "ABORTED_DUE_TO_INVALID_CONFIGURATION"
	// StatusUnknown exists on the platform and is not terminal: a client keeps polling.
	// The emulator never reports it.
	StatusUnknown = "UNKNOWN"
)

// abortStatuses are the terminal statuses an abort may ask for.
var abortStatuses = map[string]bool{
	StatusAborted:              true,
	StatusErrorBadData:         true,
	StatusErrorUnexpected:      true,
	StatusAbortedInvalidConfig: true,
}

func isTerminal(status string) bool { return status == StatusFinished || abortStatuses[status] }

// Sync modes.
const (
	ModeDiff  = "DIFF"
	ModePatch = "PATCH"
)

// Job sources. Every integration-* source owns the graph of its integration instance.
const (
	SourceIntegrationExternal = "integration-external"
	SourceIntegrationManaged  = "integration-managed"
	SourceAPI                 = "api"
)

// Counters are a job's counters, with the platform's names.
type Counters struct {
	NumEntitiesUploaded           int64 `json:"numEntitiesUploaded"`
	NumEntitiesCreated            int64 `json:"numEntitiesCreated"`
	NumEntitiesUpdated            int64 `json:"numEntitiesUpdated"`
	NumEntitiesDeleted            int64 `json:"numEntitiesDeleted"`
	NumEntityCreateErrors         int64 `json:"numEntityCreateErrors"`
	NumEntityUpdateErrors         int64 `json:"numEntityUpdateErrors"`
	NumEntityDeleteErrors         int64 `json:"numEntityDeleteErrors"`
	NumRelationshipsUploaded      int64 `json:"numRelationshipsUploaded"`
	NumRelationshipsCreated       int64 `json:"numRelationshipsCreated"`
	NumRelationshipsUpdated       int64 `json:"numRelationshipsUpdated"`
	NumRelationshipsDeleted       int64 `json:"numRelationshipsDeleted"`
	NumRelationshipCreateErrors   int64 `json:"numRelationshipCreateErrors"`
	NumRelationshipUpdateErrors   int64 `json:"numRelationshipUpdateErrors"`
	NumRelationshipDeleteErrors   int64 `json:"numRelationshipDeleteErrors"`
	NumMappedRelationshipsCreated int64 `json:"numMappedRelationshipsCreated"`
	NumMappedRelationshipsUpdated int64 `json:"numMappedRelationshipsUpdated"`
	NumMappedRelationshipsDeleted int64 `json:"numMappedRelationshipsDeleted"`
	// Mapped relationships that could not be stored: their source entity is unknown.
	NumMappedRelationshipCreateErrors int64 `json:"numMappedRelationshipCreateErrors"`
	NumMappedRelationshipUpdateErrors int64 `json:"numMappedRelationshipUpdateErrors"`
	NumMappedRelationshipDeleteErrors int64 `json:"numMappedRelationshipDeleteErrors"`
}

// Job is a job as the API answers it in {"job": JOB}.
type Job struct {
	ID                    string  `json:"id"`
	Source                string  `json:"source"`
	Scope                 *string `json:"scope"`
	IntegrationInstanceID *string `json:"integrationInstanceId"`
	SyncMode              string  `json:"syncMode"`
	Status                string  `json:"status"`
	// AccountID is Config.Account (null without one).
	AccountID *string `json:"accountId"`
	// IntegrationJobID is always null: the emulator runs no integration jobs.
	IntegrationJobID *string `json:"integrationJobId"`
	// IgnoreDuplicates is the start body's option: a second object under a _key replaces
	// the first.
	IgnoreDuplicates bool  `json:"ignoreDuplicates"`
	StartTimestamp   int64 `json:"startTimestamp"`
	// EndTimestamp is set once the job is terminal (an emulator addition; null before).
	EndTimestamp *int64 `json:"endTimestamp"`
	Done         bool   `json:"done"`
	Counters
}

// Event is an entry of a job's event log.
type Event struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Level is optional ("info", "warn", "error"), as some clients send it.
	Level     string `json:"level,omitempty"`
	Timestamp int64  `json:"timestamp"`
}

// maxEventsPerJob bounds the memory a chatty client can take; older events are dropped.
const maxEventsPerJob = 10000

// job is a job's server-side state. mu guards every field; the graph is not touched under
// it, so a status poll never waits for a finalize.
type job struct {
	mu sync.Mutex

	id     string
	source string
	mode   string
	target targetID
	status string
	start  int64
	end    int64
	// touched is when the job last had a request (epoch ms), for JobIdleTimeout.
	touched  int64
	counters Counters
	account  string
	// ignoreDuplicates: a different object under a _key the job holds replaces it.
	ignoreDuplicates bool

	// uploads are the accepted objects, released when finalize takes them and when the
	// job is aborted or expires: only the record and its counters outlive AWAITING_UPLOADS.
	uploads *uploads
	// deletes are the deleteEntities and deleteRelationships of /upload, applied at finalize.
	deleteEntities, deleteRelationships []deleteRef

	events []Event
}

// release drops the job's uploads. The caller holds j.mu.
func (j *job) release() {
	j.uploads = nil
	j.deleteEntities, j.deleteRelationships = nil, nil
}

// holdsUploads reports whether the job still references uploaded objects. The caller holds
// j.mu.
func (j *job) holdsUploads() bool {
	return j.uploads != nil || j.deleteEntities != nil || j.deleteRelationships != nil
}

// snapshot returns the job as the API answers it. The caller holds j.mu.
func (j *job) snapshot() Job {
	out := Job{
		ID:             j.id,
		Source:         j.source,
		SyncMode:       j.mode,
		Status:         j.status,
		StartTimestamp: j.start,
		Done:           isTerminal(j.status),
		Counters:       j.counters,

		IgnoreDuplicates: j.ignoreDuplicates,
	}
	if j.account != "" {
		a := j.account
		out.AccountID = &a
	}
	name := j.target.name
	switch {
	case j.target.kind == targetInstance:
		out.IntegrationInstanceID = &name
	case name != "":
		out.Scope = &name
	}
	if out.Done {
		e := j.end
		out.EndTimestamp = &e
	}
	return out
}

type jobBody struct {
	Job Job `json:"job"`
}
