package emulator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
)

const jobsPath = "/persister/synchronization/jobs"

// routes builds the handler: every route behind the middleware, and JSON answers for
// unknown routes and wrong methods.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+jobsPath, s.startJob)
	mux.HandleFunc("GET "+jobsPath+"/{id}", s.faulty(s.getJob))
	mux.HandleFunc("POST "+jobsPath+"/{id}/entities", s.faulty(s.uploadHandler(entitiesRoute)))
	mux.HandleFunc("POST "+jobsPath+"/{id}/relationships", s.faulty(s.uploadHandler(relationshipsRoute)))
	mux.HandleFunc("POST "+jobsPath+"/{id}/upload", s.faulty(s.uploadHandler(combinedRoute)))
	mux.HandleFunc("POST "+jobsPath+"/{id}/finalize", s.faulty(s.finalizeJob))
	mux.HandleFunc("POST "+jobsPath+"/{id}/abort", s.abortJob)
	mux.HandleFunc("POST "+jobsPath+"/{id}/events", s.postEvents)
	mux.HandleFunc("GET "+jobsPath+"/{id}/events", s.getEvents)
	mux.HandleFunc("POST /graphql", s.graphQL)
	mux.HandleFunc("GET /_emulator/graph", s.getGraph)
	mux.HandleFunc("GET "+deferredPath+"{token}", s.getDeferred)
	mux.HandleFunc("/integrations/ingest", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, CodeNotFound, "the legacy /integrations/ingest upload is not served; upload through a Sync API job (%s)", jobsPath))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.noRoute(mux, w, r) })
	return s.middleware(mux)
}

// noRoute answers 405 with Allow when the path exists under another method, else 404.
func (s *Server) noRoute(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "%s %s is not allowed; use %s", r.Method, r.URL.Path, strings.Join(allowed, " or ")))
		return
	}
	writeError(w, errorf(http.StatusNotFound, CodeNotFound, "no route %s %s", r.Method, r.URL.Path))
}

