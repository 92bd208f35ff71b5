package state

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
)

// ErrNewerFormat marks a state file written by a newer j1hcl than this one.
var ErrNewerFormat = errors.New("written by a newer j1hcl")

// errNotState marks a JSON file that is no state at all, most likely a wrong -state path.
var errNotState = errors.New("this is not a j1hcl state file (it has no format_version)")

// Read reads and decodes the state file at path. A missing file is an error for which
// errors.Is(err, fs.ErrNotExist) holds, so callers can start a New state instead.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	return Decode(data, path)
}

// Decode parses a state file's bytes; name (usually the path) is used in messages. Decoding is
// strict, so that a damaged or foreign file is never taken for an empty state: unknown fields,
// an object without _key, a _key twice in one list or a missing lineage are errors. Numbers are
// normalized as model.NormalizeNumber does, lists are sorted by _key, and a file of an older
// format is upgraded in memory (it is written in the current format by the next Write).
//
// Format history:
//   - 0 (j1hcl 0.1): only integration instances; the instance id was a top-level
//     "integration_instance_id" string instead of a "target" object, and there was no
//     pending_job.
//   - 1: the current format.
func Decode(data []byte, name string) (*File, error) { return DecodeShared(data, name, nil) }

// DecodeShared is Decode for a state about to be compared with like (nil or empty: none): a
// recorded object equal to one of like's objects, to the spelling of every value, is given
// that object's properties instead of a copy of its own, and its address too when they are
// the same. A plan of a million unchanged objects then neither builds a million maps nor
// compares them. like's properties are then also the state's: neither may be modified.
func DecodeShared(data []byte, name string, like *model.Graph) (*File, error) {
	f, err := decode(data, shareWith(like))
	if err == nil {
		return f, nil
	}
	switch {
	case errors.Is(err, ErrNewerFormat):
		return nil, fmt.Errorf("state file %s: %w", name, err)
	case errors.Is(err, errNotState):
		return nil, fmt.Errorf("state file %s: %w: check the path given with -state", name, err)
	}
	// A file of a newer format may fail anywhere (a field that changed shape); say that rather
	// than call it damaged.
	if v, ok := peekFormatVersion(data); ok && v > FormatVersion {
		return nil, fmt.Errorf("state file %s: %w", name, newerFormat(v))
	}
	where := ""
	var pe *model.JSONError
	if errors.As(err, &pe) {
		line, col := lineColumn(data, pe.Offset)
		where = fmt.Sprintf("line %d, column %d: ", line, col)
	}
	return nil, fmt.Errorf("state file %s: %s%w. The file is damaged or was edited by hand: "+
		"fix it, or restore the previous version from %s.backup", name, where, err, name)
}

func newerFormat(v int64) error {
	return fmt.Errorf("format version %d was %w (this j1hcl reads versions up to %d): upgrade j1hcl to use this state",
		v, ErrNewerFormat, FormatVersion)
}

func lineColumn(data []byte, offset int) (line, column int) {
	offset = min(offset, len(data))
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	column = offset - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, column
}

// fieldsByVersion lists the top-level members each format allows.
var fieldsByVersion = [FormatVersion + 1][]string{
	0: {"format_version", "tool_version", "lineage", "serial", "integration_instance_id", "last_job", "entities", "relationships"},
	1: {"format_version", "tool_version", "lineage", "serial", "target", "last_job", "pending_job", "entities", "relationships"},
}

type member struct {
	name   string
	offset int
}

