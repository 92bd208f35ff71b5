package importjson

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/lang"
)

// maxLabelPart caps each derived part of a block label; keys may be thousands of characters.
const maxLabelPart = 48

// deriveIntegration picks the integration type, each entity's resource label, and key_prefix.
func (c *converter) deriveIntegration() error {
	c.integrationType = c.opts.IntegrationType
	if c.integrationType == "" {
		t, err := c.deriveType()
		if err != nil {
			return err
		}
		c.integrationType = t
	} else if !lang.ValidIntegrationType(c.integrationType) {
		return fmt.Errorf("integration type %q is not lower-case words joined by dashes or underscores, e.g. \"my-billing-acme\" or \"acme_hr\"", c.integrationType)
	}
	suffix := "_" + c.integrationType
	for _, o := range c.entities {
		r, ok := strings.CutSuffix(o.typ, suffix)
		if ok && validIdentifier(r) && lang.EntityType(r, c.integrationType) == o.typ {
			o.resource, o.omitTyp = r, true
			continue
		}
		// A provider_resource type (acme_hr_employee of integration acme_hr) is named after its
		// resource; its _type, not the default, is written.
		if r, ok := strings.CutPrefix(o.typ, c.integrationType+"_"); ok && validIdentifier(r) {
			o.resource = r
			continue
		}
		// Another integration's type keeps its name (aws_iam_role); a resource word that is
		// not an identifier is made one (data.store_my-acme: data_store). _type is written.
		o.resource = labelOf(r, "entity")
	}
	c.keyPrefix = c.deriveKeyPrefix()
	return nil
}

// deriveType returns the integration type that explains most entities' _type values. Types
// are read the two ways JupiterOne names them: <resource>_<integration-type> for custom
// integrations (application_my-billing-acme, host_acme) and <provider>_<resource> for
// provider-style ones (acme_hr_employee of acme_hr, aws_iam_role of aws). A kebab-case
// suffix with a dash settles it for the first; a prefix is only read from types of three
// words or more, since a two-word type (host_acme) is the first form. Without entities, the
// type is the kebab-case part with a dash that most relationship types hold
// (team_my-acme_owns_application_my-acme).
func (c *converter) deriveType() (string, error) {
	type candidate struct {
		count  int
		prefix bool // read as <type>_<resource>
	}
	suffixes, prefixes := map[string]int{}, map[string]int{}
	dashed := false
	for _, o := range c.entities {
		words := strings.Split(o.typ, "_")
		if last := words[len(words)-1]; len(words) > 1 && lang.ValidIntegrationType(last) {
			suffixes[last]++
			dashed = dashed || strings.Contains(last, "-")
		}
		if len(words) >= 3 {
			seen := map[string]bool{}
			for n := 1; n < len(words); n++ {
				if p := strings.Join(words[:n], "_"); lang.ValidIntegrationType(p) && !seen[p] {
					seen[p] = true
					prefixes[p]++
				}
			}
		}
	}
	candidates := map[string]candidate{}
	for t, n := range suffixes {
		candidates[t] = candidate{count: n}
	}
	if !dashed {
		for t, n := range prefixes {
			if n >= candidates[t].count {
				candidates[t] = candidate{count: n, prefix: true}
			}
		}
	}
	if len(candidates) == 0 {
		for _, o := range c.relationships {
			for _, part := range strings.Split(o.typ, "_") {
				if strings.Contains(part, "-") && lang.ValidIntegrationType(part) {
					candidates[part] = candidate{count: candidates[part].count + 1}
				}
			}
		}
	}
	best := ""
	for t, cand := range candidates {
		if best == "" {
			best = t
			continue
		}
		b := candidates[best]
		switch {
		case cand.count != b.count:
			if cand.count > b.count {
				best = t
			}
		case strings.Contains(t, "-") != strings.Contains(best, "-"):
			if strings.Contains(t, "-") {
				best = t
			}
		case cand.prefix != b.prefix:
			// acme_hr_employee: the provider acme_hr rather than the resource employee.
			if cand.prefix {
				best = t
			}
		case cand.prefix && len(t) != len(best):
			// acme and acme_hr explain the same types: the longer names them better.
			if len(t) > len(best) {
				best = t
			}
		case t < best:
			best = t
		}
	}
	if best == "" {
		return "", fmt.Errorf("cannot derive the integration type: no _type ends with _<integration-type> (e.g. application_my-billing-acme) or starts with <integration-type>_ (e.g. acme_hr_employee). Name it with -type")
	}
	return best, nil
}

