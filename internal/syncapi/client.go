// Package syncapi is the client for JupiterOne's Sync API job routes and J1QL reads.
package syncapi

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is the JupiterOne API of the US region.
const DefaultBaseURL = "https://api.us.jupiterone.io"

// Environment variables read by ConfigFromEnv.
const (
	EnvAPIKey  = "JUPITERONE_API_KEY"
	EnvAccount = "JUPITERONE_ACCOUNT"
	EnvBaseURL = "JUPITERONE_API_BASE"
	// EnvGraphQLURL overrides the GraphQL endpoint J1QL reads go to.
	EnvGraphQLURL = "JUPITERONE_GRAPHQL_URL"
)

// Config says where the client connects, as whom, and with which collaborators. Only APIKey is
// required; every collaborator has a production default, and tests replace them.
type Config struct {
	// BaseURL is the API root, e.g. https://api.eu.jupiterone.io. Default DefaultBaseURL.
	BaseURL string
	// GraphQLURL is the endpoint of J1QL reads. Default: derived from BaseURL, as
	// JupiterOne's clients do: https://api.REGION.jupiterone.io reads from
	// https://graphql.REGION.jupiterone.io; any other base (the emulator's included) from
	// BASE/graphql.
	GraphQLURL string
	// APIKey is sent as a bearer token. It is never logged and never appears in errors.
	APIKey string
	// Account is sent as the JupiterOne-Account header. JupiterOne requires it, so it is
	// required for every base URL but a loopback one (the local emulator).
	Account string
	// UserAgent is sent on every request. Default "j1hcl".
	UserAgent string
	// RequestTimeout bounds one attempt of a request, from sending it to reading the last
	// byte of the answer, so a server that stalls before or after its headers cannot hold
	// the client. An attempt that runs out is retried once. Default DefaultRequestTimeout.
	RequestTimeout time.Duration

	// HTTPClient sends the requests. Default: a client whose transport honours HTTPS_PROXY
	// through http.ProxyFromEnvironment. Redirects are never followed whichever client is
	// given: the API does not redirect, and following one could carry the key elsewhere.
	HTTPClient *http.Client
	// Logger receives one debug record per HTTP attempt and one info record per retry.
	// Default: discard.
	Logger *slog.Logger
	// Sleep waits d or until ctx is done, whichever comes first, returning ctx.Err() in the
	// latter case. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for Retry-After dates and WaitForJob's timeout. Default time.Now.
	Now func() time.Time
	// Random returns a uniform number in [0, 1) for backoff jitter; it is called from
	// concurrent uploads, so it must be safe for concurrent use. Default math/rand/v2.Float64.
	Random func() float64
}

// ConfigFromEnv reads the connection settings from JUPITERONE_API_KEY, JUPITERONE_ACCOUNT,
// JUPITERONE_API_BASE and JUPITERONE_GRAPHQL_URL through getenv (os.Getenv in production).
// An unset base URL means DefaultBaseURL.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{
		BaseURL:    strings.TrimSpace(getenv(EnvBaseURL)),
		GraphQLURL: strings.TrimSpace(getenv(EnvGraphQLURL)),
		APIKey:     strings.TrimSpace(getenv(EnvAPIKey)),
		Account:    strings.TrimSpace(getenv(EnvAccount)),
	}
}

// String describes the configuration with the API key redacted, so that printing a Config
// by accident leaks nothing.
func (c Config) String() string {
	return fmt.Sprintf("syncapi.Config{BaseURL: %q, GraphQLURL: %q, Account: %q, APIKey: %s}", c.BaseURL, c.GraphQLURL, c.Account, keyState(c.APIKey))
}

// GoString is String, so %#v redacts too.
func (c Config) GoString() string { return c.String() }

// LogValue lets a Config be logged with slog without its key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("account", c.Account),
		slog.String("api_key", keyState(c.APIKey)),
	)
}

func keyState(key string) string {
	if key == "" {
		return "(unset)"
	}
	return "(redacted)"
}

// Client talks to the Sync API and the GraphQL endpoint. It is safe for concurrent use.
type Client struct {
	base      string // scheme://host[/prefix], no trailing slash
	graphql   string // the GraphQL endpoint
	key       secret
	account   string
	userAgent string
	http      *http.Client
	log       *slog.Logger
	sleep     func(context.Context, time.Duration) error
	now       func() time.Time
	random    func() float64
	// requestTimeout bounds one attempt (Config.RequestTimeout).
	requestTimeout time.Duration
	// pageLimit bounds one page of J1QL results (queryPageLimit; tests lower it).
	pageLimit int64
	// gzipWriters recycles upload compressors across Upload calls.
	gzipWriters sync.Pool
}

