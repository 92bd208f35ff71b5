package validate

import (
	"sort"
	"strings"
)

// Rule describes one rule of the catalogue.
type Rule struct {
	Code    string
	Default Severity
	// Platform rules mirror what JupiterOne itself rejects; they are always errors.
	Platform bool
	// Title is the rule in one line, as the README's rule table shows it.
	Title string
}

// Rules is the catalogue, in code order. validation.md is its specification.
var Rules = []Rule{
	{"J1P001", Error, true, "required field missing: `_key`, `_type`, `_class`, `name`, `displayName` on entities; `_key`, `_type`, `_class` and endpoints on relationships"},
	{"J1P002", Error, true, "property value is not a string, number, boolean, null, or a list of one of those types"},
	{"J1P003", Error, true, "property name starts with `_` and is not a reserved name"},
	{"J1P004", Error, true, "string longer than 4096 characters"},
	{"J1P005", Error, true, "`_key` empty, longer than 7000 characters, or containing `undefined`, `null` or `<nil>` as a part"},
	{"J1P006", Error, true, "two objects share a `_key`"},
	{"J1P007", Error, true, "unknown entity or relationship class"},
	{"J1P008", Error, true, "relationship endpoint is not an entity of this configuration (key strings allowed in PATCH only)"},
	{"J1P009", Error, true, "mapped relationship: bad direction, filter keys or target"},
	{"J1P010", Error, true, "a `*On` property holds something other than a number (epoch milliseconds)"},
	{"J1C201", Warning, false, "boolean property not named `is<Capital>…`"},
	{"J1C202", Warning, false, "`*On` number looks like epoch seconds, not milliseconds"},
	{"J1C203", Warning, false, "empty string value"},
	{"J1C204", Warning, false, "custom property duplicates a class-defined property under another name"},
	{"J1C205", Warning, false, "property looks like a foreign key to another entity"},
	{"J1C206", Warning, false, "ISO-8601 date string in a property not named `*On`"},
	{"J1C207", Warning, false, "hand-written `_type` does not follow `<resource>_<integration type>`"},
	{"J1C208", Warning, false, "sensitive PII property name"},
	{"J1S301", Error, false, "secret-named property holds a string"},
	{"J1S302", Error, false, "value looks like a secret (private key, cloud or chat token, JWT)"},
	{"J1D401", Warning, false, "properties required by the entity's class are missing (one finding per class)"},
	{"J1D402", Warning, false, "class-defined property has the wrong type, format, pattern or enum value"},
	{"J1D403", Warning, false, "property name outside the data model's allowed characters"},
	{"J1D404", Warning, false, "deprecated class property"},
	{"J1D405", Warning, false, "abstract base class used as `_class`"},
	{"J1D406", Warning, false, "relationship verb or direction not allowed between these classes"},
	{"J1D407", Warning, false, "`_key` shorter than 10 characters"},
}

var rulesByCode = func() map[string]Rule {
	m := make(map[string]Rule, len(Rules))
	for _, r := range Rules {
		m[r.Code] = r
	}
	return m
}()

// ruleIndex is each rule's place in the catalogue, the order of findings on one object.
var ruleIndex = func() map[string]int {
	m := make(map[string]int, len(Rules))
	for i, r := range Rules {
		m[r.Code] = i
	}
	return m
}()

// RuleByCode looks a rule up by its code.
func RuleByCode(code string) (Rule, bool) {
	r, ok := rulesByCode[strings.ToUpper(code)]
	return r, ok
}

func ruleCodes() []string {
	codes := make([]string, len(Rules))
	for i, r := range Rules {
		codes[i] = r.Code
	}
	sort.Strings(codes)
	return codes
}

// DocPath is the repository path of the page documenting a rule, e.g. docs/rules/J1P001.md
// (`validate -json` gives it with each diagnostic), or "" for a code that is not a rule's.
func DocPath(code string) string {
	r, ok := RuleByCode(code)
	if !ok {
		return ""
	}
	return "docs/rules/" + r.Code + ".md"
}
