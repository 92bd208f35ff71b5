package backendtest

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// HTTPStateServer is a reference server of Terraform's HTTP backend protocol, written from
// Terraform's documentation of it, point by point, since no third-party server installs here:
//
//  1. "State will be fetched via GET": 200 with the state, 404 when there is none.
//  2. "updated via POST" (the method is configurable, so any of POST and PUT is taken): 200.
//     "The ID of the holding lock info will be added as a query parameter to state updates
//     requests": while locked, an update without that ID (or with another) is refused with
//     409 Conflict and the holder's lock info, as GitLab's managed state does.
//  3. "purged with DELETE": 200.
//  4. "LOCK and UNLOCK requests providing the lock info in the body": LOCK of a free state
//     stores the info and answers 200 OK; "The endpoint should return a 423: Locked or 409:
//     Conflict with the holding lock info when it's already taken".
//  5. UNLOCK whose info has the holder's ID releases it (200); another ID gets 409 with the
//     holding lock info; UNLOCK of a free state is 200 (nothing to release).
//  6. Basic authentication when Username is set: 401 without credentials, 403 with wrong ones.
//  7. "Any other status will be considered an error": other methods get 405.
//
// The lock lives at the state's own address, as in Terraform's example (address, lock_address
// and unlock_address all the same URL).
type HTTPStateServer struct {
	URL      string
	Username string
	Password string

	mu    sync.Mutex
	state []byte
	lock  []byte // the holder's lock info as sent; nil when free
	// Requests counts requests by method, so tests can see what was sent.
	Requests map[string]int
	// failUpdates, when set, answers every state update with 503 (a server gone bad).
	failUpdates bool
}

// FailUpdates makes every later state update fail with 503 Service Unavailable (fail true),
// or succeed again (fail false).
func (s *HTTPStateServer) FailUpdates(fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failUpdates = fail
}

// HTTPState starts a reference server (see HTTPStateServer) for the test; username and
// password, when not empty, are required.
func HTTPState(t testing.TB, username, password string) *HTTPStateServer {
	s := &HTTPStateServer{Username: username, Password: password, Requests: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/state/j1hcl"
	return s
}

func lockID(info []byte) string {
	var v struct{ ID string }
	_ = json.Unmarshal(info, &v)
	return v.ID
}

func (s *HTTPStateServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Requests[r.Method]++
	if s.Username != "" {
		user, pass, ok := r.BasicAuth()
		switch {
		case !ok:
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		case user != s.Username || pass != s.Password:
			http.Error(w, "wrong credentials", http.StatusForbidden)
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<30))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	conflict := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write(s.lock)
	}
	switch r.Method {
	case http.MethodGet:
		if s.state == nil {
			http.NotFound(w, r)
			return
		}
		sum := md5.Sum(s.state)
		w.Header().Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		_, _ = w.Write(s.state)
	case http.MethodPost, http.MethodPut:
		if s.failUpdates {
			http.Error(w, "injected failure", http.StatusServiceUnavailable)
			return
		}
		if s.lock != nil && r.URL.Query().Get("ID") != lockID(s.lock) {
			conflict()
			return
		}
		if want := r.Header.Get("Content-MD5"); want != "" {
			sum := md5.Sum(body)
			if base64.StdEncoding.EncodeToString(sum[:]) != want {
				http.Error(w, "Content-MD5 mismatch", http.StatusBadRequest)
				return
			}
		}
		s.state = body
	case http.MethodDelete:
		s.state = nil
	case "LOCK":
		if s.lock != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusLocked)
			_, _ = w.Write(s.lock)
			return
		}
		if lockID(body) == "" {
			http.Error(w, "lock info without ID", http.StatusBadRequest)
			return
		}
		s.lock = body
	case "UNLOCK":
		if s.lock == nil {
			return
		}
		if lockID(body) != lockID(s.lock) {
			conflict()
			return
		}
		s.lock = nil
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
