// Package state is the j1hcl state document, the record of what the remote graph holds for
// one target: its content, encoding, decoding and checks. Where it is stored and how it is
// locked is internal/backend's job; Read and Write here only serve fixtures and tests that
// work on a state file directly.
//
// A File holds the objects exactly as last uploaded, sorted by _key, together with the target
// they belong to, a lineage fixed at creation and a serial that grows whenever the objects
// change. Mutating methods never touch Serial on their own except Commit, which is the one
// place a finished job becomes the new state; callers that use SetObjects or Remove directly
// bump Serial themselves when those report a change.
package state

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/j1hcl/j1hcl/internal/model"
)

// FormatVersion is the state file format this package writes. Older formats are upgraded when
// read; newer ones are refused.
const FormatVersion = 1

// Target sources, as the Sync API names them.
const (
	SourceIntegrationExternal = "integration-external"
	SourceAPI                 = "api"
)

// JobFinished is the Sync API status of a job whose finalize succeeded.
const JobFinished = "FINISHED"

// Target identifies what a state belongs to: an integration instance, or an api scope.
type Target struct {
	Source                string `json:"source"` // SourceIntegrationExternal or SourceAPI
	IntegrationInstanceID string `json:"integration_instance_id,omitempty"`
	Scope                 string `json:"scope,omitempty"`
}

// String names the target for messages, e.g. `integration instance "abc"` or
// `scope "asset-inventory"`.
func (t Target) String() string {
	switch {
	case t.Source == SourceIntegrationExternal:
		return fmt.Sprintf("integration instance %q", t.IntegrationInstanceID)
	case t.Source == SourceAPI && t.Scope != "":
		return fmt.Sprintf("scope %q", t.Scope)
	case t.Source == SourceAPI:
		return `source "api" without a scope`
	}
	return fmt.Sprintf("source %q", t.Source)
}

// Equal reports whether two targets name the same part of the graph.
func (t Target) Equal(o Target) bool { return t == o }

// Validate reports a target the Sync API could not run a job for.
func (t Target) Validate() error {
	switch t.Source {
	case SourceIntegrationExternal:
		if t.IntegrationInstanceID == "" {
			return fmt.Errorf("target source %q needs an integration_instance_id", t.Source)
		}
		if t.Scope != "" {
			return fmt.Errorf("target source %q cannot have a scope (scopes belong to source %q)", t.Source, SourceAPI)
		}
	case SourceAPI:
		if t.IntegrationInstanceID != "" {
			return fmt.Errorf("target source %q cannot have an integration_instance_id", t.Source)
		}
	case "":
		return fmt.Errorf("target has no source (want %q or %q)", SourceIntegrationExternal, SourceAPI)
	default:
		return fmt.Errorf("unknown target source %q (want %q or %q)", t.Source, SourceIntegrationExternal, SourceAPI)
	}
	return nil
}

// CheckTarget refuses a state that belongs to another target than t.
func (f *File) CheckTarget(t Target) error {
	if f.Target.Equal(t) {
		return nil
	}
	return &TargetMismatchError{State: f.Target, Want: t}
}

// TargetMismatchError reports a state file used for a target it does not record.
type TargetMismatchError struct {
	State Target // the target the state file records
	Want  Target // the target of the configuration or command
}

func (e *TargetMismatchError) Error() string {
	return fmt.Sprintf("the state file records %s, but the configuration targets %s. "+
		"A state file belongs to one target: select the state of %s with -state=PATH "+
		"(a file that does not exist yet starts an empty state), or point the configuration back at %s",
		e.State, e.Want, e.Want, e.State)
}

// Job is the Sync API job that last changed the state.
type Job struct {
	ID         string `json:"id"`
	SyncMode   string `json:"sync_mode"`
	Status     string `json:"status"`
	FinishedAt string `json:"finished_at,omitempty"` // RFC 3339 UTC
}

// Entry is one object as recorded: its configuration address (a label) and its upload payload.
type Entry struct {
	Address string           `json:"address"`
	Object  model.Properties `json:"object"`
	// Sensitive names the properties whose values came from sensitive variables, so that a
	// plan that changes or destroys the object later still hides them. Sorted; omitted when
	// empty.
	Sensitive []string `json:"sensitive,omitempty"`
}

