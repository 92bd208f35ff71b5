package syncapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
)

const graphqlPath = "/graphql"

// queryV1Document is the GraphQL operation for J1QL. deferredResponse: DISABLED makes the API
// answer the rows inline instead of a URL to fetch them from later.
const queryV1Document = `query Q($query: String!, $cursor: String) { queryV1(query: $query, cursor: $cursor, deferredResponse: DISABLED) { type data cursor } }`

// queryV1DeferredDocument asks for a deferred answer: a URL from which the result is fetched
// once the platform has computed it, which is how JupiterOne serves large results.
const queryV1DeferredDocument = `query Q($query: String!, $cursor: String) { queryV1(query: $query, cursor: $cursor, deferredResponse: FORCE) { type data cursor url } }`

// Bounds of J1QL reads.
const (
	// queryPageLimit bounds one page of results (an answer or a deferred document): pages
	// hold a few hundred rows, so this is far above any honest page.
	queryPageLimit = 64 << 20
	// DefaultDeferredTimeout bounds the wait for one deferred result.
	DefaultDeferredTimeout = 5 * time.Minute
	// Deferred results are polled first after deferredPollFirst, then half as long again each
	// time, up to deferredPollMax.
	deferredPollFirst = 100 * time.Millisecond
	deferredPollMax   = 2 * time.Second
)

// QueryOptions tune a J1QL read. The zero value reads pages inline.
type QueryOptions struct {
	// Deferred asks for every page as a deferred result (deferredResponse: FORCE): the API
	// answers a URL at once, which the client polls until the page is ready.
	Deferred bool
	// DeferredTimeout bounds the wait for one deferred page (DefaultDeferredTimeout when 0).
	DeferredTimeout time.Duration
}

// QueryItem is one row of a J1QL list result.
type QueryItem struct {
	// ID is the graph object's _id.
	ID string `json:"id"`
	// Entity holds the platform metadata (_key, _type, _class, displayName, …).
	Entity map[string]any `json:"entity"`
	// Properties holds the object's own properties. Numbers are json.Number as sent.
	Properties map[string]any `json:"properties"`
}

// Query runs a J1QL query (FIND … without RETURN, which answers a list) and returns every
// row, following the cursor through all pages.
func (c *Client) Query(ctx context.Context, j1ql string) ([]QueryItem, error) {
	var rows []QueryItem
	err := c.QueryPages(ctx, j1ql, func(page []QueryItem) error {
		rows = append(rows, page...)
		return nil
	})
	return rows, err
}

// QueryPages runs a J1QL query and calls fn with each page of rows, until the API answers no
// cursor (a short page does not mean the last one) or fn returns an error, which is returned.
func (c *Client) QueryPages(ctx context.Context, j1ql string, fn func(page []QueryItem) error) error {
	return c.QueryList(ctx, j1ql, QueryOptions{}, fn)
}

// QueryList is QueryPages with options. Only a list result (FIND without RETURN) is accepted.
func (c *Client) QueryList(ctx context.Context, j1ql string, opts QueryOptions, fn func(page []QueryItem) error) error {
	return c.queryEach(ctx, j1ql, opts, func(p *resultPage) error {
		if p.Type != "list" {
			return fmt.Errorf("the query answered a %q result; only list results (FIND without RETURN) are supported here", p.Type)
		}
		rows, err := listRows(p.Rows)
		if err != nil {
			return err
		}
		return fn(rows)
	})
}

// QueryTable runs a J1QL query with RETURN (which answers a table) and calls fn with each
// page of rows: one map per row from each returned alias or property to its value, numbers
// as json.Number as sent. Paging is as for QueryPages.
func (c *Client) QueryTable(ctx context.Context, j1ql string, opts QueryOptions, fn func(page []map[string]any) error) error {
	return c.queryEach(ctx, j1ql, opts, func(p *resultPage) error {
		if p.Type != "table" {
			return fmt.Errorf("the query answered a %q result; a query with RETURN answers a table", p.Type)
		}
		rows, err := tableRows(p.Rows)
		if err != nil {
			return err
		}
		return fn(rows)
	})
}

// resultPage is one page of a J1QL answer.
type resultPage struct {
	Type string
	// Rows is the page's data, decoded by model.JSONScanner: a list of rows, or nil.
	Rows   []any
	Cursor *string
	URL    string
}

