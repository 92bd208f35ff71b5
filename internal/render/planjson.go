package render

import (
	"fmt"
	"io"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/plan"
)

// JSONFormatVersion is the format_version of every JSON document this package writes. It
// changes in its major part only when a field changes meaning or goes away.
const JSONFormatVersion = "1.0"

type countsJSON struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
}

func countsOf(c plan.Counts) countsJSON { return countsJSON{c.Add, c.Change, c.Destroy} }

type summaryJSON struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
	// Move counts changes with a previous_address (with or without other changes).
	Move int `json:"move"`
	// Import counts objects adopted from the live graph; Replace, delete+create pairs that
	// are one renamed object (also counted in add and destroy).
	Import        int                   `json:"import"`
	Replace       int                   `json:"replace"`
	Unchanged     int                   `json:"unchanged"`
	NotApplied    int                   `json:"not_applied"`
	Entities      countsJSON            `json:"entities"`
	Relationships countsJSON            `json:"relationships"`
	ByKind        map[string]countsJSON `json:"by_kind"`
	// Drift counts the differences found outside j1hcl: add = created, change = changed,
	// destroy = deleted outside j1hcl.
	Drift countsJSON `json:"drift"`
}

func summaryOf(s plan.Summary) summaryJSON {
	out := summaryJSON{
		Add: s.All.Add, Change: s.All.Change, Destroy: s.All.Destroy,
		Move: s.Moved, Import: s.Imported, Replace: s.Replaced, Unchanged: s.Unchanged, NotApplied: s.NotApplied,
		Drift:         countsOf(s.Drift),
		Entities:      countsOf(s.Entities),
		Relationships: countsOf(s.Relationships),
		ByKind:        map[string]countsJSON{},
	}
	for _, k := range []model.Kind{model.KindEntity, model.KindRelationship, model.KindMappedRelationship} {
		out.ByKind[k.String()] = countsOf(s.ByKind[k])
	}
	return out
}

type priorJSON struct {
	Exists  bool       `json:"exists"`
	Lineage string     `json:"lineage,omitempty"`
	Serial  uint64     `json:"serial"`
	Hash    model.Hash `json:"hash,omitempty"`
}

type massDeleteJSON struct {
	Deleting int `json:"deleting"`
	Total    int `json:"total"`
}

// PlanJSON writes a plan as one JSON document:
//
//	{"format_version":"1.0", "tool_version", "mode", "target", "prior_state":{"exists",
//	 "lineage","serial","hash"}, "desired_hash", "targets":[…], "mass_delete":{"deleting",
//	 "total"}|null, "summary":{"add","change","destroy","move","unchanged","not_applied",
//	 "entities":{…},"relationships":{…},"by_kind":{"entity":{…},…}, "import", "replace",
//	 "drift":{…}}, "changes":[…], "not_applied":[…], "live":"compared"|"not_compared"|null,
//	 "drift":[…], "replacements":[{"kind","from","to","old_key","new_key","reason"}]}
//
// Each change, and each difference of "drift" (before: the state, after: the live graph), has
// the shape plan.Change marshals to (address, previous_address, kind, key, type, actions,
// before, after, sensitive, import); the values of sensitive properties are replaced by
// "(sensitive value)" and their names listed in "sensitive". Changes are written one per
// line, so a large plan streams and a saved document diffs line by line.
func PlanJSON(w io.Writer, p *plan.Plan) error {
	out := newOutput(w)
	field := func(name string, v any, last bool) {
		b, err := compactJSON(v)
		if err != nil && out.err == nil {
			out.err = fmt.Errorf("plan JSON: %s: %w", name, err)
		}
		out.str(`  "` + name + `": `)
		out.str(string(b))
		if !last {
			out.str(",")
		}
		out.str("\n")
	}
	var md *massDeleteJSON
	if p.MassDelete != nil {
		md = &massDeleteJSON{p.MassDelete.Deleting, p.MassDelete.Total}
	}
	targets := p.Targets
	if targets == nil {
		targets = []string{}
	}
	out.str("{\n")
	field("format_version", JSONFormatVersion, false)
	field("tool_version", p.ToolVersion, false)
	field("mode", p.Mode, false)
	field("target", p.Target, false)
	field("prior_state", priorJSON(p.Prior), false)
	field("desired_hash", p.DesiredHash, false)
	field("targets", targets, false)
	field("mass_delete", md, false)
	field("summary", summaryOf(p.Summary()), false)
	out.str(`  "changes": `)
	writeChanges(out, p.Changes)
	out.str(",\n")
	out.str(`  "not_applied": `)
	writeChanges(out, p.NotApplied)
	out.str(",\n")
	var live any
	if p.Live != plan.LiveUnknown {
		live = p.Live
	}
	field("live", live, false)
	if p.RefreshOnly {
		field("refresh_only", true, false)
	}
	out.str(`  "drift": `)
	writeChanges(out, p.Drift)
	out.str(",\n")
	replacements := redactedReplacements(p)
	field("replacements", replacements, true)
	out.str("}\n")
	return out.flush()
}

func writeChanges(out *output, changes []plan.Change) {
	if len(changes) == 0 {
		out.str("[]")
		return
	}
	out.str("[\n")
	for i := range changes {
		b, err := redacted(&changes[i]).MarshalJSON()
		if err != nil && out.err == nil {
			out.err = err
		}
		out.str("    ")
		out.str(string(b))
		if i < len(changes)-1 {
			out.str(",")
		}
		out.str("\n")
	}
	out.str("  ]")
}

// redacted returns the change with its sensitive values replaced by SensitiveValue. A change
// without sensitive properties is returned as it is.
func redacted(ch *plan.Change) plan.Change {
	if len(ch.Sensitive) == 0 {
		return *ch
	}
	c := *ch
	c.Before = redactProps(ch.Before, ch.IsSensitive)
	c.After = redactProps(ch.After, ch.IsSensitive)
	if ch.IsSensitive(model.PropKey) {
		c.Key = SensitiveValue
	}
	if ch.IsSensitive(model.PropType) {
		c.Type = SensitiveValue
	}
	return c
}

func redactProps(p model.Properties, sensitive func(string) bool) model.Properties {
	if p == nil {
		return nil
	}
	out := make(model.Properties, len(p))
	for k, v := range p {
		if sensitive(k) {
			v = SensitiveValue
		}
		out[k] = v
	}
	return out
}

// compactJSON marshals v on one line without HTML escaping.
func compactJSON(v any) ([]byte, error) { return model.MarshalJSON(v, "") }

// jsonIndent marshals v indented by two spaces, without HTML escaping, ending in a newline.
func jsonIndent(v any) ([]byte, error) { return model.MarshalJSON(v, "  ") }

// redactedReplacements are the plan's replacements with a _key hidden wherever the change it
// belongs to hides it.
func redactedReplacements(p *plan.Plan) []plan.Replacement {
	out := make([]plan.Replacement, 0, len(p.Replacements))
	hidden := map[string]bool{}
	for i := range p.Changes {
		if ch := &p.Changes[i]; ch.IsSensitive(model.PropKey) {
			hidden[identityOf(ch.Kind, ch.Key)] = true
		}
	}
	for _, r := range p.Replacements {
		if hidden[identityOf(r.Kind, r.OldKey)] {
			r.OldKey = SensitiveValue
		}
		if hidden[identityOf(r.Kind, r.NewKey)] {
			r.NewKey = SensitiveValue
		}
		out = append(out, r)
	}
	return out
}
