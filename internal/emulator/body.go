package emulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/validate"
)

// compressedSlack is how far a gzip body may exceed MaxBody on the wire: incompressible
// data grows slightly when gzipped, and such a body may still fit once decompressed.
const compressedSlack = 64 << 10

// readBody reads a request body, gunzipping it when Content-Encoding says so. The limit
// applies to the decompressed bytes, read through a bounded reader, so a gzip bomb costs at
// most max+1 bytes of memory before it is refused.
func readBody(r *http.Request, max int64) ([]byte, *apiError) {
	var buf bytes.Buffer
	return readBodyInto(&buf, r, max)
}

// bodyBuffers recycles the buffers of upload bodies, which arrive by the hundred, alike in
// size: a fresh buffer would regrow from nothing for every gzipped body, whose decompressed
// size is not announced.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer kept for reuse; a rare huge body is left to the
// collector rather than held.
const maxPooledBody = 8 << 20

// readPooledBody is readBody into a buffer from bodyBuffers. Call release once nothing refers
// to data any more.
func readPooledBody(r *http.Request, max int64) (data []byte, release func(), aerr *apiError) {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	release = func() {
		if buf.Cap() <= maxPooledBody {
			bodyBuffers.Put(buf)
		}
	}
	data, aerr = readBodyInto(buf, r, max)
	if aerr != nil {
		release()
		return nil, nil, aerr
	}
	return data, release, nil
}

// readBodyInto is readBody appending to buf, which must be empty.
func readBodyInto(buf *bytes.Buffer, r *http.Request, max int64) ([]byte, *apiError) {
	wire := &limitedReader{r: r.Body, n: max}
	var rd io.Reader = wire
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity":
	case "gzip", "x-gzip":
		wire.n = max + compressedSlack
		zr, err := gzip.NewReader(wire)
		if err != nil {
			if wire.exceeded {
				return nil, tooLarge(max)
			}
			return nil, badRequest(CodeInvalidGzip, "the body is not valid gzip (Content-Encoding: gzip): %v", err)
		}
		defer zr.Close()
		rd = zr
	default:
		return nil, errorf(http.StatusUnsupportedMediaType, CodeUnsupportedEncoding,
			"Content-Encoding %q is not supported; send the body plain or gzipped", enc)
	}
	if cl := r.ContentLength; cl > 0 && cl <= max && enc == "" {
		buf.Grow(int(cl))
	}
	n, err := buf.ReadFrom(io.LimitReader(rd, max+1))
	switch {
	case n > max || wire.exceeded:
		return nil, tooLarge(max)
	case isTimeout(err):
		return nil, errorf(http.StatusRequestTimeout, CodeRequestTimeout,
			"the body did not arrive in time (%d bytes read); send it faster or in smaller batches", n)
	case err != nil && rd != wire:
		return nil, badRequest(CodeInvalidGzip, "the body is not valid gzip (Content-Encoding: gzip): %v", err)
	case err != nil:
		return nil, badRequest(CodeInvalidJSON, "reading the body: %v", err)
	}
	return buf.Bytes(), nil
}

// isTimeout reports whether a read failed on the connection's read deadline.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

func tooLarge(max int64) *apiError {
	return errorf(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
		"the body is larger than %d bytes (after decompression); send smaller batches", max)
}

// limitedReader reads at most n bytes and remembers whether the source had more.
type limitedReader struct {
	r        io.Reader
	n        int64
	exceeded bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			l.exceeded = true
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// decodeJSON decodes a whole body into v, refusing trailing data. Numbers stay exact.
func decodeJSON(data []byte, v any) *apiError {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return badRequest(CodeInvalidJSON, "the body is empty; a JSON object is required")
		}
		return badRequest(CodeInvalidJSON, "the body is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest(CodeInvalidJSON, "the body has data after its JSON value")
	}
	return nil
}

// objectList names one list of an upload body.
type objectList struct {
	field        string // "entities" or "relationships"
	notArray     string // the error code when the field is not an array
	invalid      string // the error code of an object that breaks a platform rule
	relationship bool
}

var (
	entityList       = objectList{"entities", CodeEntityIsNotArray, CodeInvalidEntity, false}
	relationshipList = objectList{"relationships", CodeRelationshipIsNotArray, CodeInvalidRelationship, true}
)

