package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/j1hcl/j1hcl/internal/model"
)

// quote spells a string as an HCL quoted string literal. Besides HCL's own escapes it escapes
// every character that is not printable, so no value can carry terminal control sequences or
// invisible text into the output.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	appendEscaped(&b, s, escapeQuoted)
	b.WriteByte('"')
	return b.String()
}

// escapeMode says which characters appendEscaped keeps.
type escapeMode uint8

const (
	escapeQuoted escapeMode = iota // inside an HCL quoted string: escape quotes, newlines, tabs
	escapeLine                     // one line of text: escape newlines, keep quotes and tabs
	escapeProse                    // text of several lines: keep newlines, quotes and tabs
)

// sanitize escapes the characters of s that are not printable (see quote) and leaves the
// rest, quotes included, as they are. It is for text shown outside quotes: addresses, keys,
// lines of a heredoc.
func sanitize(s string) string { return Escape(s) }

// Escape shows the control and format characters of s as \uXXXX escapes, so that text from
// files, servers or users (a lock's owner, a job id, an error message) printed on a terminal
// cannot move its cursor, change its title or hide text. Printable text is returned as is.
func Escape(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	appendEscaped(&b, s, escapeLine)
	return b.String()
}

// sanitizeProse is sanitize for text that may span lines (diagnostic details).
func sanitizeProse(s string) string { return EscapeLines(s) }

// EscapeLines is Escape for text of several lines: line breaks and tabs are kept.
func EscapeLines(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	appendEscaped(&b, s, escapeProse)
	return b.String()
}

// isPlain reports whether s is printable ASCII only, the common case that needs no copy.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func appendEscaped(b *strings.Builder, s string, mode escapeMode) {
	quoted := mode == escapeQuoted
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			switch {
			case quoted && (c == '"' || c == '\\'):
				b.WriteByte('\\')
				b.WriteByte(c)
			case quoted && (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
				// HCL reads ${ and %{ as template sequences; doubling the sign makes them literal.
				b.WriteByte(c)
				b.WriteByte(c)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '\n' && mode == escapeProse:
			b.WriteByte('\n')
		case r == '\n' && quoted:
			b.WriteString(`\n`)
		case r == '\t' && quoted:
			b.WriteString(`\t`)
		case r == '\t':
			b.WriteByte('\t')
		case r == '\r':
			b.WriteString(`\r`)
		case r < utf8.RuneSelf || !unicode.IsPrint(r) || unicode.Is(unicode.Cf, r):
			if r > 0xffff {
				fmt.Fprintf(b, `\U%08x`, r)
			} else {
				fmt.Fprintf(b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
}

// propertyName shows a property name as an HCL attribute name, quoted when it is not a valid
// identifier (the names written in a properties = { ... } map).
func propertyName(name string) string {
	if isIdentifier(name) {
		return name
	}
	return quote(name)
}

// isIdentifier reports whether s is an HCL identifier: a letter or underscore, then letters,
// digits, underscores and dashes. (hclsyntax.ValidIdentifier runs the whole scanner, which a
// plan of 100,000 objects cannot afford per property.)
func isIdentifier(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc)):
		default:
			return false
		}
	}
	return s != ""
}

// inline renders a JSON-shaped value on one line in HCL syntax.
func inline(v any) string {
	var b strings.Builder
	appendInline(&b, v)
	return b.String()
}

func appendInline(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case json.Number:
		if x == "" {
			b.WriteByte('0')
		} else {
			b.WriteString(sanitize(string(x)))
		}
	case string:
		b.WriteString(quote(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			appendInline(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{ ")
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(propertyName(k))
			b.WriteString(" = ")
			appendInline(b, x[k])
		}
		b.WriteString(" }")
	default:
		b.WriteString(quote(fmt.Sprint(x)))
	}
}

// isMultiline reports whether v is a string a plan shows as a heredoc.
func isMultiline(v any) bool {
	s, ok := v.(string)
	return ok && strings.Contains(strings.TrimSuffix(s, "\n"), "\n")
}

// heredocLines splits a multi-line string into the lines a heredoc shows.
func heredocLines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// heredocMarker returns a delimiter that no line of the given strings consists of.
func heredocMarker(texts ...string) string {
	marker := "EOT"
	for n := 1; ; n++ {
		clash := false
		for _, t := range texts {
			for _, l := range heredocLines(t) {
				if strings.TrimSpace(l) == marker {
					clash = true
				}
			}
		}
		if !clash {
			return marker
		}
		marker = "EOT" + strconv.Itoa(n)
	}
}

// truncateMiddle shortens s to at most max runes by replacing its middle with an ellipsis:
// keys are recognised by both their prefix and their suffix.
func truncateMiddle(s string, max int) string {
	n := utf8.RuneCountInString(s)
	if n <= max {
		return s
	}
	r := []rune(s)
	head := (max - 1) / 2
	tail := max - 1 - head
	return string(r[:head]) + "…" + string(r[n-tail:])
}

// objectLabel is the address an object is shown under: its configuration address, or, for
// objects recorded without one, its kind and _key.
func objectLabel(address string, kind model.Kind, key string) string {
	if address != "" {
		return sanitize(address)
	}
	return kind.String() + "[" + quote(key) + "]"
}

// blockHeader turns an address into the block that declares it, e.g.
// entity.application.slack -> entity "application" "slack", entity.host.all["web-1"] ->
// entity "host" "all" ["web-1"], relationship.x -> relationship "x".
func blockHeader(address string, kind model.Kind, key string) string {
	block, instance := address, ""
	if i := strings.IndexByte(address, '['); i >= 0 {
		block, instance = address[:i], address[i:]
	}
	parts := strings.Split(block, ".")
	ok := parts[0] == kind.String()
	if kind == model.KindEntity {
		ok = ok && len(parts) == 3
	} else {
		ok = ok && len(parts) == 2
	}
	if !ok || address == "" {
		return kind.String() + " " + quote(key)
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1:] {
		b.WriteByte(' ')
		b.WriteString(quote(p))
	}
	if instance != "" {
		b.WriteByte(' ')
		b.WriteString(sanitize(instance))
	}
	return b.String()
}
