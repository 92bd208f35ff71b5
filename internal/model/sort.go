package model

// SortRuns sorts s stably by merging its runs already in order, pairwise, until one is left:
// linear for input in order, n·log(runs) otherwise, which for a configuration's objects and a
// plan's changes (a few long runs, one per block) is far less than a sort's n·log(n).
func SortRuns[T any](s []T, compare func(a, b T) int) {
	var starts []int
	for i := 1; i < len(s); i++ {
		if compare(s[i-1], s[i]) > 0 {
			if len(starts) == 0 {
				starts = append(starts, 0)
			}
			starts = append(starts, i)
		}
	}
	if len(starts) == 0 {
		return
	}
	src, dst := s, make([]T, len(s))
	for len(starts) > 1 {
		next := starts[:0:0]
		for r := 0; r < len(starts); r += 2 {
			lo, mid, hi := starts[r], len(s), len(s)
			if r+1 < len(starts) {
				mid = starts[r+1]
			}
			if r+2 < len(starts) {
				hi = starts[r+2]
			}
			next = append(next, lo)
			mergeInto(dst[lo:hi], src[lo:mid], src[mid:hi], compare)
		}
		starts = next
		src, dst = dst, src
	}
	if &src[0] != &s[0] {
		copy(s, src)
	}
}

// mergeInto merges the ordered a and b into dst, a's first among equals.
func mergeInto[T any](dst, a, b []T, compare func(a, b T) int) {
	i, j, n := 0, 0, 0
	for i < len(a) && j < len(b) {
		if compare(b[j], a[i]) < 0 {
			dst[n] = b[j]
			j++
		} else {
			dst[n] = a[i]
			i++
		}
		n++
	}
	n += copy(dst[n:], a[i:])
	copy(dst[n:], b[j:])
}
