package emulator

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/j1hcl/j1hcl/internal/atomicfile"
	"github.com/j1hcl/j1hcl/internal/model"
)

// The data file's identification. A file of another format or a newer version is refused
// rather than misread.
const (
	dataFormat  = "j1hcl-emulator-graph"
	dataVersion = 1
)

// storedRecord is one object of the data file: the metadata, then the payload exactly as
// uploaded. appendStored writes it by hand, in this field order.
type storedRecord struct {
	ID          string `json:"id"`
	Owner       string `json:"owner"` // "instance", "scope" or "mapper"
	OwnerName   string `json:"ownerName,omitempty"`
	Source      string `json:"source"`
	Created     int64  `json:"created"`
	Begin       int64  `json:"begin"`
	Version     int64  `json:"version"`
	Placeholder bool   `json:"placeholder,omitempty"`
	From        string `json:"from,omitempty"`
	To          string `json:"to,omitempty"`
	// Object is written last, in canonical form.
	Object map[string]any `json:"object,omitempty"`
}

var ownerNames = map[targetKind]string{targetInstance: "instance", targetScope: "scope", targetMapper: "mapper"}

func ownerKind(name string) (targetKind, bool) {
	for k, n := range ownerNames {
		if n == name {
			return k, true
		}
	}
	return 0, false
}

// saveGraph replaces path with the graph atomically: it writes a temporary file in the same
// folder, syncs it, renames it over path and syncs the folder, so a crash at any instant
// leaves the old file or the new one, never a torn one. Objects are sorted by _key so the
// file is deterministic.
func saveGraph(path string, g *graph) error {
	err := atomicfile.Write(path, 0o600, func(w *bufio.Writer) error { return writeGraph(w, g) })
	if err != nil {
		return fmt.Errorf("save graph: %w", err)
	}
	return nil
}

func writeGraph(w *bufio.Writer, g *graph) error {
	fmt.Fprintf(w, "{\"format\":%q,\"version\":%d,\n\"entities\":[", dataFormat, dataVersion)
	var rels []*record
	for _, t := range g.targets {
		for _, r := range t.relationships {
			rels = append(rels, r)
		}
	}
	slices.SortFunc(rels, compareRecords)
	var buf []byte
	for i, list := range [][]*record{g.sortedEntities(), rels} {
		if i == 1 {
			w.WriteString("],\n\"relationships\":[")
		}
		for j, r := range list {
			if j > 0 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
			buf = appendStored(buf[:0], r)
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	}
	_, err := w.WriteString("]}\n")
	return err
}

// appendStored appends a record as a storedRecord. It writes the fields itself: every
// finalize writes every object, and json.Marshal's reflection over the metadata cost more than
// the payload's canonical encoding.
func appendStored(buf []byte, r *record) []byte {
	buf = append(buf, `{"id":`...)
	buf = model.AppendValueJSON(buf, r.id)
	buf = appendField(buf, "owner", ownerNames[r.target.id.kind])
	if r.target.id.name != "" {
		buf = appendField(buf, "ownerName", r.target.id.name)
	}
	buf = appendField(buf, "source", r.source)
	buf = strconv.AppendInt(append(buf, `,"created":`...), r.created, 10)
	buf = strconv.AppendInt(append(buf, `,"begin":`...), r.begin, 10)
	buf = strconv.AppendInt(append(buf, `,"version":`...), r.version, 10)
	if r.placeholder {
		buf = append(buf, `,"placeholder":true`...)
	}
	if r.from != nil {
		buf = appendField(buf, "from", r.from.id)
	}
	if r.to != nil {
		buf = appendField(buf, "to", r.to.id)
	}
	buf = append(buf, `,"object":`...)
	buf = model.AppendObjectJSON(buf, r.props)
	return append(buf, '}')
}

// appendField appends ,"name":"value" to an object being written.
func appendField(buf []byte, name, value string) []byte {
	buf = append(buf, ',', '"')
	buf = append(buf, name...)
	buf = append(buf, '"', ':')
	return model.AppendValueJSON(buf, value)
}

// Bounds on what a data file may hold. The emulator never writes more: uploads are
// validated by the platform rules, which allow no nested objects, and json's own decoder
// stops at 10,000 levels.
const (
	maxDataFileSize = 8 << 30
	maxValueDepth   = 64
)

// dataFileAdvice ends every error about an unreadable data file.
const dataFileAdvice = "The file is written by j1hcl serve --data; restore it from a backup, or move it away to start with an empty graph."

// loadGraph reads a data file written by saveGraph. A missing file is an empty graph; a
// file that is not one, or whose objects contradict each other, is an error naming the
// file, the place and the problem. The file is read as a stream, one object at a time.
func loadGraph(path string) (*graph, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newGraph(), nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxDataFileSize {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d an emulator data file may hold. %s", path, fi.Size(), int64(maxDataFileSize), dataFileAdvice)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	dec.UseNumber()
	g, err := readGraph(dec)
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		what := syntax.Error()
		if strings.Contains(what, "exceeded max depth") {
			what = "values nested more than 10000 levels deep"
		}
		return nil, fmt.Errorf("%s is not an emulator data file (corrupt or truncated JSON): at byte %d: %s. %s", path, syntax.Offset, what, dataFileAdvice)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%s is not an emulator data file (corrupt or truncated JSON): it ends at byte %d, in the middle of a value. %s", path, dec.InputOffset(), dataFileAdvice)
	case err != nil:
		return nil, fmt.Errorf("%s: %w. %s", path, err, dataFileAdvice)
	}
	return g, nil
}

// depthOf returns how deeply a decoded value nests lists and objects, stopping past limit.
func depthOf(v any, limit int) int {
	if limit < 0 {
		return 0
	}
	deepest := 0
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			deepest = max(deepest, depthOf(e, limit-1))
		}
	case map[string]any:
		for _, e := range x {
			deepest = max(deepest, depthOf(e, limit-1))
		}
	default:
		return 0
	}
	return deepest + 1
}

