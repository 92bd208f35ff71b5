package syncapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Retry policy of sync-api.md.
const (
	// MaxAttempts is how many times one request is sent before the client gives up.
	MaxAttempts = 5
	// BackoffBase and BackoffCap bound the exponential backoff; the client sleeps a uniformly
	// random duration up to min(BackoffCap, BackoffBase·2^(attempt-1)) ("full jitter").
	BackoffBase = 250 * time.Millisecond
	BackoffCap  = 10 * time.Second
	// maxRetryAfter bounds a server's Retry-After so that an absurd value cannot park an
	// apply for hours; a still-throttled retry just waits again.
	maxRetryAfter = 2 * time.Minute
	// DefaultRequestTimeout bounds one attempt of a request, from sending it to reading the
	// last byte of the answer (Config.RequestTimeout).
	DefaultRequestTimeout = 30 * time.Second
	// maxTimeouts is how many attempts of one request may run out of time before the
	// client gives up: a server that stalls twice in a row is not answering, and retrying
	// it MaxAttempts times would hold the command for minutes.
	maxTimeouts = 2
)

const (
	headerCorrelationID = "JupiterOne-Correlation-Id"
	headerAccount       = "JupiterOne-Account"
	// errorBodyLimit is how much of an error answer is read: error documents are small, and
	// a proxy's HTML page need not be read whole to be reported.
	errorBodyLimit = 64 << 10
	// responseLimit bounds a success answer (a job, or one page of query results).
	responseLimit = 256 << 20
	snippetLimit  = 200
)

// call is one logical request. Its body bytes are kept so that every attempt sends exactly
// the same request, under the same correlation id.
type call struct {
	method        string
	path          string // below the base URL, starting with "/"; only a label when url is set
	url           string // the absolute URL, when not below the base URL
	anonymous     bool   // sent without the API key and account (a deferred result's URL)
	body          []byte // nil for GET; already compressed when gzipped
	gzipped       bool
	jobID         string
	correlationID string
	// decode reads a 2xx body; nil discards it.
	decode func(body []byte) error
	// limit bounds the 2xx body decode reads (responseLimit when 0); a larger answer is an
	// error, not a truncated document.
	limit int64
}

func (cl *call) route() string { return cl.method + " " + cl.path }

// where prefixes error messages: the job, when there is one, and the route.
func (cl *call) where() string {
	if cl.jobID != "" {
		return "job " + cl.jobID + ": " + cl.route()
	}
	return cl.route()
}

// do sends the call, retrying transient failures, and returns how many attempts it made.
func (c *Client) do(ctx context.Context, cl *call) (attempts int, _ error) {
	if cl.correlationID == "" {
		cl.correlationID = uuid.NewString()
	}
	timeouts := 0
	for attempt := 1; ; attempt++ {
		retryAfter, err := c.attempt(ctx, cl, attempt)
		if err == nil {
			return attempt, nil
		}
		if ctx.Err() != nil || !IsRetryable(err) {
			return attempt, err
		}
		if isAttemptTimeout(err) {
			timeouts++
		}
		if attempt == MaxAttempts || timeouts == maxTimeouts {
			return attempt, &RetriesExhaustedError{Attempts: attempt, Err: err}
		}
		delay := c.backoff(attempt, retryAfter)
		c.log.LogAttrs(ctx, slog.LevelInfo, "sync api retry",
			slog.String("method", cl.method),
			slog.String("path", cl.path),
			slog.Int("attempt", attempt),
			slog.Duration("delay", delay),
			slog.String("correlation_id", cl.correlationID),
			slog.String("error", c.key.redact(err.Error())),
		)
		if serr := c.sleep(ctx, delay); serr != nil {
			return attempt, fmt.Errorf("%w (while waiting to retry after: %w)", serr, err)
		}
	}
}

// backoff returns the wait before the attempt after the given one. retryAfter < 0 means the
// server did not say.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter >= 0 {
		return min(retryAfter, maxRetryAfter)
	}
	ceiling := BackoffCap
	if attempt <= 30 { // beyond that the shift overflows; the cap applies long before
		ceiling = min(BackoffCap, BackoffBase<<(attempt-1))
	}
	return time.Duration(c.random() * float64(ceiling))
}