func decode(data []byte, sh *shared) (*File, error) {
	s := model.NewJSONScanner(data)
	f := &File{Entities: []Entry{}, Relationships: []Entry{}}
	version := int64(-1)
	var legacyInstanceID string
	var seen []member
	err := s.Object("the state", func(name string, offset int) error {
		for _, m := range seen {
			if m.name == name {
				return s.Errorf(offset, "field %q appears twice", name)
			}
		}
		seen = append(seen, member{name, offset})
		var err error
		switch name {
		case "format_version":
			var v uint64
			v, err = unsigned(s, name, math.MaxInt32)
			version = int64(v)
		case "tool_version":
			f.ToolVersion, err = s.Str(name)
		case "lineage":
			f.Lineage, err = s.Str(name)
		case "serial":
			f.Serial, err = unsigned(s, name, math.MaxUint64)
		case "target":
			f.Target, err = decodeTarget(s)
		case "integration_instance_id":
			legacyInstanceID, err = s.Str(name)
		case "last_job":
			if !s.Null() {
				f.LastJob, err = decodeJob(s)
			}
		case "pending_job":
			if !s.Null() {
				f.PendingJob, err = decodePendingJob(s)
			}
		case "entities":
			f.Entities, err = decodeEntries(s, name, sh.entities())
		case "relationships":
			f.Relationships, err = decodeEntries(s, name, sh.relationships())
		default:
			// Judged below, once the format version is known.
			_, err = s.Value()
		}
		return err
	})
	if err == nil {
		err = s.End()
	}
	if err != nil {
		return nil, err
	}

	switch {
	case version < 0:
		return nil, errNotState
	case version > FormatVersion:
		return nil, newerFormat(version)
	}
	allowed := fieldsByVersion[version]
	has := func(name string) bool {
		return slices.ContainsFunc(seen, func(m member) bool { return m.name == name })
	}
	for _, m := range seen {
		if !slices.Contains(allowed, m.name) {
			return nil, s.Errorf(m.offset, "unknown field %q in a format version %d state", m.name, version)
		}
	}
	if f.Lineage == "" {
		return nil, errors.New(`the state has no lineage (the id fixed when the state was created)`)
	}
	switch version {
	case 0:
		if !has("integration_instance_id") {
			return nil, errors.New("a format version 0 state needs integration_instance_id")
		}
		f.Target = Target{Source: SourceIntegrationExternal, IntegrationInstanceID: legacyInstanceID}
	case 1:
		if !has("target") {
			return nil, errors.New("the state has no target")
		}
	}
	if err := f.Target.Validate(); err != nil {
		return nil, err
	}
	f.FormatVersion = FormatVersion
	return f, nil
}

// peekFormatVersion finds the top-level format_version of a file that failed to decode.
func peekFormatVersion(data []byte) (int64, bool) {
	s := model.NewJSONScanner(data)
	version, found := int64(0), false
	_ = s.Object("the state", func(name string, _ int) error {
		if name == "format_version" && !found {
			v, err := unsigned(s, name, math.MaxInt32)
			version, found = int64(v), err == nil
			return err
		}
		_, err := s.Value()
		return err
	})
	return version, found
}

// unsigned parses a whole number no greater than max.
func unsigned(s *model.JSONScanner, name string, max uint64) (uint64, error) {
	if c := s.Peek(); c != '-' && (c < '0' || c > '9') {
		return 0, s.Unexpected("where " + name + " (a number) should be")
	}
	offset := s.Offset()
	n, err := s.Number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(string(n), 10, 64)
	if err != nil || v > max {
		return 0, s.Errorf(offset, "%s must be a whole number from 0 to %d, not %s", name, max, n)
	}
	return v, nil
}

func decodeTarget(s *model.JSONScanner) (Target, error) {
	var t Target
	start := s.Offset()
	err := s.Object("target", func(name string, offset int) error {
		var err error
		switch name {
		case "source":
			t.Source, err = s.Str("target.source")
		case "integration_instance_id":
			t.IntegrationInstanceID, err = s.Str("target.integration_instance_id")
		case "scope":
			t.Scope, err = s.Str("target.scope")
		default:
			return s.Errorf(offset, "unknown field %q in target (want source, integration_instance_id, scope)", name)
		}
		return err
	})
	if err != nil {
		return t, err
	}
	if err := t.Validate(); err != nil {
		return t, s.Errorf(start, "%v", err)
	}
	return t, nil
}

func decodeJob(s *model.JSONScanner) (*Job, error) {
	var j Job
	start := s.Offset()
	err := s.Object("last_job", func(name string, offset int) error {
		var err error
		switch name {
		case "id":
			j.ID, err = s.Str("last_job.id")
		case "sync_mode":
			j.SyncMode, err = s.Str("last_job.sync_mode")
		case "status":
			j.Status, err = s.Str("last_job.status")
		case "finished_at":
			j.FinishedAt, err = timestamp(s, "last_job.finished_at")
		default:
			return s.Errorf(offset, "unknown field %q in last_job (want id, sync_mode, status, finished_at)", name)
		}
		return err
	})
	if err == nil && j.ID == "" {
		err = s.Errorf(start, "last_job has no id")
	}
	return &j, err
}

