package emulator

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConfigChecks(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"default listen", Config{}, ""},
		{"loopback v4", Config{Listen: "127.0.0.1:0"}, ""},
		{"loopback v6", Config{Listen: "[::1]:0"}, ""},
		{"localhost", Config{Listen: "localhost:9999"}, ""},
		{"all interfaces", Config{Listen: ":8686"}, "not a loopback"},
		{"any v4", Config{Listen: "0.0.0.0:8686"}, "not a loopback"},
		{"remote host", Config{Listen: "example.com:80"}, "not a loopback"},
		{"remote allowed", Config{Listen: "0.0.0.0:8686", AllowRemote: true}, ""},
		{"no port", Config{Listen: "127.0.0.1"}, "listen address"},
		{"fail rate", Config{FailRate: 1.5}, "fail rate"},
		{"NaN fail rate", Config{FailRate: math.NaN()}, "fail rate"},
		{"rate limit", Config{RateLimit: -1}, "rate limit"},
		{"latency", Config{Latency: -time.Second}, "latency"},
		{"finalize delay", Config{FinalizeDelay: -time.Second}, "finalize delay"},
		{"max body", Config{MaxBody: -1}, "max body"},
		{"read timeout", Config{ReadTimeout: -time.Second}, "timeouts must be positive"},
		{"idle timeout", Config{IdleTimeout: -time.Second}, "timeouts must be positive"},
		{"max jobs", Config{MaxJobsInFlight: -1}, "max jobs"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if tt.want == "" && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- ListenAndServe(ctx, Config{Listen: "127.0.0.1:0", APIKey: testKey}, func(addr string) { addrs <- addr })
	}()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("ListenAndServe: %v", err)
	}
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("ready got %s, not the bound port", addr)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/_emulator/graph", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"entities"`) {
		t.Errorf("GET graph: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("ListenAndServe did not return after cancel")
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("still accepting after shutdown")
	}
}

func TestServeRefusesRemoteListener(t *testing.T) {
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skipf("cannot bind all interfaces: %v", err)
	}
	defer ln.Close()
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(context.Background(), ln); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Serve: %v", err)
	}
}

func TestListenAndServeReportsBindErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = ListenAndServe(context.Background(), Config{Listen: ln.Addr().String()}, func(string) { t.Error("ready called") })
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("ListenAndServe on a busy port: %v", err)
	}
}

// TestConcurrentJobs uploads from many goroutines to several jobs while others read, then
// finalizes them all at once. Run with -race.
func TestConcurrentJobs(t *testing.T) {
	h := newHarness(t, Config{FinalizeDelay: 30 * time.Millisecond})
	const (
		instances  = 4
		uploaders  = 8
		batches    = 10
		batchSize  = 25
		perJobEnts = uploaders * batches * batchSize
	)
	jobs := make([]Job, instances)
	for i := range jobs {
		jobs[i] = h.startInstance(fmt.Sprintf("inst-%d", i), "DIFF")
	}
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for i, j := range jobs {
		for u := range uploaders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range batches {
					var ents, rels []map[string]any
					for e := range batchSize {
						key := fmt.Sprintf("i%d-u%d-b%d-e%d", i, u, b, e)
						ents = append(ents, entity(key))
						if e > 0 {
							rels = append(rels, rel(key+"|r", key, fmt.Sprintf("i%d-u%d-b%d-e0", i, u, b)))
						}
					}
					// Each batch is sent twice, as a client retrying a lost answer would.
					for range 2 {
						if r := h.upload(j.ID, ents, rels); r.status != 200 {
							errs <- fmt.Sprintf("upload: %d %s", r.status, r.body)
							return
						}
					}
				}
			}()
		}
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				h.queryV1("FIND * LIMIT 5", nil)
				h.graph("")
				h.getJob(jobs[0].ID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.request("POST", jobPath(j.ID, "finalize"), nil)
		}()
	}
	wg.Wait()
	h.s.Close()
	for i, j := range jobs {
		got := h.getJob(j.ID)
		wantRels := int64(uploaders * batches * (batchSize - 1))
		if got.Status != StatusFinished || got.NumEntitiesUploaded != perJobEnts || got.NumEntitiesCreated != perJobEnts || got.NumRelationshipsCreated != wantRels {
			t.Errorf("job %d: %+v", i, got)
		}
		ents, rels := h.graph(fmt.Sprintf("?instance=inst-%d", i))
		if len(ents) != perJobEnts || int64(len(rels)) != wantRels {
			t.Errorf("instance %d: %d entities, %d relationships", i, len(ents), len(rels))
		}
	}
}

// TestConcurrentDIFFsOnOneTarget finalizes two DIFF jobs of one instance at once: they apply
// one after the other, so the graph is exactly one job's upload.
func TestConcurrentDIFFsOnOneTarget(t *testing.T) {
	h := newHarness(t, Config{})
	var sets [2][]map[string]any
	jobs := make([]Job, 2)
	for n := range 2 {
		for i := range 500 {
			sets[n] = append(sets[n], entity(fmt.Sprintf("job%d-%d", n, i)))
		}
		jobs[n] = h.startInstance("inst", "DIFF")
		h.must(h.upload(jobs[n].ID, sets[n], nil))
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.request("POST", jobPath(j.ID, "finalize"), nil)
		}()
	}
	wg.Wait()
	ents, _ := h.graph("?instance=inst")
	if len(ents) != 500 {
		t.Fatalf("%d entities: the DIFFs interleaved", len(ents))
	}
	prefix := strings.SplitN(ents[0]["_key"].(string), "-", 2)[0]
	for _, e := range ents {
		if !strings.HasPrefix(e["_key"].(string), prefix+"-") {
			t.Fatalf("entities of both jobs: %v and %v", ents[0]["_key"], e["_key"])
		}
	}
	a, b := h.getJob(jobs[0].ID), h.getJob(jobs[1].ID)
	if a.NumEntitiesDeleted+b.NumEntitiesDeleted != 500 {
		t.Errorf("deleted %d and %d, want 500 together", a.NumEntitiesDeleted, b.NumEntitiesDeleted)
	}
}