// uploadBody is a decoded and validated upload.
type uploadBody struct {
	entities      []*model.Object
	relationships []*model.Object
	// deleteEntities and deleteRelationships come only with /upload.
	deleteEntities, deleteRelationships []deleteRef
}

// deleteRef names an object to delete at finalize: by _id, or by _key and _type.
type deleteRef struct {
	id, key, typ string
}

// decodeDeletes reads deleteEntities or deleteRelationships: null or an array of {"_id"} or
// {"_key", "_type"} objects.
func decodeDeletes(field string, raw any) ([]deleteRef, *apiError) {
	if raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, badRequest(CodeInvalidDelete, "%q must be an array of {\"_id\"} or {\"_key\", \"_type\"} objects, not %s", field, jsonKind(model.AppendValueJSON(nil, raw)))
	}
	out := make([]deleteRef, len(list))
	for i, v := range list {
		m, _ := v.(map[string]any)
		id, _ := m[metaID].(string)
		key, _ := m[model.PropKey].(string)
		typ, _ := m[model.PropType].(string)
		switch {
		case id != "":
			out[i] = deleteRef{id: id}
		case key != "" && typ != "":
			out[i] = deleteRef{key: key, typ: typ}
		default:
			return nil, badRequest(CodeInvalidDelete, "%s[%d] must name the object to delete by \"_id\", or by \"_key\" and \"_type\" (strings). Nothing of this request was accepted.", field, i)
		}
	}
	return out, nil
}

// uploadRoute says which lists an upload route reads.
type uploadRoute struct {
	lists []objectList
	// required: the lists must be present (/entities, /relationships); /upload takes
	// either, both or neither.
	required bool
	// deletes: the route reads deleteEntities and deleteRelationships (/upload).
	deletes bool
}

var (
	entitiesRoute      = uploadRoute{lists: []objectList{entityList}, required: true}
	relationshipsRoute = uploadRoute{lists: []objectList{relationshipList}, required: true}
	combinedRoute      = uploadRoute{lists: []objectList{entityList, relationshipList}, deletes: true}
)

// onlyRelationships reports whether the route takes relationships and nothing else.
func (u uploadRoute) onlyRelationships() bool { return len(u.lists) == 1 && u.lists[0].relationship }

// decodeUpload parses an upload body for a route: the lists the route reads, other fields
// ignored. A null list counts as absent. Objects are checked later, by validate. The body is
// parsed once, straight into JSON-shaped values: uploads are the emulator's hot path.
func decodeUpload(data []byte, route uploadRoute) (*uploadBody, *apiError) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '{' {
		return nil, badRequest(CodeInvalidJSON, "the body must be a JSON object, not %s", jsonKind(t))
	}
	top, ok := scanUploadMembers(data)
	if !ok {
		if err := decodeJSON(data, &top); err != nil {
			return nil, err
		}
	}
	return top.upload(route)
}

// upload checks the members a route reads and turns them into an upload body.
func (top uploadMembers) upload(route uploadRoute) (*uploadBody, *apiError) {
	out := &uploadBody{}
	if route.deletes {
		var aerr *apiError
		if out.deleteEntities, aerr = decodeDeletes("deleteEntities", top.DeleteEntities); aerr != nil {
			return nil, aerr
		}
		if out.deleteRelationships, aerr = decodeDeletes("deleteRelationships", top.DeleteRelationships); aerr != nil {
			return nil, aerr
		}
	}
	for _, l := range route.lists {
		raw := top.Entities
		if l.relationship {
			raw = top.Relationships
		}
		if raw == nil {
			if route.required {
				return nil, badRequest(l.notArray, "the body has no %q array", l.field)
			}
			continue
		}
		objs, err := decodeList(raw, l)
		if err != nil {
			return nil, err
		}
		if l.relationship {
			out.relationships = objs
		} else {
			out.entities = objs
		}
	}
	return out, nil
}

// uploadMembers are the members of an upload body, as decoded JSON values.
type uploadMembers struct {
	Entities            any `json:"entities"`
	Relationships       any `json:"relationships"`
	DeleteEntities      any `json:"deleteEntities"`
	DeleteRelationships any `json:"deleteRelationships"`
}

// scanners recycles the JSON scanners of upload bodies with their caches of names and short
// strings, which the batches of one inventory share.
var scanners = sync.Pool{New: func() any { return model.NewJSONScanner(nil) }}

