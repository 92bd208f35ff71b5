package emulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Header names the API reads.
const (
	headerAccount = "JupiterOne-Account"
	// headerLegacyAccount is the account header's old name, which JupiterOne's Terraform
	// provider and Node client still send.
	headerLegacyAccount = "LifeOmic-Account"
)

// middleware wraps the routes in the order a request meets them: request log, read
// deadline, latency, authentication, account, rate limit.
func (s *Server) middleware(next http.Handler) http.Handler {
	h := s.rateLimited(next)
	h = s.accountChecked(h)
	h = s.authenticated(h)
	h = s.delayed(h)
	h = s.readDeadline(h)
	return s.logged(h)
}

// readDeadline gives the request ReadTimeout from now to deliver its body, so the handler
// is protected even when served by an http.Server other than Serve's (tests, embedding).
// A writer that cannot set deadlines is served without one.
func (s *Server) readDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout))
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status and size of a response for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// logged records one line per request: never a header, so never the Authorization header.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.log.LogAttrs(r.Context(), levelFor(sw.status), "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr))
	})
}

func (s *Server) delayed(next http.Handler) http.Handler {
	if s.cfg.Latency <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(s.cfg.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return // the client is gone; nobody reads an answer
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authenticated(next http.Handler) http.Handler {
	if s.cfg.APIKey == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isDeferredFetch(r) {
			next.ServeHTTP(w, r) // the URL's token is the credential
			return
		}
		key, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="j1hcl-emulator"`)
			writeError(w, errorf(http.StatusUnauthorized, CodeUnauthorized, "an Authorization: Bearer <API key> header is required"))
			return
		}
		// Comparing digests keeps the comparison constant-time whatever the lengths.
		got := sha256.Sum256([]byte(key))
		if subtle.ConstantTimeCompare(got[:], s.apiKey[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="j1hcl-emulator", error="invalid_token"`)
			writeError(w, errorf(http.StatusUnauthorized, CodeUnauthorized, "the API key is not valid"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func bearer(h string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func (s *Server) accountChecked(next http.Handler) http.Handler {
	if s.cfg.Account == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isDeferredFetch(r) {
			next.ServeHTTP(w, r)
			return
		}
		got := r.Header.Get(headerAccount)
		if got == "" {
			got = r.Header.Get(headerLegacyAccount)
		}
		switch {
		case got == "":
			writeError(w, errorf(http.StatusForbidden, CodeAccountMismatch, "a %s header (or the legacy %s) is required: this emulator serves account %q", headerAccount, headerLegacyAccount, s.cfg.Account))
			return
		case got != s.cfg.Account:
			writeError(w, errorf(http.StatusForbidden, CodeAccountMismatch, "this emulator serves account %q, not %q", s.cfg.Account, got))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) rateLimited(next http.Handler) http.Handler {
	if s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.limiter.allow() {
			h := w.Header()
			h.Set("Retry-After", "1")
			h.Set("RateLimit-Limit", strconv.FormatFloat(s.cfg.RateLimit, 'g', -1, 64))
			h.Set("RateLimit-Remaining", "0")
			h.Set("RateLimit-Reset", "1")
			msg := fmt.Sprintf("rate limit exceeded (429): more than %g requests per second; retry after 1 second", s.cfg.RateLimit)
			if r.URL.Path == "/graphql" {
				// As on the platform, GraphQL reports it in an errors array with HTTP 200.
				writeRawJSON(w, http.StatusOK, append(graphQLError(nil, CodeRateLimited, msg), '\n'))
				return
			}
			writeError(w, errorf(http.StatusTooManyRequests, CodeRateLimited, "%s", msg))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tokenBucket allows rate requests per second on average, in bursts of up to burst.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newTokenBucket(rate float64, now func() time.Time) *tokenBucket {
	burst := math.Max(1, rate)
	return &tokenBucket{rate: rate, burst: burst, tokens: burst, last: now(), now: now}
}

func (b *tokenBucket) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(b.burst, b.tokens+elapsed*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// faulty injects FailRate failures into a route: half answered before the handler runs, half
// after it took effect with its answer replaced, as a lost response would be.
func (s *Server) faulty(next http.HandlerFunc) http.HandlerFunc {
	if s.cfg.FailRate <= 0 {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if s.random() >= s.cfg.FailRate {
			next(w, r)
			return
		}
		when := "before"
		if s.random() < 0.5 {
			when = "after"
			next(&discardWriter{header: make(http.Header)}, r)
		}
		writeError(w, errorf(http.StatusServiceUnavailable, CodeServiceUnavailable,
			"injected failure (fail rate %g, %s the request took effect); retry", s.cfg.FailRate, when))
	}
}

// discardWriter swallows the answer of a request whose response is "lost".
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// levelFor logs server failures as errors and every other answer, injected faults and
// client errors included, as information.
func levelFor(status int) slog.Level {
	if status >= 500 && status != http.StatusServiceUnavailable {
		return slog.LevelError
	}
	return slog.LevelInfo
}
