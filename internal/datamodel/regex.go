package datamodel

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// jsRegexp is an ECMAScript regular expression, as the package's validator (Ajv) runs it,
// carried over to Go's RE2 engine.
//
// Most expressions mean the same in both engines once a few JavaScript-only behaviours are
// ruled out (see checkPortable). Case-insensitive expressions (the "i" flag) are rewritten
// to spell out both ASCII cases, because Go's (?i) also folds 'ſ' into 's' and the Kelvin
// sign into 'k', which JavaScript's non-Unicode /i does not. Expressions RE2 cannot run at
// all (lookarounds) need an entry in rewrites: an RE2 expression plus a length bound,
// proven equal to the original by TestPatternsMatchJavaScript on strings Ajv judged.
type jsRegexp struct {
	source string // the ECMAScript source, as written in the schema or library
	re     *regexp.Regexp
	// Bounds on the length in code points that a rewrite adds; maxRunes < 0 means none.
	minRunes, maxRunes int
	names              nameMemo
}

// nameMemo remembers verdicts on property names. Every entity repeats the same few names,
// and a map lookup is several times cheaper than running the expression; the bound keeps
// a stream of distinct names (an emulator fed arbitrary payloads) from growing it forever.
type nameMemo struct {
	mu       sync.RWMutex
	verdicts map[string]bool
}

const maxMemoNames = 4096

// rewrite is a reviewed RE2 equivalent of an ECMAScript expression that RE2 cannot compile:
// an expression plus bounds on the length in code points (maxRunes < 0: none).
type rewrite struct {
	re                 string
	minRunes, maxRunes int
}

// rewrites maps ECMAScript sources, exactly as the package or Ajv writes them, to their
// reviewed RE2 equivalents. A new data-model version that brings another such expression
// fails Parse until an entry is added here and proven by the test corpus.
var rewrites = map[string]rewrite{
	// Host.fqdn, Device.fqdn items. The lookahead (?=^.{4,253}$) is a length bound; (?!-)
	// forbids a label starting with '-', so a label is one alphanumeric, or an alphanumeric,
	// up to 61 of [alnum-], and an alphanumeric: the same 1..63-character labels.
	`(?=^.{4,253}$)(^((?!-)[a-zA-Z0-9-]{0,62}[a-zA-Z0-9]\.)+[a-zA-Z]{2,63}$)`: {
		re:       `^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$`,
		minRunes: 4, maxRunes: 253,
	},
}

// compileJS compiles an ECMAScript expression with the given flags ("" or "i"; "u" is
// accepted and changes nothing for the portable subset).
func compileJS(source, flags string) (*jsRegexp, error) {
	if rw, ok := rewrites[source]; ok {
		re, err := regexp.Compile(rw.re)
		if err != nil {
			return nil, fmt.Errorf("rewrite of pattern %q: %w", source, err)
		}
		return &jsRegexp{source: source, re: re, minRunes: rw.minRunes, maxRunes: rw.maxRunes}, nil
	}
	for _, f := range flags {
		if f != 'i' && f != 'u' {
			return nil, fmt.Errorf("pattern %q: flag %q is not supported", source, f)
		}
	}
	if err := checkPortable(source); err != nil {
		return nil, fmt.Errorf("pattern %q needs a reviewed RE2 rewrite (see rewrites in regex.go): %w", source, err)
	}
	goSource := source
	if strings.ContainsRune(flags, 'i') {
		var err error
		if goSource, err = foldASCII(source); err != nil {
			return nil, fmt.Errorf("pattern %q: %w", source, err)
		}
	}
	re, err := regexp.Compile(goSource)
	if err != nil {
		return nil, fmt.Errorf("pattern %q needs a reviewed RE2 rewrite (see rewrites in regex.go): %w", source, err)
	}
	return &jsRegexp{source: source, re: re, maxRunes: -1}, nil
}

// MatchString reports whether s matches, as RegExp.prototype.test would.
func (r *jsRegexp) MatchString(s string) bool {
	if r.minRunes > 0 || r.maxRunes >= 0 {
		n := utf8.RuneCountInString(s)
		if n < r.minRunes || (r.maxRunes >= 0 && n > r.maxRunes) {
			return false
		}
	}
	return r.re.MatchString(s)
}

