package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// signalRouter decides what SIGINT and SIGTERM do. By default a signal releases the state
// locks the process holds and then ends it as the signal would have: a plan or a state rm has
// nothing to finish. A command that can stop cleanly (apply aborts its job, serve drains) asks for the
// first signal to cancel its context instead, with m.interruptible; a second signal then ends
// the process the default way, locks released.
type signalRouter struct {
	mu     sync.Mutex
	cancel context.CancelCauseFunc
}

// lockSettleTime bounds how long a signal waits for a lock being taken to be taken or given up.
const lockSettleTime = 5 * time.Second

// route handles the signals arriving on ch until done is closed.
func (m *meta) route(ch <-chan os.Signal, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case s := <-ch:
			r := m.signals
			r.mu.Lock()
			cancel := r.cancel
			r.cancel = nil
			r.mu.Unlock()
			if cancel != nil {
				cancel(errors.New(s.String() + " signal received"))
				continue
			}
			m.locks.stop(lockSettleTime)
			fmt.Fprintf(m.env.Stderr, "\nj1hcl: stopped by %s signal; state locks this process held were released.\n", s)
			m.env.Die(s)
		}
	}
}

// interruptible returns a context that the first SIGINT or SIGTERM cancels, with the signal as
// its cause; a second signal ends the process at once (locks released), as users expect of a
// second Ctrl-C. stop restores the default.
func (m *meta) interruptible(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	r := m.signals
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	return ctx, func() {
		r.mu.Lock()
		r.cancel = nil
		r.mu.Unlock()
		cancel(nil)
	}
}
