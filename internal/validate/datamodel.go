package validate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/datamodel"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/suggest"
)

// MinKeyLength is the shortest _key the data model accepts without a warning.
const MinKeyLength = 10

// ValidPropertyName reports whether a name matches the data model's pattern for property
// names, ^(_|tag\.)?[A-Za-z0-9. -]+$ (checked by hand: it runs for every property). "tag."
// is made of characters the class allows anyway, so the pattern is ^_?[A-Za-z0-9. -]+$.
func ValidPropertyName(name string) bool {
	rest := strings.TrimPrefix(name, "_")
	if rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == ' ' || c == '-') {
			return false
		}
	}
	return true
}

// dataModelRules checks an entity against the data model: the name and key rules by hand
// (J1D403, J1D407), then its classes' schemas (J1D401, J1D402, J1D404, J1D405).
func (c *checker) dataModelRules(o *model.Object) {
	for _, p := range c.props {
		if !ValidPropertyName(p.name) {
			c.report("J1D403", o, p.name, "Property name has characters the data model does not allow",
				fmt.Sprintf("%s: property name %q (value %s) does not match the data model's pattern ^(_|tag\\.)?[A-Za-z0-9. -]+$, so JupiterOne's schema validation flags it.%s", describe(o), p.name, shown(o, p.name, p.value), renameAdvice(p.name)))
		}
	}
	if k := c.reservedString(rankKey); k != "" && utf8.RuneCountInString(k) < MinKeyLength {
		c.report("J1D407", o, model.PropKey, "Short _key",
			fmt.Sprintf("%s: _key %q is %d characters long, shorter than the data model's minimum of %d. Keys must be unique across the whole account: use the source system's stable id, or the default <key_prefix>:<resource>:<name>.", describe(o), k, utf8.RuneCountInString(k), MinKeyLength))
	}
	cat := c.opts.Classes
	if cat == nil || o.Kind != model.KindEntity || len(c.classes) == 0 {
		return
	}
	c.problems = cat.AppendProblems(c.problems[:0], c.classes, o.Props)
	if len(c.problems) == 0 {
		return
	}
	c.missingProperties(o)
	reported := ""
	for i := range c.problems {
		p := &c.problems[i]
		switch p.Keyword {
		case datamodel.KeywordRequired, datamodel.KeywordPropertyNames:
			// J1D401 above; J1D403 by hand above.
		case datamodel.KeywordDeprecated:
			c.deprecatedProperty(o, p)
		case datamodel.KeywordAbstract:
			c.abstractClass(o, p)
		default:
			// One finding per property: a rule stated by a class and an ancestor (a Finding's
			// category) fails twice in different words for the same fix.
			if p.Property != reported && c.wrongValue(o, p) {
				reported = p.Property
			}
		}
	}
}

// missingProperties is J1D401: one finding per class that requires properties the entity
// lacks. J1P001 reports the platform's own required fields.
func (c *checker) missingProperties(o *model.Object) {
	if c.severity("J1D401") == Off {
		return // its detail is the costliest text of the rule set: build none of it
	}
	// Problems come sorted by keyword group then property; collect each class's in turn,
	// in the order of its first missing property.
	c.missingClasses = c.missingClasses[:0]
	for i := range c.problems {
		p := &c.problems[i]
		if !c.leftToD401(p) || slices.Contains(c.missingClasses, p.Class) {
			continue
		}
		c.missingClasses = append(c.missingClasses, p.Class)
		c.missing = c.missing[:0]
		for j := i; j < len(c.problems); j++ {
			if q := &c.problems[j]; q.Class == p.Class && c.leftToD401(q) {
				c.missing = append(c.missing, q.Property)
			}
		}
		m := c.missingMessage(p.Class, c.missing)
		c.reportNamed("J1D401", o, "", m.summary, m.detail)
	}
}

// leftToD401 reports whether a problem is a missing property J1D401 reports rather than
// J1P001.
func (c *checker) leftToD401(p *datamodel.Problem) bool {
	return p.Keyword == datamodel.KeywordRequired && !slices.Contains(entityRequired, p.Property)
}

// missingMessage is J1D401's text for one class, but for the entity's name that starts the
// detail.
type missingMessage struct {
	summary string
	detail  string // follows describe(o)
}

