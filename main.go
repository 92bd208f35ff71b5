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
// half as often as by default, and a soft memory limit makes it work harder only as the heap
// approaches what a CI runner can spare. GOGC and GOMEMLIMIT, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
}
