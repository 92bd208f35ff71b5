package emulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

// statusCounts sends n job status requests and counts the answers by status.
func statusCounts(h *harness, id string, n int) map[int]int {
	counts := map[int]int{}
	for range n {
		counts[h.request("GET", jobPath(id, ""), nil).status]++
	}
	return counts
}

func TestFailRateIsSeededAndScoped(t *testing.T) {
	run := func(seed uint64) map[int]int {
		h := newHarness(t, Config{FailRate: 0.3, Rand: rand.New(rand.NewPCG(seed, seed))})
		j := h.startInstance("inst", "DIFF") // starting a job is never failed
		return statusCounts(h, j.ID, 400)
	}
	a, b := run(7), run(7)
	if a[503] != b[503] || a[200] != b[200] {
		t.Errorf("the same seed gave %v and %v", a, b)
	}
	if a[503] < 80 || a[503] > 160 || a[503]+a[200] != 400 {
		t.Errorf("fail rate 0.3 over 400 requests gave %v", a)
	}

	h := newHarness(t, Config{FailRate: 1, Rand: rand.New(rand.NewPCG(1, 2))})
	j := h.startInstance("inst", "DIFF")
	for _, rt := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", jobPath(j.ID, ""), nil, 503},
		{"POST", jobPath(j.ID, "entities"), map[string]any{"entities": []any{}}, 503},
		{"POST", jobPath(j.ID, "relationships"), map[string]any{"relationships": []any{}}, 503},
		{"POST", jobPath(j.ID, "upload"), map[string]any{}, 503},
		{"POST", jobPath(j.ID, "finalize"), nil, 503},
		{"POST", jobPath(j.ID, "events"), map[string]any{"events": []any{}}, 200},
		{"GET", "/_emulator/graph", nil, 200},
		{"POST", "/graphql", map[string]any{"query": "{ queryV1(query: \"FIND *\") { data } }"}, 200},
	} {
		r := h.request(rt.method, rt.path, rt.body)
		if r.status != rt.status {
			t.Errorf("%s %s: %d %s", rt.method, rt.path, r.status, r.body)
		}
		if r.status == 503 && (r.errorCode() != CodeServiceUnavailable || !strings.Contains(r.errorMessage(), "injected")) {
			t.Errorf("503 body: %s", r.body)
		}
	}
}

// TestInjectedFailuresAfterTheFact checks that some failures are answered after the request
// took effect, and that a client retrying until success ends with exact counters.
func TestInjectedFailuresAfterTheFact(t *testing.T) {
	h := newHarness(t, Config{FailRate: 0.5, Rand: rand.New(rand.NewPCG(3, 4))})
	j := h.startInstance("inst", "DIFF")
	var after, attempts int
	for i := range 100 {
		body := map[string]any{"entities": []any{entity(fmt.Sprintf("e%d", i))}}
		for {
			attempts++
			r := h.request("POST", jobPath(j.ID, "upload"), body)
			if r.status == http.StatusOK {
				break
			}
			if r.status != http.StatusServiceUnavailable {
				t.Fatalf("retry %d of batch %d: %d %s", attempts, i, r.status, r.body)
			}
			if strings.Contains(r.errorMessage(), "after the request took effect") {
				after++
			}
		}
	}
	if after == 0 || attempts == 100 {
		t.Errorf("%d attempts, %d failures after the fact: the injection is not exercised", attempts, after)
	}
	for {
		r := h.request("POST", jobPath(j.ID, "finalize"), nil)
		if r.status == http.StatusOK {
			break
		}
	}
	got, _ := h.s.Job(j.ID)
	if got.Status != StatusFinished || got.NumEntitiesUploaded != 100 || got.NumEntitiesCreated != 100 {
		t.Errorf("after retries: %+v", got)
	}
}

func TestRateLimit(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Config{RateLimit: 2, Now: clock.Now})
	get := func() response { return h.request("GET", "/_emulator/graph", nil) }
	for i := range 2 {
		if r := get(); r.status != 200 {
			t.Fatalf("request %d within the burst: %d", i, r.status)
		}
	}
	r := get()
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" || r.header.Get("RateLimit-Reset") != "1" || r.errorCode() != CodeRateLimited {
		t.Fatalf("over the limit: %d %v %s", r.status, r.header, r.body)
	}
	// GraphQL says it with HTTP 200 and an error that mentions 429.
	r = h.queryV1("FIND *", nil)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"errors":[{"message":"rate limit exceeded (429)`) || r.header.Get("RateLimit-Reset") != "1" {
		t.Fatalf("GraphQL over the limit: %d %v %s", r.status, r.header, r.body)
	}
	clock.Advance(500 * time.Millisecond)
	if r := get(); r.status != 200 {
		t.Errorf("after refilling one token: %d", r.status)
	}
	if r := get(); r.status != http.StatusTooManyRequests {
		t.Errorf("the refill gave more than one token: %d", r.status)
	}
	clock.Advance(time.Hour)
	for i := range 3 {
		want := 200
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		if r := get(); r.status != want {
			t.Errorf("after an hour, request %d: %d (the burst must stay 2)", i, r.status)
		}
	}
}

func TestLatencyDelaysRequests(t *testing.T) {
	const latency = 30 * time.Millisecond
	h := newHarness(t, Config{Latency: latency})
	start := time.Now()
	h.request("GET", "/_emulator/graph", nil)
	if d := time.Since(start); d < latency {
		t.Errorf("answered after %v, before the latency of %v", d, latency)
	}
}
