package syncapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/j1hcl/j1hcl/internal/model"
)

// Each route sends the method, path, headers and body sync-api.md describes.
func TestRouteRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		call     func(c *Client) error
		method   string
		path     string
		body     string // expected JSON, compared as data; "" for no body
		gzipped  bool
		response http.HandlerFunc
	}{
		{
			name: "start integration job",
			call: func(c *Client) error {
				_, err := c.StartJob(ctx, JobSpec{Source: SourceIntegrationExternal, IntegrationInstanceID: "inst-1"})
				return err
			},
			method: "POST", path: "/persister/synchronization/jobs",
			body: `{"source":"integration-external","integrationInstanceId":"inst-1","syncMode":"DIFF"}`,
		},
		{
			name: "start integration-managed job ignoring duplicates",
			call: func(c *Client) error {
				_, err := c.StartJob(ctx, JobSpec{Source: SourceIntegrationManaged, IntegrationInstanceID: "inst-1", IgnoreDuplicates: true})
				return err
			},
			method: "POST", path: "/persister/synchronization/jobs",
			body: `{"source":"integration-managed","integrationInstanceId":"inst-1","syncMode":"DIFF","ignoreDuplicates":true}`,
		},
		{
			name: "start api job",
			call: func(c *Client) error {
				_, err := c.StartJob(ctx, JobSpec{Source: SourceAPI, Scope: "billing", SyncMode: SyncModePatch})
				return err
			},
			method: "POST", path: "/persister/synchronization/jobs",
			body: `{"source":"api","scope":"billing","syncMode":"PATCH"}`,
		},
		{
			name: "get job",
			call: func(c *Client) error {
				_, err := c.GetJob(ctx, "job-1")
				return err
			},
			method: "GET", path: "/persister/synchronization/jobs/job-1",
		},
		{
			name: "finalize",
			call: func(c *Client) error {
				_, err := c.FinalizeJob(ctx, "job-1", FinalizeOptions{})
				return err
			},
			method: "POST", path: "/persister/synchronization/jobs/job-1/finalize",
			body: `{}`,
		},
		{
			name: "finalize with partial datasets",
			call: func(c *Client) error {
				_, err := c.FinalizeJob(ctx, "job-1", FinalizeOptions{PartialDatasetTypes: []string{"acme_user", "acme_group"}})
				return err
			},
			method: "POST", path: "/persister/synchronization/jobs/job-1/finalize",
			body: `{"partialDatasets":{"types":["acme_user","acme_group"]}}`,
		},
		{
			name: "abort",
			call: func(c *Client) error {
				_, err := c.AbortJob(ctx, "job-1", "interrupted by the user")
				return err
			},
			method: "POST", path: "/persister/synchronization/jobs/job-1/abort",
			body: `{"reason":"interrupted by the user"}`,
		},
		{
			name: "events",
			call: func(c *Client) error {
				return c.PublishEvents(ctx, "job-1", Event{Name: "plan", Description: "3 to add"})
			},
			method: "POST", path: "/persister/synchronization/jobs/job-1/events",
			body: `{"events":[{"name":"plan","description":"3 to add"}]}`,
		},
		{
			name: "upload entities",
			call: func(c *Client) error {
				return c.Upload(ctx, "job-1", Entities, []model.Properties{entity("a"), entity("b")}, UploadOptions{})
			},
			method: "POST", path: "/persister/synchronization/jobs/job-1/entities",
			body: `{"entities":[
				{"_key":"a","_type":"acme_application","_class":"Application","name":"a","displayName":"A"},
				{"_key":"b","_type":"acme_application","_class":"Application","name":"b","displayName":"B"}]}`,
			gzipped: true,
		},
		{
			name: "upload relationships",
			call: func(c *Client) error {
				rel := model.Properties{"_key": "a|uses|b", "_type": "acme_app_uses_app", "_class": "USES",
					"_fromEntityKey": "a", "_toEntityKey": "b", "weight": json.Number("1.5")}
				return c.Upload(ctx, "job-1", Relationships, []model.Properties{rel}, UploadOptions{})
			},
			method: "POST", path: "/persister/synchronization/jobs/job-1/relationships",
			body: `{"relationships":[{"_key":"a|uses|b","_type":"acme_app_uses_app","_class":"USES",
				"_fromEntityKey":"a","_toEntityKey":"b","weight":1.5}]}`,
			gzipped: true,
		},
		{
			name: "upload without gzip",
			call: func(c *Client) error {
				return c.Upload(ctx, "job-1", Entities, []model.Properties{entity("a")}, UploadOptions{DisableGzip: true})
			},
			method: "POST", path: "/persister/synchronization/jobs/job-1/entities",
			body: `{"entities":[{"_key":"a","_type":"acme_application","_class":"Application","name":"a","displayName":"A"}]}`,
		},
		{
			name: "J1QL query",
			call: func(c *Client) error {
				_, err := c.Query(ctx, "FIND * WITH _integrationInstanceId = 'inst-1'")
				return err
			},
			method: "POST", path: "/graphql",
			body: fmt.Sprintf(`{"query":%q,"variables":{"query":"FIND * WITH _integrationInstanceId = 'inst-1'","cursor":null}}`,
				queryV1Document),
			response: answerPage(nil, ""),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.response
			if resp == nil {
				resp = answerJob("job-1", StatusAwaitingUploads)
			}
			rec := script(t, resp)
			c, _ := newTestClient(t, rec)
			if err := tt.call(c); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := rec.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.method || r.Path != tt.path {
				t.Errorf("request %s %s, want %s %s", r.Method, r.Path, tt.method, tt.path)
			}
			checkHeaders(t, r, "acct-1")
			if got := r.Header.Get("Content-Encoding"); (got == "gzip") != tt.gzipped {
				t.Errorf("Content-Encoding %q, want gzip: %t", got, tt.gzipped)
			}
			if tt.body == "" {
				if len(r.Body) != 0 {
					t.Errorf("unexpected body %s", r.Body)
				}
				return
			}
			var want any
			if err := json.Unmarshal([]byte(tt.body), &want); err != nil {
				t.Fatalf("bad test body: %v", err)
			}
			var got any
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Fatalf("body is not JSON: %v\n%s", err, r.Body)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("body\n%s\nwant\n%s", r.Body, tt.body)
			}
		})
	}
}

