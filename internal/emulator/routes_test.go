package emulator

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestStartJob(t *testing.T) {
	tests := []struct {
		name      string
		instances []string
		body      any
		status    int
		code      string
		check     func(t *testing.T, j Job)
	}{
		{name: "integration DIFF", body: map[string]any{"source": "integration-external", "integrationInstanceId": "inst-1", "syncMode": "DIFF"},
			status: 200, check: func(t *testing.T, j Job) {
				if j.IntegrationInstanceID == nil || *j.IntegrationInstanceID != "inst-1" || j.Scope != nil || j.SyncMode != ModeDiff || j.Status != StatusAwaitingUploads || j.Done {
					t.Errorf("job = %+v", j)
				}
			}},
		{name: "syncMode defaults to DIFF", body: map[string]any{"source": "integration-external", "integrationInstanceId": "inst-1"},
			status: 200, check: func(t *testing.T, j Job) {
				if j.SyncMode != ModeDiff {
					t.Errorf("syncMode = %q", j.SyncMode)
				}
			}},
		{name: "integration-managed", body: map[string]any{"source": "integration-managed", "integrationInstanceId": "inst-1", "syncMode": "PATCH"}, status: 200},
		{name: "api DIFF with scope", body: map[string]any{"source": "api", "scope": "billing", "syncMode": "DIFF"},
			status: 200, check: func(t *testing.T, j Job) {
				if j.Scope == nil || *j.Scope != "billing" || j.IntegrationInstanceID != nil {
					t.Errorf("job = %+v", j)
				}
			}},
		{name: "api PATCH without scope", body: map[string]any{"source": "api", "syncMode": "PATCH"}, status: 200},
		{name: "known instance", instances: []string{"inst-1"}, body: map[string]any{"source": "integration-external", "integrationInstanceId": "inst-1"}, status: 200},
		{name: "unknown instance", instances: []string{"inst-1"}, body: map[string]any{"source": "integration-external", "integrationInstanceId": "inst-2"}, status: 400, code: CodeInvalidInstance},
		{name: "integration without instance", body: map[string]any{"source": "integration-external", "syncMode": "DIFF"}, status: 400, code: CodeInstanceRequired},
		{name: "integration with scope", body: map[string]any{"source": "integration-external", "integrationInstanceId": "i", "scope": "s"}, status: 400, code: CodeScopeNotAllowed},
		{name: "api DIFF without scope", body: map[string]any{"source": "api", "syncMode": "DIFF"}, status: 400, code: CodeScopeRequired},
		{name: "api with instance", body: map[string]any{"source": "api", "scope": "s", "integrationInstanceId": "i"}, status: 400, code: CodeInstanceNotAllowed},
		{name: "CREATE_OR_UPDATE", body: map[string]any{"source": "integration-external", "integrationInstanceId": "i", "syncMode": "CREATE_OR_UPDATE"}, status: 400, code: CodeUnsupportedSyncMode},
		{name: "CROSS_SCOPE", body: map[string]any{"source": "api", "scope": "s", "syncMode": "CROSS_SCOPE"}, status: 400, code: CodeUnsupportedSyncMode},
		{name: "OVERRIDE", body: map[string]any{"source": "api", "scope": "s", "syncMode": "OVERRIDE"}, status: 400, code: CodeUnsupportedSyncMode},
		{name: "unknown mode", body: map[string]any{"source": "api", "scope": "s", "syncMode": "diff"}, status: 400, code: CodeUnsupportedSyncMode},
		{name: "missing source", body: map[string]any{"integrationInstanceId": "i"}, status: 400, code: CodeInvalidSource},
		{name: "unknown source", body: map[string]any{"source": "integration", "integrationInstanceId": "i"}, status: 400, code: CodeInvalidSource},
		{name: "invalid JSON", body: `{"source":`, status: 400, code: CodeInvalidJSON},
		{name: "empty body", body: ``, status: 400, code: CodeInvalidJSON},
		{name: "trailing data", body: `{"source":"api","syncMode":"PATCH"} {}`, status: 400, code: CodeInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{Instances: tt.instances})
			r := h.request("POST", jobsPath, tt.body)
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.code != "" {
				if got := r.errorCode(); got != tt.code {
					t.Errorf("code = %q, want %q (%s)", got, tt.code, r.body)
				}
				if r.errorMessage() == "" {
					t.Error("error without message")
				}
				return
			}
			j := r.job(t)
			if len(j.ID) != 36 || strings.Count(j.ID, "-") != 4 {
				t.Errorf("job id %q is not a UUID", j.ID)
			}
			if tt.check != nil {
				tt.check(t, j)
			}
		})
	}
}