// splitKey splits a key of the form <prefix>:<resource>:<name>.
func splitKey(key string) (prefix, resource, name string, ok bool) {
	i := strings.LastIndexByte(key, ':')
	if i <= 0 {
		return "", "", "", false
	}
	j := strings.LastIndexByte(key[:i], ':')
	if j <= 0 || j+1 == i || i+1 == len(key) {
		return "", "", "", false
	}
	return key[:j], key[j+1 : i], key[i+1:], true
}

// deriveKeyPrefix picks the prefix that lets the most entity keys be left to their default
// <prefix>:<resource>:<name>; ties go to the most common prefix, then to the integration type.
func (c *converter) deriveKeyPrefix() string {
	type score struct{ defaults, total int }
	scores := map[string]*score{}
	for _, o := range c.entities {
		prefix, resource, name, ok := splitKey(o.key)
		if !ok {
			continue
		}
		s := scores[prefix]
		if s == nil {
			s = &score{}
			scores[prefix] = s
		}
		s.total++
		if resource == o.resource && validIdentifier(name) {
			s.defaults++
		}
	}
	best := ""
	for p, s := range scores {
		if best == "" {
			best = p
			continue
		}
		b := scores[best]
		switch {
		case s.defaults != b.defaults:
			if s.defaults > b.defaults {
				best = p
			}
		case s.total != b.total:
			if s.total > b.total {
				best = p
			}
		case (p == c.integrationType) != (best == c.integrationType):
			if p == c.integrationType {
				best = p
			}
		case p < best:
			best = p
		}
	}
	if best == "" {
		return c.integrationType
	}
	return best
}

// assignLabels names every entity block. Entities whose _key is the default get the key's
// last part as their name, so the _key can be left out; the others are named after their
// name property (or, without one, their key), in snake_case, made unique.
func (c *converter) assignLabels() {
	taken := map[string]*labelSet{}
	set := func(resource string) *labelSet {
		s := taken[resource]
		if s == nil {
			s = newLabelSet()
			taken[resource] = s
		}
		return s
	}
	for _, o := range c.entities {
		_, resource, name, ok := splitKey(o.key)
		if ok && lang.EntityKey(c.keyPrefix, o.resource, name) == o.key && validIdentifier(name) && set(resource).claim(name) {
			o.name, o.omitKey = name, true
		}
	}
	for _, o := range c.entities {
		if o.omitKey {
			continue
		}
		base := ""
		if name, ok := o.want[model.PropName].(string); ok {
			base = identifierPart(name)
		}
		if base == "" {
			base = identifierPart(lastSegment(o.key))
		}
		o.name = set(o.resource).unique(qualify(base, o.resource))
	}
}