func checkHeaders(t *testing.T, r request, account string) {
	t.Helper()
	if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization header is not the bearer key (length %d)", len(got))
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q", got)
	}
	if got := r.Header.Get("JupiterOne-Account"); got != account {
		t.Errorf("JupiterOne-Account %q, want %q", got, account)
	}
	if _, err := uuid.Parse(r.Header.Get("JupiterOne-Correlation-Id")); err != nil {
		t.Errorf("JupiterOne-Correlation-Id %q is not a UUID", r.Header.Get("JupiterOne-Correlation-Id"))
	}
}

func TestNoAccountHeaderWithoutAccount(t *testing.T) {
	rec := script(t, answerJob("job-1", StatusAwaitingUploads))
	c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.Account = "" })
	if _, err := c.GetJob(context.Background(), "job-1"); err != nil {
		t.Fatal(err)
	}
	r := rec.Requests()[0]
	if _, present := r.Header["Jupiterone-Account"]; present {
		t.Errorf("JupiterOne-Account sent without an account: %q", r.Header.Get("JupiterOne-Account"))
	}
	checkHeaders(t, r, "")
}

// The job object of sync-api.md decodes into every field of Job.
func TestJobDecodesEveryField(t *testing.T) {
	const doc = `{"job":{"id":"5d1a0c3e-uuid","source":"integration-external","scope":null,
		"integrationInstanceId":"inst-1","syncMode":"DIFF","status":"FINISHED",
		"startTimestamp":1736294400000,"done":true,
		"numEntitiesUploaded":1,"numEntitiesCreated":2,"numEntitiesUpdated":3,"numEntitiesDeleted":4,
		"numEntityCreateErrors":5,"numEntityUpdateErrors":6,"numEntityDeleteErrors":7,
		"numRelationshipsUploaded":8,"numRelationshipsCreated":9,"numRelationshipsUpdated":10,
		"numRelationshipsDeleted":11,"numRelationshipCreateErrors":12,"numRelationshipUpdateErrors":13,
		"numRelationshipDeleteErrors":14,"numMappedRelationshipsCreated":15,
		"numMappedRelationshipsUpdated":16,"numMappedRelationshipsDeleted":17,
		"accountId":"acct-1","integrationJobId":"ij-1","numMappedRelationshipCreateErrors":18,
		"numMappedRelationshipUpdateErrors":19,"numMappedRelationshipDeleteErrors":20}}`
	c, _ := newTestClient(t, script(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, doc) }))
	integrationJobID := "ij-1"
	job, err := c.GetJob(context.Background(), "5d1a0c3e-uuid")
	if err != nil {
		t.Fatal(err)
	}
	want := &Job{
		ID: "5d1a0c3e-uuid", Source: SourceIntegrationExternal, IntegrationInstanceID: "inst-1",
		SyncMode: SyncModeDiff, Status: StatusFinished, StartTimestamp: 1736294400000, DoneFlag: true,
		NumEntitiesUploaded: 1, NumEntitiesCreated: 2, NumEntitiesUpdated: 3, NumEntitiesDeleted: 4,
		NumEntityCreateErrors: 5, NumEntityUpdateErrors: 6, NumEntityDeleteErrors: 7,
		NumRelationshipsUploaded: 8, NumRelationshipsCreated: 9, NumRelationshipsUpdated: 10,
		NumRelationshipsDeleted: 11, NumRelationshipCreateErrors: 12, NumRelationshipUpdateErrors: 13,
		NumRelationshipDeleteErrors: 14, NumMappedRelationshipsCreated: 15,
		NumMappedRelationshipsUpdated: 16, NumMappedRelationshipsDeleted: 17,
		AccountID: "acct-1", IntegrationJobID: &integrationJobID, NumMappedRelationshipCreateErrors: 18,
		NumMappedRelationshipUpdateErrors: 19, NumMappedRelationshipDeleteErrors: 20,
	}
	if !reflect.DeepEqual(job, want) {
		t.Errorf("job\n%+v\nwant\n%+v", job, want)
	}
	wantCounters := []Counter{
		{"numEntityCreateErrors", 5}, {"numEntityUpdateErrors", 6}, {"numEntityDeleteErrors", 7},
		{"numRelationshipCreateErrors", 12}, {"numRelationshipUpdateErrors", 13}, {"numRelationshipDeleteErrors", 14},
		{"numMappedRelationshipCreateErrors", 18}, {"numMappedRelationshipUpdateErrors", 19}, {"numMappedRelationshipDeleteErrors", 20},
	}
	if got := job.ErrorCounters(); !reflect.DeepEqual(got, wantCounters) {
		t.Errorf("ErrorCounters = %v, want %v", got, wantCounters)
	}
	if got := (&Job{Status: StatusFinished}).ErrorCounters(); got != nil {
		t.Errorf("a clean job has error counters %v", got)
	}
}