// listRows turns the decoded rows of a list result into QueryItems.
func listRows(rows []any) ([]QueryItem, error) {
	out := make([]QueryItem, len(rows))
	for i, r := range rows {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("rows: row %d is a %s, not an object", i, model.TypeName(r))
		}
		it := &out[i]
		var idOK, entOK, propsOK bool
		it.ID, idOK = m["id"].(string)
		it.Entity, entOK = m["entity"].(map[string]any)
		it.Properties, propsOK = m["properties"].(map[string]any)
		switch {
		case !idOK && m["id"] != nil:
			return nil, fmt.Errorf("rows: row %d: id is a %s, not a string", i, model.TypeName(m["id"]))
		case !entOK && m["entity"] != nil:
			return nil, fmt.Errorf("rows: row %d: entity is a %s, not an object", i, model.TypeName(m["entity"]))
		case !propsOK && m["properties"] != nil:
			return nil, fmt.Errorf("rows: row %d: properties is a %s, not an object", i, model.TypeName(m["properties"]))
		}
	}
	return out, nil
}

// tableRows checks that every decoded row of a table result is an object.
func tableRows(rows []any) ([]map[string]any, error) {
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("rows: row %d is a %s, not an object", i, model.TypeName(r))
		}
		out[i] = m
	}
	return out, nil
}

// scanPage decodes a list or table document ({"type", "data", "cursor", "url"}) at the
// scanner's position; other members (__typename) are skipped.
func scanPage(s *model.JSONScanner) (*resultPage, error) {
	p := &resultPage{}
	err := s.Object("the result", func(name string, _ int) error {
		var err error
		switch name {
		case "type":
			p.Type, err = s.Str("type")
		case "url":
			if !s.Null() {
				p.URL, err = s.Str("url")
			}
		case "cursor":
			if !s.Null() {
				var c string
				c, err = s.Str("cursor")
				p.Cursor = &c
			}
		case "data":
			p.Rows, err = scanRows(s)
		default:
			_, err = s.Value()
		}
		return err
	})
	return p, err
}

// scanRows decodes a page's data: a list of rows, or null.
func scanRows(s *model.JSONScanner) ([]any, error) {
	if s.Null() {
		return nil, nil
	}
	at := s.Offset()
	v, err := s.Value()
	if err != nil {
		return nil, err
	}
	rows, ok := v.([]any)
	if !ok {
		return nil, s.Errorf(at, "the result's data is a %s, not a list of rows", model.TypeName(v))
	}
	return rows, nil
}

// decodeQueryAnswer decodes a queryV1 answer, {"data": {"queryV1": …}, "errors": […]}, with
// s (reset to data): whole-graph reads decode hundreds of pages, which encoding/json's
// reflection made the larger part of the client's work.
func decodeQueryAnswer(s *model.JSONScanner, data []byte) (page *resultPage, errs []graphQLError, err error) {
	s.Reset(data)
	err = s.Object("the answer", func(name string, _ int) error {
		switch name {
		case "data":
			if s.Null() {
				return nil
			}
			return s.Object("data", func(name string, _ int) error {
				if name != "queryV1" || s.Null() {
					_, err := s.Value()
					return err
				}
				var err error
				page, err = scanPage(s)
				return err
			})
		case "errors":
			start := s.Offset()
			if _, err := s.Value(); err != nil {
				return err
			}
			return json.Unmarshal(data[start:s.Offset()], &errs)
		}
		_, err := s.Value()
		return err
	})
	if err == nil {
		err = s.End()
	}
	return page, errs, err
}

