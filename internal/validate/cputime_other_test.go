//go:build !unix

package validate

import "time"

// cpuTime is unknown here: benchmarks report wall time only.
func cpuTime() time.Duration { return -1 }
