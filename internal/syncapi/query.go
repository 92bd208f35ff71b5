package syncapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

const graphqlPath = "/graphql"

// queryV1Document is the GraphQL operation for J1QL. deferredResponse: DISABLED makes the API
// answer the rows inline instead of a URL to fetch them from later.
const queryV1Document = `query Q($query: String!, $cursor: String) { queryV1(query: $query, cursor: $cursor, deferredResponse: DISABLED) { type data cursor } }`

// QueryItem is one row of a J1QL list result.
type QueryItem struct {
	// ID is the graph object's _id.
	ID string `json:"id"`
	// Entity holds the platform metadata (_key, _type, _class, displayName, …).
	Entity map[string]any `json:"entity"`
	// Properties holds the object's own properties. Numbers are json.Number.
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
	var cursor *string
	for page := 1; ; page++ {
		rows, next, err := c.queryPage(ctx, j1ql, cursor)
		if err != nil {
			return fmt.Errorf("J1QL query, page %d: %w", page, err)
		}
		if err := fn(rows); err != nil {
			return err
		}
		if next == nil || *next == "" {
			return nil
		}
		if cursor != nil && *next == *cursor {
			return fmt.Errorf("J1QL query, page %d: the API answered the same cursor again", page)
		}
		cursor = next
	}
}

func (c *Client) queryPage(ctx context.Context, j1ql string, cursor *string) ([]QueryItem, *string, error) {
	type variables struct {
		Query  string  `json:"query"`
		Cursor *string `json:"cursor"`
	}
	body, err := json.Marshal(struct {
		Query     string    `json:"query"`
		Variables variables `json:"variables"`
	}{queryV1Document, variables{j1ql, cursor}})
	if err != nil {
		return nil, nil, err
	}
	cl := &call{method: "POST", path: graphqlPath, body: body}
	var (
		rows []QueryItem
		next *string
	)
	cl.decode = func(data []byte) error {
		var answer struct {
			Data *struct {
				QueryV1 *struct {
					Type   string          `json:"type"`
					Data   json.RawMessage `json:"data"`
					Cursor *string         `json:"cursor"`
				} `json:"queryV1"`
			} `json:"data"`
			Errors []struct {
				Message    string `json:"message"`
				Extensions struct {
					Code string `json:"code"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(data, &answer); err != nil {
			return err
		}
		if len(answer.Errors) > 0 {
			// GraphQL reports failures with HTTP 200: they are API errors all the same.
			e := &APIError{Status: 200, Code: CodeGraphQL, Route: cl.route(), CorrelationID: cl.correlationID}
			msgs := make([]string, len(answer.Errors))
			for i, ge := range answer.Errors {
				msgs[i] = ge.Message
			}
			if code := answer.Errors[0].Extensions.Code; code != "" {
				e.Code = c.key.redact(code)
			}
			e.Message = c.key.redact(strings.Join(msgs, "; "))
			e.RateLimited = mentionsRateLimit(e.Code + " " + e.Message)
			return e
		}
		if answer.Data == nil || answer.Data.QueryV1 == nil {
			return errors.New("no data.queryV1 in the answer")
		}
		q := answer.Data.QueryV1
		if q.Type != "list" {
			return fmt.Errorf("the query answered a %q result; only list results (FIND without RETURN) are supported", q.Type)
		}
		if len(q.Data) == 0 {
			next = q.Cursor
			return nil
		}
		dec := json.NewDecoder(bytes.NewReader(q.Data))
		dec.UseNumber()
		if err := dec.Decode(&rows); err != nil {
			return fmt.Errorf("rows: %w", err)
		}
		next = q.Cursor
		return nil
	}
	if _, err := c.do(ctx, cl); err != nil {
		return nil, nil, err
	}
	return rows, next, nil
}

// mentionsRateLimit reports whether a GraphQL error's code or message says the request was
// rate limited, which JupiterOne's GraphQL endpoint reports with HTTP 200.
func mentionsRateLimit(text string) bool {
	text = strings.ToLower(text)
	return strings.Contains(text, "rate limit") || strings.Contains(text, "rate_limit") ||
		strings.Contains(text, "ratelimit") || strings.Contains(text, "too many requests") ||
		strings.Contains(text, "429")
}
