// Command j1hcl manages a JupiterOne graph as code: HCL files in, Sync API jobs out.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"

	"github.com/j1hcl/j1hcl/internal/command"
)

func main() {
	tuneGC()
	stop := startProfiles(os.Getenv("J1HCL_CPUPROFILE"), os.Getenv("J1HCL_MEMPROFILE"))
	code := command.Main(command.OSEnv(), os.Args)
	stop()
	os.Exit(code)
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

// startProfiles writes a CPU profile of the whole run to cpuPath and a heap profile taken at
// its end to memPath (either may be empty), for `go tool pprof`. The returned function stops
// profiling and writes the files; problems are reported on stderr and never change the exit
// code of the command.
func startProfiles(cpuPath, memPath string) (stop func()) {
	var cpu *os.File
	if cpuPath != "" {
		f, err := os.Create(cpuPath)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "j1hcl: J1HCL_CPUPROFILE: %v\n", err)
		} else {
			cpu = f
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				fmt.Fprintf(os.Stderr, "j1hcl: J1HCL_CPUPROFILE: %v\n", err)
			}
		}
		if memPath == "" {
			return
		}
		runtime.GC() // the heap profile shows what is live at the end
		f, err := os.Create(memPath)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "j1hcl: J1HCL_MEMPROFILE: %v\n", err)
		}
	}
}
