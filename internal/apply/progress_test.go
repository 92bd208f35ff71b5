package apply

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLogProgress(t *testing.T) {
	cases := []struct {
		name    string
		total   int
		updates []int
		want    string
	}{
		{
			name:    "a line per tenth, skipped tenths not repeated",
			total:   200,
			updates: []int{10, 20, 30, 100, 150, 200},
			want: "Uploaded 10% (20 of 200 objects).\n" +
				"Uploaded 50% (100 of 200 objects).\n" +
				"Uploaded 70% (150 of 200 objects).\n" +
				"Uploaded 100% (200 of 200 objects).\n",
		},
		{
			name:    "small uploads",
			total:   3,
			updates: []int{1, 2, 3},
			want: "Uploaded 30% (1 of 3 objects).\n" +
				"Uploaded 60% (2 of 3 objects).\n" +
				"Uploaded 100% (3 of 3 objects).\n",
		},
		{name: "nothing to upload", total: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := NewLog(&buf)
			p.Start(tc.total)
			for _, d := range tc.updates {
				p.Update(d, tc.total)
			}
			p.Finish(true)
			if buf.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", buf.String(), tc.want)
			}
		})
	}
}

func TestBarProgress(t *testing.T) {
	var buf bytes.Buffer
	p := NewBar(&buf)
	p.Start(4)
	p.Update(2, 4)
	p.Update(4, 4)
	p.Finish(true)
	out := buf.String()
	if !strings.Contains(out, "Uploading") || !strings.Contains(out, "4/4") || !strings.HasSuffix(out, "\n") {
		t.Errorf("bar output %q, want the description, 4/4 and a final newline", out)
	}

	buf.Reset()
	p = NewBar(&buf)
	p.Start(0) // nothing to draw
	p.Update(0, 0)
	p.Finish(true)
	if buf.Len() != 0 {
		t.Errorf("empty upload drew %q", buf.String())
	}
}

// The log reports the wait for a finalized job every 30 seconds, not every tick.
func TestLogReportsTheWaitEvery30Seconds(t *testing.T) {
	var out bytes.Buffer
	p := NewLog(&out).(Waiter)
	for _, s := range []int{1, 2, 29, 30, 31, 59, 61, 62, 95} {
		p.Wait("job-1", time.Duration(s)*time.Second)
	}
	p.Done()
	want := "Still waiting for job job-1 to finish: 30s elapsed.\n" +
		"Still waiting for job job-1 to finish: 1m1s elapsed.\n" +
		"Still waiting for job job-1 to finish: 1m35s elapsed.\n"
	if out.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", out.String(), want)
	}
}

// On a terminal the wait is one line rewritten in place, ended once the wait is over.
func TestBarRewritesTheWaitLine(t *testing.T) {
	var out bytes.Buffer
	p := NewBar(&out).(Waiter)
	p.Wait("job-1", 1200*time.Millisecond)
	p.Wait("job-1", 2*time.Second)
	p.Done()
	want := "\r\x1b[KWaiting for job job-1 to finish: 1s elapsed\r\x1b[KWaiting for job job-1 to finish: 2s elapsed\n"
	if out.String() != want {
		t.Errorf("bar wrote %q, want %q", out.String(), want)
	}
}
