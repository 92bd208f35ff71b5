package syncapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
)

// envelope is the size of {"entities":[]}.
var envelope = len(`{"entities":[]}`)

func TestUploadBatching(t *testing.T) {
	tests := []struct {
		name      string
		sizes     []int // canonical JSON size of each object
		batchSize int
		maxBytes  int
		want      []int // objects per request, in order
	}{
		{name: "by count", sizes: repeat(100, 10), batchSize: 3, want: []int{3, 3, 3, 1}},
		{name: "count multiple", sizes: repeat(100, 9), batchSize: 3, want: []int{3, 3, 3}},
		{name: "default count", sizes: repeat(60, 600), want: []int{250, 250, 100}},
		{name: "by bytes, exact fit", sizes: repeat(100, 10), maxBytes: envelope + 3*100 + 2, want: []int{3, 3, 3, 1}},
		{name: "by bytes, one short", sizes: repeat(100, 10), maxBytes: envelope + 3*100 + 1, want: []int{2, 2, 2, 2, 2}},
		{name: "count before bytes", sizes: repeat(100, 10), batchSize: 2, maxBytes: envelope + 3*100 + 2, want: []int{2, 2, 2, 2, 2}},
		{name: "mixed sizes", sizes: []int{100, 1000, 100, 100, 1100, 100}, maxBytes: 1200, want: []int{2, 2, 1, 1}},
		{name: "object exactly at the limit", sizes: []int{500, 500}, maxBytes: envelope + 500, want: []int{1, 1}},
		{name: "one object", sizes: []int{80}, want: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objects := make([]model.Properties, len(tt.sizes))
			var wantKeys []string
			for i, size := range tt.sizes {
				key := fmt.Sprintf("k%03d", i)
				objects[i] = sizedEntity(t, key, size)
				wantKeys = append(wantKeys, key)
			}
			rec := script(t, answerOK())
			c, _ := newTestClient(t, rec)
			opts := UploadOptions{BatchSize: tt.batchSize, MaxBatchBytes: tt.maxBytes, Parallelism: 1}
			if err := c.Upload(context.Background(), "job-1", Entities, objects, opts); err != nil {
				t.Fatal(err)
			}
			limit := tt.maxBytes
			if limit == 0 {
				limit = DefaultMaxBatchBytes
			}
			var got []int
			var gotKeys []string
			for _, r := range rec.Requests() {
				keys := uploadedKeys(t, r, Entities)
				got = append(got, len(keys))
				gotKeys = append(gotKeys, keys...)
				if len(r.Body) > limit {
					t.Errorf("a batch of %d bytes exceeds the %d byte limit", len(r.Body), limit)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("batches %v, want %v", got, tt.want)
			}
			if !reflect.DeepEqual(gotKeys, wantKeys) {
				t.Errorf("objects arrived as %v, want %v", gotKeys, wantKeys)
			}
		})
	}
}

func repeat(size, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = size
	}
	return out
}

func TestUploadRefusesObjectOverByteLimit(t *testing.T) {
	objects := []model.Properties{sizedEntity(t, "small", 100), sizedEntity(t, "huge-one", 2000), sizedEntity(t, "after", 100)}
	rec := script(t, answerOK())
	c, _ := newTestClient(t, rec)
	err := c.Upload(context.Background(), "job-1", Entities, objects, UploadOptions{MaxBatchBytes: 1000, Parallelism: 1})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`entities[1]`, `_key "huge-one"`, "2.0 KiB", "1000 bytes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	for _, r := range rec.Requests() {
		if keys := uploadedKeys(t, r, Entities); reflect.DeepEqual(keys, []string{"after"}) {
			t.Error("objects after the oversized one were uploaded")
		}
	}
}

// Up to Parallelism batches are in flight, and never more.
func TestUploadParallelism(t *testing.T) {
	for _, parallelism := range []int{1, 3, 4} {
		t.Run(fmt.Sprint(parallelism), func(t *testing.T) {
			var inFlight, peak, seen atomic.Int32
			// The first wave waits until it is complete (or a second passes), so a client
			// that sends fewer batches at once is caught as surely as one that sends more.
			wave := make(chan struct{})
			var once sync.Once
			handler := func(w http.ResponseWriter, _ *http.Request) {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				if seen.Add(1) == int32(parallelism) {
					once.Do(func() { close(wave) })
				}
				select {
				case <-wave:
				case <-time.After(time.Second):
				}
				answerOK()(w, nil)
			}
			c, _ := newTestClient(t, http.HandlerFunc(handler))
			objects := make([]model.Properties, 40)
			for i := range objects {
				objects[i] = entity(fmt.Sprint(i))
			}
			err := c.Upload(context.Background(), "job-1", Entities, objects, UploadOptions{BatchSize: 2, Parallelism: parallelism})
			if err != nil {
				t.Fatal(err)
			}
			if got := peak.Load(); got != int32(parallelism) {
				t.Errorf("at most %d batches were in flight, want %d", got, parallelism)
			}
			if got := seen.Load(); got != 20 {
				t.Errorf("%d requests, want 20", got)
			}
		})
	}
}

