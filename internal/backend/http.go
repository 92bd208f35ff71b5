package backend

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// maxHTTPBody bounds what the http backend reads from a server.
const maxHTTPBody = 2 << 30

// HTTPConfig configures the http backend, with the option names of Terraform's http backend.
type HTTPConfig struct {
	Address       string // the state's URL (required)
	UpdateMethod  string // POST when empty
	LockAddress   string // empty disables locking
	UnlockAddress string
	LockMethod    string // LOCK when empty
	UnlockMethod  string // UNLOCK when empty
	Username      string
	Password      string
	RetryMax      int           // retries of a failed request (Terraform: 2)
	RetryWaitMin  time.Duration // 1s when zero
	RetryWaitMax  time.Duration // 30s when zero
	// HTTPClient replaces the default client; nil keeps it.
	HTTPClient *http.Client
}

// HTTP speaks Terraform's HTTP backend protocol, so servers that implement it for Terraform
// (GitLab's managed Terraform state among them) keep j1hcl's state unchanged:
//
//   - GET address reads the state (404 or 204: none); POST address?ID=<lock id> replaces it,
//     with a Content-MD5 header; DELETE address removes it;
//   - LOCK lock_address with the lock info as JSON takes the lock: 200 is success, 423 Locked
//     or 409 Conflict say someone holds it, with the holder's lock info as the body;
//   - UNLOCK unlock_address with the lock info releases it.
//
// The protocol has no request that only reads the lock: LockHolder asks by trying to take it.
type HTTP struct {
	cfg    HTTPConfig
	client *retryablehttp.Client

	mu   sync.Mutex
	held *LockInfo // the lock this client took
}

var _ Backend = (*HTTP)(nil)

// NewHTTP checks the configuration.
func NewHTTP(c HTTPConfig) (*HTTP, error) {
	for _, a := range []struct{ name, value string }{{"address", c.Address}, {"lock_address", c.LockAddress}, {"unlock_address", c.UnlockAddress}} {
		if a.value == "" && a.name != "address" {
			continue
		}
		u, err := url.Parse(a.value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%s must be an http or https URL", a.name)
		}
	}
	if (c.LockAddress == "") != (c.UnlockAddress == "") {
		return nil, errors.New("lock_address and unlock_address go together: set both to lock the state, or neither")
	}
	if c.UpdateMethod == "" {
		c.UpdateMethod = http.MethodPost
	}
	if c.LockMethod == "" {
		c.LockMethod = "LOCK"
	}
	if c.UnlockMethod == "" {
		c.UnlockMethod = "UNLOCK"
	}
	if c.RetryWaitMin == 0 {
		c.RetryWaitMin = time.Second
	}
	if c.RetryWaitMax == 0 {
		c.RetryWaitMax = 30 * time.Second
	}
	client := retryablehttp.NewClient()
	client.Logger = nil // it would log URLs and errors to stderr
	client.RetryMax = c.RetryMax
	client.RetryWaitMin, client.RetryWaitMax = c.RetryWaitMin, c.RetryWaitMax
	if c.HTTPClient != nil {
		client.HTTPClient = c.HTTPClient
	} else {
		client.HTTPClient.Timeout = opTimeout
	}
	// On giving up, return the last response rather than a generic error, so its status
	// can be explained.
	client.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return &HTTP{cfg: c, client: client}, nil
}

func (b *HTTP) String() string { return redactURL(b.cfg.Address) }

// redactURL drops user information from an address for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(an unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

// userinfoRE matches credentials in URLs quoted by net/http errors.
var userinfoRE = regexp.MustCompile(`//[^/@\s]+@`)

