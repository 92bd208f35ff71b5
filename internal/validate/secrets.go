package validate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
)

// IsSecretName reports whether a property name says it holds a secret (J1S301): it ends,
// in any case, in password, secret, token, apiKey, privateKey, accessKey, credential or
// credentials.
func IsSecretName(name string) bool {
	if name == "" {
		return false
	}
	// Dispatch on the last letter: this runs for every property, and most names end in a
	// letter no suffix ends in.
	switch name[len(name)-1] | 0x20 {
	case 'd':
		return hasSuffixFold(name, "password")
	case 't':
		return hasSuffixFold(name, "secret")
	case 'n':
		return hasSuffixFold(name, "token")
	case 'y':
		return hasSuffixFold(name, "apikey") || hasSuffixFold(name, "privatekey") || hasSuffixFold(name, "accesskey")
	case 'l':
		return hasSuffixFold(name, "credential")
	case 's':
		return hasSuffixFold(name, "credentials")
	}
	return false
}

// hasSuffixFold is strings.HasSuffix ignoring case, without lower-casing a copy: it runs
// for every property of every object.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// secretNameRule is J1S301.
func (c *checker) secretNameRule(o *model.Object) {
	for _, p := range c.props {
		if !IsSecretName(p.name) || !holdsNonEmptyString(p.value) {
			continue
		}
		// The value itself is never repeated: the diagnostic may end up in a CI log or a
		// pull-request comment.
		c.report("J1S301", o, p.name, "Secret in a property",
			fmt.Sprintf("%s: property %q holds a non-empty string, and its name says it is a secret. Never push secrets to JupiterOne: remove the property, or record a boolean or timestamp about it instead (e.g. is%sSet, %sRotatedOn).",
				describe(o), p.name, capitalize(strings.TrimLeft(p.name, "_")), strings.TrimLeft(p.name, "_")))
	}
}

func holdsNonEmptyString(v any) bool {
	switch x := v.(type) {
	case string:
		return x != ""
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				return true
			}
		}
	}
	return false
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// secretPattern is one kind of credential J1S302 recognises. marker is a literal every match
// contains, checked first so ordinary strings never reach the regular expression.
type secretPattern struct {
	what   string
	marker string
	re     *regexp.Regexp
}

var secretPatterns = []secretPattern{
	{"a PEM private key block", "PRIVATE KEY-----", regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----`)},
	{"an AWS access key id", "AKIA", regexp.MustCompile(`\bAKIA[A-Z0-9]{16}\b`)},
	{"an AWS access key id", "ASIA", regexp.MustCompile(`\bASIA[A-Z0-9]{16}\b`)},
	{"a GitHub token", "gh", regexp.MustCompile(`\bgh[pos]_[A-Za-z0-9]{20,}`)},
	{"a GitHub token", "github_pat_", regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{20,}`)},
	{"a Slack token", "xox", regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}`)},
	{"a JSON Web Token", "eyJ", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}`)},
}

// minSecretLength is the length of the shortest string any of secretPatterns matches (a
// Slack token); most property values are shorter and need no further look.
const minSecretLength = 15

// SecretKind names the kind of credential s looks like, or "" when it looks like none.
func SecretKind(s string) string {
	if len(s) < minSecretLength || !hasSecretMarker(s) {
		return ""
	}
	for _, p := range secretPatterns {
		if strings.Contains(s, p.marker) && p.re.MatchString(s) {
			return p.what
		}
	}
	return ""
}

// hasSecretMarker reports whether s contains the marker of any of secretPatterns, in one
// pass: most strings contain none, and then no pattern needs a look.
func hasSecretMarker(s string) bool {
	for i := 0; i+3 <= len(s); i++ {
		switch t := s[i:]; s[i] {
		case '-':
			if strings.HasPrefix(t, "-----BEGIN") {
				return true
			}
		case 'A':
			if strings.HasPrefix(t, "AKIA") || strings.HasPrefix(t, "ASIA") {
				return true
			}
		case 'g':
			if strings.HasPrefix(t, "gh") {
				return true
			}
		case 'x':
			if strings.HasPrefix(t, "xox") {
				return true
			}
		case 'e':
			if strings.HasPrefix(t, "eyJ") {
				return true
			}
		}
	}
	return false
}

// secretKindOf names the kind of credential a value is, or the first one a list holds, or
// returns "" when it holds none (see SecretKind).
func secretKindOf(v any) string {
	switch x := v.(type) {
	case string:
		return SecretKind(x)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				if what := SecretKind(s); what != "" {
					return what
				}
			}
		}
	}
	return ""
}

// looksSecret reports whether a value is, or a list holds, a string that looks like a
// credential.
func looksSecret(v any) bool { return secretKindOf(v) != "" }

// secretValueRule is J1S302.
func (c *checker) secretValueRule(o *model.Object) {
	for _, p := range c.props {
		if p.name == model.PropType || p.name == model.PropClass || p.name == model.PropMapping {
			continue
		}
		what := secretKindOf(p.value)
		if what == "" {
			continue
		}
		// The value itself is never repeated: the diagnostic may end up in a CI log or a
		// pull-request comment.
		c.report("J1S302", o, p.name, "Value looks like a secret",
			fmt.Sprintf("%s: property %q holds what looks like %s (not shown here). Never push secrets to JupiterOne: remove the value, and rotate the credential if it was ever committed.", describe(o), p.name, what))
	}
}
