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
		out = s.execGraphQL(out, op)
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

// execGraphQL runs one operation and appends its response.
func (s *Server) execGraphQL(buf []byte, op graphQLRequest) []byte {
	field, args, err := findQueryV1(op.Query, op.Variables)
	if err != nil {
		return graphQLError(buf, gqlUnsupported, err.Error())
	}
	text, ok := args["query"].(string)
	if !ok || strings.TrimSpace(text) == "" {
		return graphQLError(buf, gqlBadArgument, "queryV1 needs a non-empty query argument (a J1QL string)")
	}
	q, err := parseJ1QL(text)
	if err != nil {
		return graphQLError(buf, gqlSyntax, err.Error())
	}
	var after *cursor
	switch c := args["cursor"].(type) {
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

	s.graphMu.RLock()
	results, next := q.page(s.graph.sortedEntities(), after, s.cfg.Account)
	buf = append(buf, `{"data":{`...)
	buf = strconv.AppendQuote(buf, field)
	buf = append(buf, `:{"type":"list","data":[`...)
	for i, r := range results {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = r.appendResult(buf, s.cfg.Account)
	}
	s.graphMu.RUnlock()
	buf = append(buf, `],"cursor":`...)
	if next != nil {
		buf = strconv.AppendQuote(buf, next.encode())
	} else {
		buf = append(buf, "null"...)
	}
	return append(buf, "}}}"...)
}

// findQueryV1 finds the queryV1 field in a GraphQL document and returns its response key
// (its alias, if any) and its arguments, with variables substituted. It reads only as much
// GraphQL as that needs: a field is recognized inside a selection set, so an operation named
// queryV1 or a variable $queryV1 is not mistaken for it.
func findQueryV1(doc string, vars map[string]any) (string, map[string]any, error) {
	toks, err := lexGraphQL(doc)
	if err != nil {
		return "", nil, err
	}
	depth := 0
	for i, t := range toks {
		switch {
		case t.punct == '{':
			depth++
		case t.punct == '}':
			depth--
		case depth > 0 && t.name == "queryV1" && (i == 0 || toks[i-1].punct != '$'):
			key := t.name
			if i >= 2 && toks[i-1].punct == ':' && toks[i-2].name != "" {
				key = toks[i-2].name
			}
			args := map[string]any{}
			if i+1 < len(toks) && toks[i+1].punct == '(' {
				if err := parseArgs(toks[i+2:], vars, args); err != nil {
					return "", nil, err
				}
			}
			return key, args, nil
		}
	}
	return "", nil, errors.New("the emulator answers only the queryV1 field (J1QL reads)")
}

// parseArgs reads "name: value" pairs up to ")". Values are variables, strings, null,
// booleans, enums and numbers; lists and objects are skipped, as queryV1's arguments that
// the emulator reads are never such.
func parseArgs(toks []gqlToken, vars map[string]any, args map[string]any) error {
	for i := 0; i < len(toks); {
		if toks[i].punct == ')' {
			return nil
		}
		if toks[i].name == "" || i+2 >= len(toks) || toks[i+1].punct != ':' {
			return errors.New("malformed queryV1 arguments")
		}
		name, v := toks[i].name, toks[i+2]
		i += 3
		switch {
		case v.punct == '$':
			if i >= len(toks) || toks[i].name == "" {
				return errors.New("malformed variable in queryV1 arguments")
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
			return fmt.Errorf("unexpected %q in queryV1 arguments", string(v.punct))
		}
	}
	return errors.New("queryV1 arguments are not closed")
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