// readGraph reads the data file's object: format and version, then entities, then
// relationships (which refer to entities by id), in the order saveGraph writes them.
func readGraph(dec *json.Decoder) (*graph, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var (
		format  string
		version int
		g       = newGraph()
		byID    = make(map[string]*record)
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch name, _ := tok.(string); name {
		case "format":
			if err := dec.Decode(&format); err != nil {
				return nil, err
			}
			if format != dataFormat {
				return nil, fmt.Errorf("not an emulator data file (format %q, want %q)", format, dataFormat)
			}
		case "version":
			if err := dec.Decode(&version); err != nil {
				return nil, err
			}
			if version != dataVersion {
				return nil, fmt.Errorf("data file version %d; this emulator reads version %d", version, dataVersion)
			}
		case "entities", "relationships":
			if format == "" || version == 0 {
				return nil, errors.New("not an emulator data file (no format and version before the objects)")
			}
			if err := readRecords(dec, g, name, byID); err != nil {
				return nil, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if format == "" {
		return nil, errors.New("not an emulator data file (no format)")
	}
	return g, nil
}

func readRecords(dec *json.Decoder, g *graph, list string, byID map[string]*record) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	relationship := list == "relationships"
	for i := 0; dec.More(); i++ {
		var sr storedRecord
		if err := dec.Decode(&sr); err != nil {
			return err
		}
		r, err := g.restore(sr, relationship, byID)
		if err != nil {
			return fmt.Errorf("%s[%d]: %w", list, i, err)
		}
		if relationship {
			if r.target.relationships[r.key()] != nil {
				return fmt.Errorf("%s[%d]: _key %q appears twice in one target", list, i, r.key())
			}
			g.putRelationship(r)
		} else {
			if r.target.entities[r.key()] != nil {
				return fmt.Errorf("%s[%d]: _key %q appears twice in one target", list, i, r.key())
			}
			g.putEntity(r)
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("not an emulator data file: at byte %d, expected %q, found %s", dec.InputOffset(), string(want), describeToken(tok))
	}
	return nil
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return strconv.Quote(string(t))
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	}
	return "a number"
}

func (g *graph) restore(sr storedRecord, relationship bool, byID map[string]*record) (*record, error) {
	kind, ok := ownerKind(sr.Owner)
	if !ok {
		return nil, fmt.Errorf("unknown owner %q", sr.Owner)
	}
	if sr.ID == "" || byID[sr.ID] != nil {
		return nil, fmt.Errorf("missing or repeated id %q", sr.ID)
	}
	if sr.Object == nil {
		return nil, errors.New("no object")
	}
	if depthOf(map[string]any(sr.Object), maxValueDepth+1) > maxValueDepth {
		return nil, fmt.Errorf("its object nests values more than %d levels deep, more than the emulator ever stores", maxValueDepth)
	}
	if err := model.NormalizeValues(sr.Object); err != nil {
		return nil, fmt.Errorf("object: %w", err)
	}
	props := sr.Object
	r := &record{
		id: sr.ID, k: keyOf(props), kind: model.KindOf(props, relationship), target: g.target(targetID{kind: kind, name: sr.OwnerName}, true),
		props: props, source: sr.Source, created: sr.Created, begin: sr.Begin, version: sr.Version,
		placeholder: sr.Placeholder,
	}
	if r.key() == "" {
		return nil, fmt.Errorf("object has no _key")
	}
	for _, end := range []struct {
		id  string
		ptr **record
	}{{sr.From, &r.from}, {sr.To, &r.to}} {
		if end.id == "" {
			continue
		}
		if *end.ptr = byID[end.id]; *end.ptr == nil || (*end.ptr).kind != model.KindEntity {
			return nil, fmt.Errorf("_key %q refers to entity id %q, which the file does not hold", r.key(), end.id)
		}
	}
	if relationship && r.kind == model.KindRelationship && (r.from == nil || r.to == nil) {
		return nil, fmt.Errorf("relationship %q lacks an endpoint", r.key())
	}
	byID[r.id] = r
	return r, nil
}