func (s *Server) answerJob(w http.ResponseWriter, j *job) {
	j.mu.Lock()
	body := jobBody{Job: j.snapshot()}
	j.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// jobRequest finds the route's job and reads the request body. A nil job means the request
// has been answered with the error.
func (s *Server) jobRequest(w http.ResponseWriter, r *http.Request) (*job, []byte) {
	j := s.lookupJob(w, r)
	if j == nil {
		return nil, nil
	}
	data, aerr := readBody(r, s.cfg.MaxBody)
	if aerr != nil {
		writeError(w, aerr)
		return nil, nil
	}
	return j, data
}

// lookupJob finds the job named by the route, answering 404 when there is none.
func (s *Server) lookupJob(w http.ResponseWriter, r *http.Request) *job {
	id := r.PathValue("id")
	if j := s.job(id); j != nil {
		now := s.nowMillis()
		j.mu.Lock()
		j.touched = now
		j.mu.Unlock()
		return j
	}
	writeError(w, errorf(http.StatusNotFound, CodeJobNotFound, "no job with id %q (jobs live as long as the emulator process)", id))
	return nil
}

type startRequest struct {
	Source                string  `json:"source"`
	Scope                 *string `json:"scope"`
	IntegrationInstanceID *string `json:"integrationInstanceId"`
	SyncMode              string  `json:"syncMode"`
	IgnoreDuplicates      bool    `json:"ignoreDuplicates"`
}

func (s *Server) startJob(w http.ResponseWriter, r *http.Request) {
	data, aerr := readBody(r, s.cfg.MaxBody)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req startRequest
	if aerr := decodeJSON(data, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	j, aerr := s.newJob(req)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.answerJob(w, j)
}

// newJob applies the platform's rules on source, scope, instance and mode, and registers
// the job.
func (s *Server) newJob(req startRequest) (*job, *apiError) {
	mode := req.SyncMode
	switch mode {
	case "":
		mode = ModeDiff
	case ModeDiff, ModePatch:
	case "CREATE_OR_UPDATE":
		return nil, badRequest(CodeUnsupportedSyncMode, "syncMode CREATE_OR_UPDATE no longer works on the platform; use DIFF or PATCH")
	case "CROSS_SCOPE", "OVERRIDE":
		return nil, badRequest(CodeUnsupportedSyncMode, "syncMode %s exists on the platform but the emulator implements only DIFF and PATCH", mode)
	default:
		return nil, badRequest(CodeUnsupportedSyncMode, "unknown syncMode %q; use DIFF or PATCH", mode)
	}
	scope, instance := deref(req.Scope), deref(req.IntegrationInstanceID)
	var target targetID
	switch req.Source {
	case SourceIntegrationExternal, SourceIntegrationManaged:
		switch {
		case instance == "":
			return nil, badRequest(CodeInstanceRequired, "source %s needs integrationInstanceId", req.Source)
		case scope != "":
			return nil, badRequest(CodeScopeNotAllowed, "scope is only allowed with source %q; an integration job's scope is its instance", SourceAPI)
		case len(s.instances) > 0 && !s.instances[instance]:
			return nil, badRequest(CodeInvalidInstance, "integration instance %q is not known to this emulator", instance)
		}
		target = targetID{kind: targetInstance, name: instance}
	case SourceAPI:
		switch {
		case instance != "":
			return nil, badRequest(CodeInstanceNotAllowed, "integrationInstanceId is not allowed with source %q; use scope", SourceAPI)
		case scope == "" && mode == ModeDiff:
			return nil, badRequest(CodeScopeRequired, "source %q with syncMode DIFF needs a scope: DIFF deletes what the scope held and the job did not upload", SourceAPI)
		}
		target = targetID{kind: targetScope, name: scope}
	case "":
		return nil, badRequest(CodeInvalidSource, "source is required: %q, %q or %q", SourceAPI, SourceIntegrationExternal, SourceIntegrationManaged)
	default:
		return nil, badRequest(CodeInvalidSource, "unknown source %q; use %q, %q or %q", req.Source, SourceAPI, SourceIntegrationExternal, SourceIntegrationManaged)
	}
	now := s.nowMillis()
	j := &job{
		id: s.newID(), source: req.Source, mode: mode, target: target,
		status: StatusAwaitingUploads, start: now, touched: now, uploads: newUploads(),
		account: s.cfg.Account, ignoreDuplicates: req.IgnoreDuplicates,
	}
	s.jobsMu.Lock()
	defer s.jobsMu.Unlock()
	if aerr := s.admit(now); aerr != nil {
		return nil, aerr
	}
	s.jobs[j.id] = j
	return j, nil
}

// admit makes room for one more job; the caller holds jobsMu. At MaxJobsInFlight jobs
// awaiting uploads, the ones idle longer than JobIdleTimeout are aborted; if none is, the
// new job is refused. Past maxJobRecords ended jobs (checked every maxJobRecords/10 new
// jobs, so a start costs O(1) amortized), the ones that ended first are forgotten.
func (s *Server) admit(now int64) *apiError {
	if s.inFlight.Load() >= int64(s.cfg.MaxJobsInFlight) {
		idleSince := now - s.cfg.JobIdleTimeout.Milliseconds()
		for _, j := range s.jobs {
			j.mu.Lock()
			if j.status == StatusAwaitingUploads && j.touched <= idleSince {
				s.expire(j, now)
			}
			j.mu.Unlock()
		}
	}
	if n := s.inFlight.Load(); n >= int64(s.cfg.MaxJobsInFlight) {
		return &apiError{Status: http.StatusTooManyRequests, Code: CodeTooManyJobs, Message: fmt.Sprintf(
			"%d jobs are awaiting uploads, the most this emulator holds at once (--max-jobs): finalize or abort jobs you no longer need; a job idle for %s is aborted to make room",
			n, s.cfg.JobIdleTimeout)}
	}
	if len(s.jobs) >= maxJobRecords+s.cfg.MaxJobsInFlight+maxJobRecords/10 {
		s.forgetEndedJobs()
	}
	s.inFlight.Add(1)
	return nil
}

// forgetEndedJobs keeps the maxJobRecords jobs that ended last, and every job not ended.
// The caller holds jobsMu.
func (s *Server) forgetEndedJobs() {
	var ended []endedJob
	for _, j := range s.jobs {
		j.mu.Lock()
		if isTerminal(j.status) {
			ended = append(ended, endedJob{j.end, j.id})
		}
		j.mu.Unlock()
	}
	if over := len(ended) - maxJobRecords; over > 0 {
		slices.SortFunc(ended, func(a, b endedJob) int { return cmp.Or(cmp.Compare(a.end, b.end), cmp.Compare(a.id, b.id)) })
		for _, e := range ended[:over] {
			delete(s.jobs, e.id)
		}
	}
}

// leaveAwaiting moves a job out of AWAITING_UPLOADS, releasing its place and, unless
// finalize takes them, its uploads. The caller holds j.mu and has taken the uploads it
// needs.
func (s *Server) leaveAwaiting(j *job, status string, end int64) {
	j.status, j.end = status, end
	j.release()
	s.inFlight.Add(-1)
}

type endedJob struct {
	end int64
	id  string
}

// expire aborts a job that waited too long for uploads, dropping them. The caller holds
// j.mu.
func (s *Server) expire(j *job, now int64) {
	s.leaveAwaiting(j, StatusAborted, now)
	j.events = append(j.events, Event{
		Name:        "job_expired",
		Description: fmt.Sprintf("aborted after %s without a request while awaiting uploads, to make room for a new job", s.cfg.JobIdleTimeout),
		Level:       "warn",
		Timestamp:   now,
	})
	s.log.Info("idle job aborted", "job", j.id, "idle_timeout", s.cfg.JobIdleTimeout)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	if j := s.lookupJob(w, r); j != nil {
		s.answerJob(w, j)
	}
}

func notAwaiting(j *job, what string) *apiError {
	return badRequest(CodeJobNotAwaitingUploads, "cannot %s job %s: it is %s, not %s", what, j.id, j.status, StatusAwaitingUploads)
}

// uploadHandler serves /entities, /relationships and /upload.
func (s *Server) uploadHandler(route uploadRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		j := s.lookupJob(w, r)
		if j == nil {
			return
		}
		if aerr := s.upload(j, r, route); aerr != nil {
			writeError(w, aerr)
			return
		}
		s.answerJob(w, j)
	}
}

// upload reads, checks and accepts one upload request. The body is decoded and checked
// without the job's lock, so parallel uploads to one job share the work; the lock is taken
// only to accept.
func (s *Server) upload(j *job, r *http.Request, route uploadRoute) *apiError {
	// Refuse early what will be refused anyway, before paying for the body.
	j.mu.Lock()
	mode := j.mode
	var early *apiError
	if j.status != StatusAwaitingUploads {
		early = notAwaiting(j, "upload to")
	}
	j.mu.Unlock()
	if early != nil {
		return early
	}
	if mode == ModePatch && route.onlyRelationships() {
		return patchRelationships()
	}
	data, release, aerr := readPooledBody(r, s.cfg.MaxBody)
	if aerr != nil {
		return aerr
	}
	body, aerr := decodeUpload(data, route)
	release() // the decoded values do not alias the body
	if aerr != nil {
		return aerr
	}
	if mode == ModePatch && len(body.relationships) > 0 {
		return patchRelationships()
	}
	if aerr := body.validate(); aerr != nil {
		return aerr
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.status != StatusAwaitingUploads {
		return notAwaiting(j, "upload to")
	}
	return j.accept(body)
}

func patchRelationships() *apiError {
	return badRequest(CodeRelationshipsNotInPatch, "a PATCH job accepts entities only; upload relationships in a DIFF job")
}

// accept adds an upload to the job, all of it or none. A _key the job already holds, or
// that an earlier object of the request has, is accepted again with an identical object
// (not counted again); a different object replaces it with ignoreDuplicates and is refused
// otherwise. The caller holds j.mu.
func (j *job) accept(body *uploadBody) *apiError {
	fresh := make(map[string]*model.Object, len(body.entities)+len(body.relationships))
	for _, l := range []struct {
		name string
		list []*model.Object
	}{{"entities", body.entities}, {"relationships", body.relationships}} {
		for i, u := range l.list {
			key := u.Key()
			prev, holder := fresh[key], "an earlier object of this request has"
			if prev == nil {
				prev, holder = j.uploads.get(key), "this job already holds"
			}
			switch {
			case prev == nil:
			case prev.Kind == u.Kind && model.EqualProperties(prev.Props, u.Props):
				continue // a retried or repeated identical object: accepted once
			case !j.ignoreDuplicates:
				return badRequest(CodeDuplicateKey, "%s[%d] has _key %q, which %s for a different %s (J1P006): every object needs its own _key, or start the job with \"ignoreDuplicates\": true to let the later object replace it. Nothing of this request was accepted.",
					l.name, i, key, holder, prev.Kind)
			}
			fresh[key] = u
		}
	}
	for _, l := range [][]*model.Object{body.entities, body.relationships} {
		for _, u := range l {
			key := u.Key()
			if fresh[key] != u {
				continue
			}
			j.put(key, u)
		}
	}
	j.deleteEntities = append(j.deleteEntities, body.deleteEntities...)
	j.deleteRelationships = append(j.deleteRelationships, body.deleteRelationships...)
	return nil
}

// put stores an accepted object under its _key, replacing the object held there, and keeps
// the uploaded counters at the distinct objects held. The caller holds j.mu.
func (j *job) put(key string, u *model.Object) {
	isRel := u.Kind.IsRelationship()
	prev, replaced := j.uploads.hold(key, u)
	if replaced && prev.relationship == isRel {
		return
	}
	if replaced {
		j.count(prev.relationship, -1)
	}
	j.count(isRel, 1)
}

func (j *job) count(relationships bool, n int64) {
	if relationships {
		j.counters.NumRelationshipsUploaded += n
	} else {
		j.counters.NumEntitiesUploaded += n
	}
}

// decodeFinalize parses a finalize body: empty, {}, or {"partialDatasets": {"types": [...]}}.
// It returns the partial types, nil when there are none.
func decodeFinalize(data []byte) (map[string]bool, *apiError) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	var req struct {
		PartialDatasets json.RawMessage `json:"partialDatasets"`
	}
	if aerr := decodeJSON(data, &req); aerr != nil {
		return nil, aerr
	}
	if raw := bytes.TrimSpace(req.PartialDatasets); len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var pd struct {
		Types []string `json:"types"`
	}
	if err := json.Unmarshal(req.PartialDatasets, &pd); err != nil {
		return nil, badRequest(CodeInvalidPartialDatasets, "partialDatasets must be {\"types\": [\"_type\", ...]}: %v", err)
	}
	if len(pd.Types) == 0 {
		return nil, nil
	}
	types := make(map[string]bool, len(pd.Types))
	for _, t := range pd.Types {
		if t == "" {
			return nil, badRequest(CodeInvalidPartialDatasets, "partialDatasets.types holds an empty _type")
		}
		types[t] = true
	}
	return types, nil
}

func (s *Server) finalizeJob(w http.ResponseWriter, r *http.Request) {
	j, data := s.jobRequest(w, r)
	if j == nil {
		return
	}
	partial, aerr := decodeFinalize(data)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	j.mu.Lock()
	switch {
	case j.status == StatusAwaitingUploads:
	case abortStatuses[j.status]:
		aerr := notAwaiting(j, "finalize")
		j.mu.Unlock()
		writeError(w, aerr)
		return
	default:
		// Already finalizing or finished: a retried finalize gets the job as it is.
		j.mu.Unlock()
		s.answerJob(w, j)
		return
	}
	c := &change{
		jobID: j.id, source: j.source, mode: j.mode, target: j.target, uploads: j.uploads,
		partialTypes: partial, deleteEntities: j.deleteEntities, deleteRelationships: j.deleteRelationships,
	}
	s.leaveAwaiting(j, StatusFinalizePending, 0)
	j.mu.Unlock()

	if s.cfg.FinalizeDelay > 0 && s.startBackground() {
		go func() {
			defer s.work.Done()
			s.finalizeLater(j, c)
		}()
	} else {
		s.runFinalize(j, c)
	}
	s.answerJob(w, j)
}

// startBackground registers a background finalize, unless Close has begun.
func (s *Server) startBackground() bool {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.closed {
		return false
	}
	s.work.Add(1)
	return true
}

// finalizeLater walks the job through the FINALIZING states, a third of FinalizeDelay each,
// then applies it.
func (s *Server) finalizeLater(j *job, c *change) {
	step := s.cfg.FinalizeDelay / 3
	for _, next := range []string{StatusFinalizingEntities, StatusFinalizingRelationships} {
		s.pause(step)
		j.mu.Lock()
		j.status = next
		j.mu.Unlock()
	}
	s.pause(step)
	s.runFinalize(j, c)
}

// pause waits d, or less when Close asks pending finalizes to complete.
func (s *Server) pause(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.closing:
	}
}