// New checks cfg and returns a client. It refuses an empty API key and a base URL that would
// send the key in clear text: plain http is accepted only for loopback hosts (127.0.0.0/8,
// ::1, localhost), which is what the local emulator listens on.
func New(cfg Config) (*Client, error) {
	key := strings.TrimSpace(cfg.APIKey)
	if key == "" {
		return nil, fmt.Errorf("no JupiterOne API key: set %s", EnvAPIKey)
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return nil, fmt.Errorf("the JupiterOne API key contains spaces or control characters: check %s", EnvAPIKey)
	}
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	graphql, err := graphQLURL(base, cfg.GraphQLURL)
	if err != nil {
		return nil, err
	}
	account := strings.TrimSpace(cfg.Account)
	if account == "" && !isLoopbackURL(base) {
		return nil, fmt.Errorf("no JupiterOne account id: set %s (JupiterOne needs the account on every request; only a loopback emulator does without)", EnvAccount)
	}
	if strings.ContainsFunc(account, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, fmt.Errorf("the JupiterOne account id contains control characters: check %s", EnvAccount)
	}
	c := &Client{
		base:      base,
		graphql:   graphql,
		key:       secret(key),
		account:   account,
		userAgent: cfg.UserAgent,
		log:       cfg.Logger,
		sleep:     cfg.Sleep,
		now:       cfg.Now,
		random:    cfg.Random,

		requestTimeout: cfg.RequestTimeout,
		pageLimit:      queryPageLimit,
	}
	if c.requestTimeout <= 0 {
		c.requestTimeout = DefaultRequestTimeout
	}
	if c.userAgent == "" {
		c.userAgent = "j1hcl"
	}
	if cfg.HTTPClient != nil {
		hc := *cfg.HTTPClient
		c.http = &hc
	} else {
		c.http = &http.Client{Transport: defaultTransport(c.requestTimeout)}
	}
	c.http.CheckRedirect = refuseRedirect
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.sleep == nil {
		c.sleep = sleepTimer
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.random == nil {
		c.random = rand.Float64
	}
	return c, nil
}

// String names the API the client talks to. It exists so that printing or logging a
// *Client shows no key.
func (c *Client) String() string {
	return fmt.Sprintf("syncapi.Client{BaseURL: %q, Account: %q}", c.base, c.account)
}

// GoString is String, for %#v.
func (c *Client) GoString() string { return c.String() }

// LogValue is String, for slog.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// checkBaseURL returns the normalized base URL, or why it cannot carry an API key.
func checkBaseURL(raw string) (string, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	return checkURL(raw, "API base URL", EnvBaseURL)
}

// graphQLURL returns the GraphQL endpoint: override when set (checked like the base URL),
// else the one JupiterOne's clients derive from the base.
func graphQLURL(base, override string) (string, error) {
	if override != "" {
		return checkURL(override, "GraphQL URL", EnvGraphQLURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err // unreachable: base was checked
	}
	if rest, ok := strings.CutPrefix(u.Host, "api."); ok && strings.HasSuffix(u.Hostname(), ".jupiterone.io") && u.Path == "" {
		return u.Scheme + "://graphql." + rest, nil
	}
	return base + graphqlPath, nil
}

// checkURL returns the normalized URL, or why it cannot carry an API key; what and env name
// the setting in errors.
func checkURL(raw, what, env string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("invalid JupiterOne %s %q (%s): %w", what, raw, env, err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return "", fmt.Errorf("invalid JupiterOne %s %q (%s): want https://HOST[:PORT]", what, raw, env)
	case u.User != nil:
		return "", fmt.Errorf("JupiterOne %s %q must not contain credentials: the API key comes from %s", what, u.Redacted(), EnvAPIKey)
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("JupiterOne %s %q must not have a query or fragment", what, raw)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "", fmt.Errorf("refusing plain-http JupiterOne %s %q (%s): the API key would travel in clear text; use https (http is only allowed for loopback hosts such as 127.0.0.1)", what, raw, env)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// isLoopbackURL reports whether a base URL checkBaseURL accepted names a loopback host.
func isLoopbackURL(base string) bool {
	u, err := url.Parse(base)
	return err == nil && isLoopback(u.Hostname())
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// defaultTransport is http.DefaultTransport's configuration with enough idle connections
// for parallel uploads to reuse them, and bounds on connecting and on waiting for headers.
// The attempt's own deadline (Client.attempt) also covers the body.
func defaultTransport(requestTimeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	t.MaxIdleConnsPerHost = 16
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = requestTimeout
	return t
}

// refuseRedirect hands a 3xx answer back to the caller, which reports it as an error.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func sleepTimer(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// secret holds the API key; every way of printing it prints a placeholder instead.
type secret string

func (secret) String() string               { return "[REDACTED]" }
func (secret) LogValue() slog.Value         { return slog.StringValue("[REDACTED]") }
func (s secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }
func (s secret) redact(text string) string {
	if s == "" || !strings.Contains(text, string(s)) {
		return text
	}
	return strings.ReplaceAll(text, string(s), "[REDACTED]")
}
