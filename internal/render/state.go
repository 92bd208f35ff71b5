package render

import (
	"encoding/json"
	"io"
	"slices"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
	"github.com/j1hcl/j1hcl/internal/state"
)

// ObjectText writes one object as `state show` does, in the block style of a plan without
// symbols:
//
//	# entity.application.slack:
//	entity "application" "slack" {
//	  _key = "…"
//	  …
//	}
//
// Properties o.Sensitive names are shown as "(sensitive value)".
func ObjectText(w io.Writer, o *model.Object, opts TextOptions) error {
	out := newOutput(w)
	writeObjectText(out, newBlockWriter(palette{on: opts.Color}), o)
	return out.flush()
}

// EntryText writes one state entry as `state show` does: ObjectText of the recorded object,
// with the properties the state records as sensitive hidden.
func EntryText(w io.Writer, e state.Entry, kind model.Kind, opts TextOptions) error {
	return ObjectText(w, entryObject(e, kind), opts)
}

// EntryJSON writes one state entry as ObjectJSON does, sensitive properties hidden.
func EntryJSON(w io.Writer, e state.Entry, kind model.Kind) error {
	return ObjectJSON(w, entryObject(e, kind))
}

// EntryKey is the _key to print for a state entry: "(sensitive value)" when the state records
// the _key itself as sensitive.
func EntryKey(e state.Entry) string {
	if slices.Contains(e.Sensitive, model.PropKey) {
		return SensitiveValue
	}
	return e.Key()
}

func entryObject(e state.Entry, kind model.Kind) *model.Object {
	return &model.Object{Kind: kind, Address: e.Address, Props: e.Object, Sensitive: model.SensitiveSet(e.Sensitive)}
}

func writeObjectText(out *output, b *blockWriter, o *model.Object) {
	b.lines = b.lines[:0]
	out.line(b.pal.bold("# " + objectLabel(o.Address, o.Kind, o.Key()) + ":"))
	b.object(o)
	for _, l := range b.lines {
		writeTextLine(out, l, b.pal)
	}
}

// StateText writes every object a state records (entities, then relationships, each in _key
// order as the state keeps them), as ObjectText does, separated by blank lines. An empty state
// reads "The state file is empty. No objects are recorded."
func StateText(w io.Writer, f *state.File, opts TextOptions) error {
	out := newOutput(w)
	g := f.Graph()
	if g.Len() == 0 {
		out.line("The state file is empty. No objects are recorded.")
		return out.flush()
	}
	b := newBlockWriter(palette{on: opts.Color})
	for i, o := range g.All() {
		if i > 0 {
			out.line()
		}
		writeObjectText(out, b, o)
	}
	return out.flush()
}

type objectJSON struct {
	Address   string          `json:"address"`
	Kind      string          `json:"kind"`
	Key       string          `json:"key"`
	Type      string          `json:"type"`
	Values    json.RawMessage `json:"values"`
	Sensitive []string        `json:"sensitive,omitempty"`
}

func newObjectJSON(o *model.Object) objectJSON {
	props, key, typ := o.Props, o.Key(), o.Type()
	var sensitive []string
	if len(o.Sensitive) > 0 {
		props = redactProps(props, o.IsSensitive)
		for _, name := range o.PropertyNames() {
			if o.IsSensitive(name) {
				sensitive = append(sensitive, name)
			}
		}
		if o.IsSensitive(model.PropKey) {
			key = SensitiveValue
		}
		if o.IsSensitive(model.PropType) {
			typ = SensitiveValue
		}
	}
	return objectJSON{
		Address:   o.Address,
		Kind:      o.Kind.String(),
		Key:       key,
		Type:      typ,
		Values:    model.MarshalObject(props),
		Sensitive: sensitive,
	}
}

// ObjectJSON writes one object as a JSON document: {"address","kind","key","type","values",
// "sensitive"}, values being its payload in canonical order with sensitive values replaced.
func ObjectJSON(w io.Writer, o *model.Object) error {
	b, err := jsonIndent(newObjectJSON(o))
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// StateJSON writes a state as one JSON document for `show -json`:
//
//	{"format_version":"1.0","tool_version","lineage","serial","target","last_job",
//	 "pending_job_id","objects":[{"address","kind","key","type","values"}, …]}
//
// with one object per line, entities first.
func StateJSON(w io.Writer, f *state.File) error { return StateJSONRefreshed(w, f, nil) }

// StateJSONRefreshed is StateJSON of a state compared with the live graph: refreshed, the
// refresh-only plan of that comparison, adds "live": "compared" and its "drift" (in the JSON
// plan's change format) before the objects.
func StateJSONRefreshed(w io.Writer, f *state.File, refreshed *plan.Plan) error {
	out := newOutput(w)
	field := func(name string, v any) {
		b, err := compactJSON(v)
		if err != nil && out.err == nil {
			out.err = err
		}
		out.line(`  "`, name, `": `, string(b), ",")
	}
	pending := ""
	if f.PendingJob != nil {
		pending = f.PendingJob.ID
	}
	out.line("{")
	field("format_version", JSONFormatVersion)
	field("tool_version", f.ToolVersion)
	field("lineage", f.Lineage)
	field("serial", f.Serial)
	field("target", f.Target)
	field("last_job", f.LastJob)
	field("pending_job_id", pending)
	if refreshed != nil {
		field("live", plan.LiveCompared)
		out.str(`  "drift": `)
		writeChanges(out, refreshed.Drift)
		out.str(",\n")
	}
	all := f.Graph().All()
	if len(all) == 0 {
		out.line(`  "objects": []`)
	} else {
		out.line(`  "objects": [`)
		for i, o := range all {
			b, err := compactJSON(newObjectJSON(o))
			if err != nil && out.err == nil {
				out.err = err
			}
			sep := ","
			if i == len(all)-1 {
				sep = ""
			}
			out.line("    ", string(b), sep)
		}
		out.line("  ]")
	}
	out.line("}")
	return out.flush()
}
