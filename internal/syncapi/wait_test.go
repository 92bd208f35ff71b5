package syncapi

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWaitForJobPollsUntilTerminal(t *testing.T) {
	rec := script(t,
		answerJob("job-1", StatusFinalizePending),
		answerJob("job-1", StatusFinalizePending),
		answerJob("job-1", StatusFinalizingEntities),
		answerJob("job-1", StatusFinalizingRelationships),
		answerJob("job-1", StatusFinished),
	)
	c, clock := newTestClient(t, rec)
	job, err := c.WaitForJob(context.Background(), "job-1", 0, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != StatusFinished {
		t.Errorf("status %s", job.Status)
	}
	want := []time.Duration{250 * time.Millisecond, 375 * time.Millisecond, 562500 * time.Microsecond, 843750 * time.Microsecond}
	if got := clock.Sleeps(); !reflect.DeepEqual(got, want) {
		t.Errorf("polled after %v, want %v", got, want)
	}
	for _, r := range rec.Requests() {
		if r.Method != "GET" || r.Path != "/persister/synchronization/jobs/job-1" {
			t.Errorf("poll %s %s", r.Method, r.Path)
		}
	}
}

func TestWaitForJobIntervalGrowsToFiveSeconds(t *testing.T) {
	c, clock := newTestClient(t, script(t, answerJob("job-1", StatusFinalizingEntities)))
	_, err := c.WaitForJob(context.Background(), "job-1", 0, 2*time.Minute)
	var timeout *WaitTimeoutError
	if !errors.As(err, &timeout) {
		t.Fatalf("err = %v, want a WaitTimeoutError", err)
	}
	sleeps := clock.Sleeps()
	var total time.Duration
	for i, d := range sleeps {
		total += d
		if d > 5*time.Second {
			t.Errorf("poll %d after %v, more than 5s", i, d)
		}
		if i > 0 && d < sleeps[i-1] && i != len(sleeps)-1 {
			t.Errorf("interval shrank: %v", sleeps)
		}
	}
	if total != 2*time.Minute {
		t.Errorf("waited %v in all, want exactly the 2m timeout", total)
	}
	if sleeps[len(sleeps)-2] != 5*time.Second {
		t.Errorf("intervals %v should reach 5s", sleeps)
	}
}

func TestWaitForJobTimeoutMessage(t *testing.T) {
	c, _ := newTestClient(t, script(t, answerJob("job-42", StatusFinalizingRelationships)))
	job, err := c.WaitForJob(context.Background(), "job-42", time.Second, 10*time.Second)
	if err == nil {
		t.Fatal("no timeout")
	}
	for _, want := range []string{"job job-42", "FINALIZING_RELATIONSHIPS", "10s", "may still finish", "run the command again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if job == nil || job.Status != StatusFinalizingRelationships {
		t.Errorf("the last job read should come with the timeout: %+v", job)
	}
}

func TestWaitForJobReportsFailures(t *testing.T) {
	c, _ := newTestClient(t, script(t, answerError(http.StatusNotFound, CodeJobNotFound, "no job job-9")))
	_, err := c.WaitForJob(context.Background(), "job-9", 0, time.Minute)
	if !HasCode(err, CodeJobNotFound) || !strings.Contains(err.Error(), "wait for job job-9") {
		t.Errorf("err = %v", err)
	}

	// A failed job is terminal: returned, not an error of WaitForJob.
	c, _ = newTestClient(t, script(t, answerJob("job-9", StatusErrorBadData)))
	job, err := c.WaitForJob(context.Background(), "job-9", 0, time.Minute)
	if err != nil || job.Status != StatusErrorBadData {
		t.Errorf("WaitForJob = %+v, %v", job, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, _ = newTestClient(t, script(t, answerJob("job-9", StatusFinalizePending)))
	if _, err := c.WaitForJob(ctx, "job-9", 0, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
}
