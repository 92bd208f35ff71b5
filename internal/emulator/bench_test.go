package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

const (
	benchObjects   = 100_000
	benchBatchSize = 250
)

// benchBatches returns the upload bodies of a graph of n entities and n relationships in
// batches of benchBatchSize, entities first, as the client sends them.
func benchBatches(b *testing.B, n int) [][]byte {
	entities, relationships := benchBodies(b, n, func(i int) map[string]any {
		return map[string]any{
			"_key": fmt.Sprintf("bench:host:%06d", i), "_type": "host_bench", "_class": []string{"Host"},
			"name": fmt.Sprintf("host-%d", i), "displayName": fmt.Sprintf("Host %d", i),
			"cpus": i % 64, "isActive": i%3 == 0, "tags": []string{"bench", "prod"}, "createdOn": 1736294400000,
		}
	}, func(i int) map[string]any {
		from, to := fmt.Sprintf("bench:host:%06d", i), fmt.Sprintf("bench:host:%06d", (i+1)%n)
		return map[string]any{
			"_key": from + "|connects|" + to, "_type": "host_connects_host", "_class": "CONNECTS",
			"_fromEntityKey": from, "_toEntityKey": to,
		}
	})
	return append(entities, relationships...)
}

// benchBodies returns the upload bodies, in batches of benchBatchSize, of the n entities
// and n relationships that entity and relationship make of 0 to n-1.
func benchBodies(b *testing.B, n int, entity, relationship func(i int) map[string]any) (entities, relationships [][]byte) {
	b.Helper()
	batches := func(field string, object func(int) map[string]any) [][]byte {
		var bodies [][]byte
		for start := 0; start < n; start += benchBatchSize {
			batch := make([]map[string]any, 0, benchBatchSize)
			for i := start; i < min(n, start+benchBatchSize); i++ {
				batch = append(batch, object(i))
			}
			bodies = append(bodies, mustMarshal(b, map[string]any{field: batch}))
		}
		return bodies
	}
	return batches("entities", entity), batches("relationships", relationship)
}

func mustMarshal(b *testing.B, v any) []byte {
	b.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// benchCall posts body to path through the handler and returns the job answered.
func benchCall(b *testing.B, h http.Handler, path string, body []byte) Job {
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var jb jobBody
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &jb) != nil {
		b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
	}
	return jb.Job
}

// uploadBenchJob starts a DIFF job through the handler and sends every upload.
func uploadBenchJob(b *testing.B, h http.Handler, bodies [][]byte) Job {
	j := benchCall(b, h, jobsPath, []byte(`{"source":"integration-external","integrationInstanceId":"bench","syncMode":"DIFF"}`))
	for _, body := range bodies {
		benchCall(b, h, jobPath(j.ID, "upload"), body)
	}
	return j
}

// newBenchServer returns an in-memory emulator holding what one DIFF job of bodies created
// (nothing when bodies is nil).
func newBenchServer(b *testing.B, bodies [][]byte) *Server {
	b.Helper()
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	if bodies != nil {
		runBenchJob(b, s.Handler(), bodies)
	}
	return s
}

// runBenchJob runs one DIFF job through the handler: start, every upload, finalize.
func runBenchJob(b *testing.B, h http.Handler, bodies [][]byte) Job {
	j := uploadBenchJob(b, h, bodies)
	return benchCall(b, h, jobPath(j.ID, "finalize"), nil)
}

// BenchmarkDIFFCreate100k uploads 100k entities and 100k relationships in batches of 250 to
// an empty emulator and finalizes them: the first apply of a large graph.
func BenchmarkDIFFCreate100k(b *testing.B) {
	bodies := benchBatches(b, benchObjects)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s := newBenchServer(b, nil)
		b.StartTimer()
		j := runBenchJob(b, s.Handler(), bodies)
		if j.NumEntitiesCreated != benchObjects || j.NumRelationshipsCreated != benchObjects {
			b.Fatalf("job: %+v", j.Counters)
		}
	}
}

// BenchmarkFinalizeCreate100k times the finalize alone of the job BenchmarkDIFFCreate100k
// runs: 100k entities and 100k relationships created from the job's uploads.
func BenchmarkFinalizeCreate100k(b *testing.B) {
	benchFinalizeCreate(b, benchBatches(b, benchObjects), false)
}

