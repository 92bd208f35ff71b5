package model

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// NormalizeNumber returns the canonical spelling of a JSON number: the shortest decimal that
// round-trips, without exponent for magnitudes JSON payloads usually carry. "1420.50" and
// "1.4205e3" both become "1420.5", so a hand-edited state never shows a spurious change.
func NormalizeNumber(n json.Number) (json.Number, error) {
	if err := checkNumberSize(string(n)); err != nil {
		return "", err
	}
	f, _, err := big.ParseFloat(string(n), 10, 512, big.ToNearestEven)
	if err != nil {
		return "", fmt.Errorf("invalid number %q", string(n))
	}
	return FormatBigFloat(f), nil
}

// Limits on numbers read from JSON. Parsing 2e22221010 exactly takes big.Float tens of
// seconds, and payloads come from untrusted places (the emulator, import-json), so numbers
// far outside float64's range, which no JupiterOne consumer could read anyway, are refused.
const (
	maxNumberLength   = 1000
	maxNumberExponent = 400
)

func checkNumberSize(s string) error {
	if len(s) > maxNumberLength {
		return fmt.Errorf("number of %d characters: at most %d are accepted", len(s), maxNumberLength)
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp := strings.TrimLeft(s[i+1:], "+-")
		exp = strings.TrimLeft(exp, "0")
		if v, err := strconv.Atoi(exp); len(exp) > 4 || (err == nil && v > maxNumberExponent) {
			return fmt.Errorf("number %s is out of range (exponent beyond ±%d)", truncateNumber(s), maxNumberExponent)
		}
	}
	return nil
}

func truncateNumber(s string) string {
	if len(s) > 40 {
		return s[:39] + "…"
	}
	return s
}

// FormatBigFloat spells a number canonically (see NormalizeNumber). Integers print exactly;
// fractions print as the shortest decimal that round-trips through float64, which is what
// JSON consumers (and the platform) read them as.
func FormatBigFloat(f *big.Float) json.Number {
	if f.IsInt() {
		if i, acc := f.Int64(); acc == big.Exact {
			return json.Number(strconv.FormatInt(i, 10))
		}
		return json.Number(f.Text('f', 0))
	}
	v, _ := f.Float64()
	if a := math.Abs(v); a >= 1e-6 && a < 1e21 {
		return json.Number(strconv.FormatFloat(v, 'f', -1, 64))
	}
	return json.Number(strconv.FormatFloat(v, 'g', -1, 64))
}

// IsFinite reports whether a number can be written as JSON. Arithmetic in a configuration can
// reach infinity (1/0, log(0, 10)), which FormatBigFloat spells "+Inf" or "-Inf"; JSON and
// JupiterOne have no such numbers. Numbers read from JSON are always finite.
func IsFinite(n json.Number) bool {
	switch n {
	case "+Inf", "-Inf", "Inf", "NaN":
		return false
	}
	return true
}

// CheckEncodable returns an error naming the first value of p that its JSON form cannot carry:
// a number that is not finite, or a Go value encoding/json cannot write. Encoders call it so that
// nothing is silently dropped or mangled on the way out.
func CheckEncodable(p Properties) error {
	if encodable(p) {
		return nil // the common case, without sorting names
	}
	for _, name := range OrderedNames("", p) {
		if err := checkEncodable(p[name]); err != nil {
			return fmt.Errorf("property %q: %w", name, err)
		}
	}
	return nil
}

func encodable(v any) bool {
	switch x := v.(type) {
	case nil, string, bool:
		return true
	case json.Number:
		return IsFinite(x)
	case []any:
		for _, e := range x {
			if !encodable(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !encodable(e) {
				return false
			}
		}
		return true
	}
	_, err := json.Marshal(v) // not JSON-shaped: AppendValueJSON falls back to encoding/json
	return err == nil
}

func checkEncodable(v any) error {
	switch x := v.(type) {
	case nil, string, bool:
		return nil
	case json.Number:
		if !IsFinite(x) {
			return fmt.Errorf("the number %s is not finite, and JSON has no infinity", x)
		}
		return nil
	case []any:
		for i, e := range x {
			if err := checkEncodable(e); err != nil {
				return fmt.Errorf("item %d: %w", i+1, err)
			}
		}
		return nil
	case map[string]any:
		for _, k := range OrderedNames("", x) {
			if err := checkEncodable(x[k]); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	}
	if _, err := json.Marshal(v); err != nil {
		return fmt.Errorf("a value of Go type %T cannot be written as JSON: %w", v, err)
	}
	return nil
}

// NumberFloat returns a JSON number's value as float64 (NaN-free: json.Number is validated).
func NumberFloat(n json.Number) float64 {
	f, _ := n.Float64()
	return f
}

// Equal reports whether two JSON-shaped values are equal. Numbers compare by value.
func Equal(a, b any) bool {
	switch av := a.(type) {
	case nil:
		return b == nil
	case string:
		bv, ok := b.(string)
		return ok && av == bv
	case bool:
		bv, ok := b.(bool)
		return ok && av == bv
	case json.Number:
		bv, ok := b.(json.Number)
		if !ok {
			return false
		}
		if av == bv {
			return true
		}
		x, errX := NormalizeNumber(av)
		y, errY := NormalizeNumber(bv)
		return errX == nil && errY == nil && x == y
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !Equal(av[i], bv[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, present := bv[k]
			if !present || !Equal(x, y) {
				return false
			}
		}
		return true
	}
	return false
}

// EqualProperties reports whether two payloads hold the same properties with equal values.
// The same map (a state decoded with DecodeShared shares the configuration's) is equal
// without a look at its values.
func EqualProperties(a, b Properties) bool {
	if len(a) == len(b) && len(a) > 0 && reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer() {
		return true
	}
	return Equal(map[string]any(a), map[string]any(b))
}

// CloneValue deep-copies a JSON-shaped value.
func CloneValue(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = CloneValue(x[i])
		}
		return out
	case map[string]any:
		return CloneProperties(x)
	}
	return v
}

// CloneProperties deep-copies a payload.
func CloneProperties(p Properties) Properties {
	if p == nil {
		return nil
	}
	out := make(Properties, len(p))
	for k, v := range p {
		out[k] = CloneValue(v)
	}
	return out
}

// NormalizeValue converts a value decoded with json.Decoder.UseNumber into canonical form:
// numbers normalized, nested lists and maps converted recursively. It rejects values JSON
// cannot carry (float64, ints) so that all code paths agree on one representation.
func NormalizeValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case json.Number:
		return NormalizeNumber(x)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			n, err := NormalizeValue(x[i])
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := NormalizeValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value of Go type %T", v)
}

