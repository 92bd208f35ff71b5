package validate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
)

// conventionRules runs the per-object conventions of the integration guide (J1C201–J1C208).
func (c *checker) conventionRules(o *model.Object) {
	for _, p := range c.props {
		if strings.HasPrefix(p.name, "_") {
			continue
		}
		c.booleanName(o, p.name, p.value)
		c.epochSeconds(o, p.name, p.value)
		c.emptyString(o, p.name, p.value)
		c.dateString(o, p.name, p.value)
		c.piiName(o, p.name)
	}
	c.duplicateClassProperty(o)
	c.foreignKey(o)
	c.typeConvention(o)
}

// booleanName is J1C201: booleans are named is<Capital>… unless a class defines them.
func (c *checker) booleanName(o *model.Object, name string, v any) {
	b, ok := v.(bool)
	if !ok || IsBooleanName(name) || c.classDefines(name) {
		return
	}
	if c.equivalentClassProperty(name) != "" && c.severity("J1C204") != Off {
		return // J1C204 names the class's own property, a better fix than is<Name>
	}
	c.report("J1C201", o, name, "Boolean property not named is…",
		fmt.Sprintf("%s: %q holds the boolean %t, so the integration guide names it is{CamelCase} (isEnabled, isMfaEnabled), which is how queries find booleans. Rename it to %q.", describe(o), name, b, "is"+capitalize(name)))
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
	if !ok || !IsTimestampName(name) || isLargeInteger(n) {
		return
	}
	f := model.NumberFloat(n)
	if f <= 0 || f >= epochSecondsLimit {
		return
	}
	c.report("J1C202", o, name, "Timestamp looks like seconds",
		fmt.Sprintf("%s: %q is %s, which looks like epoch seconds (a millisecond timestamp that small would predate March 1973), but JupiterOne reads *On properties as epoch milliseconds. Multiply it by 1000, or use epochms() on the date string.%s", describe(o), name, shown(o, name, v), c.classSays(o, name)))
}

// isLargeInteger reports whether n is written as an integer of at least 12 digits, so at
// least epochSecondsLimit, without parsing it: the common case of a millisecond timestamp.
func isLargeInteger(n json.Number) bool {
	if len(n) < 12 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

// holdsEmptyString reports whether a value is, or a list holds, an empty string (J1C203).
func holdsEmptyString(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s == "" {
				return true
			}
		}
	}
	return false
}

// emptyString is J1C203.
func (c *checker) emptyString(o *model.Object, name string, v any) {
	if !holdsEmptyString(v) {
		return
	}
	if _, isString := v.(string); isString && (name == model.PropName || name == model.PropDisplayName) {
		return // J1P001 reports those
	}
	c.report("J1C203", o, name, "Empty string value",
		fmt.Sprintf("%s: %q holds an empty string (%s). Empty strings break queries that test for presence: omit the property instead (an attribute set to null is left out), or drop the empty element.%s", describe(o), name, shown(o, name, v), c.classSays(o, name)))
}

