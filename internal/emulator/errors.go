package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Error codes the emulator answers with, in {"error": {"code": CODE, "message": "…"}}. The
// ones the platform documents carry its spelling; the others are the emulator's choice and
// follow the same UPPER_SNAKE style.
const (
	CodeUnauthorized            = "UNAUTHORIZED"
	CodeAccountMismatch         = "ACCOUNT_MISMATCH"
	CodeRateLimited             = "RATE_LIMITED"
	CodeServiceUnavailable      = "SERVICE_UNAVAILABLE"
	CodeNotFound                = "NOT_FOUND"
	CodeMethodNotAllowed        = "METHOD_NOT_ALLOWED"
	CodeInvalidJSON             = "INVALID_JSON"
	CodeInvalidGzip             = "INVALID_GZIP"
	CodeUnsupportedEncoding     = "UNSUPPORTED_CONTENT_ENCODING"
	CodePayloadTooLarge         = "PAYLOAD_TOO_LARGE"
	CodeRequestTimeout          = "REQUEST_TIMEOUT"
	CodeTooManyJobs             = "TOO_MANY_JOBS_IN_FLIGHT"
	CodeInvalidSource           = "INVALID_SOURCE"
	CodeInstanceRequired        = "INTEGRATION_INSTANCE_ID_REQUIRED"
	CodeInstanceNotAllowed      = "INTEGRATION_INSTANCE_ID_NOT_ALLOWED"
	CodeInvalidInstance         = "SYNC_JOB_INVALID_INTEGRATION_INSTANCE"
	CodeScopeRequired           = "SCOPE_REQUIRED"
	CodeScopeNotAllowed         = "SCOPE_NOT_ALLOWED"
	CodeUnsupportedSyncMode     = "UNSUPPORTED_SYNC_MODE"
	CodeJobNotFound             = "JOB_NOT_FOUND"
	CodeJobNotAwaitingUploads   = "JOB_NOT_AWAITING_UPLOADS"
	CodeEntityIsNotArray        = "ENTITY_IS_NOT_ARRAY"
	CodeRelationshipIsNotArray  = "RELATIONSHIP_IS_NOT_ARRAY"
	CodeInvalidEntity           = "INVALID_ENTITY"
	CodeInvalidRelationship     = "INVALID_RELATIONSHIP"
	CodeDuplicateKey            = "DUPLICATE_KEY"
	CodeRelationshipsNotInPatch = "RELATIONSHIPS_NOT_ALLOWED_IN_PATCH"
	CodeInvalidPartialDatasets  = "INVALID_PARTIAL_DATASETS"
	CodeInvalidDelete           = "INVALID_DELETE"
	CodeInvalidTerminalStatus   = "INVALID_TERMINAL_STATUS"
	CodeEventsIsNotArray        = "EVENTS_IS_NOT_ARRAY"
	CodeInvalidGraphFilter      = "INVALID_GRAPH_FILTER"
	CodeInternal                = "INTERNAL_ERROR"
)

// apiError is an error answer: an HTTP status and the body's code and message.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(code, format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, code, format, args...)
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, e *apiError) {
	var b errorBody
	b.Error.Code, b.Error.Message = e.Code, e.Message
	writeJSON(w, e.Status, b)
}

// writeJSON answers v as JSON. Encoding errors cannot be reported to the client once the
// status is written; the values written here are all plain structs that always encode.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"` + CodeInternal + `","message":"the answer could not be encoded"}}`)
	}
	writeRawJSON(w, status, append(b, '\n'))
}

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	// The length lets a client read a large answer (a page of J1QL rows) in one go.
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