// attempt sends the call once, within the client's request timeout, which covers the answer's
// body as well as its headers. It returns the server's Retry-After (or -1) with the error.
func (c *Client) attempt(parent context.Context, cl *call, n int) (retryAfter time.Duration, err error) {
	retryAfter = -1
	ctx, cancel := context.WithTimeoutCause(parent, c.requestTimeout, errAttemptTimeout)
	defer cancel()
	defer func() {
		// The attempt's own deadline is a network failure like any other (retryable), not
		// the caller's context ending.
		var te *transportError
		if errors.As(err, &te) && parent.Err() == nil && context.Cause(ctx) == errAttemptTimeout {
			err = &transportError{jobID: cl.jobID, route: cl.route(), timedOut: true,
				err: fmt.Errorf("no complete answer within %s", c.requestTimeout)}
		}
	}()
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	target := c.base + cl.path
	if cl.url != "" {
		target = cl.url
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, target, body)
	if err != nil {
		return retryAfter, fmt.Errorf("%s: %w", cl.where(), err)
	}
	h := req.Header
	if !cl.anonymous {
		h.Set("Authorization", "Bearer "+string(c.key))
		if c.account != "" {
			h.Set(headerAccount, c.account)
		}
	}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("User-Agent", c.userAgent)
	h.Set(headerCorrelationID, cl.correlationID)
	if cl.gzipped {
		h.Set("Content-Encoding", "gzip")
	}

	start := c.now()
	status := 0
	defer func() {
		attrs := []slog.Attr{
			slog.String("method", cl.method),
			slog.String("path", cl.path),
			slog.Int("status", status),
			slog.Duration("duration", c.now().Sub(start)),
			slog.Int("attempt", n),
			slog.String("correlation_id", cl.correlationID),
			slog.Int("request_bytes", len(cl.body)),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", c.key.redact(err.Error())))
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "sync api request", attrs...)
	}()

	resp, err := c.http.Do(req)
	if err != nil {
		return retryAfter, c.transportError(cl, err)
	}
	defer resp.Body.Close()
	status = resp.StatusCode

	if status < 200 || status > 299 {
		if retryableStatus(status) {
			retryAfter = c.parseRetryAfter(resp.Header)
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
		return retryAfter, c.apiError(cl, resp, data)
	}
	if cl.decode == nil {
		// Drain so the connection is reused; an upload's answer is not needed.
		if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, errorBodyLimit)); err != nil {
			return retryAfter, c.transportError(cl, fmt.Errorf("reading the answer: %w", err))
		}
		return retryAfter, nil
	}
	limit := cl.limit
	if limit <= 0 {
		limit = responseLimit
	}
	buf := answerBuffers.Get().(*bytes.Buffer)
	defer recycleAnswerBuffer(buf)
	if n := resp.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n) + bytes.MinRead) // one read to the end, no regrowing
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		return retryAfter, c.transportError(cl, fmt.Errorf("reading the answer: %w", err))
	}
	data := buf.Bytes()
	if int64(len(data)) > limit {
		return retryAfter, fmt.Errorf("%s: the answer is larger than %s, more than the client accepts", cl.where(), formatBytes(int(limit)))
	}
	if err := cl.decode(data); err != nil {
		var api *APIError
		if errors.As(err, &api) {
			return retryAfter, err
		}
		return retryAfter, fmt.Errorf("%s: decode the answer (HTTP %d, %s): %w", cl.where(), status, quoteSnippet(c.key.redact(string(data))), err)
	}
	return retryAfter, nil
}

// answerBuffers recycles the buffers 2xx answers are read into: reading a whole graph fetches
// hundreds of pages of about the same size, and a call's decode keeps none of the bytes (it
// copies what it keeps, as encoding/json and model.JSONScanner do).
var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxRecycledAnswer is the largest buffer kept for reuse; a rare huge answer is left to the GC.
const maxRecycledAnswer = 4 << 20

func recycleAnswerBuffer(b *bytes.Buffer) {
	if b.Cap() > maxRecycledAnswer {
		return
	}
	b.Reset()
	answerBuffers.Put(b)
}

func (c *Client) transportError(cl *call, err error) error {
	// url.Error repeats the method and the URL, which the route already names.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &transportError{jobID: cl.jobID, route: cl.route(), err: err}
}

// apiError turns an unsuccessful answer into an *APIError.
func (c *Client) apiError(cl *call, resp *http.Response, data []byte) *APIError {
	e := &APIError{Status: resp.StatusCode, JobID: cl.jobID, Route: cl.route(), CorrelationID: cl.correlationID}
	e.Code, e.Message = decodeErrorBody(data)
	if e.Code == "" && e.Message == "" {
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			// Ahead of the body: a redirect's body is boilerplate, its Location is the news.
			e.Message = fmt.Sprintf("redirected to %q; the client does not follow redirects, check %s", resp.Header.Get("Location"), EnvBaseURL)
		case len(bytes.TrimSpace(data)) > 0:
			e.Message = quoteSnippet(string(data))
		default:
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	e.Code = c.key.redact(e.Code)
	e.Message = c.key.redact(e.Message)
	return e
}

// decodeErrorBody reads the API's {"error": {"code", "message"}}, or the {"error": "text"}
// some proxies answer.
func decodeErrorBody(data []byte) (code, message string) {
	var doc struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(data, &doc) != nil || len(doc.Error) == 0 {
		return "", ""
	}
	var detail struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(doc.Error, &detail) == nil {
		return detail.Code, detail.Message
	}
	_ = json.Unmarshal(doc.Error, &message)
	return "", message
}

// parseRetryAfter reads how long the server asks the client to wait: Retry-After as
// delay-seconds or an HTTP date, else RateLimit-Reset as seconds (what JupiterOne sends with a
// 429). It returns -1 when neither is present and readable.
func (c *Client) parseRetryAfter(h http.Header) time.Duration {
	if d := c.parseDelay(h.Get("Retry-After"), true); d >= 0 {
		return d
	}
	return c.parseDelay(h.Get("RateLimit-Reset"), false)
}

func (c *Client) parseDelay(v string, dates bool) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return -1
		}
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if !dates {
		return -1
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(c.now()), 0)
	}
	return -1
}

// quoteSnippet quotes the first bytes of a body that is not the API's error document.
func quoteSnippet(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= snippetLimit {
		return strconv.Quote(s)
	}
	cut := snippetLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