// Every object arrives exactly once whatever the parallelism, and progress counts them.
func TestUploadProgress(t *testing.T) {
	rec := script(t, answerOK())
	c, _ := newTestClient(t, rec)
	objects := make([]model.Properties, 1001)
	for i := range objects {
		objects[i] = entity(fmt.Sprintf("e%04d", i))
	}
	var calls [][2]int
	progress := func(done, total int) { calls = append(calls, [2]int{done, total}) } // calls never overlap
	err := c.Upload(context.Background(), "job-1", Entities, objects, UploadOptions{BatchSize: 100, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 11 {
		t.Fatalf("%d progress calls, want one per batch (11)", len(calls))
	}
	for i, call := range calls {
		if call[1] != 1001 || (i > 0 && call[0] <= calls[i-1][0]) {
			t.Fatalf("progress calls %v: total must be 1001 and done must grow", calls)
		}
	}
	if last := calls[len(calls)-1]; last[0] != 1001 {
		t.Errorf("last progress %v, want 1001 done", last)
	}
	var keys []string
	for _, r := range rec.Requests() {
		keys = append(keys, uploadedKeys(t, r, Entities)...)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if k != fmt.Sprintf("e%04d", i) {
			t.Fatalf("object %d arrived as %q: lost or duplicated objects", i, k)
		}
	}
}

// The first permanent failure stops the upload: no batch is launched after it.
func TestUploadStopsOnFirstPermanentFailure(t *testing.T) {
	t.Run("one at a time", func(t *testing.T) {
		rec := script(t, answerOK(), answerOK(), answerError(400, "INVALID_ENTITY", "entities[1]: J1P002"), answerOK())
		c, _ := newTestClient(t, rec)
		objects := make([]model.Properties, 20)
		for i := range objects {
			objects[i] = entity(fmt.Sprint(i))
		}
		var progressed int
		err := c.Upload(context.Background(), "job-1", Entities, objects, UploadOptions{
			BatchSize: 2, Parallelism: 1, Progress: func(done, _ int) { progressed = done },
		})
		if !HasCode(err, "INVALID_ENTITY") || !strings.Contains(err.Error(), "entities 5-6 of 20") {
			t.Fatalf("err = %v, want the INVALID_ENTITY of objects 5-6", err)
		}
		if n := len(rec.Requests()); n != 3 {
			t.Errorf("%d requests, want 3: none after the failure", n)
		}
		if progressed != 4 {
			t.Errorf("progress reached %d, want 4", progressed)
		}
	})
	t.Run("in parallel", func(t *testing.T) {
		var requests atomic.Int32
		handler := func(w http.ResponseWriter, r *http.Request) {
			// Reading the body lets the server notice the client hanging up.
			_, _ = io.Copy(io.Discard, r.Body)
			if requests.Add(1) == 1 {
				answerError(400, CodeJobNotAwaitingUploads, "job is ABORTED")(w, r)
				return
			}
			// Batches in flight when the failure comes are cancelled, not waited for; the
			// timeout only keeps a broken client from hanging the test.
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Second):
			}
			answerOK()(w, r)
		}
		c, _ := newTestClient(t, http.HandlerFunc(handler))
		objects := make([]model.Properties, 400)
		for i := range objects {
			objects[i] = entity(fmt.Sprint(i))
		}
		err := c.Upload(context.Background(), "job-1", Entities, objects, UploadOptions{BatchSize: 10, Parallelism: 4})
		if !HasCode(err, CodeJobNotAwaitingUploads) {
			t.Fatalf("err = %v, want JOB_NOT_AWAITING_UPLOADS", err)
		}
		if n := requests.Load(); n > 4 {
			t.Errorf("%d requests: batches were launched after the failure", n)
		}
	})
}

func TestUploadCancelledBetweenBatches(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	rec := script(t, answerOK())
	c, _ := newTestClient(t, rec)
	objects := make([]model.Properties, 10)
	for i := range objects {
		objects[i] = entity(fmt.Sprint(i))
	}
	err := c.Upload(ctx, "job-1", Entities, objects, UploadOptions{BatchSize: 1, Parallelism: 1, Progress: func(done, _ int) {
		if done == 3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(rec.Requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestUploadNothingOrUnknownKind(t *testing.T) {
	rec := script(t, answerOK())
	c, _ := newTestClient(t, rec)
	if err := c.Upload(context.Background(), "job-1", Entities, nil, UploadOptions{}); err != nil {
		t.Errorf("empty upload: %v", err)
	}
	if err := c.Upload(context.Background(), "job-1", "things", []model.Properties{entity("a")}, UploadOptions{}); err == nil {
		t.Error("unknown kind accepted")
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}
