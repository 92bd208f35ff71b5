package crash

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestGoHandsAPanicToTheHandler(t *testing.T) {
	var (
		mu    sync.Mutex
		got   any
		stack string
		done  = make(chan struct{})
	)
	SetHandler(func(v any, s []byte) {
		mu.Lock()
		got, stack = v, string(s)
		mu.Unlock()
		close(done)
		select {} // a real handler exits the process; this one parks the goroutine
	})
	defer SetHandler(nil)

	Go(func() { panic("boom in a worker") })
	<-done
	mu.Lock()
	defer mu.Unlock()
	if got != "boom in a worker" {
		t.Errorf("handler got %v", got)
	}
	if !strings.Contains(stack, "crash_test.go") {
		t.Errorf("the stack does not show where the panic came from:\n%s", stack)
	}
}

func TestGoRunsTheFunction(t *testing.T) {
	done := make(chan int)
	Go(func() { done <- 42 })
	if v := <-done; v != 42 {
		t.Errorf("got %d", v)
	}
}

// TestEach: every index is done exactly once, each worker's own state stays its own, and
// Each returns only when all are done, whatever the number of processors.
func TestEach(t *testing.T) {
	for _, procs := range []int{1, 2, 8} {
		for _, n := range []int{0, 1, 2, 3, 1000} {
			t.Run(fmt.Sprintf("procs=%d/n=%d", procs, n), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				done := make([]atomic.Int32, n)
				var workers atomic.Int32
				counts := make([]int, 64) // calls per worker, each written by its worker only
				Each(n, func() func(int) {
					id := int(workers.Add(1)) - 1
					mine := 0 // the worker's scratch: no other goroutine touches it
					return func(i int) {
						mine++
						counts[id] = mine
						done[i].Add(1)
					}
				})
				for i := range done {
					if got := done[i].Load(); got != 1 {
						t.Errorf("index %d done %d times", i, got)
					}
				}
				total := 0
				for _, c := range counts {
					total += c
				}
				if total != n {
					t.Errorf("the workers counted %d calls, want %d", total, n)
				}
				if w := int(workers.Load()); w < 1 || w > max(1, min(procs, n)) {
					t.Errorf("%d workers for %d processors and %d calls", w, procs, n)
				}
			})
		}
	}
}
