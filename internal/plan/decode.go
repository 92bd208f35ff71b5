package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/j1hcl/j1hcl/internal/model"
)

// scanFile decodes a saved plan with model's JSON scanner: the changes and the upload, nearly
// all of a large plan, are read without encoding/json's reflection and its decoder per change.
// It reports false for any file it is not sure encoding/json would read the same way (a name
// spelled otherwise than exactly, a member twice, an unknown member, a null where a value is
// expected, anything invalid): Decode then reads the file with encoding/json, whose result and
// error messages are the reference. The few small members are decoded by encoding/json from
// their own bytes, with the same strictness as the whole file.
func scanFile(data []byte) (f fileJSON, upload *model.Graph, ok bool) {
	sc := model.NewJSONScanner(data)
	seen := map[string]bool{}
	err := sc.Object("the plan", func(name string, _ int) error {
		if seen[name] {
			return errNotFast
		}
		seen[name] = true
		var err error
		switch name {
		case "format_version":
			f.FormatVersion, err = scanInt(sc, data)
		case "tool_version":
			f.ToolVersion, err = sc.Str(name)
		case "mode":
			f.Mode, err = sc.Str(name)
		case "target":
			err = decodeStrict(sc, data, &f.Target)
		case "prior":
			err = decodeStrict(sc, data, &f.Prior)
		case "desired_hash":
			var h string
			h, err = sc.Str(name)
			f.DesiredHash = model.Hash(h)
		case "targets":
			err = decodeStrict(sc, data, &f.Targets)
		case "unchanged":
			f.Unchanged, err = scanInt(sc, data)
		case "mass_delete":
			err = decodeStrict(sc, data, &f.MassDelete)
		case "changes":
			f.Changes, err = scanChanges(sc)
		case "not_applied":
			f.NotApplied, err = scanChanges(sc)
		case "upload":
			upload, err = scanPayload(sc)
		case "live":
			var l string
			l, err = sc.Str(name)
			f.Live = LiveStatus(l)
		case "drift":
			f.Drift, err = scanChanges(sc)
		case "replacements":
			err = decodeStrict(sc, data, &f.Replacements)
		default:
			return errNotFast
		}
		return err
	})
	if err != nil || sc.End() != nil || upload == nil {
		return fileJSON{}, nil, false
	}
	return f, upload, true
}

// errNotFast stops scanFile at what it leaves to encoding/json.
var errNotFast = errors.New("left to encoding/json")

// scanInt reads an integer as encoding/json reads one into an int: digits only.
func scanInt(sc *model.JSONScanner, data []byte) (int, error) {
	if c := sc.Peek(); c != '-' && (c < '0' || c > '9') {
		return 0, errNotFast
	}
	start := sc.Offset()
	if _, err := sc.Number(); err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(data[start:sc.Offset()])), 10, 0)
	if err != nil {
		return 0, errNotFast
	}
	return int(n), nil
}

// decodeStrict decodes the next value into v with encoding/json, unknown fields refused as
// Decode refuses them.
func decodeStrict(sc *model.JSONScanner, data []byte, v any) error {
	if sc.Peek() == 'n' {
		return errNotFast
	}
	start := sc.Offset()
	if _, err := sc.Value(); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data[start:sc.Offset()]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errNotFast
	}
	return nil
}

// scanChanges reads a list of changes as Change.UnmarshalJSON reads each.
func scanChanges(sc *model.JSONScanner) ([]Change, error) {
	if sc.Peek() == 'n' {
		return nil, errNotFast
	}
	out := []Change{}
	err := sc.Array("changes", func(int) error {
		var c Change
		if err := scanChange(sc, &c); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

func scanChange(sc *model.JSONScanner, c *Change) error {
	seen := 0
	var kind string
	var actions int
	err := sc.Object("a change", func(name string, _ int) error {
		bit, err := 0, error(nil)
		switch name {
		case "address":
			bit = 1
			c.Address, err = sc.Str(name)
		case "previous_address":
			bit = 2
			c.PreviousAddress, err = sc.Str(name)
		case "kind":
			bit = 4
			kind, err = sc.Str(name)
		case "key":
			bit = 8
			c.Key, err = sc.Str(name)
		case "type":
			bit = 16
			c.Type, err = sc.Str(name)
		case "actions":
			bit = 32
			err = sc.Array(name, func(int) error {
				a, err := sc.Str(name)
				c.Action = Action(a)
				actions++
				return err
			})
		case "before":
			bit = 64
			c.Before, err = scanObject(sc)
		case "after":
			bit = 128
			c.After, err = scanObject(sc)
		case "sensitive":
			bit = 256
			if sc.Peek() == 'n' {
				return errNotFast
			}
			c.Sensitive = []string{}
			err = sc.Array(name, func(int) error {
				s, err := sc.Str(name)
				c.Sensitive = append(c.Sensitive, s)
				return err
			})
		case "import":
			bit = 512
			var i string
			i, err = sc.Str(name)
			c.Import = ImportKind(i)
		default:
			return errNotFast
		}
		if seen&bit != 0 {
			return errNotFast
		}
		seen |= bit
		return err
	})
	if err != nil {
		return err
	}
	k, err := model.ParseKind(kind)
	if err != nil || actions != 1 {
		return errNotFast
	}
	c.Kind = k
	switch c.Action {
	case Create, Update, Delete, NoOp:
	default:
		return errNotFast
	}
	switch c.Import {
	case "", ImportBlock, ImportAdopted:
	default:
		return errNotFast
	}
	return nil
}

// scanObject reads a payload object, or null, as decodeRaw does.
func scanObject(sc *model.JSONScanner) (model.Properties, error) {
	if sc.Null() {
		return nil, nil
	}
	if sc.Peek() != '{' {
		return nil, errNotFast
	}
	v, err := sc.Value()
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// scanPayload reads the upload as model.DecodePayload does.
func scanPayload(sc *model.JSONScanner) (*model.Graph, error) {
	g := &model.Graph{}
	seen := 0
	err := sc.Object("the upload", func(name string, _ int) error {
		bit, relationships := 0, false
		switch name {
		case "entities":
			bit = 1
		case "relationships":
			bit, relationships = 2, true
		default:
			return errNotFast
		}
		if seen&bit != 0 || sc.Peek() != '[' {
			return errNotFast
		}
		seen |= bit
		return sc.Array(name, func(int) error {
			p, err := scanObject(sc)
			if err != nil || p == nil {
				return errNotFast
			}
			if relationships {
				g.Relationships = append(g.Relationships, &model.Object{Kind: model.KindOf(p, true), Props: p})
			} else {
				g.Entities = append(g.Entities, &model.Object{Kind: model.KindEntity, Props: p})
			}
			return nil
		})
	})
	return g, err
}
