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

// tuneGC trades memory for speed on the large graphs j1hcl is built for, without a memory
// limit. After every collection the collector's target is set from the live heap it found:
// the heap may grow by max(2 × live, min(4 × live, 512 MiB)) before the next one. A small
// run collects a fifth as often as by default (GOGC=400); from 256 MiB live on, half as
// often (GOGC=200), so memory stays within three times what is live. GOGC=100 from 512 MiB
// on, as before, made the 1,000,000-object plans 5-15% slower in CPU time for 5-15% less
// peak memory (4.4 instead of 4.6 GB for the CSV inventory, 4.2 instead of 4.8 for blocks).
//
// A soft memory limit was tried and measured worse: near the limit the runtime returns
// freed pages to the kernel and faults fresh ones back in, and page faults dominate large
// runs on virtual machines (1,000,000 entities: 36-40 s with the limit, 30-33 s without).
// GOGC, when set, wins; GOMEMLIMIT, when set, applies as usual.
func tuneGC() {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(gcPercentFor(0))
	followLiveHeap()
}

// followLiveHeap arms a finalizer that runs after each collection, sets the collector's
// target from the live heap the collection found, and arms itself again.
func followLiveHeap() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	arm = func() {
		sentinel := new([16]byte)
		runtime.SetFinalizer(sentinel, func(*[16]byte) {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				debug.SetGCPercent(gcPercentFor(sample[0].Value.Uint64()))
			}
			arm()
		})
	}
	arm()
}

// growthCap caps the growth a heap is allowed beyond its live size (four times it for a
// small heap); a heap whose live size passes half of it grows by twice its live size
// (GOGC=200).
const growthCap = 512 << 20

// gcPercentFor is the GOGC that lets a heap of live bytes grow by
// max(2 × live, min(4 × live, growthCap)) before the next collection: 400 for a small heap,
// falling to 200 from growthCap/2 live on.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return 400
	}
	growth := max(2*live, min(4*live, growthCap))
	return int(growth * 100 / live)
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