// queryEach runs a J1QL query page by page until the API answers no cursor, calling fn with
// each page. The next page is fetched while fn works on the current one. Any failure ends
// the read with an error: a caller never sees a partial result as a complete one.
func (c *Client) queryEach(ctx context.Context, j1ql string, opts QueryOptions, fn func(*resultPage) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type fetched struct {
		page *resultPage
		err  error
	}
	inflight := make(chan fetched, 1)
	// One scanner decodes every page, one at a time (a fetch starts when the previous one has
	// been received), so its caches of names and short strings carry over from page to page.
	s := model.NewJSONScanner(nil)
	s.KeepNumbers()
	fetch := func(cursor *string) {
		crash.Go(func() {
			p, err := c.queryPage(ctx, s, j1ql, cursor, opts)
			inflight <- fetched{p, err}
		})
	}
	pending := true
	defer func() {
		if pending {
			cancel()
			<-inflight // no fetch outlives the call
		}
	}()
	var cursor *string
	fetch(nil)
	for page := 1; ; page++ {
		f := <-inflight
		pending = false
		if f.err != nil {
			return fmt.Errorf("J1QL query, page %d: %w", page, f.err)
		}
		next := f.page.Cursor
		last := next == nil || *next == ""
		if !last && cursor != nil && *next == *cursor {
			return fmt.Errorf("J1QL query, page %d: the API answered the same cursor again", page)
		}
		if !last {
			fetch(next)
			pending = true
		}
		if err := fn(f.page); err != nil {
			return fmt.Errorf("J1QL query, page %d: %w", page, err)
		}
		if last {
			return nil
		}
		cursor = next
	}
}

// queryPage asks for one page, and fetches it from its deferred URL when opts.Deferred.
func (c *Client) queryPage(ctx context.Context, s *model.JSONScanner, j1ql string, cursor *string, opts QueryOptions) (*resultPage, error) {
	doc := queryV1Document
	if opts.Deferred {
		doc = queryV1DeferredDocument
	}
	type variables struct {
		Query  string  `json:"query"`
		Cursor *string `json:"cursor"`
	}
	body, err := json.Marshal(struct {
		Query     string    `json:"query"`
		Variables variables `json:"variables"`
	}{doc, variables{j1ql, cursor}})
	if err != nil {
		return nil, err
	}
	cl := &call{method: "POST", path: graphqlPath, url: c.graphql, body: body, limit: c.pageLimit}
	var page *resultPage
	cl.decode = func(data []byte) error {
		p, errs, err := decodeQueryAnswer(s, data)
		switch {
		case err != nil:
			return err
		case len(errs) > 0:
			return c.graphQLFailure(cl, errs)
		case p == nil:
			return errors.New("no data.queryV1 in the answer")
		}
		page = p
		return nil
	}
	if _, err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	if page.Type != "deferred" {
		return page, nil
	}
	if !opts.Deferred {
		return nil, errors.New("the API answered a deferred result that was not asked for")
	}
	return c.deferredResult(ctx, s, page.URL, opts)
}

// graphQLError is one entry of a GraphQL answer's "errors".
type graphQLError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// graphQLFailure turns a GraphQL "errors" array (answered with HTTP 200) into an *APIError;
// one that reports a rate limit is retried like a 429.
func (c *Client) graphQLFailure(cl *call, errs []graphQLError) *APIError {
	e := &APIError{Status: 200, Code: CodeGraphQL, Route: cl.route(), CorrelationID: cl.correlationID}
	msgs := make([]string, len(errs))
	for i, ge := range errs {
		msgs[i] = ge.Message
	}
	if code := errs[0].Extensions.Code; code != "" {
		e.Code = c.key.redact(code)
	}
	e.Message = c.key.redact(strings.Join(msgs, "; "))
	e.RateLimited = mentionsRateLimit(e.Code + " " + e.Message)
	return e
}

// deferredLabel names a deferred result's URL in errors and logs: the URL itself carries the
// token that grants access to the result, so it is never printed.
const deferredLabel = "(deferred result URL)"

// deferredResult polls a deferred result's URL until it is COMPLETED, then returns its page.
// The URL is fetched without credentials: its token is the grant, and the API key must not
// travel to wherever the answer pointed.
func (c *Client) deferredResult(ctx context.Context, s *model.JSONScanner, raw string, opts QueryOptions) (*resultPage, error) {
	if err := checkDeferredURL(raw); err != nil {
		return nil, err
	}
	timeout := opts.DeferredTimeout
	if timeout <= 0 {
		timeout = DefaultDeferredTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errDeferredTimeout)
	defer cancel()
	interval := deferredPollFirst
	for {
		var doc deferredDocument
		cl := &call{method: "GET", path: deferredLabel, url: raw, anonymous: true, limit: c.pageLimit,
			decode: func(data []byte) error { return doc.decode(s, data) }}
		if _, err := c.do(ctx, cl); err != nil {
			if context.Cause(ctx) == errDeferredTimeout {
				return nil, fmt.Errorf("the deferred result was not ready within %s", timeout)
			}
			return nil, err
		}
		switch doc.Status {
		case "COMPLETED":
			return doc.page()
		case "FAILED":
			return nil, fmt.Errorf("the deferred query FAILED: %s", quoteSnippet(c.key.redact(doc.Error)))
		case "IN_PROGRESS", "":
		default:
			return nil, fmt.Errorf("the deferred result has unknown status %s", quoteSnippet(doc.Status))
		}
		if err := c.sleep(ctx, interval); err != nil {
			if context.Cause(ctx) == errDeferredTimeout {
				return nil, fmt.Errorf("the deferred result was not ready within %s", timeout)
			}
			return nil, err
		}
		interval = min(interval+interval/2, deferredPollMax)
	}
}