// MatchName is MatchString for property names, remembered.
func (r *jsRegexp) MatchName(name string) bool {
	r.names.mu.RLock()
	ok, known := r.names.verdicts[name]
	r.names.mu.RUnlock()
	if known {
		return ok
	}
	ok = r.MatchString(name)
	r.names.mu.Lock()
	if r.names.verdicts == nil {
		r.names.verdicts = map[string]bool{}
	}
	if len(r.names.verdicts) < maxMemoNames {
		r.names.verdicts[name] = ok
	}
	r.names.mu.Unlock()
	return ok
}

// checkPortable rejects ECMAScript constructs whose meaning differs in RE2 or that RE2
// lacks: '.' (JavaScript excludes \r, U+2028 and U+2029 too), \s and \S (Unicode in
// JavaScript, ASCII in Go), \u, \c, \k, \p, \P, back-references, lookarounds.
func checkPortable(src string) error {
	inClass := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\':
			if i+1 >= len(src) {
				return fmt.Errorf("trailing backslash")
			}
			i++
			switch e := src[i]; {
			case strings.IndexByte("sSucxkpP", e) >= 0:
				return fmt.Errorf(`escape \%c differs between ECMAScript and RE2`, e)
			case e >= '0' && e <= '9':
				return fmt.Errorf(`escape \%c (back-reference or octal) is not portable`, e)
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			// A ']' right after '[' or '[^' is a literal in RE2 but closes an empty class in
			// ECMAScript.
			rest := strings.TrimPrefix(src[i+1:], "^")
			if strings.HasPrefix(rest, "]") {
				return fmt.Errorf("empty or ']'-leading character class")
			}
		case c == '.':
			return fmt.Errorf("'.' differs between ECMAScript and RE2 (line terminators)")
		case c == '(' && strings.HasPrefix(src[i:], "(?") && !strings.HasPrefix(src[i:], "(?:"):
			return fmt.Errorf("group %q is not portable", src[i:min(i+3, len(src))])
		}
	}
	if inClass {
		return fmt.Errorf("unterminated character class")
	}
	return nil
}

// foldASCII rewrites an expression written for the "i" flag so it matches both ASCII cases
// without the flag: letters outside classes become [xX], letter ranges in classes gain
// their other case. Ranges that mix letters with other characters are refused.
func foldASCII(src string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\':
			b.WriteString(src[i : i+2])
			i++
		case !inClass && c == '[':
			inClass = true
			b.WriteByte(c)
			if i+1 < len(src) && src[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
		case inClass && c == ']':
			inClass = false
			b.WriteByte(c)
		case inClass && i+2 < len(src) && src[i+1] == '-' && src[i+2] != ']':
			lo, hi := c, src[i+2]
			if hi == '\\' {
				return "", fmt.Errorf("escaped range end at %d is not supported", i)
			}
			b.WriteString(src[i : i+3])
			switch {
			case isLower(lo) && isLower(hi):
				b.Write([]byte{upper(lo), '-', upper(hi)})
			case isUpper(lo) && isUpper(hi):
				b.Write([]byte{lower(lo), '-', lower(hi)})
			case rangeHasLetter(lo, hi):
				return "", fmt.Errorf("range %c-%c mixes letters and other characters", lo, hi)
			}
			i += 2
		case isLower(c) || isUpper(c):
			if inClass {
				b.Write([]byte{c, otherCase(c)})
			} else {
				b.Write([]byte{'[', c, otherCase(c), ']'})
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func upper(c byte) byte   { return c - 'a' + 'A' }
func lower(c byte) byte   { return c - 'A' + 'a' }

func otherCase(c byte) byte {
	if isLower(c) {
		return upper(c)
	}
	return lower(c)
}

func rangeHasLetter(lo, hi byte) bool {
	return (lo <= 'Z' && hi >= 'A') || (lo <= 'z' && hi >= 'a')
}