// scanUploadMembers decodes the members of an upload body with model's JSON scanner, several
// times faster than encoding/json on the batches of a large apply. It reports false for any
// body it is not sure encoding/json would decode the same way (invalid JSON, a member named
// otherwise than exactly, a member twice, a value the scanner refuses): the caller then decodes
// it with encoding/json, whose result and error messages are the reference.
func scanUploadMembers(data []byte) (top uploadMembers, ok bool) {
	sc := scanners.Get().(*model.JSONScanner)
	defer func() {
		sc.Reset(nil)
		scanners.Put(sc)
	}()
	sc.Reset(data)
	seen := 0
	err := sc.Object("the body", func(name string, _ int) error {
		var slot *any
		bit := 0
		switch name {
		case "entities":
			slot, bit = &top.Entities, 1
		case "relationships":
			slot, bit = &top.Relationships, 2
		case "deleteEntities":
			slot, bit = &top.DeleteEntities, 4
		case "deleteRelationships":
			slot, bit = &top.DeleteRelationships, 8
		default:
			return errNotFast
		}
		if seen&bit != 0 {
			return errNotFast
		}
		seen |= bit
		v, err := sc.Value()
		*slot = v
		return err
	})
	if err != nil || sc.End() != nil {
		return uploadMembers{}, false
	}
	return top, true
}

// errNotFast stops scanUploadMembers at what it leaves to encoding/json.
var errNotFast = errors.New("left to encoding/json")

// validate checks every object of an upload against the platform rules, answering 400
// INVALID_ENTITY or INVALID_RELATIONSHIP (the kind of the first offender) with a message
// naming each problem's list index, _key and rule code.
func (b *uploadBody) validate() *apiError {
	var bad []string
	code := ""
	checker := validate.NewPlatformChecker()
	for _, l := range []objectList{entityList, relationshipList} {
		objs := b.entities
		if l.relationship {
			objs = b.relationships
		}
		for i, o := range objs {
			view, refProblems := endpointView(o)
			for _, p := range refProblems {
				if code == "" {
					code = l.invalid
				}
				bad = append(bad, describeProblem(l.field, i, o, p))
			}
			// The client's own platform rules: what the client accepts, the emulator accepts.
			findings := checker.Check(view)
			if len(findings) == 0 {
				continue
			}
			if code == "" {
				code = l.invalid
			}
			for _, f := range findings {
				bad = append(bad, describeFinding(l.field, i, o, f))
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	const shown = 5
	msg := strings.Join(bad[:min(len(bad), shown)], "; ")
	if len(bad) > shown {
		msg += fmt.Sprintf("; and %d more problems", len(bad)-shown)
	}
	return badRequest(code, "%s. Nothing of this request was accepted.", msg)
}

// decodeList turns one decoded list into objects, normalizing numbers as the client does.
func decodeList(raw any, l objectList) ([]*model.Object, *apiError) {
	list, ok := raw.([]any)
	if !ok {
		return nil, badRequest(l.notArray, "%q must be an array of objects, not %s", l.field, jsonKind(model.AppendValueJSON(nil, raw)))
	}
	out := make([]*model.Object, len(list))
	for i, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, badRequest(l.invalid, "%s[%d] is %s, not an object", l.field, i, jsonKind(model.AppendValueJSON(nil, v)))
		}
		if err := model.NormalizeValues(m); err != nil {
			return nil, badRequest(l.invalid, "%s[%d]: %v", l.field, i, err)
		}
		out[i] = &model.Object{Kind: model.KindOf(m, l.relationship), Props: m}
	}
	return out, nil
}

func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "empty"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func describeProblem(field string, i int, o *model.Object, problem string) string {
	key := "(no _key)"
	if k, ok := o.Props[model.PropKey].(string); ok {
		key = fmt.Sprintf("_key %q", k)
	}
	return fmt.Sprintf("%s[%d] %s: %s", field, i, key, problem)
}

func describeFinding(field string, i int, o *model.Object, f validate.Finding) string {
	key := "(no _key)"
	if k, ok := o.Props[model.PropKey].(string); ok {
		key = fmt.Sprintf("_key %q", k)
	}
	return fmt.Sprintf("%s[%d] %s breaks %s (%s): %s", field, i, key, f.Code, f.Summary, f.Detail())
}