// assignRelationshipLabels names relationship blocks <from>_<verb>_<to>, after the endpoint
// entities' names where they are in the payload.
func (c *converter) assignRelationshipLabels() {
	direct, mapped := newLabelSet(), newLabelSet()
	for _, o := range c.relationships {
		from := ""
		if o.from != nil {
			from = labelOf(o.from.name, o.from.resource)
		} else if o.kind == model.KindRelationship {
			from = labelOf(lastSegment(o.want[model.PropFromKey].(string)), "key")
		} else {
			from = labelOf(lastSegment(o.mapping.source), "key")
		}
		verb := identifierPart(o.class)
		if verb == "" {
			verb = "to"
		}
		var to string
		set := direct
		switch {
		case o.kind == model.KindMappedRelationship:
			set = mapped
			if k, ok := o.mapping.targetWant[model.PropKey].(string); ok {
				to = identifierPart(lastSegment(k))
			}
			if t, ok := o.mapping.targetWant[model.PropType].(string); ok && to == "" {
				to = identifierPart(t)
			}
			if to == "" {
				to = "target"
			}
		case o.to != nil:
			to = labelOf(o.to.name, o.to.resource)
		default:
			to = identifierPart(lastSegment(o.want[model.PropToKey].(string)))
			if to == "" {
				to = "key"
			}
		}
		o.label = set.unique(from + "_" + verb + "_" + to)
	}
}

// labelSet hands out unique labels within one namespace.
type labelSet struct {
	used map[string]bool
	// next remembers, per base, the suffix to try next, so naming n equal bases stays linear.
	next map[string]int
}

func newLabelSet() *labelSet { return &labelSet{used: map[string]bool{}, next: map[string]int{}} }

// claim takes label if it is free.
func (s *labelSet) claim(label string) bool {
	if s.used[label] {
		return false
	}
	s.used[label] = true
	return true
}

// unique returns base, or base_2, base_3, … whichever is free first, and takes it.
func (s *labelSet) unique(base string) string {
	if s.claim(base) {
		return base
	}
	n := max(s.next[base], 2)
	for !s.claim(base + "_" + strconv.Itoa(n)) {
		n++
	}
	s.next[base] = n + 1
	return base + "_" + strconv.Itoa(n)
}

// lastSegment is the last part of a key, after its last ':', '/' or '|'.
func lastSegment(key string) string {
	return key[strings.LastIndexAny(key, ":/|")+1:]
}

// labelOf turns s into a snake_case identifier; one that would start with a digit is
// qualified (team_42), and an empty one is the qualifier itself.
func labelOf(s, qualifier string) string { return qualify(identifierPart(s), qualifier) }

// qualify makes an identifier part a label: qualified when it starts with a digit, the
// qualifier itself when empty.
func qualify(id, qualifier string) string {
	switch {
	case id == "":
		return qualifier
	case id[0] >= '0' && id[0] <= '9':
		return qualifier + "_" + id
	}
	return id
}

// identifierPart turns s into snake_case letters, digits and underscores: CamelCase words are
// split, everything else becomes one underscore, and the result is clipped. It may start with
// a digit or be empty.
func identifierPart(s string) string {
	var b strings.Builder
	rs := []rune(s)
	sep := true // at the start, or after an underscore: no separator needed
	for i, r := range rs {
		switch {
		case r >= 'A' && r <= 'Z':
			if !sep && i > 0 && (isLowerOrDigit(rs[i-1]) || i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z') {
				b.WriteByte('_')
			}
			b.WriteRune(r - 'A' + 'a')
			sep = false
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			sep = false
		default:
			if !sep {
				b.WriteByte('_')
				sep = true
			}
		}
	}
	return clip(strings.TrimRight(b.String(), "_"))
}

func isLowerOrDigit(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' }

// clip cuts a label part to maxLabelPart bytes (labels derived here are ASCII).
func clip(s string) string {
	if len(s) <= maxLabelPart {
		return s
	}
	return strings.TrimRight(s[:maxLabelPart], "_")
}

// validIdentifier reports whether s is an HCL identifier, the rule block labels and attribute
// names follow. Plain ASCII names are decided here; hclsyntax's scanner is costly per call.
func validIdentifier(s string) bool {
	if s == "" {
		return false
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9', c == '-':
			if i == 0 {
				return false
			}
		case c >= 0x80:
			ascii = false
		default:
			return false
		}
	}
	return ascii || hclsyntax.ValidIdentifier(s)
}
