package e2e_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// failingReads is a proxy in front of the emulator that lets the first pass GraphQL requests
// through and answers every later one 503, as a JupiterOne that fails in the middle of a
// long read does.
type failingReads struct {
	next  http.Handler
	pass  int64
	reads atomic.Int64
}

func (f *failingReads) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/graphql" && f.reads.Add(1) > f.pass {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":{"code":"UNAVAILABLE","message":"injected by the test"}}`)
		return
	}
	f.next.ServeHTTP(w, r)
}

// TestRefreshFailingMidReadChangesNothing: a read that fails after some pages were served
// fails the command cleanly (exit 1, the cause and what to do), and nothing is taken from
// the partial graph: no job is started and the state is byte for byte what it was.
func TestRefreshFailingMidReadChangesNothing(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t)
	w := newWorkspace(t, emu)
	writeInventory(w, 600) // 601 entities and 600 relationships: several pages of 250
	w.must("apply", "-auto-approve", "-refresh=false")
	before := w.stateBytes()
	jobs := emu.startJobs()

	target, err := url.Parse(emu.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &failingReads{next: httputil.NewSingleHostReverseProxy(target), pass: 2}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	w.env = append(w.env, "JUPITERONE_API_BASE="+srv.URL)

	for _, args := range [][]string{
		{"plan"},
		{"plan", "-refresh-only"},
		{"apply", "-auto-approve", "-var=generation=1"},
		{"apply", "-refresh-only", "-auto-approve"},
	} {
		r := w.run(args...)
		if r.code != 1 {
			t.Errorf("%v with reads failing: exit %d, want 1\n%s", args, r.code, r)
		}
		assertContains(t, r, r.stderr, "Nothing was planned or changed", "-refresh=false")
		if strings.Contains(r.stdout, "Plan:") || strings.Contains(r.stdout, "Changed outside j1hcl") {
			t.Errorf("%v printed a plan from a partial read:\n%s", args, r.stdout)
		}
		if got := w.stateBytes(); !bytes.Equal(got, before) {
			t.Errorf("%v changed the state", args)
		}
	}
	if proxy.reads.Load() <= proxy.pass {
		t.Errorf("only %d reads reached the proxy: the failure was not mid-read", proxy.reads.Load())
	}
	if n := emu.startJobs(); n != jobs {
		t.Errorf("%d jobs were started after the reads failed", n-jobs)
	}

	// The same commands against the healthy emulator: the read is whole, nothing drifted.
	w.env = append(w.env, "JUPITERONE_API_BASE="+emu.url)
	r := w.must("plan", "-refresh-only", "-detailed-exitcode")
	assertContains(t, r, r.stdout, "No changes. The live graph matches the state.")
}
