package syncapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
)

func TestGraphQLURL(t *testing.T) {
	tests := []struct {
		base, override string
		want, wantErr  string
	}{
		{base: "", want: "https://graphql.us.jupiterone.io"},
		{base: "https://api.eu.jupiterone.io", want: "https://graphql.eu.jupiterone.io"},
		{base: "https://api.us.jupiterone.io:8443", want: "https://graphql.us.jupiterone.io:8443"},
		{base: "http://127.0.0.1:8686", want: "http://127.0.0.1:8686/graphql"},
		{base: "https://gateway.example.com/j1", want: "https://gateway.example.com/j1/graphql"},
		{base: "https://api.example.com", want: "https://api.example.com/graphql"},
		{base: "https://api.eu.jupiterone.io", override: "https://graphql.example.com/q/", want: "https://graphql.example.com/q"},
		{base: "http://127.0.0.1:8686", override: "http://localhost:9/graphql", want: "http://localhost:9/graphql"},
		{override: "http://graphql.example.com", wantErr: "JUPITERONE_GRAPHQL_URL"},
		{override: "https://u:p@graphql.example.com", wantErr: "must not contain credentials"},
	}
	for _, tt := range tests {
		c, err := New(Config{BaseURL: tt.base, GraphQLURL: tt.override, APIKey: testKey, Account: "acct-1"})
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New(%q, %q) = %v, want an error containing %q", tt.base, tt.override, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("New(%q, %q): %v", tt.base, tt.override, err)
		case c.graphql != tt.want:
			t.Errorf("New(%q, %q): GraphQL URL %q, want %q", tt.base, tt.override, c.graphql, tt.want)
		}
	}
	cfg := ConfigFromEnv(func(k string) string { return map[string]string{EnvGraphQLURL: " https://g.example.com "}[k] })
	if cfg.GraphQLURL != "https://g.example.com" {
		t.Errorf("ConfigFromEnv read GraphQL URL %q", cfg.GraphQLURL)
	}
}

// answerTable answers one queryV1 table page of relationships returned as r.
func answerTable(keys []string, cursor string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		rows := make([]map[string]any, len(keys))
		for i, k := range keys {
			rows[i] = map[string]any{"r": map[string]any{"_id": "id-" + k, "_key": k, "weight": json.Number("1.50")}}
		}
		var cur any
		if cursor != "" {
			cur = cursor
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"data": map[string]any{"queryV1": map[string]any{"type": "table", "cursor": cur, "data": rows}},
		})
	}
}