// Key returns the object's _key.
func (e Entry) Key() string {
	k, _ := e.Object[model.PropKey].(string)
	return k
}

// PendingJob records a job that apply finalized (or was about to finalize) but whose outcome
// was not yet recorded; Entities and Relationships are the state to commit if the job turns
// out FINISHED. Like every list of a File, they are replaced, never modified in place: the
// text Encode wrote for them is reused once ResolvePending made them the state's objects.
type PendingJob struct {
	ID            string  `json:"id"`
	SyncMode      string  `json:"sync_mode"`
	RecordedAt    string  `json:"recorded_at"` // RFC 3339 UTC
	Entities      []Entry `json:"entities"`
	Relationships []Entry `json:"relationships"`
}

// Graph returns the state the pending job leads to when it finishes.
func (p *PendingJob) Graph() *model.Graph { return graphOf(p.Entities, p.Relationships) }

// File is a state file's content. Entities and Relationships are kept sorted by _key (then
// address) by every function of this package. Methods that change the objects install new
// slices rather than modify the old ones, so a shallow copy of a File can be changed while the
// original stays as it was (apply keeps the prior state that way).
type File struct {
	FormatVersion int         `json:"format_version"`
	ToolVersion   string      `json:"tool_version"`
	Lineage       string      `json:"lineage"`
	Serial        uint64      `json:"serial"`
	Target        Target      `json:"target"`
	LastJob       *Job        `json:"last_job,omitempty"`
	PendingJob    *PendingJob `json:"pending_job,omitempty"`
	Entities      []Entry     `json:"entities"`
	Relationships []Entry     `json:"relationships"`
}

// New returns an empty state for target: a fresh lineage, serial 0, no objects.
func New(target Target, toolVersion string) *File {
	return &File{
		FormatVersion: FormatVersion,
		ToolVersion:   toolVersion,
		Lineage:       uuid.NewString(),
		Target:        target,
		Entities:      []Entry{},
		Relationships: []Entry{},
	}
}

// Graph returns the recorded objects as model objects, with Kind inferred as the Sync API does
// (a relationship with _mapping is a mapped relationship) and Address set. The objects share
// their Props with the File: treat them as read-only.
func (f *File) Graph() *model.Graph { return graphOf(f.Entities, f.Relationships) }

func graphOf(entities, relationships []Entry) *model.Graph {
	// One allocation for all objects: a state can hold hundreds of thousands.
	objs := make([]model.Object, len(entities)+len(relationships))
	g := &model.Graph{
		Entities:      make([]*model.Object, len(entities)),
		Relationships: make([]*model.Object, len(relationships)),
	}
	for i, e := range entities {
		o := &objs[i]
		*o = model.Object{Kind: model.KindEntity, Address: e.Address, Props: e.Object, Sensitive: model.SensitiveSet(e.Sensitive)}
		g.Entities[i] = o
	}
	for i, e := range relationships {
		o := &objs[len(entities)+i]
		*o = model.Object{Kind: model.KindOf(e.Object, true), Address: e.Address, Props: e.Object, Sensitive: model.SensitiveSet(e.Sensitive)}
		g.Relationships[i] = o
	}
	return g
}

// Hash returns the content hash of the recorded objects, as model.HashGraph computes it for
// any graph; saved plans carry it to detect a state that changed since planning.
func (f *File) Hash() model.Hash { return model.HashGraph(f.Graph()) }

// EntriesOf returns the entries recording objs, sorted by _key then address. The entries share
// the objects' Props.
func EntriesOf(objs []*model.Object) []Entry {
	out := make([]Entry, len(objs))
	for i, o := range objs {
		out[i] = Entry{Address: o.Address, Object: o.Props, Sensitive: model.SensitiveNames(o.Sensitive)}
	}
	sortEntries(out)
	return out
}

// SetObjects replaces the recorded objects with g's and reports whether the recorded content
// (objects or addresses) differs from before. It does not change Serial; see Commit.
func (f *File) SetObjects(g *model.Graph) (changed bool) {
	return f.setEntries(EntriesOf(g.Entities), EntriesOf(g.Relationships))
}