// missingMessage names the missing properties, quotes the class on each when there are
// few, and points at a custom property that looks like one of them under another spelling
// (emial for email). It depends only on the classes, the missing names and the custom ones,
// which the instances of a block share: it is built once per combination.
func (c *checker) missingMessage(class string, missing []string) missingMessage {
	custom := c.customNames()
	c.keyBuf = append(append(c.keyBuf[:0], class...), 1)
	for _, list := range [...][]string{c.classes, missing, custom} {
		for _, s := range list {
			c.keyBuf = append(append(c.keyBuf, s...), 0)
		}
		c.keyBuf = append(c.keyBuf, 1)
	}
	if m, ok := c.missingMessages[string(c.keyBuf)]; ok {
		return m
	}
	key := string(c.keyBuf)
	var m missingMessage
	if len(missing) == 1 {
		m.summary = "Missing property required by " + class
		m.detail = fmt.Sprintf(" has no %s, which its class %s requires.", missing[0], class)
	} else {
		m.summary = "Missing properties required by " + class
		m.detail = fmt.Sprintf(" lacks %d properties that its class %s requires: %s.", len(missing), class, strings.Join(missing, ", "))
	}
	m.detail += c.missingTail(missing, custom)
	if c.missingMessages == nil {
		c.missingMessages = map[string]missingMessage{}
	}
	if len(c.missingMessages) < maxRemembered {
		c.missingMessages[key] = m
	}
	return m
}

// missingTail is the part of J1D401's detail after its first sentence: what the classes say
// about the missing properties, and what to do.
func (c *checker) missingTail(missing, custom []string) string {
	var b strings.Builder
	b.Grow(256)
	if len(missing) <= 3 {
		for _, name := range missing {
			def := c.opts.Classes.PropertyDefinition(c.classes, name)
			switch {
			case def == nil:
			case def.Description != "" && def.Expect != "":
				fmt.Fprintf(&b, " %s describes %s as %s; it takes %s.", def.Class, name, quoteDescription(def.Description), def.Expect)
			case def.Description != "":
				fmt.Fprintf(&b, " %s describes %s as %s.", def.Class, name, quoteDescription(def.Description))
			case def.Expect != "":
				fmt.Fprintf(&b, " %s takes %s.", name, def.Expect)
			}
		}
	}
	meant := c.meantFor(missing, custom)
	for _, m := range meant {
		fmt.Fprintf(&b, " The entity sets %q: did you mean %s? Rename it.", m.custom, m.missing)
	}
	switch {
	case len(meant) > 0:
	case len(missing) == 1:
		fmt.Fprintf(&b, " Set %s; an attribute that evaluates to null is left out of the payload, so give it a value.", missing[0])
	default:
		b.WriteString(" Set them; an attribute that evaluates to null is left out of the payload, so give each a value. If the source system cannot supply them, rules { J1D401 = \"off\" } silences this warning.")
	}
	return b.String()
}

// meaning pairs a custom property with the missing class property it most likely is.
type meaning struct{ custom, missing string }

// meantFor pairs custom properties with the missing properties they probably spell
// differently: each custom name explains at most one missing property, same spellings
// first (a hostName is the missing hostname, not also the missing osName). The instances
// of a block usually miss the same properties and set the same custom ones, so the answer
// is remembered by both lists.
func (c *checker) meantFor(missing, custom []string) []meaning {
	if len(custom) == 0 {
		return nil
	}
	c.keyBuf = c.keyBuf[:0]
	for _, list := range [...][]string{missing, custom} {
		for _, s := range list {
			c.keyBuf = append(append(c.keyBuf, s...), 0)
		}
		c.keyBuf = append(c.keyBuf, 1)
	}
	if m, ok := c.meanings[string(c.keyBuf)]; ok {
		return m
	}
	var out []meaning
	left := slices.Clone(custom)
	for _, match := range [...]func(string, []string) string{respelled, misspelt} {
		for _, name := range missing {
			if len(left) == 0 {
				break
			}
			if slices.ContainsFunc(out, func(m meaning) bool { return m.missing == name }) {
				continue
			}
			if g := match(name, left); g != "" {
				out = append(out, meaning{custom: g, missing: name})
				left = slices.DeleteFunc(left, func(s string) bool { return s == g })
			}
		}
	}
	// Report in the order of the missing properties, whichever match found them.
	slices.SortStableFunc(out, func(a, b meaning) int {
		return slices.Index(missing, a.missing) - slices.Index(missing, b.missing)
	})
	if c.meanings == nil {
		c.meanings = map[string][]meaning{}
	}
	if len(c.meanings) < maxRemembered {
		c.meanings[string(c.keyBuf)] = out
	}
	return out
}