// TypeName names a JSON-shaped value's type for messages: string, number, bool, null, list,
// object.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// IsScalar reports whether v is a string, number or bool.
func IsScalar(v any) bool {
	switch v.(type) {
	case string, json.Number, bool:
		return true
	}
	return false
}

// topLevelOrder puts the reserved fields first, in the order the integration guide's payloads
// use; every other property follows in lexical order.
var topLevelOrder = []string{PropKey, PropType, PropClass, PropFromKey, PropToKey, PropMapping, PropName, PropDisplayName}

// LeadingRank is the position of name among the properties canonical order puts first
// (_key, _type, _class, _fromEntityKey, _toEntityKey, _mapping, name, displayName), or -1 for
// a property sorted among the rest. NumLeading is how many there are.
func LeadingRank(name string) int {
	switch name {
	case PropKey:
		return 0
	case PropType:
		return 1
	case PropClass:
		return 2
	case PropFromKey:
		return 3
	case PropToKey:
		return 4
	case PropMapping:
		return 5
	case PropName:
		return 6
	case PropDisplayName:
		return 7
	}
	return -1
}

// NumLeading is the number of properties LeadingRank ranks.
const NumLeading = 8

var mappingOrder = []string{MappingSourceEntityKey, MappingRelationshipDirection, MappingTargetFilterKeys, MappingTargetEntity, MappingSkipTargetCreation}

var targetEntityOrder = []string{PropType, PropKey, PropClass}

// OrderedNames returns the names of the given maps (their union) in the order MarshalObject
// writes a map's members. within says which map they are: "" for a payload itself,
// PropMapping for its _mapping and MappingTargetEntity for the mapping's targetEntity, whose
// reserved names lead in the integration guide's order; every other name follows in lexical
// order (maps held by any other property have no reserved names).
func OrderedNames(within string, maps ...map[string]any) []string {
	var first []string
	switch within {
	case "":
		first = topLevelOrder
	case PropMapping:
		first = mappingOrder
	case MappingTargetEntity:
		first = targetEntityOrder
	}
	return orderedKeys(first, maps...)
}

// orderedKeys returns the names of maps (their union): those in first, in that order, then
// the rest sorted.
func orderedKeys(first []string, maps ...map[string]any) []string {
	size := 0
	for _, m := range maps {
		size += len(m)
	}
	keys := make([]string, 0, size)
	for _, k := range first {
		for _, m := range maps {
			if _, ok := m[k]; ok {
				keys = append(keys, k)
				break
			}
		}
	}
	rest := len(keys)
	for i, m := range maps {
	names:
		for k := range m {
			if slices.Contains(first, k) {
				continue
			}
			for _, earlier := range maps[:i] {
				if _, dup := earlier[k]; dup {
					continue names
				}
			}
			keys = append(keys, k)
		}
	}
	sort.Strings(keys[rest:])
	return keys
}

// NormalizeValues is NormalizeValue for a freshly decoded object that nobody else holds: it
// spells every number canonically in place, lists and nested objects included, without the
// copies NormalizeValue makes (readers of large graphs decode millions of values). Only a
// respelled number is stored back;
// an integer already spelled canonically takes a fast path. A value that decoded JSON cannot
// hold is an error naming its property.
func NormalizeValues(m map[string]any) error {
	for k, v := range m {
		n, err := normalizeValue(v)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		if _, number := n.(json.Number); number && n != v {
			m[k] = n
		}
	}
	return nil
}

func normalizeValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case json.Number:
		if canonicalInt(string(x)) {
			return x, nil
		}
		return NormalizeNumber(x)
	case []any:
		for i, e := range x {
			n, err := normalizeValue(e)
			if err != nil {
				return nil, err
			}
			x[i] = n
		}
		return x, nil
	case map[string]any:
		return x, NormalizeValues(x)
	}
	return nil, fmt.Errorf("unsupported value of Go type %T", v)
}

// canonicalInt reports whether s is an integer as NormalizeNumber spells it: an optional
// minus (not on zero), no leading zero, and few enough digits to be exact in a float64.
func canonicalInt(s string) bool {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || len(digits) > 15 || (digits[0] == '0' && len(digits) > 1) || (s != digits && digits == "0") {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}
