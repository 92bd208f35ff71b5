package syncapi

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

// benchGraph returns n entities shaped like a real inventory and n relationships between
// them.
func benchGraph(n int) (entities, relationships []model.Properties) {
	entities = make([]model.Properties, n)
	relationships = make([]model.Properties, n)
	for i := range n {
		key := fmt.Sprintf("acme-host-%06d", i)
		entities[i] = model.Properties{
			"_key":        key,
			"_type":       "acme_host",
			"_class":      []any{"Host", "Device"},
			"name":        fmt.Sprintf("web-%06d", i),
			"displayName": fmt.Sprintf("web-%06d.prod.acme.example", i),
			"hostname":    fmt.Sprintf("web-%06d.prod.acme.example", i),
			"ipAddress":   fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			"active":      i%7 != 0,
			"cpuCount":    json.Number(fmt.Sprint(2 << (i % 4))),
			"tags":        []any{"prod", "web", fmt.Sprintf("rack-%d", i%40)},
			"owner":       fmt.Sprintf("team-%d@acme.example", i%25),
			"createdOn":   json.Number(fmt.Sprint(1736294400000 + int64(i)*1000)),
		}
		relationships[i] = model.Properties{
			"_key":           fmt.Sprintf("%s|has|acme-host-%06d", key, (i+1)%n),
			"_type":          "acme_host_has_host",
			"_class":         "HAS",
			"_fromEntityKey": key,
			"_toEntityKey":   fmt.Sprintf("acme-host-%06d", (i+1)%n),
			"weight":         json.Number(fmt.Sprint(i % 10)),
		}
	}
	return entities, relationships
}

// discardServer answers uploads after reading (and gunzipping) their bodies, counting what
// arrived.
type discardServer struct {
	requests  atomic.Int64
	wireBytes atomic.Int64 // request bodies as sent
	jsonBytes atomic.Int64 // request bodies decompressed
	readers   sync.Pool
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (s *discardServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	wire := &countingReader{r: r.Body}
	var body io.Reader = wire
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, _ := s.readers.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(wire)
		} else {
			err = zr.Reset(wire)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer s.readers.Put(zr)
		body = zr
	}
	n, err := io.Copy(io.Discard, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.requests.Add(1)
	s.wireBytes.Add(wire.n)
	s.jsonBytes.Add(n)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"job":{"id":"job-1","status":"AWAITING_UPLOADS"}}`)
}

// BenchmarkUpload uploads 100,000 entities and then 100,000 relationships with the default
// batching and parallelism, as apply does.
func BenchmarkUpload(b *testing.B) {
	entities, relationships := benchGraph(100_000)
	for _, gz := range []bool{true, false} {
		name := "gzip"
		if !gz {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			srv := &discardServer{}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			c, err := New(Config{BaseURL: ts.URL, APIKey: testKey})
			if err != nil {
				b.Fatal(err)
			}
			opts := UploadOptions{DisableGzip: !gz}
			ctx := context.Background()
			b.ReportAllocs()
			ops := 0
			for b.Loop() {
				if err := c.Upload(ctx, "job-1", Entities, entities, opts); err != nil {
					b.Fatal(err)
				}
				if err := c.Upload(ctx, "job-1", Relationships, relationships, opts); err != nil {
					b.Fatal(err)
				}
				ops++
			}
			b.ReportMetric(float64(srv.requests.Load())/float64(ops), "requests/op")
			b.ReportMetric(float64(srv.wireBytes.Load())/float64(ops), "wire-bytes/op")
			b.ReportMetric(float64(srv.jsonBytes.Load())/float64(ops), "json-bytes/op")
		})
	}
}
