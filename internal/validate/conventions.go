package validate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
)

// conventionRules runs the per-object conventions of the integration guide (J1C201–J1C204,
// J1C206–J1C208).
func (c *checker) conventionRules(o *model.Object) {
	for _, name := range c.names {
		if strings.HasPrefix(name, "_") {
			continue
		}
		v := o.Props[name]
		c.booleanName(o, name, v)
		c.epochSeconds(o, name, v)
		c.emptyString(o, name, v)
		c.dateString(o, name, v)
		c.piiName(o, name)
	}
	c.duplicateClassProperty(o)
	c.typeConvention(o)
}

// booleanName is J1C201: booleans are named is<Capital>… unless a class defines them.
func (c *checker) booleanName(o *model.Object, name string, v any) {
	if _, ok := v.(bool); !ok || IsBooleanName(name) {
		return
	}
	if c.classDefines(o, name) {
		return
	}
	c.report("J1C201", o, name, "Boolean property not named is…",
		fmt.Sprintf("%s: boolean property %q should be named %q: the integration guide names booleans is{CamelCase} (isEnabled, isMfaEnabled) so queries find them.", describe(o), name, "is"+capitalize(name)))
}

// IsBooleanName reports whether a name follows the is<Capital>… convention.
func IsBooleanName(name string) bool {
	return len(name) > 2 && strings.HasPrefix(name, "is") && name[2] >= 'A' && name[2] <= 'Z'
}

// epochSecondsLimit: a millisecond timestamp below it would predate March 1973, a second
// timestamp below it reaches year 5138: below it, a *On value is almost surely seconds.
const epochSecondsLimit = 100_000_000_000

// epochSeconds is J1C202.
func (c *checker) epochSeconds(o *model.Object, name string, v any) {
	n, ok := v.(json.Number)
	if !ok || !IsTimestampName(name) {
		return
	}
	f := model.NumberFloat(n)
	if f <= 0 || f >= epochSecondsLimit {
		return
	}
	c.report("J1C202", o, name, "Timestamp looks like seconds",
		fmt.Sprintf("%s: %q is %s, which looks like epoch seconds; JupiterOne reads *On properties as epoch milliseconds. Multiply by 1000, or use epochms() on the date string.", describe(o), name, n))
}

// emptyString is J1C203.
func (c *checker) emptyString(o *model.Object, name string, v any) {
	empty := false
	switch x := v.(type) {
	case string:
		empty = x == "" && name != model.PropName && name != model.PropDisplayName // J1P001 reports those
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s == "" {
				empty = true
			}
		}
	}
	if empty {
		c.report("J1C203", o, name, "Empty string value",
			fmt.Sprintf("%s: %q holds an empty string. Empty strings break queries that test for presence: omit the property (set it to null) instead.", describe(o), name))
	}
}

