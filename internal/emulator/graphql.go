package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// graphQLRequest is one GraphQL operation.
type graphQLRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// graphQL answers POST /graphql: one operation or a JSON array of them (answered with an
// array). Only the queryV1 field is implemented. As on the platform, a bad query is an HTTP
// 200 with an "errors" array; only a body that is not GraphQL at all gets a 400.
func (s *Server) graphQL(w http.ResponseWriter, r *http.Request) {
	data, aerr := readBody(r, s.cfg.MaxBody)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	trimmed := bytes.TrimSpace(data)
	batch := len(trimmed) > 0 && trimmed[0] == '['
	var ops []graphQLRequest
	if batch {
		aerr = decodeJSON(trimmed, &ops)
	} else {
		ops = make([]graphQLRequest, 1)
		aerr = decodeJSON(trimmed, &ops[0])
	}
	if aerr != nil {
		writeRawJSON(w, http.StatusBadRequest, graphQLError(nil, gqlBadRequest, aerr.Message))
		return
	}
	var out []byte
	if batch {
		out = append(out, '[')
	}
	for i, op := range ops {
		if i > 0 {
			out = append(out, ',')
		}
		out = s.execGraphQL(out, op, r.Host)
	}
	if batch {
		out = append(out, ']')
	}
	writeRawJSON(w, http.StatusOK, append(out, '\n'))
}

// Codes of GraphQL errors, in errors[].extensions.code.
const (
	gqlBadRequest  = "BAD_REQUEST"
	gqlUnsupported = "UNSUPPORTED_OPERATION"
	gqlSyntax      = "J1QL_SYNTAX_ERROR"
	gqlBadArgument = "BAD_USER_INPUT"
)

func graphQLError(buf []byte, code, msg string) []byte {
	type extensions struct {
		Code string `json:"code"`
	}
	type gqlError struct {
		Message    string     `json:"message"`
		Extensions extensions `json:"extensions"`
	}
	b, _ := json.Marshal(struct {
		Errors []gqlError `json:"errors"`
		Data   any        `json:"data"`
	}{Errors: []gqlError{{msg, extensions{code}}}})
	return append(buf, b...)
}

// GraphQL type names, answered for __typename.
const (
	typenameQuery   = "Query"
	typenameQueryV1 = "QueryV1Response"
)

// queryV1Field is the queryV1 field of an operation.
type queryV1Field struct {
	// key is the response key: the field's alias, if any.
	key  string
	args map[string]any
	// typename: the field's selection asks for __typename; rootTypename: the operation's.
	typename, rootTypename bool
}

// page is one answer of queryV1: its type, its data as JSON, and the cursor of the next
// page ("" when there is none).
type page struct {
	typ    string
	data   []byte
	cursor string
}

// execGraphQL runs one operation and appends its response. host names the server in the
// URL of a deferred response.
func (s *Server) execGraphQL(buf []byte, op graphQLRequest, host string) []byte {
	f, err := findQueryV1(op.Query, op.Variables)
	if err != nil {
		return graphQLError(buf, gqlUnsupported, err.Error())
	}
	text, ok := f.args["query"].(string)
	if !ok || strings.TrimSpace(text) == "" {
		return graphQLError(buf, gqlBadArgument, "queryV1 needs a non-empty query argument (a J1QL string)")
	}
	q, err := parseJ1QL(text)
	if err != nil {
		return graphQLError(buf, gqlSyntax, err.Error())
	}
	var after *cursor
	switch c := f.args["cursor"].(type) {
	case nil:
	case string:
		if c != "" {
			cur, err := decodeCursor(c)
			if err != nil {
				return graphQLError(buf, gqlBadArgument, err.Error())
			}
			after = &cur
		}
	default:
		return graphQLError(buf, gqlBadArgument, "queryV1's cursor must be a string or null")
	}
	deferred := false
	switch d := f.args["deferredResponse"].(type) {
	case nil:
	case string:
		switch d {
		case "DISABLED":
		case "FORCE":
			deferred = true
		default:
			return graphQLError(buf, gqlBadArgument, fmt.Sprintf("deferredResponse %q is not DISABLED or FORCE", d))
		}
	default:
		return graphQLError(buf, gqlBadArgument, "deferredResponse must be DISABLED or FORCE")
	}
	pg, err := s.answer(q, after)
	if err != nil {
		return graphQLError(buf, gqlBadArgument, err.Error())
	}
	buf = append(buf, `{"data":{`...)
	if f.rootTypename {
		buf = append(buf, `"__typename":"`+typenameQuery+`",`...)
	}
	buf = strconv.AppendQuote(buf, f.key)
	if deferred {
		url := s.deferred.put(host, pg, s.now())
		buf = append(buf, `:{"type":"`+resultDeferred+`","url":`...)
		buf = strconv.AppendQuote(buf, url)
	} else {
		buf = append(buf, `:{"type":`...)
		buf = strconv.AppendQuote(buf, pg.typ)
		buf = append(buf, `,"data":`...)
		buf = append(buf, pg.data...)
		buf = append(buf, `,"cursor":`...)
		if pg.cursor != "" {
			buf = strconv.AppendQuote(buf, pg.cursor)
		} else {
			buf = append(buf, "null"...)
		}
	}
	if f.typename {
		buf = append(buf, `,"__typename":"`+typenameQueryV1+`"`...)
	}
	return append(buf, "}}}"...)
}

