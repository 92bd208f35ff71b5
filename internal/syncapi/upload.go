package syncapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
)

// UploadKind names the list objects are uploaded to; it is both the route and the body's key.
type UploadKind string

// The two upload lists. Mapped relationships travel with Relationships.
const (
	Entities      UploadKind = "entities"
	Relationships UploadKind = "relationships"
)

// Upload defaults.
const (
	DefaultBatchSize   = 250
	DefaultParallelism = 4
	// DefaultMaxBatchBytes bounds a batch's JSON before compression, below the request size
	// the API accepts.
	DefaultMaxBatchBytes = 4 << 20
)

// UploadOptions tune Upload. The zero value uploads with the defaults.
type UploadOptions struct {
	// BatchSize is the most objects one request carries. Default DefaultBatchSize.
	BatchSize int
	// MaxBatchBytes is the most JSON one request carries, before compression and envelope
	// included. Default DefaultMaxBatchBytes.
	MaxBatchBytes int
	// Parallelism is how many batches are in flight at once. Default DefaultParallelism.
	Parallelism int
	// DisableGzip sends bodies uncompressed (for benchmarks and debugging proxies).
	DisableGzip bool
	// Progress, when set, is called after each accepted batch with the number of objects
	// uploaded so far and the total. Calls never overlap and done only grows.
	Progress func(done, total int)
}

func (o UploadOptions) withDefaults() UploadOptions {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if o.Parallelism <= 0 {
		o.Parallelism = DefaultParallelism
	}
	return o
}

// batch is a run of consecutive objects encoded as one request body.
type batch struct {
	body  []byte // {"entities":[…]}, uncompressed
	first int    // index of the first object in the caller's slice
	count int
}

