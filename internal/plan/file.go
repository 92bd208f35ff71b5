package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/j1hcl/j1hcl/internal/atomicfile"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
)

// FileFormatVersion is the version of saved plan files this build writes and reads.
const FileFormatVersion = 1

// changeJSON is a change as JSON plans and plan files spell it.
type changeJSON struct {
	Address         string          `json:"address"`
	PreviousAddress string          `json:"previous_address,omitempty"`
	Kind            string          `json:"kind"`
	Key             string          `json:"key"`
	Type            string          `json:"type"`
	Actions         []Action        `json:"actions"`
	Before          json.RawMessage `json:"before"`
	After           json.RawMessage `json:"after"`
	Sensitive       []string        `json:"sensitive,omitempty"`
	Import          ImportKind      `json:"import,omitempty"`
}

// MarshalJSON writes the change in the JSON plan's shape, properties in canonical order.
func (c Change) MarshalJSON() ([]byte, error) {
	return model.MarshalJSON(changeJSON{
		Address:         c.Address,
		PreviousAddress: c.PreviousAddress,
		Kind:            c.Kind.String(),
		Key:             c.Key,
		Type:            c.Type,
		Actions:         []Action{c.Action},
		Before:          rawObject(c.Before),
		After:           rawObject(c.After),
		Sensitive:       c.Sensitive,
		Import:          c.Import,
	}, "")
}

// UnmarshalJSON reads a change written by MarshalJSON.
func (c *Change) UnmarshalJSON(data []byte) error {
	var j changeJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	kind, err := model.ParseKind(j.Kind)
	if err != nil {
		return err
	}
	if len(j.Actions) != 1 {
		return fmt.Errorf("change %s: expected one action, got %v", j.Address, j.Actions)
	}
	switch j.Actions[0] {
	case Create, Update, Delete, NoOp:
	default:
		return fmt.Errorf("change %s: unknown action %q", j.Address, j.Actions[0])
	}
	switch j.Import {
	case "", ImportBlock, ImportAdopted:
	default:
		return fmt.Errorf("change %s: unknown import kind %q", j.Address, j.Import)
	}
	*c = Change{Address: j.Address, PreviousAddress: j.PreviousAddress, Kind: kind, Key: j.Key, Type: j.Type, Action: j.Actions[0], Sensitive: j.Sensitive, Import: j.Import}
	if c.Before, err = decodeRaw(j.Before); err != nil {
		return fmt.Errorf("change %s: before: %w", j.Address, err)
	}
	if c.After, err = decodeRaw(j.After); err != nil {
		return fmt.Errorf("change %s: after: %w", j.Address, err)
	}
	return nil
}

func rawObject(p model.Properties) json.RawMessage {
	if p == nil {
		return json.RawMessage("null")
	}
	return model.MarshalObject(p)
}

func decodeRaw(raw json.RawMessage) (model.Properties, error) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	return model.DecodeObject(raw)
}

// fileJSON is the saved plan file.
type fileJSON struct {
	FormatVersion int             `json:"format_version"`
	ToolVersion   string          `json:"tool_version"`
	Mode          string          `json:"mode"`
	Target        state.Target    `json:"target"`
	Prior         priorJSON       `json:"prior"`
	DesiredHash   model.Hash      `json:"desired_hash"`
	Targets       []string        `json:"targets,omitempty"`
	Unchanged     int             `json:"unchanged"`
	MassDelete    *MassDelete     `json:"mass_delete,omitempty"`
	Changes       []Change        `json:"changes"`
	NotApplied    []Change        `json:"not_applied"`
	Upload        json.RawMessage `json:"upload"`
	Live          LiveStatus      `json:"live,omitempty"`
	Drift         []Change        `json:"drift,omitempty"`
	Replacements  []Replacement   `json:"replacements,omitempty"`
}

// replacementJSON is a Replacement as plan files and JSON plans spell it.
type replacementJSON struct {
	Kind   string        `json:"kind"`
	From   string        `json:"from"`
	To     string        `json:"to"`
	OldKey string        `json:"old_key"`
	NewKey string        `json:"new_key"`
	Reason ReplaceReason `json:"reason"`
}

// MarshalJSON writes the replacement as plan files and JSON plans spell it.
func (r Replacement) MarshalJSON() ([]byte, error) {
	return model.MarshalJSON(replacementJSON{r.Kind.String(), r.From, r.To, r.OldKey, r.NewKey, r.Reason}, "")
}