// answer runs a query for one page. A plain FIND reads the sorted entities directly; other
// queries are computed whole, once per graph generation, and paged from the cache.
func (s *Server) answer(q *j1qlQuery, after *cursor) (page, error) {
	s.graphMu.RLock()
	defer s.graphMu.RUnlock()
	account := s.cfg.Account
	if q.simple() {
		results, next := q.page(s.graph.sortedEntities(), after, account)
		buf := []byte{'['}
		for i, r := range results {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = r.appendResult(buf, account)
		}
		pg := page{typ: resultList, data: append(buf, ']')}
		if next != nil {
			pg.cursor = next.encode()
		}
		return pg, nil
	}
	gen := s.graph.gen
	rs := s.queries.get(q.base, gen)
	if rs == nil {
		var err error
		if rs, err = q.run(s.graph, account); err != nil {
			return page{}, err
		}
		s.queries.put(q.base, gen, rs)
	}
	if rs.typ == resultTree {
		return page{typ: resultTree, data: rs.appendTree(nil, account)}, nil
	}
	rows, next := rs.page(q, after)
	pg := page{typ: rs.typ, data: rs.appendRows(nil, rows, account)}
	if next != nil {
		pg.cursor = next.encode()
	}
	return pg, nil
}

// findQueryV1 finds the queryV1 field in a GraphQL document and returns its response key
// (its alias, if any), its arguments with variables substituted, and whether the field's
// or the operation's selection asks for __typename. It reads only as much GraphQL as that
// needs: a field is recognized inside a selection set, so an operation named queryV1 or a
// variable $queryV1 is not mistaken for it.
func findQueryV1(doc string, vars map[string]any) (queryV1Field, error) {
	toks, err := lexGraphQL(doc)
	if err != nil {
		return queryV1Field{}, err
	}
	var f queryV1Field
	found := false
	depth := 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.punct == '{':
			depth++
		case t.punct == '}':
			depth--
		case depth == 1 && t.name == "__typename":
			f.rootTypename = true
		case depth > 0 && !found && t.name == "queryV1" && (i == 0 || toks[i-1].punct != '$'):
			found = true
			f.key = t.name
			if i >= 2 && toks[i-1].punct == ':' && toks[i-2].name != "" {
				f.key = toks[i-2].name
			}
			f.args = map[string]any{}
			j := i + 1
			if j < len(toks) && toks[j].punct == '(' {
				n, err := parseArgs(toks[j+1:], vars, f.args)
				if err != nil {
					return queryV1Field{}, err
				}
				j += n + 2
			}
			if j < len(toks) && toks[j].punct == '{' {
				inner := 0
				for ; j < len(toks); j++ {
					switch {
					case toks[j].punct == '{':
						inner++
					case toks[j].punct == '}':
						inner--
					case inner == 1 && toks[j].name == "__typename":
						f.typename = true
					}
					if inner == 0 {
						break
					}
				}
				i = j
			} else {
				i = j - 1
			}
		}
	}
	if !found {
		return queryV1Field{}, errors.New("the emulator answers only the queryV1 field (J1QL reads)")
	}
	return f, nil
}

