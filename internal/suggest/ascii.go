package suggest

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
	"golang.org/x/text/width"
)

// lookalikes maps Cyrillic and Greek letters that render like Latin ones to those letters: a
// name typed on another keyboard layout, or pasted, reads the same and is not.
var lookalikes = map[rune]rune{
	// Cyrillic
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'i', 'ј': 'j',
	'ѕ': 's', 'һ': 'h', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l', 'ѵ': 'v',
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C',
	'Т': 'T', 'Х': 'X', 'І': 'I', 'Ј': 'J', 'Ѕ': 'S', 'Ү': 'Y', 'Ԛ': 'Q', 'Ԝ': 'W',
	// Greek
	'α': 'a', 'ο': 'o', 'ν': 'v', 'ρ': 'p', 'ι': 'i', 'κ': 'k', 'υ': 'u',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N',
	'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
}

// Lookalike returns the ASCII character r is easily mistaken for: a Cyrillic or Greek
// look-alike letter, a fullwidth form, or a letter with diacritics (é -> e); false when r
// looks like no ASCII character.
func Lookalike(r rune) (rune, bool) {
	if r < utf8.RuneSelf {
		return r, true
	}
	if l, ok := lookalikes[r]; ok {
		return l, true
	}
	if n := []rune(width.Narrow.String(string(r))); len(n) == 1 && n[0] < utf8.RuneSelf {
		return n[0], true
	}
	// Decompose and keep the base letter when all that follows it are combining marks.
	d := []rune(norm.NFD.String(string(r)))
	if len(d) > 1 && d[0] < utf8.RuneSelf {
		for _, m := range d[1:] {
			if !unicode.Is(unicode.Mn, m) {
				return 0, false
			}
		}
		return d[0], true
	}
	return 0, false
}

// FoldASCII replaces every character of s that has an ASCII look-alike (see Lookalike) by it;
// characters with none are kept.
func FoldASCII(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if l, ok := Lookalike(r); ok {
			b.WriteRune(l)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DescribeNonASCII names the distinct characters of s that are not ASCII, in order, for a
// message: `"а" (U+0430 CYRILLIC SMALL LETTER A, looks like "a")`. It is "" for an ASCII s.
func DescribeNonASCII(s string) string {
	if isASCII(s) {
		return ""
	}
	var parts []string
	seen := map[rune]bool{}
	for _, r := range s {
		if r < utf8.RuneSelf || seen[r] {
			continue
		}
		seen[r] = true
		d := fmt.Sprintf("%q (U+%04X", string(r), r)
		if name := runenames.Name(r); name != "" && !strings.HasPrefix(name, "<") { // not "<CJK Ideograph>"
			d += " " + name
		}
		if l, ok := Lookalike(r); ok {
			d += fmt.Sprintf(", looks like %q", string(l))
		}
		parts = append(parts, d+")")
	}
	switch len(parts) {
	case 1:
		return parts[0]
	case 2:
		return parts[0] + " and " + parts[1]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
