// Package suggest finds the closest known name to a misspelt one, for "did you mean" hints.
package suggest

import (
	"strings"

	"github.com/agext/levenshtein"
)

// Closest returns the candidate nearest to given (case-insensitively first, then by edit
// distance), or "" when none is close enough to be a plausible typo.
func Closest(given string, candidates []string) string {
	lower := strings.ToLower(given)
	for _, c := range candidates {
		if strings.ToLower(c) == lower {
			return c
		}
	}
	best, bestDist := "", 0
	for _, c := range candidates {
		d := levenshtein.Distance(given, c, nil)
		if d < 3 && (best == "" || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean returns ` Did you mean "X"?` for the closest candidate, or "".
func DidYouMean(given string, candidates []string) string {
	if s := Closest(given, candidates); s != "" {
		return ` Did you mean "` + s + `"?`
	}
	return ""
}
