package validate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/j1hcl/j1hcl/internal/model"
)

// secretNameSuffixes are the lower-cased name endings J1S301 treats as secrets.
var secretNameSuffixes = []string{"password", "secret", "token", "apikey", "privatekey", "accesskey", "credential", "credentials"}

// IsSecretName reports whether a property name says it holds a secret (J1S301).
func IsSecretName(name string) bool {
	lower := strings.ToLower(name)
	for _, suffix := range secretNameSuffixes {
		if strings.HasSuffix(lower, suffix) {
			return true
		}
	}
	return false
}

// secretNameRule is J1S301.
func (c *checker) secretNameRule(o *model.Object) {
	for _, name := range c.names {
		if !IsSecretName(name) || !holdsNonEmptyString(o.Props[name]) {
			continue
		}
		c.report("J1S301", o, name, "Secret in a property",
			fmt.Sprintf("%s: property %q holds a string, and its name says it is a secret. Never push secrets to JupiterOne: remove the property, or record a boolean or timestamp about it instead (e.g. is%sSet, %sRotatedOn).",
				describe(o), name, capitalize(name), name))
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

// SecretKind names the kind of credential s looks like, or "" when it looks like none.
func SecretKind(s string) string {
	for _, p := range secretPatterns {
		if strings.Contains(s, p.marker) && p.re.MatchString(s) {
			return p.what
		}
	}
	return ""
}

// secretValueRule is J1S302.
func (c *checker) secretValueRule(o *model.Object) {
	for _, name := range c.names {
		if name == model.PropType || name == model.PropClass || name == model.PropMapping {
			continue
		}
		var what string
		switch x := o.Props[name].(type) {
		case string:
			what = SecretKind(x)
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					if what = SecretKind(s); what != "" {
						break
					}
				}
			}
		}
		if what == "" {
			continue
		}
		// The value itself is never repeated: the diagnostic may end up in a CI log or a
		// pull-request comment.
		c.report("J1S302", o, name, "Value looks like a secret",
			fmt.Sprintf("%s: property %q holds what looks like %s. Never push secrets to JupiterOne: remove the value (and rotate the credential if it was ever committed).", describe(o), name, what))
	}
}