func (f *File) setEntries(entities, relationships []Entry) (changed bool) {
	changed = !sameEntries(f.Entities, entities) || !sameEntries(f.Relationships, relationships)
	f.Entities, f.Relationships = entities, relationships
	return changed
}

func sameEntries(a, b []Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Address != b[i].Address || !model.EqualProperties(a[i].Object, b[i].Object) || !slices.Equal(a[i].Sensitive, b[i].Sensitive) {
			return false
		}
	}
	return true
}

// RecordPending records, before finalize, the job that is about to change the remote graph and
// the state it leads to, so that a process dying after finalize leaves enough behind for the
// next command to complete the record (see ResolvePending). The caller writes the file.
func (f *File) RecordPending(jobID, syncMode string, next *model.Graph, now time.Time) {
	f.PendingJob = &PendingJob{
		ID:            jobID,
		SyncMode:      syncMode,
		RecordedAt:    now.UTC().Format(time.RFC3339),
		Entities:      EntriesOf(next.Entities),
		Relationships: EntriesOf(next.Relationships),
	}
}

// Commit makes next the recorded state after job finished: the objects are replaced, Serial
// grows by one when they changed, LastJob becomes job, and a pending record of that job is
// cleared. It reports whether the objects changed.
func (f *File) Commit(next *model.Graph, job Job) (changed bool) {
	return f.commitEntries(EntriesOf(next.Entities), EntriesOf(next.Relationships), job)
}

// commitEntries is Commit of the entries EntriesOf returns for the next graph.
func (f *File) commitEntries(entities, relationships []Entry, job Job) (changed bool) {
	if f.setEntries(entities, relationships) {
		f.Serial++
		changed = true
	}
	f.LastJob = &job
	if f.PendingJob != nil && f.PendingJob.ID == job.ID {
		f.PendingJob = nil
	}
	return changed
}

// nonTerminalStatuses are the Sync API statuses of a job that may still change the graph.
var nonTerminalStatuses = []string{"AWAITING_UPLOADS", "FINALIZE_PENDING", "FINALIZING_ENTITIES", "FINALIZING_RELATIONSHIPS"}

// ResolvePending completes the pending record once its job has reached a terminal status:
// FINISHED commits the recorded next state (as Commit does); any failure status clears the
// record and keeps the previous objects. It reports whether the state was committed. The job
// must be the pending one and terminal: a job still finalizing may yet change the graph.
func (f *File) ResolvePending(job Job) (committed bool, err error) {
	p := f.PendingJob
	if p == nil {
		return false, fmt.Errorf("the state has no pending job to resolve")
	}
	if job.ID != p.ID {
		return false, fmt.Errorf("job %s is not the pending job %s of the state", job.ID, p.ID)
	}
	if slices.Contains(nonTerminalStatuses, job.Status) {
		return false, fmt.Errorf("job %s is still running (status %s): wait for it to finish before resolving it", job.ID, job.Status)
	}
	if job.Status != JobFinished {
		f.PendingJob = nil
		return false, nil
	}
	if job.SyncMode == "" {
		job.SyncMode = p.SyncMode
	}
	entities, relationships := p.Entities, p.Relationships
	if !canonicalList(entities) || !canonicalList(relationships) {
		// A record read from a file someone edited: go through the graph, which sorts the
		// entries and their sensitive names as EntriesOf always does.
		g := p.Graph()
		entities, relationships = EntriesOf(g.Entities), EntriesOf(g.Relationships)
	}
	f.commitEntries(entities, relationships, job)
	return true, nil
}

// canonicalList reports whether list is as EntriesOf returns it: sorted by _key then address,
// each entry's sensitive names sorted without repeats. A list whose text the last Encode
// keeps (the pending record apply just wrote) was sorted then, which spares reading every
// _key again.
func canonicalList(list []Entry) bool {
	if !pendingText.holds(list) && !sortedEntries(list) {
		return false
	}
	for _, e := range list {
		for j := 1; j < len(e.Sensitive); j++ {
			if e.Sensitive[j-1] >= e.Sensitive[j] {
				return false
			}
		}
	}
	return true
}
