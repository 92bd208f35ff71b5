package syncapi

import (
	"context"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/model"
)

func TestCheckJobID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"5d1a2b3c-0000-4000-8000-1234567890ab", true},
		{"job-1", true},
		{strings.Repeat("a", 128), true},
		{"", false},
		{"..", false},
		{"a/b", false},
		{"a%2Fb", false},
		{"job 1", false},
		{"\x1b]0;owned\x07", false},
		{"jöb", false},
		{strings.Repeat("a", 129), false},
	}
	for _, tt := range tests {
		err := CheckJobID(tt.id)
		if (err == nil) != tt.ok {
			t.Errorf("CheckJobID(%q) = %v, want ok %t", tt.id, err, tt.ok)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x1b\x07") {
			t.Errorf("CheckJobID(%q): the error carries control characters: %q", tt.id, err)
		}
	}
}

func TestBadJobIDsAreNeverUsedInAPath(t *testing.T) {
	rec := script(t, answerOK())
	c, _ := newTestClient(t, rec)
	ctx := context.Background()
	for _, id := range []string{"..", "../../other", "a/b", strings.Repeat("x", 200)} {
		_, err1 := c.GetJob(ctx, id)
		_, err2 := c.FinalizeJob(ctx, id, FinalizeOptions{})
		_, err3 := c.AbortJob(ctx, id, "r")
		err4 := c.PublishEvents(ctx, id)
		err5 := c.Upload(ctx, id, Entities, []model.Properties{entity("a")}, UploadOptions{})
		_, err6 := c.WaitForJob(ctx, id, 0, 0)
		for i, err := range []error{err1, err2, err3, err4, err5, err6} {
			if err == nil || !strings.Contains(err.Error(), "is not a Sync API job id") {
				t.Errorf("id %q, call %d: err = %v, want the id refused", id, i+1, err)
			}
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("%d requests sent with a bad job id", n)
	}
}

func TestBadJobIDsFromTheServerAreRefused(t *testing.T) {
	for _, id := range []string{"..", "a/b", "job 1?x=y"} {
		t.Run(id, func(t *testing.T) {
			rec := script(t, answerJob(id, StatusAwaitingUploads))
			c, _ := newTestClient(t, rec)
			ctx := context.Background()
			job, err := c.StartJob(ctx, JobSpec{Source: SourceAPI, Scope: "s", SyncMode: SyncModeDiff})
			if job != nil || err == nil || !strings.Contains(err.Error(), "is not a Sync API job id") {
				t.Fatalf("StartJob = %v, %v; want the answered id refused", job, err)
			}
			if _, err := c.GetJob(ctx, "job-1"); err == nil || !strings.Contains(err.Error(), "is not a Sync API job id") {
				t.Errorf("GetJob: err = %v, want the answered id refused", err)
			}
			if n := len(rec.Requests()); n != 2 {
				t.Errorf("%d requests, want 2 (no retry of a refused answer)", n)
			}
		})
	}
}