var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$`)

// mayBeDate reports whether s has the length and the yyyy-mm- start isoDate requires: most
// strings fail it (a host-12345 too), and it is far cheaper than the expression.
func mayBeDate(s string) bool {
	if len(s) < 10 || len(s) > 40 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// dateString is J1C206.
func (c *checker) dateString(o *model.Object, name string, v any) {
	s, ok := v.(string)
	if !ok || !mayBeDate(s) || IsTimestampName(name) || !isoDate.MatchString(s) {
		return
	}
	value, example := shown(o, name, v), `"…"`
	if mayShow(o, name, v) {
		example = value
	}
	c.report("J1C206", o, name, "Date stored as a string",
		fmt.Sprintf("%s: %q holds the date %s as a string, which queries cannot compare as a time. Dates belong in {action}On properties as epoch milliseconds, e.g. %sOn = epochms(%s).%s", describe(o), name, value, dateBase(name), example, c.classSays(o, name)))
}

// dateBase turns hiredDate, hiredAt or hired into hired, for the suggested *On name.
func dateBase(name string) string {
	for _, suffix := range []string{"Date", "At", "Time", "Timestamp"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && base != "" {
			return base
		}
	}
	return name
}

var piiNames = []string{"ssn", "socialSecurityNumber", "homeAddress", "phoneNumber", "dateOfBirth"}

// isPIIName reports whether a name is one of the sensitive personal data names of J1C208,
// in any case.
func isPIIName(name string) bool {
	for _, p := range piiNames {
		if len(p) == len(name) && strings.EqualFold(p, name) {
			return true
		}
	}
	return false
}

// piiName is J1C208. The value is never repeated.
func (c *checker) piiName(o *model.Object, name string) {
	if !isPIIName(name) {
		return
	}
	c.report("J1C208", o, name, "Sensitive personal data",
		fmt.Sprintf("%s: %q names sensitive personal information (its value is not shown here). The integration guide says not to push PII beyond what identity needs: remove the property.", describe(o), name))
}

// duplicateClassProperty is J1C204: a custom property that duplicates a class-defined one
// under another name.
func (c *checker) duplicateClassProperty(o *model.Object) {
	if len(c.classes) == 0 || c.opts.Classes == nil {
		return
	}
	for _, p := range c.props {
		name := p.name
		if strings.HasPrefix(name, "_") || c.classDefines(name) {
			continue
		}
		want := c.equivalentClassProperty(name)
		if want == "" {
			continue
		}
		if _, both := o.Props[want]; both {
			continue // already set under the class's name; the custom one is extra data
		}
		takes := ""
		if def := c.opts.Classes.PropertyDefinition(c.classes, want); def != nil && def.Expect != "" {
			takes = fmt.Sprintf(" It takes %s.", def.Expect)
		}
		c.report("J1C204", o, name, "Custom property duplicates a class property",
			fmt.Sprintf("%s: custom property %q (value %s) looks like the %s property %q.%s%s Rename it to %q so the data is queryable next to other integrations' %s entities.",
				describe(o), name, shown(o, name, p.value), strings.Join(c.classes, "/"), want, c.classSays(o, want), takes, want, c.classes[0]))
	}
}

// classDefines reports whether the current entity's classes define a property.
func (c *checker) classDefines(name string) bool {
	if c.opts.Classes == nil || len(c.classes) == 0 {
		return false
	}
	return c.classProperty(name).defined
}

// equivalentClassProperty returns the class property a custom name duplicates (see
// ClassProperties.EquivalentClassProperty), or "".
func (c *checker) equivalentClassProperty(name string) string {
	if c.opts.Classes == nil || len(c.classes) == 0 {
		return ""
	}
	a := c.classProperty(name)
	if !a.defined && !a.equivalentKnown {
		a.equivalent = c.opts.Classes.EquivalentClassProperty(c.classes, name)
		a.equivalentKnown = true
		c.remember(name, a)
	}
	return a.equivalent
}

// classAnswers remembers what the catalog said about property names for one combination of
// classes: the same names recur on every entity of a block, and asking again costs map
// lookups per class, or for equivalents a scan of the classes' names.
type classAnswers map[string]classAnswer

type classAnswer struct {
	defined         bool
	equivalentKnown bool
	equivalent      string
}

// maxRemembered bounds the answers a checker remembers: names generated per instance
// (host-1Ip, host-2Ip, …) must not grow them without limit.
const maxRemembered = 1 << 14

// classProperty returns the remembered answer for a name, asking whether the classes
// define it when it is new.
func (c *checker) classProperty(name string) classAnswer {
	if c.answers == nil {
		c.answers = c.answersFor()
	}
	if a, ok := c.answers[name]; ok {
		return a
	}
	a := classAnswer{defined: c.opts.Classes.ClassDefinesProperty(c.classes, name)}
	c.remember(name, a)
	return a
}

func (c *checker) remember(name string, a classAnswer) {
	if c.remembered < maxRemembered {
		if _, ok := c.answers[name]; !ok {
			c.remembered++
		}
		c.answers[name] = a
	}
}

// answersFor finds or makes the answers for the current entity's classes.
func (c *checker) answersFor() classAnswers {
	key := c.classes[0]
	if len(c.classes) > 1 {
		c.keyBuf = c.keyBuf[:0]
		for _, cls := range c.classes {
			c.keyBuf = append(append(c.keyBuf, cls...), 0)
		}
		key = string(c.keyBuf)
	}
	if a, ok := c.classAnswers[key]; ok {
		return a
	}
	if c.classAnswers == nil {
		c.classAnswers = map[string]classAnswers{}
	}
	a := classAnswers{}
	c.classAnswers[key] = a
	return a
}

// classSays quotes the current entity's classes on a property they define, as a sentence
// for a message: ` Host describes hostname as "The primary/local hostname".`, or "".
func (c *checker) classSays(o *model.Object, name string) string {
	if c.opts.Classes == nil || o.Kind != model.KindEntity || len(c.classes) == 0 {
		return ""
	}
	p := c.opts.Classes.PropertyDefinition(c.classes, name)
	if p == nil || p.Description == "" {
		return ""
	}
	return fmt.Sprintf(" %s describes %s as %s.", p.Class, name, quoteDescription(p.Description))
}

// typeConvention is J1C207.
func (c *checker) typeConvention(o *model.Object) {
	if o.Kind != model.KindEntity || c.opts.IntegrationType == "" || !c.written(o, model.PropType) {
		return
	}
	t := c.reservedString(rankType)
	suffix := "_" + c.opts.IntegrationType
	if t == "" || (strings.HasSuffix(t, suffix) && len(t) > len(suffix)) {
		return
	}
	c.report("J1C207", o, model.PropType, "_type does not follow the convention",
		fmt.Sprintf("%s: _type %q does not follow <resource>_<integration type> (e.g. %q), so it may collide with other integrations' types. Remove _type to use the default, or follow the pattern.", describe(o), t, "resource"+suffix))
}

// foreignKey is J1C205: a property that holds another entity's _key, or is named after a
// resource of the configuration plus Id (teamId), encodes a link that belongs in a
// relationship.
func (c *checker) foreignKey(o *model.Object) {
	if o.Kind != model.KindEntity || c.entityKeys == nil {
		return
	}
	self := c.reservedString(rankKey)
	for _, p := range c.props {
		name := p.name
		if strings.HasPrefix(name, "_") || name == "cveId" {
			continue
		}
		var isBase bool
		if c.keyBuf, isBase = foreignKeyBase(c.keyBuf, name); isBase && c.resources[string(c.keyBuf)] {
			base := string(c.keyBuf)
			c.report("J1C205", o, name, "Property looks like a foreign key",
				fmt.Sprintf("%s: %q (value %s) looks like a link to a %s entity. Links belong in relationships (e.g. the %s HAS or OWNS this entity), not in key properties: remove it and declare a relationship.", describe(o), name, shown(o, name, p.value), base, base))
			continue
		}
		s, ok := p.value.(string)
		if !ok || s == self {
			continue
		}
		if other := c.entityWithKey(s); other != nil {
			c.report("J1C205", o, name, "Property holds another entity's _key",
				fmt.Sprintf("%s: %q holds %s, the _key of %s. Links belong in relationships: declare a relationship between the two entities and remove the property.", describe(o), name, shown(o, name, s), describe(other)))
		}
	}
}

// foreignKeyBase returns the part of a name before a final "id" in any case (teamId →
// team), lower-cased into buf, and whether there is one.
func foreignKeyBase(buf []byte, name string) ([]byte, bool) {
	if len(name) < 3 || !hasSuffixFold(name, "id") {
		return buf, false
	}
	buf = buf[:0]
	for i := 0; i < len(name)-2; i++ {
		ch := name[i]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf = append(buf, ch)
	}
	return buf, true
}
