package crash

import (
	"strings"
	"sync"
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