var errDeferredTimeout = errors.New("deferred result timeout")

// deferredDocument is what a deferred result's URL answers.
type deferredDocument struct {
	Status string
	// Inner is the list or table document the inline answer would have held (Rows nil), or
	// Rows holds its rows alone.
	Inner *resultPage
	Rows  []any
	// HasData tells a data member (even an empty list) from none.
	HasData bool
	Cursor  *string
	// Error is the FAILED document's error, as JSON.
	Error string
}

func (d *deferredDocument) decode(s *model.JSONScanner, data []byte) error {
	*d = deferredDocument{}
	s.Reset(data)
	err := s.Object("the deferred result", func(name string, _ int) error {
		var err error
		switch name {
		case "status":
			if !s.Null() {
				d.Status, err = s.Str("status")
			}
		case "cursor":
			if !s.Null() {
				var c string
				c, err = s.Str("cursor")
				d.Cursor = &c
			}
		case "error":
			start := s.Offset()
			if _, err = s.Value(); err == nil {
				d.Error = string(bytes.TrimSpace(data[start:s.Offset()]))
			}
		case "data":
			switch s.Peek() {
			case '{':
				d.HasData = true
				d.Inner, err = scanPage(s)
			case '[':
				d.HasData = true
				d.Rows, err = scanRows(s)
			default:
				_, err = s.Value()
			}
		default:
			_, err = s.Value()
		}
		return err
	})
	if err == nil {
		err = s.End()
	}
	return err
}

// page reads a COMPLETED deferred document's data: the list or table document the inline
// answer would have held, or its rows alone. The next page's cursor is the document's
// "cursor" key when present, else the inner document's.
func (d *deferredDocument) page() (*resultPage, error) {
	var p *resultPage
	switch {
	case d.Inner != nil:
		p = d.Inner
	case d.HasData:
		p = &resultPage{Type: "list", Rows: d.Rows}
		if isTable(d.Rows) {
			p.Type = "table"
		}
	default:
		return nil, errors.New("the deferred result is COMPLETED but holds no data")
	}
	if d.Cursor != nil {
		p.Cursor = d.Cursor
	}
	return p, nil
}

// isTable tells rows of a table ({alias: value}) from list rows ({"id", "entity", …}) when a
// deferred result holds rows without their document.
func isTable(rows []any) bool {
	if len(rows) == 0 {
		return false
	}
	first, ok := rows[0].(map[string]any)
	if !ok {
		return false
	}
	_, hasEntity := first["entity"]
	return !hasEntity
}

// checkDeferredURL refuses a deferred result URL the client will not fetch: it must be https,
// or http on a loopback host (the emulator), and carry no credentials of its own.
func checkDeferredURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return errors.New("the API answered a deferred result without a url")
	case err != nil, u.Host == "", u.User != nil:
		return errors.New("the API answered a deferred result whose url is not a plain https URL")
	case u.Scheme == "https", u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return errors.New("the API answered a deferred result whose url is not https")
}

// mentionsRateLimit reports whether a GraphQL error's code or message says the request was
// rate limited, which JupiterOne's GraphQL endpoint reports with HTTP 200.
func mentionsRateLimit(text string) bool {
	text = strings.ToLower(text)
	return strings.Contains(text, "rate limit") || strings.Contains(text, "rate_limit") ||
		strings.Contains(text, "ratelimit") || strings.Contains(text, "too many requests") ||
		strings.Contains(text, "429")
}