var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$`)

// dateString is J1C206.
func (c *checker) dateString(o *model.Object, name string, v any) {
	s, ok := v.(string)
	if !ok || len(s) < 10 || len(s) > 40 || IsTimestampName(name) || s[4] != '-' || !isoDate.MatchString(s) {
		return
	}
	c.report("J1C206", o, name, "Date stored as a string",
		fmt.Sprintf("%s: %q holds the date %q as a string. Dates belong in {action}On properties as epoch milliseconds: e.g. %sOn = epochms(%q).", describe(o), name, s, strings.TrimSuffix(strings.TrimSuffix(name, "Date"), "At"), s))
}

var piiNames = map[string]bool{"ssn": true, "socialsecuritynumber": true, "homeaddress": true, "phonenumber": true, "dateofbirth": true}

// piiName is J1C208.
func (c *checker) piiName(o *model.Object, name string) {
	if !piiNames[strings.ToLower(name)] {
		return
	}
	c.report("J1C208", o, name, "Sensitive personal data",
		fmt.Sprintf("%s: %q is sensitive personal information. The integration guide says not to push PII beyond what identity needs: remove it.", describe(o), name))
}

// duplicateClassProperty is J1C204: a custom property that duplicates a class-defined one
// under another name.
func (c *checker) duplicateClassProperty(o *model.Object) {
	if o.Kind != model.KindEntity || c.opts.Classes == nil {
		return
	}
	props, ok := c.opts.Classes.(ClassProperties)
	if !ok {
		return
	}
	classes := o.Classes()
	for _, name := range c.names {
		if strings.HasPrefix(name, "_") || props.ClassDefinesProperty(classes, name) {
			continue
		}
		want := props.EquivalentClassProperty(classes, name)
		if want == "" || want == name {
			continue
		}
		if _, both := o.Props[want]; both {
			continue // already set under the class's name; the custom one is extra data
		}
		c.report("J1C204", o, name, "Custom property duplicates a class property",
			fmt.Sprintf("%s: %q duplicates the %s property %q. Use the class's name so the data is queryable next to managed integrations: rename it to %q.", describe(o), name, strings.Join(classes, "/"), want, want))
	}
}

// ClassProperties is the optional part of a ClassCatalog that knows class properties; the
// J1C201 and J1C204 rules use it when present.
type ClassProperties interface {
	// ClassDefinesProperty reports whether any of the classes (or their parents) defines name.
	ClassDefinesProperty(classes []string, name string) bool
	// EquivalentClassProperty returns the class-defined property that name duplicates
	// (hostName -> hostname, emailAddress -> email, os -> osType), or "".
	EquivalentClassProperty(classes []string, name string) string
}

func (c *checker) classDefines(o *model.Object, name string) bool {
	props, ok := c.opts.Classes.(ClassProperties)
	return ok && o.Kind == model.KindEntity && props.ClassDefinesProperty(o.Classes(), name)
}

// typeConvention is J1C207.
func (c *checker) typeConvention(o *model.Object) {
	if o.Kind != model.KindEntity || c.opts.IntegrationType == "" || !c.written(o, model.PropType) {
		return
	}
	t := o.Type()
	suffix := "_" + c.opts.IntegrationType
	if t == "" || (strings.HasSuffix(t, suffix) && len(t) > len(suffix)) {
		return
	}
	c.report("J1C207", o, model.PropType, "_type does not follow the convention",
		fmt.Sprintf("%s: _type %q does not follow <resource>_<integration type> (e.g. %q). Remove _type to use the default, or follow the pattern.", describe(o), t, "resource"+suffix))
}

// foreignKeyRule is J1C205: a property that holds another entity's _key, or is named after a
// resource of the configuration plus Id (teamId), encodes a link that belongs in a
// relationship.
func (c *checker) foreignKeyRule() {
	resources := map[string]bool{"parent": true}
	for _, e := range c.graph.Entities {
		if t := e.Type(); t != "" {
			resources[strings.ToLower(strings.SplitN(t, "_", 2)[0])] = true
		}
	}
	for _, o := range c.graph.Entities {
		self := o.Key()
		for _, name := range foreignKeyCandidates(o, resources, c.entityKeys) {
			if strings.HasPrefix(name, "_") || name == "cveId" {
				continue
			}
			lower := strings.ToLower(name)
			if base, ok := strings.CutSuffix(lower, "id"); ok && resources[base] {
				c.report("J1C205", o, name, "Property looks like a foreign key",
					fmt.Sprintf("%s: %q looks like a link to a %s entity. Links belong in relationships (e.g. %s OWNS this entity), not in key properties: remove it and declare a relationship.", describe(o), name, base, base))
				continue
			}
			s, ok := o.Props[name].(string)
			if !ok || s == self {
				continue
			}
			if other, ok := c.entityKeys[s]; ok {
				c.report("J1C205", o, name, "Property holds another entity's _key",
					fmt.Sprintf("%s: %q holds the _key of %s. Links belong in relationships: declare a relationship between the two entities and remove the property.", describe(o), name, describe(other)))
			}
		}
	}
}

// foreignKeyCandidates returns, sorted, the property names J1C205 must look at: a cheap pass
// over the map first, so the common entity with no candidate costs no sort.
func foreignKeyCandidates(o *model.Object, resources map[string]bool, keys map[string]*model.Object) []string {
	var out []string
	for name, v := range o.Props {
		if strings.HasPrefix(name, "_") {
			continue
		}
		lower := strings.ToLower(name)
		if base, ok := strings.CutSuffix(lower, "id"); ok && resources[base] {
			out = append(out, name)
			continue
		}
		if s, ok := v.(string); ok {
			if _, isKey := keys[s]; isKey {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}
