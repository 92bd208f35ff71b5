package main

import "testing"

// TestGCPercentFor: small heaps grow four times their live size between collections, the
// growth is capped at 512 MiB in between, and a large heap never grows by less than twice
// its live size (GOGC=200), so the collector cannot end up running continuously however
// large the graph is, nor let memory pass three times the live heap once it is large.
func TestGCPercentFor(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 400},
		{1 << 20, 400},
		{128 << 20, 400},
		{192 << 20, 266},
		{256 << 20, 200},
		{400 << 20, 200},
		{512 << 20, 200},
		{4 << 30, 200},
		{1 << 40, 200},
	} {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}