// Upload sends objects to the job's entities or relationships route, in batches of at most
// opts.BatchSize objects and opts.MaxBatchBytes of JSON, opts.Parallelism at a time, each
// retried on transient failures. A batch the API refuses as too large (413) is split in half
// and each half sent, down to a single object, which then fails naming its _key. The first permanent failure stops new batches from being
// sent and is returned; the job should then be aborted. Upload entities before
// relationships: relationships are checked against the entities of the job. objects are
// only read, and must not change during the call.
func (c *Client) Upload(ctx context.Context, jobID string, kind UploadKind, objects []model.Properties, opts UploadOptions) error {
	if kind != Entities && kind != Relationships {
		return fmt.Errorf("upload: unknown list %q (want %q or %q)", kind, Entities, Relationships)
	}
	if err := CheckJobID(jobID); err != nil {
		return fmt.Errorf("upload %s: %w", kind, err)
	}
	if len(objects) == 0 {
		return nil
	}
	opts = opts.withDefaults()
	u := &uploader{
		client:  c,
		jobID:   jobID,
		kind:    kind,
		path:    jobPath(jobID, "/"+string(kind)),
		opts:    opts,
		objects: objects,
		total:   len(objects),
		free:    make(chan []byte, opts.Parallelism+1),
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u.cancel = cancel

	batches := make(chan *batch)
	var wg sync.WaitGroup
	for range u.opts.Parallelism {
		wg.Add(1)
		crash.Go(func() {
			defer wg.Done()
			u.work(ctx, batches)
		})
	}
	u.split(ctx, objects, batches)
	close(batches)
	wg.Wait()

	if u.err != nil {
		return u.err
	}
	if u.done < u.total {
		// Cancelled between batches, before any batch failed.
		return fmt.Errorf("upload %s: %d of %d objects sent: %w", kind, u.done, u.total, context.Cause(ctx))
	}
	return nil
}

type uploader struct {
	client *Client
	jobID  string
	kind   UploadKind
	path   string
	opts   UploadOptions
	// objects are the caller's, read again only to split a batch refused as too large.
	objects []model.Properties
	total   int
	cancel  context.CancelFunc
	// free recycles batch buffers once compressed, bounding memory to a few batches.
	free chan []byte
	// sizeHint is the largest batch body so far; only the splitter uses it.
	sizeHint int

	mu   sync.Mutex
	done int
	err  error
}

// fail records the first error and stops the upload.
func (u *uploader) fail(err error) {
	u.mu.Lock()
	if u.err == nil {
		u.err = err
	}
	u.mu.Unlock()
	u.cancel()
}

// split encodes objects into batches and hands them to the workers, until the objects run
// out or the upload is stopped.
func (u *uploader) split(ctx context.Context, objects []model.Properties, out chan<- *batch) {
	prefix := `{"` + string(u.kind) + `":[`
	const suffix = "]}"
	limit := u.opts.MaxBatchBytes - len(suffix)
	send := func(b *batch) bool {
		b.body = append(b.body, suffix...)
		u.sizeHint = max(u.sizeHint, len(b.body))
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	cur := &batch{body: append(u.buffer(), prefix...)}
	for i, p := range objects {
		if cur.count == u.opts.BatchSize {
			if !send(cur) {
				return
			}
			cur = &batch{body: append(u.buffer(), prefix...), first: i}
		}
		// Encode in place: nearly every object fits, so the rare one that does not is moved
		// to the next batch rather than every object being encoded twice.
		mark := len(cur.body)
		if cur.count > 0 {
			cur.body = append(cur.body, ',')
		}
		start := len(cur.body)
		cur.body = model.AppendObjectJSON(cur.body, p)
		if len(cur.body) <= limit {
			cur.count++
			continue
		}
		size := len(cur.body) - start
		if len(prefix)+size > limit {
			key, _ := p[model.PropKey].(string)
			u.fail(fmt.Errorf("upload %s: %s[%d] with _key %q is %s of JSON, more than a batch may hold (%s)",
				u.kind, u.kind, i, key, formatBytes(size), formatBytes(u.opts.MaxBatchBytes)))
			return
		}
		next := &batch{body: append(append(u.buffer(), prefix...), cur.body[start:]...), first: i, count: 1}
		cur.body = cur.body[:mark]
		if !send(cur) {
			return
		}
		cur = next
	}
	if cur.count > 0 {
		send(cur)
	}
}

func (u *uploader) buffer() []byte {
	select {
	case b := <-u.free:
		return b[:0]
	default:
		// Batches are alike in size: starting at the largest seen saves regrowing it.
		return make([]byte, 0, u.sizeHint)
	}
}

func (u *uploader) recycle(b []byte) {
	select {
	case u.free <- b:
	default:
	}
}

// work compresses and sends batches until there are no more. After a failure it drains the
// channel without sending, so the splitter never blocks.
func (u *uploader) work(ctx context.Context, in <-chan *batch) {
	var zw *gzip.Writer
	defer func() {
		if zw != nil {
			u.client.gzipWriters.Put(zw)
		}
	}()
	for b := range in {
		if ctx.Err() != nil {
			continue
		}
		if err := u.send(ctx, &zw, b.body, b.first, b.count, true); err != nil {
			u.fail(err)
		}
	}
}

// send sends one batch body holding count objects from index first, compressed unless
// disabled. When the API answers 413 it sends each half of the batch in turn, re-encoded.
// recycle says whether body may be reused once compressed.
func (u *uploader) send(ctx context.Context, zw **gzip.Writer, body []byte, first, count int, recycle bool) error {
	cl := &call{method: "POST", path: u.path, jobID: u.jobID, body: body}
	if !u.opts.DisableGzip {
		if *zw == nil {
			*zw = u.client.gzipWriter()
		}
		// The compressed bytes are handed to net/http, which may still read a request
		// body after answering; they are never reused, only the JSON buffer is.
		z := bytes.NewBuffer(make([]byte, 0, len(body)/4+512))
		(*zw).Reset(z)
		_, _ = (*zw).Write(body) // writes to a bytes.Buffer cannot fail
		_ = (*zw).Close()
		cl.body, cl.gzipped = z.Bytes(), true
		if recycle {
			u.recycle(body)
		}
	}
	_, err := u.client.do(ctx, cl)
	if StatusOf(err) == http.StatusRequestEntityTooLarge {
		if count == 1 {
			key, _ := u.objects[first][model.PropKey].(string)
			return fmt.Errorf("upload %s %d-%d of %d: %s[%d] with _key %q is too large for the API even alone (%s of JSON): %w",
				u.kind, first+1, first+1, u.total, u.kind, first, key, formatBytes(len(body)), err)
		}
		half := count / 2
		if err := u.send(ctx, zw, u.encode(first, half), first, half, false); err != nil {
			return err
		}
		return u.send(ctx, zw, u.encode(first+half, count-half), first+half, count-half, false)
	}
	if err != nil {
		return fmt.Errorf("upload %s %d-%d of %d: %w", u.kind, first+1, first+count, u.total, err)
	}
	u.mu.Lock()
	u.done += count
	if u.opts.Progress != nil {
		u.opts.Progress(u.done, u.total)
	}
	u.mu.Unlock()
	return nil
}

// encode returns the body of a batch of count objects from index first.
func (u *uploader) encode(first, count int) []byte {
	body := []byte(`{"` + string(u.kind) + `":[`)
	for i, p := range u.objects[first : first+count] {
		if i > 0 {
			body = append(body, ',')
		}
		body = model.AppendObjectJSON(body, p)
	}
	return append(body, "]}"...)
}

func formatBytes(n int) string {
	const mib = 1 << 20
	switch {
	case n >= mib:
		return fmt.Sprintf("%.1f MiB", float64(n)/mib)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// gzipWriter returns a compressor from the client's pool: each holds about a megabyte of
// tables, worth keeping from one Upload to the next.
func (c *Client) gzipWriter() *gzip.Writer {
	if zw, ok := c.gzipWriters.Get().(*gzip.Writer); ok {
		return zw
	}
	// BestSpeed: JSON batches compress about tenfold even at the fastest level, and slower
	// levels would make compression the bottleneck of an apply.
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}
