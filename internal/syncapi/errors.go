package syncapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error codes of the Sync API that callers act on.
const (
	CodeJobNotAwaitingUploads = "JOB_NOT_AWAITING_UPLOADS"
	CodeJobNotFound           = "JOB_NOT_FOUND"
	CodeUnauthorized          = "UNAUTHORIZED"
	// CodeInvalidIntegrationInstance refuses a job for an integration instance the account
	// does not have.
	CodeInvalidIntegrationInstance = "SYNC_JOB_INVALID_INTEGRATION_INSTANCE"
	// CodeGraphQL marks a GraphQL error answered with HTTP 200 that carried no code of its own.
	CodeGraphQL = "GRAPHQL_ERROR"
)

// APIError is an answer of the API that is not a success: a 3xx, 4xx or 5xx status, or a
// GraphQL "errors" array (Status 200).
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code and Message come from the body {"error": {"code": …, "message": …}}. A body that is
	// not JSON leaves Code empty and quotes its first bytes in Message.
	Code    string
	Message string
	// JobID is the Sync API job the request was about, empty for job creation and queries.
	JobID string
	// Route is the method and path, e.g. "POST /persister/synchronization/jobs/ID/finalize".
	Route string
	// CorrelationID is the JupiterOne-Correlation-Id the request carried, for support tickets.
	CorrelationID string
	// RateLimited marks a GraphQL answer (HTTP 200) whose errors say the client is rate
	// limited: it is retried like a 429.
	RateLimited bool
}

// Error names the job, the route, the status and the API's code and message.
func (e *APIError) Error() string {
	var b strings.Builder
	if e.JobID != "" {
		b.WriteString("job ")
		b.WriteString(e.JobID)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s: HTTP %d", e.Route, e.Status)
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.CorrelationID != "" {
		b.WriteString(" (correlation id ")
		b.WriteString(e.CorrelationID)
		b.WriteString(")")
	}
	return b.String()
}

// Retryable reports whether the client retries the error: status 429, 500, 502, 503 or
// 504, or a GraphQL rate-limit error.
func (e *APIError) Retryable() bool { return e.RateLimited || retryableStatus(e.Status) }

func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// RetriesExhaustedError is returned when every attempt of a request failed with a retryable
// error. Err is the last failure; errors.As reaches its *APIError, if any.
type RetriesExhaustedError struct {
	Attempts int
	Err      error
}

// Error says how many attempts were made and how the last one failed.
func (e *RetriesExhaustedError) Error() string {
	return fmt.Sprintf("gave up after %d attempts, the last one failing with %s", e.Attempts, lastFailure(e.Err))
}

// Unwrap returns the last failure.
func (e *RetriesExhaustedError) Unwrap() error { return e.Err }

func lastFailure(err error) string {
	var api *APIError
	if errors.As(err, &api) {
		return api.Error()
	}
	return "a network error: " + err.Error()
}

// transportError is a request that got no HTTP answer: refused or reset connection, timeout,
// a body cut short.
type transportError struct {
	jobID string
	route string
	err   error
	// timedOut marks an attempt that ran out of Config.RequestTimeout.
	timedOut bool
}

// errAttemptTimeout is the cause of an attempt's context when its own deadline passed.
var errAttemptTimeout = errors.New("request timeout")

// isAttemptTimeout reports whether err is an attempt that ran out of its request timeout.
func isAttemptTimeout(err error) bool {
	var te *transportError
	return errors.As(err, &te) && te.timedOut
}

func (e *transportError) Error() string {
	if e.jobID != "" {
		return fmt.Sprintf("job %s: %s: %v", e.jobID, e.route, e.err)
	}
	return fmt.Sprintf("%s: %v", e.route, e.err)
}

func (e *transportError) Unwrap() error { return e.err }

// IsRetryable reports whether err is a transient failure of the kind the client retries: a
// network error or status 429, 500, 502, 503 or 504. It looks through wrapping, so it also
// describes the last failure inside a *RetriesExhaustedError. Cancellation is not retryable.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Retryable()
	}
	var te *transportError
	if !errors.As(err, &te) {
		return false
	}
	// A certificate the client does not trust will not become trusted by asking again.
	var certErr *tls.CertificateVerificationError
	var authErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	return !errors.As(err, &certErr) && !errors.As(err, &authErr) && !errors.As(err, &hostErr)
}

// HasCode reports whether err is (or wraps) an *APIError with the given error code, e.g.
// CodeJobNotAwaitingUploads.
func HasCode(err error, code string) bool {
	var api *APIError
	return errors.As(err, &api) && api.Code == code
}

// StatusOf returns the HTTP status of the *APIError inside err, or 0 when there is none.
func StatusOf(err error) int {
	var api *APIError
	if errors.As(err, &api) {
		return api.Status
	}
	return 0
}