// runFinalize applies a job's change to the graph and writes the data file. A change that
// cannot be written is rolled back: memory and file never disagree, and the job ends
// ERROR_UNEXPECTED_FAILURE with its created/updated/deleted counters at zero.
func (s *Server) runFinalize(j *job, c *change) {
	s.graphMu.Lock()
	if s.persist != nil {
		s.graph.beginJournal()
	}
	counters := s.graph.apply(c, s.nowMillis(), s.newID)
	var err error
	if s.persist != nil {
		if err = s.persist(s.graph); err != nil {
			s.graph.rollback()
		} else {
			s.graph.commit()
		}
	}
	s.graphMu.Unlock()

	j.mu.Lock()
	defer j.mu.Unlock()
	j.end = s.nowMillis()
	if err != nil {
		s.log.Error("finalize failed: data file not written, change rolled back", "job", j.id, "error", err)
		j.status = StatusErrorUnexpected
		return
	}
	counters.NumEntitiesUploaded = j.counters.NumEntitiesUploaded
	counters.NumRelationshipsUploaded = j.counters.NumRelationshipsUploaded
	j.counters = counters
	j.status = StatusFinished
}

type abortRequest struct {
	Reason         string `json:"reason"`
	TerminalStatus string `json:"terminalStatus"`
}

