// Package crash gives a panic in any goroutine of j1hcl the orderly end a panic in the main
// goroutine gets: the handler the command layer installs releases the state locks, writes a
// crash report and exits 1. Without it, Go ends the process with exit status 2, which
// `plan -detailed-exitcode` users read as "there are changes".
package crash

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Handler deals with a panic recovered in a goroutine: value is what was passed to panic,
// stack the goroutine's stack. It must end the process; if it returns, the panic goes on.
type Handler func(value any, stack []byte)

var handler atomic.Pointer[Handler]

// SetHandler installs h for every goroutine started with Go (nil removes it). The command
// layer installs one per process run; tests of other packages install none, so a panic there
// fails the test as usual.
func SetHandler(h Handler) {
	if h == nil {
		handler.Store(nil)
		return
	}
	handler.Store(&h)
}

// Go runs f in a new goroutine whose panic, if any, goes to the installed handler.
func Go(f func()) {
	go func() {
		defer recoverTo()
		f()
	}()
}

func recoverTo() {
	r := recover()
	if r == nil {
		return
	}
	if h := handler.Load(); h != nil {
		(*h)(r, debug.Stack())
	}
	panic(r)
}

// GoWait is wg.Go with Go's panic handling: it adds f to wg and runs it in a new goroutine.
func GoWait(wg *sync.WaitGroup, f func()) {
	wg.Add(1)
	Go(func() {
		defer wg.Done()
		f()
	})
}

// Each calls do(i) for every i from 0 to n-1 on up to GOMAXPROCS goroutines started with Go,
// each taking the next i from a shared counter, and returns once every call has returned.
// newWorker is called once in each goroutine and returns that goroutine's do, so that a
// worker can keep scratch space of its own across its calls. With one processor, or fewer
// than two calls to make, everything runs in the calling goroutine.
func Each(n int, newWorker func() func(i int)) {
	var next atomic.Int64
	work := func() {
		do := newWorker()
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			do(i)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for range workers {
		GoWait(&wg, work)
	}
	wg.Wait()
}