func TestJobStatus(t *testing.T) {
	tests := []struct {
		status                      JobStatus
		terminal, failed, finalized bool
	}{
		{StatusAwaitingUploads, false, false, false},
		{StatusFinalizePending, false, false, true},
		{StatusFinalizingEntities, false, false, true},
		{StatusFinalizingRelationships, false, false, true},
		{StatusFinished, true, false, true},
		{StatusAborted, true, true, false},
		{StatusErrorBadData, true, true, true},
		{StatusErrorUnexpectedFailure, true, true, true},
		{StatusAbortedDueToInvalidConfiguration, true, true, false},
		{StatusUnknown, false, false, false},
		{"SOMETHING_NEW", false, false, false},
	}
	for _, tt := range tests {
		if got := tt.status.Terminal(); got != tt.terminal {
			t.Errorf("%s.Terminal() = %t", tt.status, got)
		}
		if got := tt.status.Failed(); got != tt.failed {
			t.Errorf("%s.Failed() = %t", tt.status, got)
		}
		if got := tt.status.Finalized(); got != tt.finalized {
			t.Errorf("%s.Finalized() = %t", tt.status, got)
		}
		job := &Job{Status: tt.status}
		if job.Done() != tt.terminal || job.Succeeded() != (tt.status == StatusFinished) {
			t.Errorf("job in %s: Done %t, Succeeded %t", tt.status, job.Done(), job.Succeeded())
		}
	}
	if !(&Job{Status: "SOMETHING_NEW", DoneFlag: true}).Done() {
		t.Error("a job the API says is done is done, whatever its status")
	}
	if (&Job{Status: StatusUnknown, DoneFlag: true}).Done() {
		t.Error("a job whose status is UNKNOWN is not done: its outcome is not known")
	}
}

func TestStartJobRefusesBadSpecs(t *testing.T) {
	tests := []struct {
		spec JobSpec
		want string
	}{
		{JobSpec{}, "no source"},
		{JobSpec{Source: SourceIntegrationExternal}, "needs an integration instance id"},
		{JobSpec{Source: SourceIntegrationExternal, IntegrationInstanceID: "i", Scope: "s"}, "scope is only allowed with source api"},
		{JobSpec{Source: SourceAPI}, "needs a scope"},
		{JobSpec{Source: SourceAPI, Scope: "s", IntegrationInstanceID: "i"}, "only allowed with an integration source"},
		{JobSpec{Source: SourceIntegrationManaged}, "an integration-managed job needs an integration instance id"},
		{JobSpec{Source: "integration-other", IntegrationInstanceID: "i"}, `unknown job source "integration-other"`},
	}
	rec := script(t, answerJob("job-1", StatusAwaitingUploads))
	c, _ := newTestClient(t, rec)
	for _, tt := range tests {
		_, err := c.StartJob(context.Background(), tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("StartJob(%+v) = %v, want an error containing %q", tt.spec, err, tt.want)
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("%d requests sent for refused specs", n)
	}
}

func TestStartJobNeedsJobID(t *testing.T) {
	c, _ := newTestClient(t, script(t, answerJob("", StatusAwaitingUploads)))
	_, err := c.StartJob(context.Background(), JobSpec{Source: SourceIntegrationExternal, IntegrationInstanceID: "i"})
	if err == nil || !strings.Contains(err.Error(), "without a job id") {
		t.Errorf("err = %v", err)
	}
}

func TestJobRoutesNeedJobID(t *testing.T) {
	rec := script(t, answerOK())
	c, _ := newTestClient(t, rec)
	ctx := context.Background()
	_, err1 := c.GetJob(ctx, "")
	_, err2 := c.FinalizeJob(ctx, "", FinalizeOptions{})
	_, err3 := c.AbortJob(ctx, "", "r")
	err4 := c.PublishEvents(ctx, "")
	err5 := c.Upload(ctx, "", Entities, []model.Properties{entity("a")}, UploadOptions{})
	for i, err := range []error{err1, err2, err3, err4, err5} {
		if !errors.Is(err, errNoJobID) {
			t.Errorf("call %d: err = %v, want %v", i+1, err, errNoJobID)
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("%d requests sent without a job id", n)
	}
}
