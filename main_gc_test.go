package main

import "testing"

// TestMemoryLimitFor: the soft limit never falls below twice the live heap, so the collector
// cannot end up running continuously however large the graph is.
func TestMemoryLimitFor(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, 512 << 20},
		{200 << 20, 512 << 20},
		{300 << 20, 664 << 20},
		{4 << 30, 8<<30 + 64<<20},
	} {
		if got := memoryLimitFor(tc.live); got != tc.want {
			t.Errorf("memoryLimitFor(%d MiB) = %d MiB, want %d MiB", tc.live>>20, got>>20, tc.want>>20)
		}
	}
}