func (b *HTTP) do(ctx context.Context, method, addr string, body []byte, contentMD5 bool) (*http.Response, []byte, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, method, addr, body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, redactURL(addr), err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if contentMD5 {
		sum := md5.Sum(body)
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	}
	if b.cfg.Username != "" || b.cfg.Password != "" {
		req.SetBasicAuth(b.cfg.Username, b.cfg.Password)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		msg := userinfoRE.ReplaceAllString(err.Error(), "//")
		return nil, nil, fmt.Errorf("%s %s: %s", method, redactURL(addr), msg)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody+1))
	if err == nil && len(data) > maxHTTPBody {
		err = fmt.Errorf("the answer is larger than %d bytes", maxHTTPBody)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: read the answer: %w", method, redactURL(addr), err)
	}
	return resp, data, nil
}

// statusError explains an answer the protocol does not expect.
func statusError(method, addr string, resp *http.Response) error {
	what := fmt.Sprintf("%s %s answered %s", method, redactURL(addr), resp.Status)
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("%s: the server needs credentials: set username and password (or J1HCL_HTTP_USERNAME and J1HCL_HTTP_PASSWORD)", what)
	case http.StatusForbidden:
		return fmt.Errorf("%s: the server refused the credentials: check username and password (or J1HCL_HTTP_USERNAME and J1HCL_HTTP_PASSWORD)", what)
	}
	return errors.New(what)
}

// Get reads the state.
func (b *HTTP) Get(ctx context.Context) ([]byte, error) {
	resp, data, err := b.do(ctx, http.MethodGet, b.cfg.Address, nil, false)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		if len(data) == 0 {
			return nil, ErrNoState
		}
		if want := resp.Header.Get("Content-MD5"); want != "" {
			sum := md5.Sum(data)
			if base64.StdEncoding.EncodeToString(sum[:]) != want {
				return nil, fmt.Errorf("GET %s: the state's MD5 does not match the Content-MD5 header: it was damaged on the way", b)
			}
		}
		return data, nil
	case http.StatusNoContent, http.StatusNotFound:
		return nil, ErrNoState
	}
	return nil, statusError(http.MethodGet, b.cfg.Address, resp)
}

// Put replaces the state, naming the held lock in the ID query parameter.
func (b *HTTP) Put(ctx context.Context, data []byte) error {
	addr := b.cfg.Address
	b.mu.Lock()
	if b.held != nil {
		u, _ := url.Parse(addr)
		q := u.Query()
		q.Set("ID", b.held.ID)
		u.RawQuery = q.Encode()
		addr = u.String()
	}
	b.mu.Unlock()
	resp, _, err := b.do(ctx, b.cfg.UpdateMethod, addr, data, true)
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusNoContent:
		return nil
	}
	return statusError(b.cfg.UpdateMethod, addr, resp)
}

// Delete removes the state.
func (b *HTTP) Delete(ctx context.Context) error {
	resp, _, err := b.do(ctx, http.MethodDelete, b.cfg.Address, nil, false)
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent, http.StatusNotFound:
		return nil
	}
	return statusError(http.MethodDelete, b.cfg.Address, resp)
}

// tfLockInfo is Terraform's lock info, the JSON the protocol carries.
type tfLockInfo struct {
	ID        string `json:"ID"`
	Operation string `json:"Operation"`
	Info      string `json:"Info"`
	Who       string `json:"Who"`
	Version   string `json:"Version"`
	Created   string `json:"Created"`
	Path      string `json:"Path"`
}

func toTF(i LockInfo, path string) tfLockInfo {
	return tfLockInfo{ID: i.ID, Operation: i.Operation, Info: "pid " + strconv.Itoa(i.PID), Who: i.Who, Version: "j1hcl", Created: i.Created, Path: path}
}

func fromTF(t tfLockInfo) *LockInfo {
	pid, _ := strconv.Atoi(strings.TrimPrefix(t.Info, "pid "))
	return &LockInfo{ID: t.ID, Operation: t.Operation, Who: t.Who, PID: pid, Created: t.Created}
}

func (b *HTTP) where() string { return "HTTP lock at " + redactURL(b.cfg.LockAddress) }