func TestJobAnswerHasEveryCounter(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.startInstance("inst", "DIFF")
	r := h.request("GET", jobPath(j.ID, ""), nil)
	var raw struct {
		Job map[string]any `json:"job"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"id", "source", "scope", "integrationInstanceId", "syncMode", "status", "startTimestamp", "done",
		"numEntitiesUploaded", "numEntitiesCreated", "numEntitiesUpdated", "numEntitiesDeleted",
		"numEntityCreateErrors", "numEntityUpdateErrors", "numEntityDeleteErrors",
		"numRelationshipsUploaded", "numRelationshipsCreated", "numRelationshipsUpdated",
		"numRelationshipsDeleted", "numRelationshipCreateErrors", "numRelationshipUpdateErrors",
		"numRelationshipDeleteErrors", "numMappedRelationshipsCreated",
		"numMappedRelationshipsUpdated", "numMappedRelationshipsDeleted",
	} {
		if _, ok := raw.Job[name]; !ok {
			t.Errorf("job answer lacks %q: %s", name, r.body)
		}
	}
	if r.header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", r.header.Get("Content-Type"))
	}
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t, Config{APIKey: "right-key"})
	routes := []struct{ method, path string }{
		{"POST", jobsPath},
		{"GET", jobPath("x", "")},
		{"POST", jobPath("x", "upload")},
		{"POST", "/graphql"},
		{"GET", "/_emulator/graph"},
	}
	for _, rt := range routes {
		for _, auth := range []string{"", "Bearer wrong-key", "Basic right-key", "Bearer ", "right-key"} {
			r := h.request(rt.method, rt.path, "{}", "Authorization", auth)
			if r.status != http.StatusUnauthorized || r.errorCode() != CodeUnauthorized {
				t.Errorf("%s %s with %q: %d %s", rt.method, rt.path, auth, r.status, r.body)
			}
			if strings.Contains(string(r.body), "right-key") {
				t.Errorf("answer echoes the key: %s", r.body)
			}
		}
	}
	r := h.request("GET", "/_emulator/graph", nil, "Authorization", "bearer right-key")
	if r.status != http.StatusOK {
		t.Errorf("lower-case scheme: %d %s", r.status, r.body)
	}
}

func TestAccount(t *testing.T) {
	h := newHarness(t, Config{Account: "acct-1"})
	for _, tt := range []struct {
		account string
		status  int
	}{{"", 403}, {"acct-2", 403}, {"acct-1", 200}} {
		r := h.request("GET", "/_emulator/graph", nil, headerAccount, tt.account)
		if r.status != tt.status {
			t.Errorf("account %q: %d %s", tt.account, r.status, r.body)
		}
		if tt.status == 403 && r.errorCode() != CodeAccountMismatch {
			t.Errorf("account %q: code %q", tt.account, r.errorCode())
		}
	}
}

func TestUnknownJob(t *testing.T) {
	h := newHarness(t, Config{})
	for _, route := range []string{"", "entities", "relationships", "upload", "finalize", "abort", "events"} {
		method := "POST"
		if route == "" {
			method = "GET"
		}
		r := h.request(method, jobPath("00000000-0000-0000-0000-000000000000", route), `{"entities":[]}`)
		if r.status != http.StatusNotFound || r.errorCode() != CodeJobNotFound {
			t.Errorf("%s %q: %d %s", method, route, r.status, r.body)
		}
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.request("GET", "/persister/nope", nil)
	if r.status != http.StatusNotFound || r.errorCode() != CodeNotFound {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
	r = h.request("GET", jobPath("x", "upload"), nil)
	if r.status != http.StatusMethodNotAllowed || r.errorCode() != CodeMethodNotAllowed || r.header.Get("Allow") != "POST" {
		t.Errorf("wrong method: %d %v %s", r.status, r.header, r.body)
	}
}

func TestUploadRoutes(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.startInstance("inst", "DIFF")
	got := h.must(h.request("POST", jobPath(j.ID, "entities"), map[string]any{"entities": []any{entity("a"), entity("b")}}))
	if got.NumEntitiesUploaded != 2 {
		t.Errorf("after /entities: %+v", got.Counters)
	}
	got = h.must(h.request("POST", jobPath(j.ID, "relationships"), map[string]any{"relationships": []any{rel("a-b", "a", "b")}}))
	if got.NumRelationshipsUploaded != 1 {
		t.Errorf("after /relationships: %+v", got.Counters)
	}
	got = h.must(h.upload(j.ID, []map[string]any{entity("c")}, []map[string]any{rel("b-c", "b", "c")}))
	if got.NumEntitiesUploaded != 3 || got.NumRelationshipsUploaded != 2 {
		t.Errorf("after /upload: %+v", got.Counters)
	}
	got = h.must(h.request("POST", jobPath(j.ID, "upload"), `{}`))
	if got.NumEntitiesUploaded != 3 {
		t.Errorf("after empty /upload: %+v", got.Counters)
	}
	got = h.must(h.request("POST", jobPath(j.ID, "upload"), `{"entities": null, "relationships": []}`))
	if got.NumEntitiesUploaded != 3 {
		t.Errorf("a null list is absent: %+v", got.Counters)
	}
	// Each single-list route reads its own list only.
	got = h.must(h.request("POST", jobPath(j.ID, "entities"), map[string]any{"entities": []any{entity("d")}, "relationships": []any{rel("c-d", "c", "d")}}))
	if got.NumEntitiesUploaded != 4 || got.NumRelationshipsUploaded != 2 {
		t.Errorf("/entities read relationships: %+v", got.Counters)
	}
	done := h.finalize(j.ID, nil)
	if done.NumEntitiesCreated != 4 || done.NumRelationshipsCreated != 2 || done.NumEntitiesUploaded != 4 || !done.Done || done.EndTimestamp == nil {
		t.Errorf("finalized: %+v", done)
	}
}

func TestUploadShapeErrors(t *testing.T) {
	tests := []struct {
		route, body string
		status      int
		code        string
	}{
		{"entities", `{"entities": {"_key": "a"}}`, 400, CodeEntityIsNotArray},
		{"entities", `{"entities": null}`, 400, CodeEntityIsNotArray},
		{"entities", `{}`, 400, CodeEntityIsNotArray},
		{"upload", `{"entities": "a"}`, 400, CodeEntityIsNotArray},
		{"relationships", `{"relationships": 3}`, 400, CodeRelationshipIsNotArray},
		{"relationships", `{"entities": []}`, 400, CodeRelationshipIsNotArray},
		{"upload", `{"relationships": {}}`, 400, CodeRelationshipIsNotArray},
		{"entities", `{"entities": [1]}`, 400, CodeInvalidEntity},
		{"upload", `{"relationships": ["x"]}`, 400, CodeInvalidRelationship},
		{"upload", `{"entities": [`, 400, CodeInvalidJSON},
		{"upload", `[]`, 400, CodeInvalidJSON},
		{"upload", `null`, 400, CodeInvalidJSON},
		{"upload", ``, 400, CodeInvalidJSON},
	}
	h := newHarness(t, Config{})
	j := h.startInstance("inst", "DIFF")
	for _, tt := range tests {
		r := h.request("POST", jobPath(j.ID, tt.route), tt.body)
		if r.status != tt.status || r.errorCode() != tt.code {
			t.Errorf("%s %s: %d %s, want %d %s", tt.route, tt.body, r.status, r.body, tt.status, tt.code)
		}
	}
	if got := h.getJob(j.ID); got.NumEntitiesUploaded != 0 || got.NumRelationshipsUploaded != 0 {
		t.Errorf("refused uploads were counted: %+v", got.Counters)
	}
}

func TestInvalidObjects(t *testing.T) {
	tests := []struct {
		name          string
		entities      []map[string]any
		relationships []map[string]any
		code          string
		want          []string // substrings of the message
	}{
		{"missing name", []map[string]any{entity("ok"), entity("k1", "name", deleted)}, nil,
			CodeInvalidEntity, []string{"entities[1]", `_key "k1"`, "J1P001"}},
		{"nested object", []map[string]any{entity("k2", "owner", map[string]any{"a": "b"})}, nil,
			CodeInvalidEntity, []string{"entities[0]", `_key "k2"`, "J1P002"}},
		{"reserved name", []map[string]any{entity("k3", "_secretField", "x")}, nil,
			CodeInvalidEntity, []string{"entities[0]", "J1P003"}},
		{"long string", []map[string]any{entity("k4", "notes", strings.Repeat("x", 4097))}, nil,
			CodeInvalidEntity, []string{"J1P004"}},
		{"bad key", []map[string]any{entity("acme:undefined")}, nil,
			CodeInvalidEntity, []string{`_key "acme:undefined"`, "J1P005"}},
		{"no key", []map[string]any{entity("x", "_key", deleted)}, nil,
			CodeInvalidEntity, []string{"entities[0] (no _key)", "J1P001"}},
		{"relationship without endpoint", []map[string]any{entity("a")}, []map[string]any{rel("r1", "a", "b", "_toEntityKey", deleted)},
			CodeInvalidRelationship, []string{"relationships[0]", `_key "r1"`, "J1P001"}},
		{"mapped relationship with bad direction", nil, []map[string]any{func() map[string]any {
			m := mappedRel("m1", "a", map[string]any{"_type": "t", "_key": "k"}, [][]string{{"_type", "_key"}}, true)
			m["_mapping"].(map[string]any)["relationshipDirection"] = "SIDEWAYS"
			return m
		}()}, CodeInvalidRelationship, []string{`_key "m1"`, "J1P009"}},
		{"entity first decides the code", []map[string]any{entity("k5", "displayName", deleted)}, []map[string]any{rel("r2", "a", "b", "_class", deleted)},
			CodeInvalidEntity, []string{"entities[0]", "relationships[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			j := h.startInstance("inst", "DIFF")
			r := h.upload(j.ID, tt.entities, tt.relationships)
			if r.status != 400 || r.errorCode() != tt.code {
				t.Fatalf("%d %s, want 400 %s", r.status, r.body, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.errorMessage(), w) {
					t.Errorf("message lacks %q: %s", w, r.errorMessage())
				}
			}
			if got := h.getJob(j.ID); got.NumEntitiesUploaded != 0 || got.NumRelationshipsUploaded != 0 {
				t.Errorf("a refused request was partly accepted: %+v", got.Counters)
			}
		})
	}
}

func TestDuplicateKeys(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.startInstance("inst", "DIFF")
	h.must(h.upload(j.ID, []map[string]any{entity("a"), entity("b")}, []map[string]any{rel("r", "a", "b")}))

	t.Run("identical re-upload is accepted once", func(t *testing.T) {
		got := h.must(h.upload(j.ID, []map[string]any{entity("a"), entity("b"), entity("c")}, []map[string]any{rel("r", "a", "b")}))
		if got.NumEntitiesUploaded != 3 || got.NumRelationshipsUploaded != 1 {
			t.Errorf("counters after a retried batch: %+v", got.Counters)
		}
	})
	for _, tt := range []struct {
		name          string
		entities      []map[string]any
		relationships []map[string]any
	}{
		{"different entity under an uploaded key", []map[string]any{entity("d"), entity("a", "name", "other")}, nil},
		{"relationship under an entity's key", nil, []map[string]any{rel("a", "a", "b")}},
		{"entity under a relationship's key", []map[string]any{entity("r")}, nil},
		{"two different objects in one request", []map[string]any{entity("e"), entity("e", "name", "E2")}, nil},
		{"different relationship", nil, []map[string]any{rel("r", "b", "a")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := h.upload(j.ID, tt.entities, tt.relationships)
			if r.status != 400 || r.errorCode() != CodeDuplicateKey {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if got := h.getJob(j.ID); got.NumEntitiesUploaded != 3 || got.NumRelationshipsUploaded != 1 {
				t.Errorf("the refused request was partly accepted: %+v", got.Counters)
			}
		})
	}
	t.Run("identical object twice in one request", func(t *testing.T) {
		got := h.must(h.upload(j.ID, []map[string]any{entity("f"), entity("f")}, nil))
		if got.NumEntitiesUploaded != 4 {
			t.Errorf("counters: %+v", got.Counters)
		}
	})
	done := h.finalize(j.ID, nil)
	if done.NumEntitiesCreated != 4 || done.NumRelationshipsCreated != 1 {
		t.Errorf("finalized: %+v", done.Counters)
	}
}

func TestUploadToJobNotAwaitingUploads(t *testing.T) {
	h := newHarness(t, Config{})
	finished := h.startInstance("inst", "DIFF")
	h.finalize(finished.ID, nil)
	aborted := h.startInstance("inst", "DIFF")
	h.must(h.request("POST", jobPath(aborted.ID, "abort"), map[string]any{"reason": "test"}))
	for _, id := range []string{finished.ID, aborted.ID} {
		for _, route := range []string{"entities", "relationships", "upload"} {
			r := h.request("POST", jobPath(id, route), map[string]any{"entities": []any{entity("a")}, "relationships": []any{}})
			if r.status != 400 || r.errorCode() != CodeJobNotAwaitingUploads {
				t.Errorf("%s to %s: %d %s", route, id, r.status, r.body)
			}
		}
	}
	r := h.request("POST", jobPath(aborted.ID, "finalize"), nil)
	if r.status != 400 || r.errorCode() != CodeJobNotAwaitingUploads {
		t.Errorf("finalize after abort: %d %s", r.status, r.body)
	}
	if again := h.finalize(finished.ID, nil); again.Status != StatusFinished {
		t.Errorf("a retried finalize: %+v", again)
	}
}

func TestPatchRefusesRelationships(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.startInstance("inst", "PATCH")
	r := h.request("POST", jobPath(j.ID, "relationships"), map[string]any{"relationships": []any{rel("r", "a", "b")}})
	if r.status != 400 || r.errorCode() != CodeRelationshipsNotInPatch {
		t.Errorf("/relationships: %d %s", r.status, r.body)
	}
	r = h.upload(j.ID, []map[string]any{entity("a")}, []map[string]any{rel("r", "a", "b")})
	if r.status != 400 || r.errorCode() != CodeRelationshipsNotInPatch {
		t.Errorf("/upload: %d %s", r.status, r.body)
	}
	got := h.must(h.upload(j.ID, []map[string]any{entity("a")}, []map[string]any{}))
	if got.NumEntitiesUploaded != 1 {
		t.Errorf("entities with an empty relationships list: %+v", got.Counters)
	}
}

func TestBodyLimits(t *testing.T) {
	h := newHarness(t, Config{MaxBody: 4096})
	j := h.startInstance("inst", "DIFF")
	big := map[string]any{"entities": []any{entity("a", "notes", strings.Repeat("x", 4000)), entity("b", "notes", strings.Repeat("y", 4000))}}
	data, _ := json.Marshal(big)

	r := h.request("POST", jobPath(j.ID, "upload"), data)
	if r.status != http.StatusRequestEntityTooLarge || r.errorCode() != CodePayloadTooLarge {
		t.Errorf("plain: %d %s", r.status, r.body)
	}
	// Compressed it fits easily; decompressed it does not.
	zipped := gzipped(t, data)
	if len(zipped) > 4096 {
		t.Fatalf("test body compresses to %d bytes", len(zipped))
	}
	r = h.request("POST", jobPath(j.ID, "upload"), zipped, "Content-Encoding", "gzip")
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("gzip: %d %s", r.status, r.body)
	}
	// A gzip bomb: 8 MB of zeros in 8 KB, refused after MaxBody+1 bytes.
	bomb := gzipped(t, bytes.Repeat([]byte{0}, 8<<20))
	r = h.request("POST", jobPath(j.ID, "upload"), bomb, "Content-Encoding", "gzip")
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("bomb: %d %s", r.status, r.body)
	}
	if got := h.getJob(j.ID); got.NumEntitiesUploaded != 0 {
		t.Errorf("refused bodies were counted: %+v", got.Counters)
	}
}

func TestGzipUpload(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.startInstance("inst", "DIFF")
	data, _ := json.Marshal(map[string]any{"entities": []any{entity("a"), entity("b")}})
	got := h.must(h.request("POST", jobPath(j.ID, "upload"), gzipped(t, data), "Content-Encoding", "gzip"))
	if got.NumEntitiesUploaded != 2 {
		t.Errorf("gzip upload: %+v", got.Counters)
	}
	r := h.request("POST", jobPath(j.ID, "upload"), data, "Content-Encoding", "gzip")
	if r.status != 400 || r.errorCode() != CodeInvalidGzip {
		t.Errorf("plain body labelled gzip: %d %s", r.status, r.body)
	}
	truncated := gzipped(t, data)
	r = h.request("POST", jobPath(j.ID, "upload"), truncated[:len(truncated)-10], "Content-Encoding", "gzip")
	if r.status != 400 || r.errorCode() != CodeInvalidGzip {
		t.Errorf("truncated gzip: %d %s", r.status, r.body)
	}
	r = h.request("POST", jobPath(j.ID, "upload"), data, "Content-Encoding", "br")
	if r.status != http.StatusUnsupportedMediaType || r.errorCode() != CodeUnsupportedEncoding {
		t.Errorf("br: %d %s", r.status, r.body)
	}
}

func TestAbort(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.startInstance("inst", "DIFF")
	h.must(h.upload(j.ID, []map[string]any{entity("a")}, nil))
	got := h.must(h.request("POST", jobPath(j.ID, "abort"), map[string]any{"reason": "interrupted"}))
	if got.Status != StatusAborted || !got.Done {
		t.Errorf("aborted: %+v", got)
	}
	if again := h.must(h.request("POST", jobPath(j.ID, "abort"), map[string]any{"reason": "retry"})); again.Status != StatusAborted {
		t.Errorf("a retried abort: %+v", again)
	}
	if ents, _ := h.graph(""); len(ents) != 0 {
		t.Errorf("an aborted job changed the graph: %v", ents)
	}

	j2 := h.startInstance("inst", "DIFF")
	r := h.request("POST", jobPath(j2.ID, "abort"), map[string]any{"reason": "x", "terminalStatus": "FINISHED"})
	if r.status != 400 || r.errorCode() != CodeInvalidTerminalStatus {
		t.Errorf("terminalStatus FINISHED: %d %s", r.status, r.body)
	}
	got = h.must(h.request("POST", jobPath(j2.ID, "abort"), map[string]any{"reason": "bad data", "terminalStatus": StatusErrorBadData}))
	if got.Status != StatusErrorBadData {
		t.Errorf("terminalStatus: %+v", got)
	}

	j3 := h.startInstance("inst", "DIFF")
	h.finalize(j3.ID, nil)
	r = h.request("POST", jobPath(j3.ID, "abort"), nil)
	if r.status != 400 || r.errorCode() != CodeJobNotAwaitingUploads {
		t.Errorf("abort after finalize: %d %s", r.status, r.body)
	}
}

func TestEvents(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.startInstance("inst", "DIFF")
	h.must(h.request("POST", jobPath(j.ID, "events"), map[string]any{"events": []any{
		map[string]any{"name": "step_start", "description": "fetching"},
		map[string]any{"name": "step_end", "description": "done"},
	}}))
	h.finalize(j.ID, nil)
	// Events are never fatal, even after the job finished.
	h.must(h.request("POST", jobPath(j.ID, "events"), map[string]any{"events": []any{map[string]any{"name": "late", "description": "after"}}}))
	r := h.request("GET", jobPath(j.ID, "events"), nil)
	var got struct{ Events []Event }
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != 3 || got.Events[0].Name != "step_start" || got.Events[2].Description != "after" || got.Events[0].Timestamp == 0 {
		t.Errorf("events: %+v", got.Events)
	}
	r = h.request("POST", jobPath(j.ID, "events"), map[string]any{"events": "x"})
	if r.status != 400 || r.errorCode() != CodeEventsIsNotArray {
		t.Errorf("non-array: %d %s", r.status, r.body)
	}
}

func TestGraphRoute(t *testing.T) {
	h := newHarness(t, Config{Account: "acct"})
	for _, inst := range []string{"one", "two"} {
		j := h.startInstance(inst, "DIFF")
		h.must(h.request("POST", jobPath(j.ID, "upload"), map[string]any{
			"entities":      []any{entity(inst + "-b"), entity(inst+"-a", "tags", []any{"x", "y"}, "count", json.Number("1.50"))},
			"relationships": []any{rel(inst+"-r", inst+"-a", inst+"-b")},
		}))
		h.must(h.request("POST", jobPath(j.ID, "finalize"), nil))
	}
	j := h.must(h.request("POST", jobsPath, map[string]any{"source": "api", "scope": "sc", "syncMode": "DIFF"}))
	h.must(h.request("POST", jobPath(j.ID, "upload"), map[string]any{"entities": []any{entity("api-a")}}))
	h.must(h.request("POST", jobPath(j.ID, "finalize"), nil))

	get := func(q string) ([]map[string]any, []map[string]any) {
		r := h.request("GET", "/_emulator/graph"+q, nil)
		var g struct{ Entities, Relationships []map[string]any }
		dec := json.NewDecoder(bytes.NewReader(r.body))
		dec.UseNumber()
		if err := dec.Decode(&g); err != nil {
			t.Fatalf("%s: %v %s", q, err, r.body)
		}
		return g.Entities, g.Relationships
	}
	ents, rels := get("?instance=one")
	if len(ents) != 2 || ents[0]["_key"] != "one-a" || ents[1]["_key"] != "one-b" || len(rels) != 1 {
		t.Fatalf("instance one: %v %v", ents, rels)
	}
	a := ents[0]
	if a["_integrationInstanceId"] != "one" || a["_source"] != "integration-external" || a["_accountId"] != "acct" ||
		a["_version"] != json.Number("1") || a["_id"] == "" || a["_createdOn"] == nil || a["_beginOn"] == nil {
		t.Errorf("metadata: %v", a)
	}
	if _, ok := a["_scope"]; ok {
		t.Errorf("an integration object has _scope: %v", a)
	}
	want := entity("one-a", "tags", []any{"x", "y"}, "count", json.Number("1.5"))
	if got, _ := json.Marshal(stripMeta(a)); string(got) != string(mustJSON(t, want)) {
		t.Errorf("payload not as uploaded:\n got %s\nwant %s", got, mustJSON(t, want))
	}
	if rels[0]["_fromEntityId"] != a["_id"] || rels[0]["_toEntityId"] != ents[1]["_id"] {
		t.Errorf("relationship endpoints: %v", rels[0])
	}
	ents, _ = get("?scope=sc")
	if len(ents) != 1 || ents[0]["_scope"] != "sc" || ents[0]["_source"] != "api" {
		t.Errorf("scope: %v", ents)
	}
	if _, ok := ents[0]["_integrationInstanceId"]; ok {
		t.Errorf("an api object has _integrationInstanceId: %v", ents[0])
	}
	ents, rels = get("")
	if len(ents) != 5 || len(rels) != 2 {
		t.Errorf("whole graph: %d entities, %d relationships", len(ents), len(rels))
	}
	for _, q := range []string{"?instance=one&scope=sc", "?instance=", "?other=1"} {
		r := h.request("GET", "/_emulator/graph"+q, nil)
		if r.status != 400 || r.errorCode() != CodeInvalidGraphFilter {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	// The Go API answers the same.
	snap := h.s.Graph(Filter{Instance: "two"})
	if len(snap.Entities) != 2 || snap.Entities[0]["_key"] != "two-a" || snap.Relationships[0]["_integrationInstanceId"] != "two" {
		t.Errorf("Graph: %v", snap)
	}
	if both := h.s.Graph(Filter{Instance: "two", Scope: "sc"}); !reflect.DeepEqual(both, snap) {
		t.Errorf("Graph with an instance and a scope: %v, want the instance's %v", both, snap)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGraphGolden(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Config{Now: clock.Now})
	h.fixedIDs()
	h.sync("inst", "DIFF",
		[]map[string]any{entity("app:slack", "_class", []any{"Application"}, "userCount", 12), entity("team:eng", "isActive", true, "tags", []any{"a", "b"})},
		[]map[string]any{rel("team:eng|has|app:slack", "team:eng", "app:slack"),
			mappedRel("app:slack|uses|role", "app:slack", map[string]any{"_type": "aws_iam_role", "_key": "arn:role"}, [][]string{{"_type", "_key"}}, false)})
	clock.Advance(time.Hour)
	h.sync("inst", "DIFF",
		[]map[string]any{entity("app:slack", "_class", []any{"Application"}, "userCount", 13), entity("team:eng", "isActive", true, "tags", []any{"a", "b"})},
		[]map[string]any{rel("team:eng|has|app:slack", "team:eng", "app:slack"),
			mappedRel("app:slack|uses|role", "app:slack", map[string]any{"_type": "aws_iam_role", "_key": "arn:role"}, [][]string{{"_type", "_key"}}, false)})
	r := h.request("GET", "/_emulator/graph", nil)
	checkGolden(t, "graph.json", r.body)
}

func TestRequestLogNeverHoldsTheKey(t *testing.T) {
	var logs bytes.Buffer
	h := newHarness(t, Config{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	j := h.startInstance("inst", "DIFF")
	h.getJob(j.ID)
	h.request("GET", "/_emulator/graph", nil, "Authorization", "Bearer wrong-secret")
	if logs.Len() == 0 {
		t.Fatal("nothing logged")
	}
	for _, secret := range []string{testKey, "wrong-secret", "Authorization"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), `"status":401`) || !strings.Contains(logs.String(), jobPath(j.ID, "")) {
		t.Errorf("the log lacks the requests:\n%s", logs.String())
	}
}