// customNames returns the current entity's properties that its classes do not define,
// sorted, in a buffer reused from entity to entity.
func (c *checker) customNames() []string {
	c.custom = c.custom[:0]
	for _, p := range c.props {
		if !strings.HasPrefix(p.name, "_") && !strings.HasPrefix(p.name, "tag.") && !c.classDefines(p.name) {
			c.custom = append(c.custom, p.name)
		}
	}
	slices.Sort(c.custom)
	return c.custom
}

// wrongValue is J1D402. It reports whether it made a finding; values other rules already
// report are left to them.
func (c *checker) wrongValue(o *model.Object, p *datamodel.Problem) bool {
	name, v := p.Property, o.Props[p.Property]
	switch {
	case name == model.PropClass: // J1P001, J1P007
		return false
	case name == model.PropKey && p.Keyword == datamodel.KeywordMinLength: // J1D407
		return false
	case slices.Contains(entityRequired, name) && p.Keyword == datamodel.KeywordType: // J1P001
		return false
	case !wellFormed(v): // J1P002
		return false
	case IsTimestampName(name) && !isNumber(v): // J1P010
		return false
	case holdsEmptyString(v): // J1C203
		return false
	}
	var b strings.Builder
	if mayShow(o, name, v) {
		fmt.Fprintf(&b, "%s: %s %s.", describe(o), name, p.Message) // the message quotes the value
	} else {
		fmt.Fprintf(&b, "%s: %s must be %s; its value %s does not fit.", describe(o), name, p.Expect, shown(o, name, v))
	}
	if p.Description != "" {
		fmt.Fprintf(&b, " %s describes %s as %s.", p.Class, name, quoteDescription(p.Description))
	}
	b.WriteString(" ")
	b.WriteString(c.valueHint(o, p, v))
	c.report("J1D402", o, name, valueSummary(p.Keyword), b.String())
	return true
}

// valueHint says how to fix a value a class rejects.
func (c *checker) valueHint(o *model.Object, p *datamodel.Problem, v any) string {
	name := p.Property
	def := c.opts.Classes.PropertyDefinition(c.classes, name)
	var types []string
	if def != nil {
		types = def.Types
	}
	safe := mayShow(o, name, v)
	switch x := v.(type) {
	case string, json.Number, bool:
		if p.Keyword == datamodel.KeywordType && slices.Contains(types, "array") {
			if safe {
				return fmt.Sprintf("Write it as a list: %s = [%s].", name, quote(v))
			}
			return "Write it as a list of one element."
		}
		if s, ok := x.(string); ok && p.Keyword == datamodel.KeywordEnum && def != nil {
			var allowed []string
			for _, e := range def.Enum {
				if es, ok := e.(string); ok {
					allowed = append(allowed, es)
				}
			}
			if m := closestName(s, allowed, nil); m != "" {
				return fmt.Sprintf("Did you mean %q?", m)
			}
		}
		if s, ok := x.(string); ok && p.Keyword == datamodel.KeywordType {
			switch {
			case (slices.Contains(types, "number") || slices.Contains(types, "integer")) && isNumeric(s):
				return "Write the number without quotes, or convert it with tonumber()."
			case slices.Contains(types, "boolean") && (s == "true" || s == "false"):
				return fmt.Sprintf("Write the boolean without quotes: %s = %s.", name, s)
			}
		}
		if _, ok := x.(json.Number); ok && p.Keyword == datamodel.KeywordType && slices.Contains(types, "string") {
			return "Convert it to a string with tostring()."
		}
	case []any:
		if len(x) == 1 && p.Keyword == datamodel.KeywordType && !slices.Contains(types, "array") {
			return "Write the single value rather than a list."
		}
	}
	return fmt.Sprintf("Change the value to fit, or rename the property if it means something other than the class's %s.", name)
}

// valueSummary is J1D402's summary for a schema keyword.
func valueSummary(k datamodel.Keyword) string {
	switch k {
	case datamodel.KeywordType:
		return "Class property has the wrong type"
	case datamodel.KeywordFormat:
		return "Class property has the wrong format"
	case datamodel.KeywordPattern:
		return "Class property does not match its pattern"
	case datamodel.KeywordEnum, datamodel.KeywordConst:
		return "Class property value is not allowed"
	case datamodel.KeywordMinimum, datamodel.KeywordMaximum:
		return "Class property value out of range"
	case datamodel.KeywordMinLength, datamodel.KeywordMinItems:
		return "Class property value too short"
	case datamodel.KeywordUniqueItems:
		return "Class property list repeats a value"
	}
	return "Class property value does not fit its class"
}

