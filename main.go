// Command j1hcl manages a JupiterOne graph as code: HCL files in, Sync API jobs out.
package main

import (
	"os"
	"runtime/debug"

	"github.com/j1hcl/j1hcl/internal/command"
)

func main() {
	tuneGC()
	os.Exit(command.Main(command.OSEnv(), os.Args))
}

// tuneGC trades memory for speed on the large graphs j1hcl is built for: the collector runs
// a fifth as often as by default, and a soft memory limit makes it work harder as the heap
// approaches 900 MiB, which keeps a plan of 100,000 entities and 100,000 relationships under
// 1 GB of RSS (README: performance). GOGC and GOMEMLIMIT, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(900 << 20)
	}
}