// benchFinalizeCreate times the finalize alone of a DIFF job that uploaded bodies (which
// create benchObjects entities and as many relationships) to an empty emulator; journaled
// keeps the rollback journal, as with a data file (whose writing it leaves out).
func benchFinalizeCreate(b *testing.B, bodies [][]byte, journaled bool) {
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s := newBenchServer(b, nil)
		if journaled {
			s.persist = func(*graph) error { return nil }
		}
		j := uploadBenchJob(b, s.Handler(), bodies)
		b.StartTimer()
		j = benchCall(b, s.Handler(), jobPath(j.ID, "finalize"), nil)
		if j.NumEntitiesCreated != benchObjects || j.NumRelationshipsCreated != benchObjects {
			b.Fatalf("job: %+v", j.Counters)
		}
	}
}

// BenchmarkDIFFNoChange100k re-applies the same 100k+100k graph: every object is compared,
// none changes.
func BenchmarkDIFFNoChange100k(b *testing.B) {
	bodies := benchBatches(b, benchObjects)
	s := newBenchServer(b, bodies)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		j := runBenchJob(b, s.Handler(), bodies)
		if j.NumEntitiesCreated+j.NumEntitiesUpdated+j.NumEntitiesDeleted != 0 {
			b.Fatalf("job: %+v", j.Counters)
		}
	}
}

// BenchmarkDIFFDeleteAll100k finalizes an empty DIFF over 100k+100k objects: every entity is
// deleted with its relationships through the endpoint index.
func BenchmarkDIFFDeleteAll100k(b *testing.B) {
	bodies := benchBatches(b, benchObjects)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s := newBenchServer(b, bodies)
		b.StartTimer()
		j := runBenchJob(b, s.Handler(), nil)
		if j.NumEntitiesDeleted != benchObjects || j.NumRelationshipsDeleted != benchObjects {
			b.Fatalf("job: %+v", j.Counters)
		}
	}
}

// BenchmarkFinalizeCreateJournaled100k is BenchmarkFinalizeCreate100k with the journal
// kept, as with a data file, whose writing it leaves out: what rollback costs a finalize.
func BenchmarkFinalizeCreateJournaled100k(b *testing.B) {
	benchFinalizeCreate(b, benchBatches(b, benchObjects), true)
}

// benchHubs is how many hub entities the relationships of the hub benchmarks point at.
const benchHubs = 10

// benchHubBatches returns the upload bodies of n entities, the first benchHubs of them
// hubs, and of n relationships from every entity to a hub: entity bodies, then relationship
// bodies.
func benchHubBatches(b *testing.B, n int) (entities, relationships [][]byte) {
	return benchBodies(b, n, func(i int) map[string]any {
		return map[string]any{
			"_key": fmt.Sprintf("bench:host:%06d", i), "_type": "host_bench", "_class": []string{"Host"},
			"name": fmt.Sprintf("host-%d", i), "displayName": fmt.Sprintf("Host %d", i),
		}
	}, func(i int) map[string]any {
		from, to := fmt.Sprintf("bench:host:%06d", i), fmt.Sprintf("bench:host:%06d", i%benchHubs)
		return map[string]any{
			"_key": from + "|uses|" + to, "_type": "host_uses_host", "_class": "USES",
			"_fromEntityKey": from, "_toEntityKey": to,
		}
	})
}

// BenchmarkFinalizeCreateHubs100k times the finalize of a DIFF job that creates 100k
// entities and 100k relationships, all to one of ten hub entities.
func BenchmarkFinalizeCreateHubs100k(b *testing.B) {
	ents, rels := benchHubBatches(b, benchObjects)
	benchFinalizeCreate(b, append(ents, rels...), false)
}