// parseArgs reads "name: value" pairs up to ")" and returns the number of tokens before
// it. Values are variables, strings, null, booleans, enums and numbers; lists and objects
// are skipped, as queryV1's arguments that the emulator reads are never such.
func parseArgs(toks []gqlToken, vars map[string]any, args map[string]any) (int, error) {
	for i := 0; i < len(toks); {
		if toks[i].punct == ')' {
			return i, nil
		}
		if toks[i].name == "" || i+2 >= len(toks) || toks[i+1].punct != ':' {
			return 0, errors.New("malformed queryV1 arguments")
		}
		name, v := toks[i].name, toks[i+2]
		i += 3
		switch {
		case v.punct == '$':
			if i >= len(toks) || toks[i].name == "" {
				return 0, errors.New("malformed variable in queryV1 arguments")
			}
			args[name] = vars[toks[i].name]
			i++
		case v.isString:
			args[name] = v.text
		case v.name == "null":
			args[name] = nil
		case v.name == "true" || v.name == "false":
			args[name] = v.name == "true"
		case v.name != "" || v.isNumber:
			args[name] = v.name // an enum such as DISABLED, or a number
		case v.punct == '[' || v.punct == '{':
			open, closing, depth := v.punct, map[byte]byte{'[': ']', '{': '}'}[v.punct], 1
			for ; i < len(toks) && depth > 0; i++ {
				switch toks[i].punct {
				case open:
					depth++
				case closing:
					depth--
				}
			}
		default:
			return 0, fmt.Errorf("unexpected %q in queryV1 arguments", string(v.punct))
		}
	}
	return 0, errors.New("queryV1 arguments are not closed")
}

type gqlToken struct {
	name     string // a Name token ("" otherwise)
	punct    byte   // a punctuator (0 otherwise)
	text     string // a string's value
	isString bool
	isNumber bool
}

// lexGraphQL splits a GraphQL document into tokens, skipping whitespace, commas and comments.
func lexGraphQL(src string) ([]gqlToken, error) {
	var toks []gqlToken
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			i++
		case strings.HasPrefix(src[i:], "\uFEFF"): // byte order mark
			i += len("\uFEFF")
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			start := i
			for i < len(src) && (src[i] == '_' || src[i] >= 'a' && src[i] <= 'z' || src[i] >= 'A' && src[i] <= 'Z' || src[i] >= '0' && src[i] <= '9') {
				i++
			}
			toks = append(toks, gqlToken{name: src[start:i]})
		case c == '-' || c >= '0' && c <= '9':
			start := i
			for i++; i < len(src) && (src[i] >= '0' && src[i] <= '9' || strings.IndexByte(".eE+-", src[i]) >= 0); i++ {
			}
			toks = append(toks, gqlToken{name: src[start:i], isNumber: true})
		case strings.HasPrefix(src[i:], `"""`):
			end := strings.Index(src[i+3:], `"""`)
			if end < 0 {
				return nil, errors.New("GraphQL syntax error: unterminated block string")
			}
			toks = append(toks, gqlToken{text: src[i+3 : i+3+end], isString: true})
			i += end + 6
		case c == '"':
			end := i + 1
			for ; end < len(src) && src[end] != '"'; end++ {
				if src[end] == '\\' {
					end++
				}
			}
			if end >= len(src) {
				return nil, errors.New("GraphQL syntax error: unterminated string")
			}
			var text string
			if err := json.Unmarshal([]byte(src[i:end+1]), &text); err != nil {
				return nil, fmt.Errorf("GraphQL syntax error: bad string %s", src[i:end+1])
			}
			toks = append(toks, gqlToken{text: text, isString: true})
			i = end + 1
		case strings.HasPrefix(src[i:], "..."):
			toks = append(toks, gqlToken{punct: '.'})
			i += 3
		case strings.IndexByte("!$&():=@[]{}|", c) >= 0:
			toks = append(toks, gqlToken{punct: c})
			i++
		default:
			return nil, fmt.Errorf("GraphQL syntax error: unexpected character %q", c)
		}
	}
	return toks, nil
}
