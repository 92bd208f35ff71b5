// Package crash gives a panic in any goroutine of j1hcl the orderly end a panic in the main
// goroutine gets: the handler the command layer installs releases the state locks, writes a
// crash report and exits 1. Without it, Go ends the process with exit status 2, which
// `plan -detailed-exitcode` users read as "there are changes".
package crash

import (
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