// lockedBy reads the holder from a 423 or 409 answer; nil when the body says nothing usable.
func lockedBy(body []byte) *LockInfo {
	var t tfLockInfo
	if json.Unmarshal(body, &t) != nil || t.ID == "" {
		return nil
	}
	return fromTF(t)
}

func (b *HTTP) lock(ctx context.Context, info LockInfo) error {
	body, err := json.Marshal(toTF(info, redactURL(b.cfg.Address)))
	if err != nil {
		return err
	}
	resp, data, err := b.do(ctx, b.cfg.LockMethod, b.cfg.LockAddress, body, false)
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusLocked, http.StatusConflict:
		return &LockedError{Where: b.where(), Info: lockedBy(data)}
	}
	return statusError(b.cfg.LockMethod, b.cfg.LockAddress, resp)
}

// Lock sends LOCK. Without lock_address locking is off, and Lock succeeds at once.
func (b *HTTP) Lock(ctx context.Context, info LockInfo) error {
	if b.cfg.LockAddress == "" {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held != nil {
		return &LockedError{Where: b.where(), Info: b.held}
	}
	if err := b.lock(ctx, info); err != nil {
		return err
	}
	b.held = &info
	return nil
}

func (b *HTTP) unlock(ctx context.Context, t tfLockInfo) error {
	body, err := json.Marshal(t)
	if err != nil {
		return err
	}
	resp, data, err := b.do(ctx, b.cfg.UnlockMethod, b.cfg.UnlockAddress, body, false)
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent:
		return nil
	case http.StatusLocked, http.StatusConflict:
		if held := lockedBy(data); held != nil {
			return fmt.Errorf("the %s now holds lock %s of %s, not lock %s; left it in place", b.where(), held.ID, held.Who, t.ID)
		}
		return fmt.Errorf("the %s refused to release lock %s (%s): another lock holds it", b.where(), t.ID, resp.Status)
	}
	return statusError(b.cfg.UnlockMethod, b.cfg.UnlockAddress, resp)
}

// Unlock sends UNLOCK with the lock info this client locked with.
func (b *HTTP) Unlock(ctx context.Context, id string) error {
	if b.cfg.LockAddress == "" {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	info := LockInfo{ID: id}
	if b.held != nil && b.held.ID == id {
		info = *b.held
	}
	b.held = nil
	return b.unlock(ctx, toTF(info, redactURL(b.cfg.Address)))
}

// LockHolder asks by trying to take the lock: a refusal names the holder, and a lock taken
// this way is released at once.
func (b *HTTP) LockHolder(ctx context.Context) (*LockInfo, error) {
	if b.cfg.LockAddress == "" {
		return nil, ErrNotLocked
	}
	probe := NewLockInfo("read the lock holder", time.Now())
	err := b.lock(ctx, probe)
	if err == nil {
		if err := b.unlock(ctx, toTF(probe, redactURL(b.cfg.Address))); err != nil {
			return nil, fmt.Errorf("release the lock taken to read the holder: %w", err)
		}
		return nil, ErrNotLocked
	}
	var locked *LockedError
	if errors.As(err, &locked) {
		if locked.Info == nil {
			return nil, fmt.Errorf("the %s is held, but the server did not say by whom", b.where())
		}
		return locked.Info, nil
	}
	return nil, err
}

// ForceUnlock sends UNLOCK with id, after checking id is the holder's.
func (b *HTTP) ForceUnlock(ctx context.Context, id string) error {
	if b.cfg.LockAddress == "" {
		return errors.New("locking is off for this http backend (no lock_address): there is no lock to release")
	}
	held, err := b.LockHolder(ctx)
	if err != nil {
		return err
	}
	if held.ID != id {
		return &LockIDError{Want: id, Held: *held}
	}
	return b.unlock(ctx, toTF(*held, redactURL(b.cfg.Address)))
}

// Close does nothing: HTTP holds no session.
func (b *HTTP) Close() error { return nil }
