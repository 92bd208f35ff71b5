//go:build unix

package validate

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used so far, workers and garbage collector
// included. On a shared machine it is steadier than wall time, which depends on what else
// runs; benchmarks report it per operation as cpu-ns/op.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