func (s *Server) abortJob(w http.ResponseWriter, r *http.Request) {
	j, data := s.jobRequest(w, r)
	if j == nil {
		return
	}
	var req abortRequest
	if len(bytes.TrimSpace(data)) > 0 {
		if aerr := decodeJSON(data, &req); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	status := StatusAborted
	if req.TerminalStatus != "" {
		if !abortStatuses[req.TerminalStatus] {
			writeError(w, badRequest(CodeInvalidTerminalStatus, "terminalStatus %q is not one of ABORTED, ERROR_BAD_DATA, ERROR_UNEXPECTED_FAILURE, ABORTED_DUE_TO_INVALID_CONFIGURATION", req.TerminalStatus))
			return
		}
		status = req.TerminalStatus
	}
	j.mu.Lock()
	switch {
	case j.status == StatusAwaitingUploads:
		s.leaveAwaiting(j, status, s.nowMillis())
	case abortStatuses[j.status]:
		// Already aborted: a retried abort gets the job as it is.
	default:
		aerr := notAwaiting(j, "abort")
		j.mu.Unlock()
		writeError(w, aerr)
		return
	}
	j.mu.Unlock()
	s.log.Info("job aborted", "job", j.id, "status", status, "reason", req.Reason)
	s.answerJob(w, j)
}

type eventsRequest struct {
	Events json.RawMessage `json:"events"`
}

// postEvents records a job's events. Events are never fatal: any job, in any state, takes
// them.
func (s *Server) postEvents(w http.ResponseWriter, r *http.Request) {
	j, data := s.jobRequest(w, r)
	if j == nil {
		return
	}
	var req eventsRequest
	if aerr := decodeJSON(data, &req); aerr != nil {
		writeError(w, aerr)
		return
	}
	if t := bytes.TrimSpace(req.Events); len(t) == 0 || t[0] != '[' {
		writeError(w, badRequest(CodeEventsIsNotArray, "\"events\" must be an array of {\"name\", \"description\"} objects"))
		return
	}
	var events []Event
	if err := json.Unmarshal(req.Events, &events); err != nil {
		writeError(w, badRequest(CodeInvalidJSON, "events: %v", err))
		return
	}
	now := s.nowMillis()
	j.mu.Lock()
	for _, e := range events {
		if e.Timestamp == 0 {
			e.Timestamp = now
		}
		j.events = append(j.events, e)
	}
	if over := len(j.events) - maxEventsPerJob; over > 0 {
		j.events = append(j.events[:0:0], j.events[over:]...)
	}
	j.mu.Unlock()
	s.answerJob(w, j)
}

func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) {
	j := s.lookupJob(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	events := append([]Event{}, j.events...)
	j.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Events []Event `json:"events"`
	}{events})
}

