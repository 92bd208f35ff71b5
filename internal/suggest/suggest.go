// Package suggest finds the closest known name to a misspelt one, for "did you mean" hints.
package suggest

import (
	"strings"
	"unicode/utf8"
)

// maxDistance is the largest edit distance Closest still takes for a typo.
const maxDistance = 2

// Closest returns the candidate nearest to given (case-insensitively first, then by edit
// distance, see Distance), the earliest of equally near ones, or "" when none is close
// enough to be a plausible typo.
func Closest(given string, candidates []string) string {
	for _, c := range candidates {
		if strings.EqualFold(c, given) {
			return c
		}
	}
	best, bestDist := "", maxDistance+1
	for _, c := range candidates {
		if d := Distance(given, c, bestDist); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean returns ` Did you mean "X"?` for the closest candidate, or "".
func DidYouMean(given string, candidates []string) string {
	return Hint(Closest(given, candidates))
}

// Hint formats a suggestion for the end of a message: ` Did you mean "Host"?`, or "" when
// there is none.
func Hint(name string) string {
	if name == "" {
		return ""
	}
	return ` Did you mean "` + name + `"?`
}

// Distance is the optimal-string-alignment distance between a and b, ignoring case
// (insertions, deletions, substitutions and swaps of neighbouring characters each count
// one: Hsot is one slip from Host), or any value of at least bound once it is clear the
// distance reaches bound. Names are short: for ASCII names up to 63 bytes it works on the
// stack, so callers may run it over every candidate.
func Distance(a, b string, bound int) int {
	if !isASCII(a) || !isASCII(b) {
		return runeDistance([]rune(strings.ToLower(a)), []rune(strings.ToLower(b)), bound)
	}
	if abs(len(a)-len(b)) >= bound {
		return bound
	}
	const small = 64
	var rows [3][small]int
	var prev2, prev, cur []int
	if len(b) < small {
		prev2, prev, cur = rows[0][:len(b)+1], rows[1][:len(b)+1], rows[2][:len(b)+1]
	} else {
		prev2, prev, cur = make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	}
	return osa(len(a), len(b), func(i, j int) bool { return lowerASCII(a[i]) == lowerASCII(b[j]) }, bound, prev2, prev, cur)
}

func runeDistance(a, b []rune, bound int) int {
	if abs(len(a)-len(b)) >= bound {
		return bound
	}
	return osa(len(a), len(b), func(i, j int) bool { return a[i] == b[j] }, bound,
		make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1))
}

// osa fills the dynamic-programming rows for strings of lengths n and m whose characters
// eq compares; prev2, prev and cur have m+1 elements.
func osa(n, m int, eq func(i, j int) bool, bound int, prev2, prev, cur []int) int {
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= n; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= m; j++ {
			cost := 1
			if eq(i-1, j-1) {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && eq(i-1, j-2) && eq(i-2, j-1) {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin >= bound {
			return bound
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[m]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