// BenchmarkDeleteHubs100k times a finalize that deletes the ten hubs of a 100k+100k graph
// by deleteEntities: each hub goes with its 10k relationships.
func BenchmarkDeleteHubs100k(b *testing.B) {
	ents, rels := benchHubBatches(b, benchObjects)
	var deletes []map[string]any
	for i := range benchHubs {
		deletes = append(deletes, map[string]any{"_key": fmt.Sprintf("bench:host:%06d", i), "_type": "host_bench"})
	}
	body := mustMarshal(b, map[string]any{"deleteEntities": deletes})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s := newBenchServer(b, append(ents, rels...))
		h := s.Handler()
		j := benchCall(b, h, jobsPath, []byte(`{"source":"integration-external","integrationInstanceId":"bench","syncMode":"PATCH"}`))
		benchCall(b, h, jobPath(j.ID, "upload"), body)
		b.StartTimer()
		j = benchCall(b, h, jobPath(j.ID, "finalize"), nil)
		if j.NumEntitiesDeleted != benchHubs || j.NumRelationshipsDeleted != benchObjects {
			b.Fatalf("job: %+v", j.Counters)
		}
	}
}

// BenchmarkDIFFDropHubRelationships100k times a DIFF finalize that keeps the 100k entities
// of a hub graph and drops its 100k relationships, each from the middle of a hub's list.
func BenchmarkDIFFDropHubRelationships100k(b *testing.B) {
	ents, rels := benchHubBatches(b, benchObjects)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s := newBenchServer(b, append(ents, rels...))
		j := uploadBenchJob(b, s.Handler(), ents)
		b.StartTimer()
		j = benchCall(b, s.Handler(), jobPath(j.ID, "finalize"), nil)
		if j.NumEntitiesDeleted != 0 || j.NumRelationshipsDeleted != benchObjects {
			b.Fatalf("job: %+v", j.Counters)
		}
	}
}

// BenchmarkJ1QLPages100k pages through FIND * over 100k entities (400 pages of 250).
func BenchmarkJ1QLPages100k(b *testing.B) {
	s := newBenchServer(b, benchBatches(b, benchObjects))
	q, err := parseJ1QL("FIND * WITH _integrationInstanceId = 'bench'")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var after *cursor
		n := 0
		for {
			s.graphMu.RLock()
			page, next := q.page(s.graph.sortedEntities(), after, "")
			var buf []byte
			for _, r := range page {
				buf = r.appendResult(buf[:0], "")
			}
			s.graphMu.RUnlock()
			n += len(page)
			if next == nil {
				break
			}
			after = next
		}
		if n != benchObjects {
			b.Fatalf("%d results", n)
		}
	}
}

// BenchmarkJ1QLRelationshipPages100k pages through the refresh's relationship query over a
// graph of 100k entities and 100k relationships (400 pages of 250), as GraphQL requests.
func BenchmarkJ1QLRelationshipPages100k(b *testing.B) {
	s := newBenchServer(b, benchBatches(b, benchObjects))
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.queries = queryCache{} // every iteration computes the traversal once
		var cursor any
		n := 0
		for {
			body := mustMarshal(b, map[string]any{
				"query":     "query Q($query: String!, $cursor: String) { queryV1(query: $query, cursor: $cursor) { type data cursor } }",
				"variables": map[string]any{"query": "FIND * WITH _integrationInstanceId = 'bench' AS a THAT RELATES TO AS r * RETURN r", "cursor": cursor},
			})
			req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var res struct {
				Data struct {
					QueryV1 struct {
						Data   []json.RawMessage `json:"data"`
						Cursor *string           `json:"cursor"`
					} `json:"queryV1"`
				} `json:"data"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
				b.Fatalf("%v: %.200s", err, rec.Body.String())
			}
			n += len(res.Data.QueryV1.Data)
			if res.Data.QueryV1.Cursor == nil {
				break
			}
			cursor = *res.Data.QueryV1.Cursor
		}
		if n != benchObjects {
			b.Fatalf("%d relationships", n)
		}
	}
}

// BenchmarkSaveGraph100k writes the data file of a 100k+100k graph, as every finalize with
// Config.DataFile does.
func BenchmarkSaveGraph100k(b *testing.B) {
	s := newBenchServer(b, benchBatches(b, benchObjects))
	path := filepath.Join(b.TempDir(), "graph.json")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := saveGraph(path, s.graph); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "MB/file")
	}
}

// BenchmarkLoadGraph100k reads that data file back, as New does at start.
func BenchmarkLoadGraph100k(b *testing.B) {
	s := newBenchServer(b, benchBatches(b, benchObjects))
	path := filepath.Join(b.TempDir(), "graph.json")
	if err := saveGraph(path, s.graph); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := loadGraph(path); err != nil {
			b.Fatal(err)
		}
	}
}