// UnmarshalJSON reads a replacement written by MarshalJSON.
func (r *Replacement) UnmarshalJSON(data []byte) error {
	var j replacementJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	kind, err := model.ParseKind(j.Kind)
	if err != nil {
		return err
	}
	switch j.Reason {
	case ReasonRenamed, ReasonEndpointRenamed:
	default:
		return fmt.Errorf("replacement of %s: unknown reason %q", j.From, j.Reason)
	}
	*r = Replacement{Kind: kind, From: j.From, To: j.To, OldKey: j.OldKey, NewKey: j.NewKey, Reason: j.Reason}
	return nil
}

type priorJSON struct {
	Exists  bool       `json:"exists"`
	Lineage string     `json:"lineage,omitempty"`
	Serial  uint64     `json:"serial"`
	Hash    model.Hash `json:"hash"`
}

// Decode reads a saved plan file; name is used in error messages.
func Decode(data []byte, name string) (*Plan, error) {
	f, upload, fast := scanFile(data)
	if !fast {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("%s is not a j1hcl plan file: %w", name, err)
		}
	}
	if f.FormatVersion != FileFormatVersion {
		return nil, fmt.Errorf("%s is a plan file of format version %d; this j1hcl reads version %d: create the plan again with this version", name, f.FormatVersion, FileFormatVersion)
	}
	if f.Mode != ModeDiff && f.Mode != ModePatch {
		return nil, fmt.Errorf("%s: unknown sync mode %q", name, f.Mode)
	}
	switch f.Live {
	case LiveUnknown, LiveCompared, LiveNotCompared:
	default:
		return nil, fmt.Errorf("%s: unknown live status %q", name, f.Live)
	}
	if !fast {
		var err error
		if upload, err = model.DecodePayload(f.Upload); err != nil {
			return nil, fmt.Errorf("%s: upload: %w", name, err)
		}
	}
	return &Plan{
		ToolVersion:  f.ToolVersion,
		Mode:         f.Mode,
		Target:       f.Target,
		Prior:        Prior(f.Prior),
		DesiredHash:  f.DesiredHash,
		Targets:      f.Targets,
		Unchanged:    f.Unchanged,
		MassDelete:   f.MassDelete,
		Changes:      f.Changes,
		NotApplied:   f.NotApplied,
		Upload:       model.PayloadOf(upload),
		Live:         f.Live,
		Drift:        f.Drift,
		Replacements: f.Replacements,
	}, nil
}

// WriteFile saves p to path atomically. The file is readable by its owner only: it holds the
// upload payload, sensitive values included.
func WriteFile(path string, p *Plan) error {
	data, err := p.Encode()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(path, 0o600, data); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}

// ReadFile loads a saved plan.
func ReadFile(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return Decode(data, path)
}

// Errors of CheckCurrent, for callers that tell them apart.
var (
	ErrLineageMismatch = errors.New("Saved plan does not match the given state")
	ErrStale           = errors.New("Saved plan is stale")
)

// CheckCurrent verifies that a saved plan was made against the state as it is now: same
// lineage, serial and content. A plan made without a state requires that there still is none.
// The same serial with other content is ErrModified, not ErrStale: serials grow with every
// change, so one of the two files was edited.
func (p *Plan) CheckCurrent(current Prior, target state.Target) error {
	if !p.Target.Equal(target) {
		return fmt.Errorf("%w: the plan is for %s, the state for %s", ErrLineageMismatch, p.Target, target)
	}
	if p.Prior.Exists != current.Exists || (current.Exists && p.Prior.Lineage != current.Lineage) {
		return fmt.Errorf("%w: the plan was made against state lineage %q, the state file has lineage %q; run plan again against this state", ErrLineageMismatch, p.Prior.Lineage, current.Lineage)
	}
	if p.Prior.Serial != current.Serial {
		return fmt.Errorf("%w: the state changed since the plan was made (serial %d, now %d); run plan again", ErrStale, p.Prior.Serial, current.Serial)
	}
	if p.Prior.Hash != current.Hash {
		// Same serial, other content: one of the two files was edited by hand.
		return fmt.Errorf("%w: it records state serial %d with content hash %q, but the state at serial %d has hash %s (unless the state file itself was edited); nothing was sent: make the plan again with plan -out",
			ErrModified, p.Prior.Serial, p.Prior.Hash, current.Serial, current.Hash)
	}
	return nil
}
