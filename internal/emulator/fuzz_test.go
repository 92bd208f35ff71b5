package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzRequestBodies sends arbitrary bodies to the routes that read them (start, upload,
// finalize, GraphQL): the emulator must answer every one without a panic or a 500, with a
// JSON answer, and hold no upload once its job is aborted.
func FuzzRequestBodies(f *testing.F) {
	seeds := []struct {
		route byte
		body  string
	}{
		{0, `{"source":"integration-external","integrationInstanceId":"inst","syncMode":"DIFF"}`},
		{0, `{"source":"api","scope":"s","syncMode":"PATCH","ignoreDuplicates":true}`},
		{1, `{"entities":[{"_key":"a","_type":"thing_test","_class":"Resource","name":"a","displayName":"A"}],"relationships":[{"_key":"r","_type":"t","_class":"HAS","_fromEntityKey":"a","_toEntityId":"x"}]}`},
		{1, `{"deleteEntities":[{"_id":"x"},{"_key":"a","_type":"t"}],"deleteRelationships":[{"_id":1}]}`},
		{1, `{"relationships":[{"_key":"m","_type":"t","_class":"USES","_mapping":{"sourceEntityKey":"a","relationshipDirection":"FORWARD","targetFilterKeys":[["_key"]],"targetEntity":{"_key":"b"}}}]}`},
		{2, `{"partialDatasets":{"types":["thing_test"]}}`},
		{2, ``},
		{3, `{"query":"query Q($query: String!) { queryV1(query: $query, deferredResponse: FORCE) { type data url __typename } }","variables":{"query":"FIND * AS a THAT RELATES TO AS r * RETURN r, a.name SKIP 1 LIMIT 2"}}`},
		{3, `[{"query":"{ queryV1(query: \"FIND Resource THAT HAS * RETURN TREE\") { data } }"},{"query":"{ x }","flags":{}}]`},
		{3, `{"query":"{ queryV1(query: \"FIND * WITH a = 'b' AND c = 1.5e3\", cursor: \"eyJrIjoiYSJ9\") { data cursor } }"}`},
	}
	for _, s := range seeds {
		f.Add(s.route, []byte(s.body))
	}
	s, err := New(Config{APIKey: testKey, MaxBody: 64 << 10, MaxJobsInFlight: 2})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	call := func(t testing.TB, path string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q: %d %s", path, body, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("POST %s %q: the answer is not JSON: %s", path, body, rec.Body)
		}
		return rec
	}
	// A small graph for queries and endpoints to find, in an instance the fuzzed jobs leave
	// alone.
	var jb jobBody
	_ = json.Unmarshal(call(f, jobsPath, []byte(`{"source":"integration-external","integrationInstanceId":"inst"}`)).Body.Bytes(), &jb)
	call(f, jobPath(jb.Job.ID, "upload"), []byte(`{"entities":[`+
		`{"_key":"a","_type":"thing_test","_class":"Resource","name":"a","displayName":"A"},`+
		`{"_key":"b","_type":"thing_test","_class":"Resource","name":"b","displayName":"B"}],`+
		`"relationships":[{"_key":"a|b","_type":"thing_has_thing","_class":"HAS","_fromEntityKey":"a","_toEntityKey":"b"}]}`))
	if rec := call(f, jobPath(jb.Job.ID, "finalize"), nil); rec.Code != http.StatusOK {
		f.Fatalf("seed graph: %s", rec.Body)
	}
	f.Fuzz(func(t *testing.T, route byte, body []byte) {
		switch route % 4 {
		case 0:
			rec := call(t, jobsPath, body)
			var jb jobBody
			if rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &jb) == nil {
				call(t, jobPath(jb.Job.ID, "abort"), nil)
			}
			return
		case 3:
			call(t, "/graphql", body)
			return
		}
		rec := call(t, jobsPath, []byte(`{"source":"integration-external","integrationInstanceId":"fuzz"}`))
		var jb jobBody
		if err := json.Unmarshal(rec.Body.Bytes(), &jb); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("start: %d %s", rec.Code, rec.Body)
		}
		if route%4 == 1 {
			call(t, jobPath(jb.Job.ID, "upload"), body)
			call(t, jobPath(jb.Job.ID, "abort"), nil)
			j := s.job(jb.Job.ID)
			j.mu.Lock()
			holds := j.holdsUploads()
			j.mu.Unlock()
			if holds {
				t.Fatal("an aborted job holds its uploads")
			}
			return
		}
		if rec := call(t, jobPath(jb.Job.ID, "finalize"), body); rec.Code != http.StatusOK {
			call(t, jobPath(jb.Job.ID, "abort"), nil)
		}
	})
}
