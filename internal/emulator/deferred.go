package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// deferredPath is where deferred query results are fetched. Its routes need no
// credentials: the token in the URL is the credential, as on the platform.
const deferredPath = "/_emulator/deferred/"

// Deferred results live deferredTTL after the query; at most maxDeferred are kept (the
// oldest go first).
const (
	deferredTTL = 10 * time.Minute
	maxDeferred = 1000
)

// deferredStore holds the results of queries asked with deferredResponse: FORCE, by an
// unguessable token.
type deferredStore struct {
	mu      sync.Mutex
	results map[string]*deferredResult
}

type deferredResult struct {
	url     string
	page    page
	created time.Time
	// polled is set by the first fetch, which answers IN_PROGRESS so that clients' polling
	// is exercised; every later fetch answers COMPLETED.
	polled bool
}

// put stores a computed page and returns the URL it is fetched from.
func (d *deferredStore) put(host string, pg page, now time.Time) string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	token := hex.EncodeToString(b[:])
	url := "http://" + host + deferredPath + token
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.results == nil {
		d.results = make(map[string]*deferredResult)
	}
	if len(d.results) >= maxDeferred {
		var oldest string
		for t, r := range d.results {
			if now.Sub(r.created) > deferredTTL {
				delete(d.results, t)
			} else if oldest == "" || r.created.Before(d.results[oldest].created) {
				oldest = t
			}
		}
		if len(d.results) >= maxDeferred {
			delete(d.results, oldest)
		}
	}
	d.results[token] = &deferredResult{url: url, page: pg, created: now}
	return url
}

// get returns the result of a token and whether this is its first fetch.
func (d *deferredStore) get(token string, now time.Time) (*deferredResult, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.results[token]
	if r == nil {
		return nil, false
	}
	if now.Sub(r.created) > deferredTTL {
		delete(d.results, token)
		return nil, false
	}
	first := !r.polled
	r.polled = true
	return r, first
}

// getDeferred answers GET /_emulator/deferred/{token}: {"status", "url", "data", "error"},
// and "cursor" (also inside data) only when a next page exists.
func (s *Server) getDeferred(w http.ResponseWriter, r *http.Request) {
	res, first := s.deferred.get(r.PathValue("token"), s.now())
	if res == nil {
		writeError(w, errorf(http.StatusNotFound, CodeNotFound, "no deferred result at this URL: it expired (results live %s) or never existed; run the query again", deferredTTL))
		return
	}
	buf := []byte(`{"status":`)
	if first {
		buf = append(buf, `"IN_PROGRESS","url":`...)
		buf = strconv.AppendQuote(buf, res.url)
		writeRawJSON(w, http.StatusOK, append(buf, "}\n"...))
		return
	}
	buf = append(buf, `"COMPLETED","url":`...)
	buf = strconv.AppendQuote(buf, res.url)
	buf = append(buf, `,"data":{"type":`...)
	buf = strconv.AppendQuote(buf, res.page.typ)
	buf = append(buf, `,"data":`...)
	buf = append(buf, res.page.data...)
	if res.page.cursor != "" {
		buf = append(buf, `,"cursor":`...)
		buf = strconv.AppendQuote(buf, res.page.cursor)
	}
	buf = append(buf, '}')
	if res.page.cursor != "" {
		buf = append(buf, `,"cursor":`...)
		buf = strconv.AppendQuote(buf, res.page.cursor)
	}
	buf = append(buf, `,"error":null}`+"\n"...)
	writeRawJSON(w, http.StatusOK, buf)
}

// isDeferredFetch reports whether a request fetches a deferred result, which needs no
// credentials.
func isDeferredFetch(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, deferredPath)
}
