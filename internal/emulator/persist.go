package emulator

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/j1hcl/j1hcl/internal/model"
)

// The data file's identification. A file of another format or a newer version is refused
// rather than misread.
const (
	dataFormat  = "j1hcl-emulator-graph"
	dataVersion = 1
)

// storedRecord is one object of the data file: the metadata, then the payload exactly as
// uploaded.
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
	// Object is written last, by hand, in canonical form.
	Object json.RawMessage `json:"object,omitempty"`
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
func saveGraph(path string, g *graph) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("save graph: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := writeGraph(w, g); err != nil {
		return fmt.Errorf("save graph: write %s: %w", tmp.Name(), err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("save graph: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("save graph: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save graph: close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save graph: %w", err)
	}
	// The rename is durable only once the folder is synced; not every platform can sync
	// a folder, and the data is already safe in the file, so a failure here is ignored.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
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
			var err error
			if buf, err = appendStored(buf[:0], r); err != nil {
				return err
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	}
	_, err := w.WriteString("]}\n")
	return err
}

func appendStored(buf []byte, r *record) ([]byte, error) {
	sr := storedRecord{
		ID: r.id, Owner: ownerNames[r.target.id.kind], OwnerName: r.target.id.name, Source: r.source,
		Created: r.created, Begin: r.begin, Version: r.version, Placeholder: r.placeholder,
	}
	if r.from != nil {
		sr.From = r.from.id
	}
	if r.to != nil {
		sr.To = r.to.id
	}
	meta, err := json.Marshal(sr)
	if err != nil {
		return buf, err
	}
	buf = append(buf, meta[:len(meta)-1]...)
	buf = append(buf, ",\"object\":"...)
	buf = model.AppendObjectJSON(buf, r.props)
	return append(buf, '}'), nil
}

// loadGraph reads a data file written by saveGraph. A missing file is an empty graph; a
// file that is not one, or whose objects contradict each other, is an error naming the
// problem.
func loadGraph(path string) (*graph, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newGraph(), nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var file struct {
		Format        string         `json:"format"`
		Version       int            `json:"version"`
		Entities      []storedRecord `json:"entities"`
		Relationships []storedRecord `json:"relationships"`
	}
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("%s is not an emulator data file (corrupt or truncated JSON): %w", path, err)
	}
	if file.Format != dataFormat {
		return nil, fmt.Errorf("%s is not an emulator data file (format %q, want %q)", path, file.Format, dataFormat)
	}
	if file.Version != dataVersion {
		return nil, fmt.Errorf("%s has data file version %d; this emulator reads version %d", path, file.Version, dataVersion)
	}
	g := newGraph()
	byID := make(map[string]*record, len(file.Entities))
	for i, sr := range file.Entities {
		r, err := g.restore(sr, false, byID)
		if err != nil {
			return nil, fmt.Errorf("%s: entities[%d]: %w", path, i, err)
		}
		if r.target.entities[r.key()] != nil {
			return nil, fmt.Errorf("%s: entities[%d]: _key %q appears twice in one target", path, i, r.key())
		}
		g.putEntity(r)
	}
	for i, sr := range file.Relationships {
		r, err := g.restore(sr, true, byID)
		if err != nil {
			return nil, fmt.Errorf("%s: relationships[%d]: %w", path, i, err)
		}
		if r.target.relationships[r.key()] != nil {
			return nil, fmt.Errorf("%s: relationships[%d]: _key %q appears twice in one target", path, i, r.key())
		}
		g.putRelationship(r)
	}
	return g, nil
}

func (g *graph) restore(sr storedRecord, relationship bool, byID map[string]*record) (*record, error) {
	kind, ok := ownerKind(sr.Owner)
	if !ok {
		return nil, fmt.Errorf("unknown owner %q", sr.Owner)
	}
	if sr.ID == "" || byID[sr.ID] != nil {
		return nil, fmt.Errorf("missing or repeated id %q", sr.ID)
	}
	props, err := model.DecodeObject(sr.Object)
	if err != nil {
		return nil, fmt.Errorf("object: %w", err)
	}
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