func decodePendingJob(s *model.JSONScanner) (*PendingJob, error) {
	p := PendingJob{Entities: []Entry{}, Relationships: []Entry{}}
	start := s.Offset()
	err := s.Object("pending_job", func(name string, offset int) error {
		var err error
		switch name {
		case "id":
			p.ID, err = s.Str("pending_job.id")
		case "sync_mode":
			p.SyncMode, err = s.Str("pending_job.sync_mode")
		case "recorded_at":
			p.RecordedAt, err = timestamp(s, "pending_job.recorded_at")
		case "entities":
			p.Entities, err = decodeEntries(s, "pending_job.entities", nil)
		case "relationships":
			p.Relationships, err = decodeEntries(s, "pending_job.relationships", nil)
		default:
			return s.Errorf(offset, "unknown field %q in pending_job (want id, sync_mode, recorded_at, entities, relationships)", name)
		}
		return err
	})
	if err == nil && p.ID == "" {
		err = s.Errorf(start, "pending_job has no id")
	}
	return &p, err
}

// timestamp parses an RFC 3339 string; the empty string stands for "not recorded".
func timestamp(s *model.JSONScanner, name string) (string, error) {
	offset := s.Offset()
	v, err := s.Str(name)
	if err != nil || v == "" {
		return v, err
	}
	if err := checkTimestamp(name, v); err != nil {
		return "", s.Errorf(offset, "%v", err)
	}
	return v, nil
}

// checkTimestamp accepts an RFC 3339 time or the empty string (not recorded).
func checkTimestamp(name, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, v); err != nil {
		return fmt.Errorf("%s is not an RFC 3339 time: %q", name, v)
	}
	return nil
}

// decodeEntries parses a list of entries, checks every object has a _key and no _key repeats,
// and sorts the list.
func decodeEntries(s *model.JSONScanner, what string, sh *model.Sharing) ([]Entry, error) {
	// A state of a million objects is parsed on all CPUs: each entry stands alone.
	list, err := model.ParseArrayPer(s, what, func() func(*model.JSONScanner, int) (Entry, error) {
		d := entryDecoder{what: what, sh: sh}
		return d.decode
	})
	if err != nil {
		return nil, err
	}
	return canonicalEntries(list, what, true)
}

// entryDecoder parses the entries of one list, or of a consecutive part of one, in order.
type entryDecoder struct {
	what string
	sh   *model.Sharing
	cur  int    // position in sh
	addr []byte // the address being read
}

// decode parses entry i of the list.
func (d *entryDecoder) decode(s *model.JSONScanner, i int) (Entry, error) {
	what := d.what
	start := s.Offset()
	var e Entry
	var shared *model.Object
	hasAddress := false
	objectOffset := -1
	err := s.Object("an entry", func(name string, offset int) error {
		switch name {
		case "address":
			if hasAddress {
				return s.Errorf(offset, "%s[%d]: field \"address\" appears twice", what, i)
			}
			hasAddress = true
			b, err := s.StrBytes("address")
			d.addr = append(d.addr[:0], b...)
			return err
		case "object":
			if objectOffset >= 0 {
				return s.Errorf(offset, "%s[%d]: field \"object\" appears twice", what, i)
			}
			objectOffset = s.Offset()
			v, o, err := s.ValueShared(d.sh, &d.cur)
			if err != nil {
				return err
			}
			m, ok := v.(map[string]any)
			if !ok {
				return s.Errorf(objectOffset, "%s[%d].object is a %s, not an object", what, i, model.TypeName(v))
			}
			e.Object, shared = m, o
			return nil
		case "sensitive":
			if e.Sensitive != nil {
				return s.Errorf(offset, "%s[%d]: field \"sensitive\" appears twice", what, i)
			}
			e.Sensitive = []string{}
			return s.Array("sensitive", func(int) error {
				name, err := s.Str("a sensitive property name")
				e.Sensitive = append(e.Sensitive, name)
				return err
			})
		}
		return s.Errorf(offset, "%s[%d]: unknown field %q (an entry has \"address\", \"object\" and \"sensitive\")", what, i, name)
	})
	if err != nil {
		return Entry{}, err
	}
	if objectOffset < 0 {
		return Entry{}, s.Errorf(start, "%s[%d] has no \"object\"", what, i)
	}
	if k, ok := e.Object[model.PropKey].(string); !ok || k == "" {
		return Entry{}, s.Errorf(objectOffset, "%s[%d].object has no _key: every recorded object is identified by its _key", what, i)
	}
	if shared != nil && shared.Address == string(d.addr) {
		e.Address = shared.Address
	} else if hasAddress {
		e.Address = string(d.addr)
	}
	return e, nil
}
