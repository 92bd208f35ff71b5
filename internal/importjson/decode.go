package importjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Names of the payload's two lists.
const (
	listEntities      = "entities"
	listRelationships = "relationships"
)

// element is one object of the payload as written: values as decoded (numbers keep the
// payload's spelling), property names in the payload's order so the generated blocks read
// like the script that produced them.
type element struct {
	list  string
	index int
	props model.Properties
	order []string
}

// where names the element for messages: entities[3], plus its _key when it has one.
func (e *element) where() string {
	if k, ok := e.props[model.PropKey].(string); ok && k != "" {
		return fmt.Sprintf("%s[%d] (_key %q)", e.list, e.index, k)
	}
	return fmt.Sprintf("%s[%d]", e.list, e.index)
}

func (e *element) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %s", e.where(), fmt.Sprintf(format, args...))
}

// payload is the decoded upload body.
type payload struct {
	entities, relationships []*element
}

// decodePayload reads {"entities": [...], "relationships": [...]} strictly: anything else at
// the top level, an element that is not an object, a property written twice in one object or
// trailing data is an error naming where it is.
func decodePayload(data []byte) (*payload, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	d := &decoder{dec: dec, data: data}
	p := &payload{}
	if err := d.delim('{', "the payload must be a JSON object {\"entities\": [...], \"relationships\": [...]}"); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for dec.More() {
		name, err := d.key()
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("the payload has %q twice", name)
		}
		seen[name] = true
		var list *[]*element
		switch name {
		case listEntities:
			list = &p.entities
		case listRelationships:
			list = &p.relationships
		default:
			return nil, fmt.Errorf("unexpected top-level field %q: an upload payload has only \"entities\" and \"relationships\"", name)
		}
		if *list, err = d.list(name); err != nil {
			return nil, err
		}
	}
	if err := d.delim('}', ""); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unexpected data after the payload object at %s", d.position(dec.InputOffset()-1))
	}
	return p, nil
}

type decoder struct {
	dec  *json.Decoder
	data []byte
}

// delim reads one delimiter token; want describes the expected shape for the error message.
func (d *decoder) delim(delim json.Delim, want string) error {
	tok, err := d.dec.Token()
	if err != nil {
		return d.syntax(err)
	}
	if got, ok := tok.(json.Delim); !ok || got != delim {
		if want == "" {
			want = fmt.Sprintf("expected %q", string(delim))
		}
		return fmt.Errorf("not an upload payload: %s, but found %s", want, describeToken(tok))
	}
	return nil
}

func (d *decoder) key() (string, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return "", d.syntax(err)
	}
	return tok.(string), nil // inside an object, encoding/json only yields string keys here
}

// list reads one of the payload's arrays; null stands for an empty list.
func (d *decoder) list(name string) ([]*element, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(err)
	}
	if tok == nil {
		return nil, nil
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '[' {
		return nil, fmt.Errorf("not an upload payload: %q must be an array of objects, not %s", name, describeToken(tok))
	}
	var out []*element
	for i := 0; d.dec.More(); i++ {
		e, err := d.object(name, i)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if _, err := d.dec.Token(); err != nil { // the closing ]
		return nil, d.syntax(err)
	}
	return out, nil
}

func (d *decoder) object(list string, index int) (*element, error) {
	e := &element{list: list, index: index, props: model.Properties{}}
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, fmt.Errorf("%s[%d]: not an object but %s", list, index, describeToken(tok))
	}
	for d.dec.More() {
		name, err := d.key()
		if err != nil {
			return nil, err
		}
		var v any
		if err := d.dec.Decode(&v); err != nil {
			return nil, d.syntax(err)
		}
		if _, dup := e.props[name]; dup {
			return nil, e.errorf("property %q is written twice", name)
		}
		e.props[name] = v
		e.order = append(e.order, name)
	}
	if _, err := d.dec.Token(); err != nil { // the closing }
		return nil, d.syntax(err)
	}
	return e, nil
}

// syntax turns a decoding error into one that says where in the file it is.
func (d *decoder) syntax(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not valid JSON at %s: %s", d.position(se.Offset-1), se.Error())
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("not valid JSON: the input ends early")
	}
	return fmt.Errorf("not valid JSON: %w", err)
}

// position locates the byte at offset as "line L, column C" (columns count bytes from 1).
func (d *decoder) position(offset int64) string {
	offset = max(0, min(offset, int64(len(d.data))))
	before := d.data[:offset]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

func describeToken(tok any) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		switch t {
		case '[':
			return "an array"
		case '{':
			return "an object"
		}
		return fmt.Sprintf("%q", string(t))
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%v", tok)
}
