package emulator

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// serveOnLoopback runs s.Serve on a free loopback port until the test ends.
func serveOnLoopback(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ln.Addr().String()
}

// connectionEnds reads conn until the server closes it and reports how long that took;
// it fails the test when the connection is still open after limit.
func connectionEnds(t *testing.T, conn net.Conn, limit time.Duration) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(limit))
	got, err := io.ReadAll(conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the connection is still open after %s (read %q)", limit, got)
	}
	return string(got), time.Since(start)
}

// TestSlowBodyIsCut sends a body at a few bytes a second: the request is answered 408 and
// the connection closed once ReadTimeout has passed, both under Serve and under another
// http.Server (the handler sets the deadline itself).
func TestSlowBodyIsCut(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	for _, how := range []string{"Serve", "httptest"} {
		t.Run(how, func(t *testing.T) {
			cfg := Config{ReadTimeout: readTimeout, APIKey: testKey}
			var addr string
			if how == "Serve" {
				s, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				addr = serveOnLoopback(t, s)
			} else {
				addr = strings.TrimPrefix(newHarness(t, cfg).srv.URL, "http://")
			}
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", jobsPath, testKey)
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(50 * time.Millisecond):
					}
					if _, err := conn.Write([]byte(" ")); err != nil {
						return
					}
				}
			}()
			got, took := connectionEnds(t, conn, 5*time.Second)
			if took > 3*time.Second {
				t.Errorf("the slow body was cut after %s, want about %s", took, readTimeout)
			}
			if how == "httptest" && !strings.Contains(got, "408") && !strings.Contains(got, CodeRequestTimeout) {
				t.Errorf("answer %q, want 408 %s", got, CodeRequestTimeout)
			}
		})
	}
}

// TestIdleConnectionIsClosed keeps a keep-alive connection open without a second request:
// the server closes it after IdleTimeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	s, err := New(Config{IdleTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", serveOnLoopback(t, s))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /_emulator/graph HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close {
		t.Fatalf("first answer: %d, close %v", resp.StatusCode, resp.Close)
	}
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(5 * time.Second))
	if _, err := br.ReadByte(); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the idle connection is still open after 5 s")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the idle connection was closed after %s, want about 200ms", took)
	}
}

// TestEndedJobsDropTheirUploads: a finished, an aborted and an expired job keep their record
// and counters but no uploaded object.
func TestEndedJobsDropTheirUploads(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Config{Now: clock.Now, MaxJobsInFlight: 1, JobIdleTimeout: time.Minute})
	ents := []map[string]any{entity("a"), entity("b")}

	finished := h.startInstance("inst", "DIFF")
	h.must(h.upload(finished.ID, ents, nil))
	h.finalize(finished.ID, nil)

	aborted := h.startInstance("inst", "DIFF")
	h.must(h.upload(aborted.ID, ents, nil))
	h.must(h.request("POST", jobPath(aborted.ID, "abort"), nil))

	expired := h.startInstance("inst", "DIFF")
	h.must(h.upload(expired.ID, ents, nil))
	clock.Advance(2 * time.Minute)
	h.startInstance("inst", "DIFF") // takes the expired job's place

	for name, id := range map[string]string{"finished": finished.ID, "aborted": aborted.ID, "expired": expired.ID} {
		j := h.s.job(id)
		j.mu.Lock()
		holds, status, uploaded := j.holdsUploads(), j.status, j.counters.NumEntitiesUploaded
		j.mu.Unlock()
		if holds {
			t.Errorf("%s job (%s) still holds its uploads", name, status)
		}
		if uploaded != 2 {
			t.Errorf("%s job lost its counters: numEntitiesUploaded %d", name, uploaded)
		}
	}
	if got := h.getJob(expired.ID); got.Status != StatusAborted || !got.Done {
		t.Errorf("expired job: %+v", got)
	}
	r := h.request("GET", jobPath(expired.ID, "events"), nil)
	if !strings.Contains(string(r.body), "job_expired") {
		t.Errorf("the expired job's events do not say why: %s", r.body)
	}
}

// TestJobsInFlightCap: beyond MaxJobsInFlight jobs awaiting uploads, a new job is refused
// with 429 TOO_MANY_JOBS_IN_FLIGHT until one is finalized, aborted or idle too long.
func TestJobsInFlightCap(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Config{Now: clock.Now, MaxJobsInFlight: 2, JobIdleTimeout: time.Minute})
	start := func() response {
		return h.request("POST", jobsPath, map[string]any{"source": "integration-external", "integrationInstanceId": "inst"})
	}
	a, b := h.must(start()), h.must(start())
	r := start()
	if r.status != http.StatusTooManyRequests || r.errorCode() != CodeTooManyJobs || !strings.Contains(r.errorMessage(), "finalize or abort") {
		t.Fatalf("third job: %d %s", r.status, r.body)
	}
	h.finalize(a.ID, nil)
	c := h.must(start())
	if r := start(); r.errorCode() != CodeTooManyJobs {
		t.Fatalf("at the cap again: %d %s", r.status, r.body)
	}
	// b is polled and stays; c is left alone and expires.
	clock.Advance(50 * time.Second)
	h.getJob(b.ID)
	clock.Advance(50 * time.Second)
	h.must(start())
	if got := h.getJob(c.ID); got.Status != StatusAborted {
		t.Errorf("idle job: %s, want ABORTED", got.Status)
	}
	if got := h.getJob(b.ID); got.Status != StatusAwaitingUploads {
		t.Errorf("polled job: %s, want AWAITING_UPLOADS", got.Status)
	}
}

// TestEndedJobRecordsAreBounded: beyond maxJobRecords ended jobs, the first to end are
// forgotten.
func TestEndedJobRecordsAreBounded(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Config{Now: clock.Now})
	first := h.startInstance("inst", "DIFF")
	for range maxJobRecords * 12 / 10 {
		j, aerr := h.s.newJob(startRequest{Source: SourceAPI, SyncMode: ModePatch})
		if aerr != nil {
			t.Fatal(aerr)
		}
		j.mu.Lock()
		h.s.leaveAwaiting(j, StatusAborted, clock.Now().UnixMilli())
		j.mu.Unlock()
		clock.Advance(time.Millisecond)
	}
	if r := h.request("GET", jobPath(first.ID, ""), nil); r.status != 200 {
		t.Errorf("a job awaiting uploads was forgotten: %d", r.status)
	}
	h.s.jobsMu.RLock()
	n := len(h.s.jobs)
	h.s.jobsMu.RUnlock()
	if limit := maxJobRecords + maxJobRecords/10 + DefaultMaxJobsInFlight; n > limit {
		t.Errorf("%d job records kept, want at most %d", n, limit)
	}
}