// getGraph answers GET /_emulator/graph[?instance=ID|?scope=S].
func (s *Server) getGraph(w http.ResponseWriter, r *http.Request) {
	f, aerr := graphFilter(r.URL.Query())
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.graphMu.RLock()
	ents, rels := s.graph.selection(f)
	buf := make([]byte, 0, 256*(len(ents)+len(rels))+64)
	buf = append(buf, "{\"entities\":["...)
	for i, r := range ents {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
		buf = r.appendReadBack(buf, s.cfg.Account)
	}
	buf = append(buf, "],\n\"relationships\":["...)
	for i, r := range rels {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
		buf = r.appendReadBack(buf, s.cfg.Account)
	}
	s.graphMu.RUnlock()
	buf = append(buf, "]}\n"...)
	writeRawJSON(w, http.StatusOK, buf)
}

func graphFilter(q url.Values) (Filter, *apiError) {
	for name := range q {
		if name != "instance" && name != "scope" {
			return Filter{}, badRequest(CodeInvalidGraphFilter, "unknown parameter %q; use ?instance=ID or ?scope=SCOPE", name)
		}
	}
	f := Filter{Instance: q.Get("instance"), Scope: q.Get("scope")}
	if f.Instance != "" && f.Scope != "" {
		return Filter{}, badRequest(CodeInvalidGraphFilter, "give ?instance or ?scope, not both")
	}
	if (q.Has("instance") && f.Instance == "") || (q.Has("scope") && f.Scope == "") {
		return Filter{}, badRequest(CodeInvalidGraphFilter, "an empty %s selects nothing; leave the parameter out to read the whole graph", map[bool]string{true: "instance", false: "scope"}[q.Has("instance")])
	}
	return f, nil
}
