package datamodel

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/model"
)

// describe says in words what values a subschema accepts: "an integer from 1 to 10",
// "a list of unique email addresses, or null". It runs once per subschema, at load.
func describe(n *node) string {
	var alts []*node
	switch {
	case len(n.oneOf) > 0:
		alts = n.oneOf
	case len(n.anyOf) > 0:
		alts = n.anyOf
	}
	own := describeOwn(n)
	if alts == nil {
		return own
	}
	parts := make([]string, len(alts))
	for i, a := range alts {
		parts[i] = a.expect
	}
	either := strings.Join(parts, ", or ")
	if own == "" || own == "any value" {
		return either
	}
	return own + " that is " + either
}

// describeOwn describes the node's keywords other than oneOf/anyOf.
func describeOwn(n *node) string {
	switch {
	case n.hasConst:
		return "exactly " + quoteValue(n.constVal)
	case n.enum != nil:
		return "one of " + listValues(n.enum)
	}
	var parts []string
	for _, tn := range typeNames {
		if n.types != 0 && n.types&tn.t == 0 {
			continue
		}
		if n.types == 0 && tn.t != typeString && tn.t != typeNumber && tn.t != typeArray {
			continue // untyped: only describe what other keywords constrain
		}
		if tn.t == typeNumber && n.types&typeInteger != 0 {
			continue // "an integer" says it
		}
		var d string
		switch tn.t {
		case typeString:
			d = describeString(n, n.types == 0)
		case typeNumber, typeInteger:
			d = describeNumber(n, tn.noun, n.types == 0)
		case typeArray:
			d = describeArray(n, n.types == 0)
		default:
			d = tn.noun
		}
		if d != "" {
			parts = append(parts, d)
		}
	}
	if len(parts) == 0 {
		return "any value"
	}
	return strings.Join(parts, " or ")
}

// describeString describes the string keywords; with onlyIfConstrained it returns "" when
// none apply (an untyped schema says nothing about strings then).
func describeString(n *node, onlyIfConstrained bool) string {
	switch {
	case n.format != nil:
		return n.format.noun
	case n.pattern != nil:
		return "a string matching " + n.pattern.source
	case n.minLength > 0:
		return fmt.Sprintf("a string of at least %d characters", n.minLength)
	case onlyIfConstrained:
		return ""
	}
	return "a string"
}

func describeNumber(n *node, noun string, onlyIfConstrained bool) string {
	switch {
	case n.hasMinimum && n.hasMaximum:
		return fmt.Sprintf("%s from %s to %s", noun, formatFloat(n.minimum), formatFloat(n.maximum))
	case n.hasMinimum:
		return fmt.Sprintf("%s of at least %s", noun, formatFloat(n.minimum))
	case n.hasMaximum:
		return fmt.Sprintf("%s of at most %s", noun, formatFloat(n.maximum))
	case onlyIfConstrained:
		return ""
	}
	return noun
}

func describeArray(n *node, onlyIfConstrained bool) string {
	if onlyIfConstrained && n.items == nil && !n.uniqueItems && n.minItems < 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("a ")
	switch {
	case n.minItems == 1:
		b.WriteString("non-empty ")
	case n.minItems > 1:
		fmt.Fprintf(&b, "list of at least %d ", n.minItems)
	}
	if n.minItems <= 1 {
		b.WriteString("list of ")
	}
	if n.uniqueItems {
		b.WriteString("unique ")
	}
	if n.items == nil {
		b.WriteString("values")
	} else {
		b.WriteString(plural(n.items))
	}
	return b.String()
}

// plural names the values an items schema accepts, in the plural: "email addresses".
func plural(n *node) string {
	switch {
	case n.hasConst || n.enum != nil || len(n.oneOf) > 0 || len(n.anyOf) > 0:
		return "values that are each " + n.expect
	case n.format != nil:
		return formatPlural(n.format.noun)
	case n.pattern != nil:
		return "strings matching " + n.pattern.source
	}
	var names []string
	for _, tn := range typeNames {
		if n.types&tn.t != 0 && !(tn.t == typeNumber && n.types&typeInteger != 0) {
			names = append(names, tn.name+"s")
		}
	}
	if len(names) == 0 {
		return "values"
	}
	return strings.Join(names, " or ")
}

// formatPlural turns "an IP address" into "IP addresses".
func formatPlural(noun string) string {
	noun = strings.TrimPrefix(strings.TrimPrefix(noun, "an "), "a ")
	if i := strings.Index(noun, " ("); i >= 0 {
		noun = noun[:i]
	}
	switch {
	case strings.HasSuffix(noun, "ss"):
		return noun + "es"
	default:
		return noun + "s"
	}
}

func listValues(values []any) string {
	const show = 12
	parts := make([]string, 0, min(len(values), show)+1)
	for i, v := range values {
		if i == show {
			parts = append(parts, fmt.Sprintf("… (%d more)", len(values)-show))
			break
		}
		parts = append(parts, quoteValue(v))
	}
	return strings.Join(parts, ", ")
}

// quoteValue spells a value as JSON, shortened to keep messages readable.
func quoteValue(v any) string {
	const maxLen = 60
	s := string(model.AppendValueJSON(nil, v))
	if utf8.RuneCountInString(s) <= maxLen {
		return s
	}
	r := []rune(s)
	return string(r[:maxLen-1]) + "…"
}

// describeValue names a value and its type for "not ..." in messages.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "the boolean " + strconv.FormatBool(x)
	case string:
		return "the string " + quoteValue(x)
	case json.Number:
		return "the number " + string(x)
	case []any:
		return "the list " + quoteValue(x)
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a Go %T", v)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
