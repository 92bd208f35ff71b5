package state

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
)

// benchGraph is the spec's performance case: 100,000 entities of about ten properties each and
// 100,000 relationships.
func benchGraph(entities int) *model.Graph {
	g := &model.Graph{}
	for i := range entities {
		g.Entities = append(g.Entities, entity(fmt.Sprintf("entity.host.all[\"host-%d\"]", i), model.Properties{
			"_key":        fmt.Sprintf("acme:host:host-%06d", i),
			"_type":       "host_acme",
			"_class":      "Host",
			"name":        fmt.Sprintf("host-%d", i),
			"displayName": fmt.Sprintf("Host %d", i),
			"hostname":    fmt.Sprintf("host-%d.prod.acme.example", i),
			"ipAddress":   fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			"active":      i%7 != 0,
			"createdOn":   json.Number(strconv.Itoa(1730419200000 + i)),
			"cpuLoad":     json.Number(strconv.FormatFloat(float64(i%1000)/8, 'f', -1, 64)),
			"tags":        []any{"prod", fmt.Sprintf("rack-%d", i%40)},
		}))
		g.Relationships = append(g.Relationships, relationship(fmt.Sprintf("relationship.team_has_host[\"host-%d\"]", i), model.Properties{
			"_key":           fmt.Sprintf("acme:team:ops|has|acme:host:host-%06d", i),
			"_type":          "team_acme_has_host_acme",
			"_class":         "HAS",
			"_fromEntityKey": "acme:team:ops",
			"_toEntityKey":   fmt.Sprintf("acme:host:host-%06d", i),
		}))
	}
	return g
}

func benchFile(b *testing.B) *File {
	b.Helper()
	f := New(sampleTarget(), "0.3.0")
	f.SetObjects(benchGraph(100_000))
	return f
}

func BenchmarkEncode(b *testing.B) {
	f := benchFile(b)
	size := len(mustEncode(b, f))
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	data := mustEncode(b, benchFile(b))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Decode(data, "state.json"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeShared is BenchmarkDecode for a plan that changes nothing: every recorded
// object is decoded against the configuration's equal one (a graph of its own, as a
// configuration's is), sharing included.
func BenchmarkDecodeShared(b *testing.B) {
	data := mustEncode(b, benchFile(b))
	like := benchGraph(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := DecodeShared(data, "state.json", like); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	f := benchFile(b)
	path := filepath.Join(b.TempDir(), "j1hcl.state.json")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Write(path, f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSetObjects(b *testing.B) {
	f := benchFile(b)
	g := benchGraph(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if f.SetObjects(g) {
			b.Fatal("unchanged graph reported as changed")
		}
	}
}

func BenchmarkHash(b *testing.B) {
	f := benchFile(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f.Hash()
	}
}

// BenchmarkPendingThenCommit is the state's part of an apply of 100,000 entities and 100,000
// relationships: record the job as pending and encode, then commit the record and encode
// again (the second Encode re-indents the first one's text).
func BenchmarkPendingThenCommit(b *testing.B) {
	next := benchGraph(100_000)
	b.ReportAllocs()
	for b.Loop() {
		f := New(sampleTarget(), "0.3.0")
		f.RecordPending("job-1", "DIFF", next, time.Now())
		if _, err := f.Encode(); err != nil {
			b.Fatal(err)
		}
		if _, err := f.ResolvePending(Job{ID: "job-1", SyncMode: "DIFF", Status: JobFinished}); err != nil {
			b.Fatal(err)
		}
		if _, err := f.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}