// deprecatedProperty is J1D404.
func (c *checker) deprecatedProperty(o *model.Object, p *datamodel.Problem) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s (value %s) is deprecated in %s", describe(o), p.Property, shown(o, p.Property, o.Props[p.Property]), p.Class)
	if p.Description != "" {
		fmt.Fprintf(&b, ", which describes it as %s", quoteDescription(p.Description))
	}
	b.WriteString(".")
	_, replaced := o.Props[p.Replacement]
	switch {
	case p.Replacement == "":
		b.WriteString(" Remove it; queries and other integrations use the property that replaced it.")
	case replaced:
		fmt.Fprintf(&b, " The entity sets %s as well: remove %s.", p.Replacement, p.Property)
	default:
		fmt.Fprintf(&b, " Rename it to %s.", p.Replacement)
	}
	c.report("J1D404", o, p.Property, "Deprecated class property", b.String())
}

// concreteFor suggests a concrete class for each abstract base.
var concreteFor = map[string]string{
	"GraphObject":  "Resource",
	"Entity":       "Resource",
	"RecordEntity": "Record",
}

// abstractClass is J1D405.
func (c *checker) abstractClass(o *model.Object, p *datamodel.Problem) {
	hint := ""
	if s := concreteFor[p.Class]; s != "" && c.opts.Classes.IsEntityClass(s) {
		hint = fmt.Sprintf(", or %q if nothing more specific fits", s)
	}
	c.report("J1D405", o, model.PropClass, "Abstract class used as _class",
		fmt.Sprintf("%s: _class %q is an abstract base class of the data model, which other classes extend; queries for a class never find an entity that has only its base. Use the class that extends %s and describes the thing (Host, User, Application, …)%s.",
			describe(o), p.Class, p.Class, hint))
}

// relationshipRule is J1D406: the data model's relationship rules constrain the verb and
// direction between some classes (a Host HAS a Vulnerability). Both endpoints' classes are
// known when they are entities of the configuration, or for a mapped relationship whose
// target names its _class.
func (c *checker) relationshipRule(o *model.Object) {
	cat := c.opts.Classes
	if cat == nil || c.entityKeys == nil || o.Kind == model.KindEntity {
		return
	}
	verb := c.reservedString(rankClass)
	if verb == "" || !cat.IsRelationshipClass(verb) {
		return // J1P001, J1P007
	}
	var from, to *model.Object
	prop := model.PropFromKey // where a reversed relationship is turned round
	c.from, c.to = c.from[:0], c.to[:0]
	switch o.Kind {
	case model.KindRelationship:
		from, to = c.ends[0], c.ends[1]
		if from == nil || to == nil {
			return // J1P008, or a key outside the configuration (PATCH)
		}
		c.from = appendClasses(c.from, from.Props[model.PropClass])
		c.to = appendClasses(c.to, to.Props[model.PropClass])
	case model.KindMappedRelationship:
		m, _ := c.reserved[rankMapping].(map[string]any)
		target, _ := m[model.MappingTargetEntity].(map[string]any)
		sourceKey, _ := m[model.MappingSourceEntityKey].(string)
		source := c.entityKeys[sourceKey]
		if source == nil || target[model.PropClass] == nil {
			return
		}
		prop = model.PropMapping
		c.from = appendClasses(c.from, source.Props[model.PropClass])
		c.to = appendClasses(c.to, target[model.PropClass])
		from = source
		if m[model.MappingRelationshipDirection] == model.DirectionReverse {
			c.from, c.to = c.to, c.from
			from, to = nil, source
		}
	}
	for _, v := range cat.CheckRelationship(c.from, c.to, verb) {
		r := v.Rule
		if v.Reversed {
			c.report("J1D406", o, prop, "Relationship runs against the data model's direction",
				fmt.Sprintf("%s runs from %s to %s with %s, but the data model's rule %q%s requires relationships between them to run from %s to %s. Swap from and to%s.",
					describe(o), endpoint(from, r.TargetClass), endpoint(to, r.SourceClass), verb, r.Description, statusNote(r.Status), r.SourceClass, r.TargetClass, verbAdvice(r, verb)))
			continue
		}
		c.report("J1D406", o, model.PropClass, "Relationship verb not allowed between these classes",
			fmt.Sprintf("%s: %s from %s to %s, but the data model's rule %q%s allows only %s between them. Set _class = %q.",
				describe(o), verb, endpoint(from, r.SourceClass), endpoint(to, r.TargetClass), r.Description, statusNote(r.Status), strings.Join(r.AllowedVerbs, " or "), r.AllowedVerbs[0]))
	}
}

