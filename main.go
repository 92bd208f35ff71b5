// Command j1hcl manages a JupiterOne graph as code: HCL files in, Sync API jobs out.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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

// tuneGC trades memory for speed on the large graphs j1hcl is built for. The collector
// runs a fifth as often as by default (GOGC=400) while the heap is small, and a soft memory
// limit that follows the live heap keeps large runs in proportion: after every collection
// the limit becomes max(512 MiB, 2 × live heap + 64 MiB), which is never below what is live
// (a fixed limit was: past it the collector ran nearly all the time), so at worst the
// collector runs as often as at the default GOGC=100. GOGC and GOMEMLIMIT, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(minMemoryLimit)
		followLiveHeap()
	}
}

const minMemoryLimit = 512 << 20

// followLiveHeap arms a finalizer that runs after each collection, resets the memory limit
// from the live heap the collection found, and arms itself again.
func followLiveHeap() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	arm = func() {
		sentinel := new([16]byte)
		runtime.SetFinalizer(sentinel, func(*[16]byte) {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				debug.SetMemoryLimit(memoryLimitFor(sample[0].Value.Uint64()))
			}
			arm()
		})
	}
	arm()
}

// memoryLimitFor is the soft memory limit for a live heap of live bytes.
func memoryLimitFor(live uint64) int64 {
	return max(minMemoryLimit, int64(2*live)+64<<20)
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
