package emulator

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Defaults of Config.
const (
	DefaultListen  = "127.0.0.1:8686"
	DefaultMaxBody = 6 << 20
	// DefaultReadTimeout bounds reading one request, headers and body: a 6 MB body needs
	// 200 KB/s to arrive in time.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds handling one request and writing its answer.
	DefaultWriteTimeout = 2 * time.Minute
	// DefaultIdleTimeout closes a keep-alive connection that sends no request for so long.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxJobsInFlight bounds the jobs awaiting uploads at once.
	DefaultMaxJobsInFlight = 100
	// DefaultJobIdleTimeout is how long a job awaiting uploads may go without a request
	// before it is aborted when a new job needs its place.
	DefaultJobIdleTimeout = time.Hour
)

// maxHeaderTimeout bounds reading a request's headers (ReadTimeout when shorter).
const maxHeaderTimeout = 10 * time.Second

// maxJobRecords bounds the finished and aborted jobs remembered: beyond it the ones that
// ended first are forgotten (GET then answers JOB_NOT_FOUND).
const maxJobRecords = 10000

// shutdownTimeout bounds how long Serve waits for in-flight requests after its context ends.
const shutdownTimeout = 10 * time.Second

// Config configures a Server. The zero value serves in memory, without authentication, on
// DefaultListen.
type Config struct {
	// Listen is the address ListenAndServe binds ("127.0.0.1:0" picks a free port). A
	// non-loopback address is refused unless AllowRemote.
	Listen      string
	AllowRemote bool
	// DataFile is where the graph is kept: loaded at start (a missing file is an empty graph,
	// a corrupt one an error) and replaced atomically after every finalize. "" keeps the
	// graph in memory only.
	DataFile string
	// APIKey, when set, is the bearer token every request must carry.
	APIKey string
	// Account, when set, is the only JupiterOne-Account header value accepted.
	Account string
	// Instances are the known integration instance ids; empty accepts any.
	Instances []string
	// FinalizeDelay makes finalize run in the background, spending a third of the delay in
	// each of FINALIZE_PENDING, FINALIZING_ENTITIES and FINALIZING_RELATIONSHIPS, so
	// clients must poll. Zero finalizes within the request, which answers FINISHED.
	FinalizeDelay time.Duration
	// MaxBody is the largest accepted request body after decompression (default
	// DefaultMaxBody); larger bodies get 413.
	MaxBody int64
	// ReadTimeout bounds reading one request, headers and body (default
	// DefaultReadTimeout); a body that has not arrived by then gets 408 and the connection
	// is closed. Headers must arrive within 10 s (or ReadTimeout when shorter).
	ReadTimeout time.Duration
	// WriteTimeout bounds handling a request and writing its answer (default
	// DefaultWriteTimeout).
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle for so long (default
	// DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxJobsInFlight is the most jobs awaiting uploads at once (default
	// DefaultMaxJobsInFlight); starting one more gets 429 TOO_MANY_JOBS_IN_FLIGHT.
	MaxJobsInFlight int
	// JobIdleTimeout: a job awaiting uploads that has had no request for so long is aborted
	// (its uploads dropped) when a new job would otherwise exceed MaxJobsInFlight (default
	// DefaultJobIdleTimeout).
	JobIdleTimeout time.Duration
	// FailRate is the share, in [0, 1], of upload, finalize and job status requests answered
	// 503. Half of those failures happen after the request took effect, as when a response
	// is lost, so that clients' retries are tested for idempotency.
	FailRate float64
	// RateLimit is the sustained number of requests per second allowed (a token bucket with
	// a burst of the same size, at least 1); beyond it, 429 with Retry-After: 1. 0 is off.
	RateLimit float64
	// Latency is added to every request.
	Latency time.Duration
	// Logger receives one record per request (never a header's value) and the server's
	// errors. Nil discards.
	Logger *slog.Logger
	// Now is the clock for timestamps and the rate limit. Nil is time.Now.
	Now func() time.Time
	// Rand drives fault injection; seed it for reproducible failures. The server
	// serializes its use. Nil is a randomly seeded generator.
	Rand *rand.Rand
}

// Server is the emulator. It is safe for concurrent use.
type Server struct {
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	newID     func() string
	apiKey    [sha256.Size]byte
	instances map[string]bool
	handler   http.Handler

	rngMu sync.Mutex
	rng   *rand.Rand

	limiter *tokenBucket

	jobsMu sync.RWMutex
	jobs   map[string]*job
	// inFlight counts the jobs awaiting uploads.
	inFlight atomic.Int64

	// graphMu guards graph: finalize holds it to write, reads share it.
	graphMu sync.RWMutex
	graph   *graph
	// queries caches the results of traversal queries for their later pages.
	queries queryCache
	// deferred holds the results of deferred queries.
	deferred deferredStore
	// persist writes the graph after a finalize; nil without a data file.
	persist func(*graph) error

	// Background finalizes: closing ends their delays early and work waits for them.
	bgMu    sync.Mutex
	closed  bool
	closing chan struct{}
	work    sync.WaitGroup
}

// New checks cfg, loads the data file and returns a server ready to serve.
func New(cfg Config) (*Server, error) {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	defaultDuration(&cfg.ReadTimeout, DefaultReadTimeout)
	defaultDuration(&cfg.WriteTimeout, DefaultWriteTimeout)
	defaultDuration(&cfg.IdleTimeout, DefaultIdleTimeout)
	defaultDuration(&cfg.JobIdleTimeout, DefaultJobIdleTimeout)
	if cfg.MaxJobsInFlight == 0 {
		cfg.MaxJobsInFlight = DefaultMaxJobsInFlight
	}
	switch {
	case cfg.MaxBody < 0:
		return nil, fmt.Errorf("max body %d is negative", cfg.MaxBody)
	case cfg.ReadTimeout < 0 || cfg.WriteTimeout < 0 || cfg.IdleTimeout < 0 || cfg.JobIdleTimeout < 0:
		return nil, fmt.Errorf("timeouts must be positive (read %v, write %v, idle %v, job idle %v)", cfg.ReadTimeout, cfg.WriteTimeout, cfg.IdleTimeout, cfg.JobIdleTimeout)
	case cfg.MaxJobsInFlight < 0:
		return nil, fmt.Errorf("max jobs in flight %d is negative", cfg.MaxJobsInFlight)
	case cfg.FailRate < 0 || cfg.FailRate > 1 || cfg.FailRate != cfg.FailRate:
		return nil, fmt.Errorf("fail rate %v is not between 0 and 1", cfg.FailRate)
	case cfg.RateLimit < 0 || cfg.RateLimit != cfg.RateLimit:
		return nil, fmt.Errorf("rate limit %v is negative", cfg.RateLimit)
	case cfg.Latency < 0:
		return nil, fmt.Errorf("latency %v is negative", cfg.Latency)
	case cfg.FinalizeDelay < 0:
		return nil, fmt.Errorf("finalize delay %v is negative", cfg.FinalizeDelay)
	}
	if err := checkListen(cfg.Listen, cfg.AllowRemote); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		now:       cfg.Now,
		newID:     newIDSource().next,
		rng:       cfg.Rand,
		instances: make(map[string]bool, len(cfg.Instances)),
		jobs:      make(map[string]*job),
		graph:     newGraph(),
		closing:   make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if cfg.APIKey != "" {
		s.apiKey = sha256.Sum256([]byte(cfg.APIKey))
	}
	for _, id := range cfg.Instances {
		s.instances[id] = true
	}
	if cfg.RateLimit > 0 {
		s.limiter = newTokenBucket(cfg.RateLimit, s.now)
	}
	if cfg.DataFile != "" {
		g, err := loadGraph(cfg.DataFile)
		if err != nil {
			return nil, fmt.Errorf("load data file: %w", err)
		}
		s.graph = g
		path := cfg.DataFile
		s.persist = func(g *graph) error { return saveGraph(path, g) }
	}
	if cfg.AllowRemote && cfg.APIKey == "" {
		s.log.Warn("serving remote clients without an API key: anyone who can reach the port can change the graph")
	}
	s.handler = s.routes()
	return s, nil
}

func defaultDuration(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// checkListen refuses a listen address that is not loopback unless remote access is allowed:
// the emulator is for one machine, and its API key is often a throwaway.
func checkListen(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if !allowRemote && !isLoopbackHost(host) {
		return fmt.Errorf("listen address %q is not a loopback address; allow remote access explicitly to serve other machines", addr)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Handler returns the HTTP handler serving every route.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves HTTP on ln until ctx ends, then shuts down gracefully: it stops accepting,
// lets in-flight requests finish (up to 10 s), and completes pending finalizes (see Close).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !s.cfg.AllowRemote && !tcp.IP.IsLoopback() {
		return fmt.Errorf("listener %s is not on a loopback address; allow remote access explicitly to serve other machines", tcp)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: min(maxHeaderTimeout, s.cfg.ReadTimeout),
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		s.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-served
	s.Close()
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// ListenAndServe binds cfg.Listen, reports the bound address to ready (the real port when
// cfg.Listen ends in ":0"), and serves until ctx ends.
func ListenAndServe(ctx context.Context, cfg Config, ready func(addr string)) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.log.Info("emulator listening", "addr", ln.Addr().String(), "data_file", cfg.DataFile)
	if ready != nil {
		ready(ln.Addr().String())
	}
	return s.Serve(ctx, ln)
}

// Close completes every pending finalize without waiting out the rest of FinalizeDelay, and
// returns once they are applied (and written to the data file). The server stays usable;
// later finalizes run within their request.
func (s *Server) Close() {
	s.bgMu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
	s.bgMu.Unlock()
	s.work.Wait()
}

// Snapshot is a read-back of part of the graph: every object as last uploaded plus its
// metadata, sorted by _key.
type Snapshot struct {
	Entities      []model.Properties
	Relationships []model.Properties
}

// Graph returns the part of the graph f selects, as GET /_emulator/graph does. Instance
// takes precedence over Scope. The result is a deep copy.
func (s *Server) Graph(f Filter) Snapshot {
	s.graphMu.RLock()
	defer s.graphMu.RUnlock()
	ents, rels := s.graph.selection(f)
	out := Snapshot{Entities: make([]model.Properties, len(ents)), Relationships: make([]model.Properties, len(rels))}
	for i, r := range ents {
		out.Entities[i] = r.readBack(s.cfg.Account)
	}
	for i, r := range rels {
		out.Relationships[i] = r.readBack(s.cfg.Account)
	}
	return out
}

// Job returns a job as the API answers it, and whether it exists.
func (s *Server) Job(id string) (Job, bool) {
	j := s.job(id)
	if j == nil {
		return Job{}, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.snapshot(), true
}

func (s *Server) job(id string) *job {
	s.jobsMu.RLock()
	defer s.jobsMu.RUnlock()
	return s.jobs[id]
}

func (s *Server) random() float64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Float64()
}

func (s *Server) nowMillis() int64 { return s.now().UnixMilli() }