// endpoint names one end of a relationship and the class a rule matched there: the
// entity's address, or only the class when the entity is not part of the configuration.
func endpoint(o *model.Object, class string) string {
	if o != nil {
		return describe(o) + " (" + class + ")"
	}
	return article(class) + " " + class + " entity"
}

// statusNote marks a rule the data model has not adopted yet: " (proposed)".
func statusNote(status string) string {
	if status == "" || status == "adopted" {
		return ""
	}
	return " (" + status + ")"
}

// verbAdvice adds the verb to use when a reversed relationship also has the wrong one.
func verbAdvice(r datamodel.RelationshipRule, verb string) string {
	if slices.Contains(r.AllowedVerbs, verb) {
		return ""
	}
	return fmt.Sprintf(" and use %s", strings.Join(r.AllowedVerbs, " or "))
}

// wellFormed reports whether J1P002 accepts a value: a scalar (numbers finite) or a list of
// scalars of one type without null.
func wellFormed(v any) bool {
	switch x := v.(type) {
	case nil, string, bool:
		return true
	case json.Number:
		return model.IsFinite(x)
	case []any:
		first := ""
		for _, e := range x {
			if e == nil || !model.IsScalar(e) {
				return false
			}
			if n, ok := e.(json.Number); ok && !model.IsFinite(n) {
				return false
			}
			if t := model.TypeName(e); first == "" {
				first = t
			} else if t != first {
				return false
			}
		}
		return true
	}
	return false
}

func isNumber(v any) bool {
	_, ok := v.(json.Number)
	return ok
}

func isNumeric(s string) bool {
	var n json.Number = json.Number(s)
	_, err := n.Float64()
	return err == nil
}

// camelCase turns my_prop or my-prop into myProp.
// renameAdvice ends J1D403's message: the characters that are not ASCII, named with their
// code points (a Cyrillic "а" reads like "a", so quoting the name alone shows nothing), and a
// valid name to use instead when there is one.
func renameAdvice(name string) string {
	var b strings.Builder
	if odd := suggest.DescribeNonASCII(name); odd != "" {
		fmt.Fprintf(&b, " It contains %s, which %s not ASCII.", odd, map[bool]string{true: "is", false: "are"}[!strings.Contains(odd, " and ")])
	}
	if s := camelCase(suggest.FoldASCII(name)); s != name && ValidPropertyName(s) {
		fmt.Fprintf(&b, " Rename it in camelCase, e.g. %q.", s)
	} else {
		b.WriteString(" Rename it using only ASCII letters, digits, dots, spaces and hyphens.")
	}
	return b.String()
}

// camelCase turns a property name into one the data model allows: "_", "-" and characters
// outside the pattern separate words, and each following word starts upper-case (my_prop ->
// myProp). A "tag." prefix and a leading "_" are kept.
func camelCase(s string) string {
	var b strings.Builder
	if rest, ok := strings.CutPrefix(s, "tag."); ok {
		b.WriteString("tag.")
		s = rest
	} else if rest, ok := strings.CutPrefix(s, "_"); ok {
		b.WriteString("_")
		s = rest
	}
	start := b.Len()
	upper := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == ' ':
			if upper {
				r = unicode.ToUpper(r)
				upper = false
			}
			b.WriteRune(r)
		default:
			upper = b.Len() > start
		}
	}
	return b.String()
}

// article is "a" or "an" for a word: "an object", "a list", "an Application".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

// maxDescription bounds a quoted description: some run to a paragraph.
const maxDescription = 240

// quoteDescription renders a class's description of a property for a message: whitespace
// collapsed, cut short if long, without a final period, in double quotes.
func quoteDescription(d string) string {
	d = strings.TrimSuffix(strings.Join(strings.Fields(d), " "), ".")
	if r := []rune(d); len(r) > maxDescription {
		d = strings.TrimSpace(string(r[:maxDescription-1])) + "…"
	}
	return `"` + d + `"`
}