func TestQueryTablePagesToTheEnd(t *testing.T) {
	rec := script(t, answerTable(keyRange("a", 3), "c1"), answerTable(nil, "c2"), answerTable(keyRange("b", 2), ""))
	c, _ := newTestClient(t, rec)
	var got []string
	err := c.QueryTable(context.Background(), "FIND * AS a THAT RELATES TO AS r * RETURN r", QueryOptions{}, func(rows []map[string]any) error {
		for _, row := range rows {
			r := row["r"].(map[string]any)
			if r["weight"] != json.Number("1.50") {
				t.Errorf("numbers should stay json.Number as sent: %#v", r["weight"])
			}
			got = append(got, r["_key"].(string))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := append(keyRange("a", 3), keyRange("b", 2)...); !reflect.DeepEqual(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	if n := len(rec.Requests()); n != 3 {
		t.Errorf("%d requests, want 3 (an empty page with a cursor is not the end)", n)
	}
	if err := c.QueryTable(context.Background(), "FIND *", QueryOptions{}, func([]map[string]any) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// deferredServer answers queryV1 with FORCE by a deferred URL, and serves each page's document
// from it after inProgress polls answered IN_PROGRESS.
type deferredServer struct {
	t          *testing.T
	srv        *httptest.Server
	inProgress int
	pages      []string // the COMPLETED documents, in page order
	mu         sync.Mutex
	polls      map[string]int
	gets       []*http.Request
	posts      []request
}

func newDeferredServer(t *testing.T, inProgress int, pages ...string) *deferredServer {
	d := &deferredServer{t: t, inProgress: inProgress, pages: pages, polls: map[string]int{}}
	d.srv = httptest.NewServer(d)
	t.Cleanup(d.srv.Close)
	return d
}

func (d *deferredServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r.Method == "GET" {
		d.gets = append(d.gets, r.Clone(context.Background()))
		page := strings.TrimPrefix(r.URL.Path, "/results/")
		d.polls[page]++
		if d.polls[page] <= d.inProgress {
			fmt.Fprint(w, `{"status":"IN_PROGRESS","url":"x"}`)
			return
		}
		var i int
		fmt.Sscanf(page, "p%d", &i)
		fmt.Fprint(w, d.pages[i])
		return
	}
	req, err := readRequest(r)
	if err != nil {
		d.t.Error(err)
		return
	}
	d.posts = append(d.posts, req)
	var body struct {
		Query     string `json:"query"`
		Variables struct {
			Cursor *string `json:"cursor"`
		} `json:"variables"`
	}
	_ = json.Unmarshal(req.Body, &body)
	if !strings.Contains(body.Query, "deferredResponse: FORCE") {
		d.t.Errorf("query document %q does not ask for a deferred answer", body.Query)
	}
	page := 0
	if c := body.Variables.Cursor; c != nil {
		fmt.Sscanf(*c, "cur-%d", &page)
	}
	fmt.Fprintf(w, `{"data":{"queryV1":{"type":"deferred","url":"%s/results/p%d?token=secret-token"}}}`, d.srv.URL, page)
}

func TestDeferredQueryFollowsTheURLAndPages(t *testing.T) {
	row := func(k string) string {
		return `{"id":"id-` + k + `","entity":{"_key":"` + k + `","_type":["t"]},"properties":{"n":1}}`
	}
	d := newDeferredServer(t, 2,
		// The cursor at the document's top level, as the Python client reads it.
		`{"status":"COMPLETED","url":"x","cursor":"cur-1","data":{"type":"list","data":[`+row("a")+`,`+row("b")+`]}}`,
		// The cursor inside the data document.
		`{"status":"COMPLETED","url":"x","data":{"type":"list","cursor":"cur-2","data":[`+row("c")+`]}}`,
		// No cursor anywhere: the last page.
		`{"status":"COMPLETED","url":"x","data":{"type":"list","data":[`+row("d")+`]}}`,
	)
	c, clock := newTestClient(t, http.NotFoundHandler(), func(cfg *Config) { cfg.BaseURL = d.srv.URL })
	var got []string
	err := c.QueryList(context.Background(), "FIND t", QueryOptions{Deferred: true}, func(rows []QueryItem) error {
		for _, r := range rows {
			got = append(got, r.Entity["_key"].(string))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	if len(d.posts) != 3 || len(d.gets) != 9 {
		t.Errorf("%d queries and %d polls, want 3 and 9", len(d.posts), len(d.gets))
	}
	for _, g := range d.gets {
		if g.Header.Get("Authorization") != "" || g.Header.Get(headerAccount) != "" {
			t.Errorf("the deferred URL was fetched with credentials: %v", g.Header)
		}
	}
	for _, p := range d.posts {
		if p.Header.Get("Authorization") != "Bearer "+testKey || p.Header.Get(headerAccount) != "acct-1" {
			t.Errorf("the query was sent without credentials: %v", p.Header)
		}
	}
	wantSleeps := []time.Duration{100 * time.Millisecond, 150 * time.Millisecond}
	if got := clock.Sleeps(); !reflect.DeepEqual(got[:2], wantSleeps) {
		t.Errorf("polled after %v, want %v first", got, wantSleeps)
	}
}

func TestDeferredQueryFailures(t *testing.T) {
	tests := []struct {
		name     string
		answer   string // the deferred URL's document; "" answers a query with a bad URL
		url      string
		want     string
		noPolls  bool
		realWait bool
	}{
		{name: "failed", answer: `{"status":"FAILED","error":"query timed out"}`, want: "the deferred query FAILED"},
		{name: "completed without data", answer: `{"status":"COMPLETED"}`, want: "holds no data"},
		{name: "unknown status", answer: `{"status":"EXPLODED"}`, want: "unknown status"},
		{name: "never ready", answer: `{"status":"IN_PROGRESS"}`, want: "not ready within 200ms", realWait: true},
		{name: "plain http elsewhere", url: "http://results.example.com/p0?token=secret-token", want: "not https", noPolls: true},
		{name: "credentials in the url", url: "https://u:p@results.example.com/p0", want: "not a plain https URL", noPolls: true},
		{name: "no url", url: "-", want: "without a url", noPolls: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var polls int
			var srvURL string
			handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == "GET" {
					polls++
					fmt.Fprint(w, tt.answer)
					return
				}
				u := srvURL + "/results/p0?token=secret-token"
				switch tt.url {
				case "":
				case "-":
					u = ""
				default:
					u = tt.url
				}
				fmt.Fprintf(w, `{"data":{"queryV1":{"type":"deferred","url":%q}}}`, u)
			})
			srv := httptest.NewServer(handler)
			t.Cleanup(srv.Close)
			srvURL = srv.URL
			c, _ := newTestClient(t, http.NotFoundHandler(), func(cfg *Config) {
				cfg.BaseURL = srv.URL
				if tt.realWait {
					cfg.Sleep = func(ctx context.Context, d time.Duration) error {
						return sleepTimer(ctx, min(d, 10*time.Millisecond))
					}
				}
			})
			_, err := c.queryPage(context.Background(), model.NewJSONScanner(nil), "FIND *", nil, QueryOptions{Deferred: true, DeferredTimeout: 200 * time.Millisecond})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret-token") {
				t.Errorf("the error reveals the deferred URL's token: %v", err)
			}
			if tt.noPolls && polls != 0 {
				t.Errorf("%d polls of a refused URL", polls)
			}
		})
	}
}

func TestQueryPagesAreBounded(t *testing.T) {
	rec := script(t, answerPage(keyRange("a", 50), ""))
	c, _ := newTestClient(t, rec)
	c.pageLimit = 1000
	_, err := c.Query(context.Background(), "FIND *")
	if err == nil || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Fatalf("err = %v, want the oversized page refused", err)
	}
}
