package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"

	"github.com/j1hcl/j1hcl/internal/apply"
	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
	"github.com/j1hcl/j1hcl/lang"
)

// openOptions say what a command needs of the state.
type openOptions struct {
	// operation names the command in the lock ("plan", "apply", "state rm"). Empty opens the
	// state read-only: no lock, and a pending job is reported, not settled.
	operation string
	// target, when set, must be the state's target.
	target *state.Target
	// mustExist makes a missing state an error; otherwise it opens as nil (nothing applied).
	mustExist bool
	// pendingWait bounds the wait for a pending job's outcome (0: apply.DefaultPendingWait).
	pendingWait time.Duration
	// settings are the configuration's backend and encryption blocks when the command has
	// loaded the configuration already; nil reads them.
	settings *lang.StateSettings
	// like is the graph the state is read to be compared with, if any: the recorded objects
	// equal to its objects share their properties (see state.DecodeShared).
	like *model.Graph
}

// openedState is a state opened by openState. Release it when done; releasing twice is
// harmless.
type openedState struct {
	// store is where the state lives; write the state back through it.
	store backend.Backend
	// file is nil when no state exists yet.
	file    *state.File
	release func()
}

// openState is the one way commands reach the state: it locks it (for a command that
// changes it, unless -lock=false), reads it, checks its target and settles a pending job. The
// lock is registered with m so that every way out of the process, an error, a panic or a
// signal included, releases it.
func (m *meta) openState(ctx context.Context, a stateArgs, o openOptions) (*openedState, error) {
	store, err := m.backendFor(ctx, a, o.settings)
	if err != nil {
		return nil, err
	}
	s := &openedState{store: store, release: func() { _ = store.Close() }}
	writing := o.operation != ""
	if writing && a.lock {
		release, err := m.locks.acquire(ctx, func(ctx context.Context) (func(), error) {
			lk, err := backend.Acquire(ctx, s.store, o.operation, a.lockTimeout)
			if err != nil {
				return nil, err
			}
			return func() {
				if err := lk.Unlock(context.WithoutCancel(ctx)); err != nil {
					m.view.Warning(fmt.Sprintf("could not release the state lock: %s", err))
				}
			}, nil
		})
		if err != nil {
			_ = store.Close()
			return nil, err
		}
		var once sync.Once
		s.release = func() {
			once.Do(func() {
				release()
				_ = store.Close()
			})
		}
	}
	ok := false
	defer func() {
		if !ok {
			s.release()
		}
	}()
	f, err := backend.ReadStateShared(ctx, s.store, o.like)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if o.mustExist {
			return nil, fmt.Errorf("no state file at %s: nothing has been applied yet (or pass -state=PATH)", s.store)
		}
		ok = true
		return s, nil
	case err != nil:
		return nil, err
	}
	if o.target != nil {
		if err := f.CheckTarget(*o.target); err != nil {
			return nil, err
		}
	}
	if f.PendingJob != nil {
		if !writing {
			m.warnPending(f)
		} else if f, err = m.settlePending(ctx, s.store, f, o.pendingWait); err != nil {
			return nil, err
		}
	}
	s.file = f
	ok = true
	return s, nil
}

// settlePending completes or clears the state's pending job record: it asks the Sync API
// for the job's outcome and writes the state back (the caller holds the state lock).
func (m *meta) settlePending(ctx context.Context, store backend.Backend, f *state.File, wait time.Duration) (*state.File, error) {
	client, err := m.syncClient()
	if err != nil {
		return nil, fmt.Errorf("the state %s records job %s as pending, and recording its outcome needs the Sync API: %w", store, f.PendingJob.ID, err)
	}
	if wait <= 0 {
		wait = apply.DefaultPendingWait
	}
	// What became of the job goes to standard error: standard output may carry a document.
	var out io.Writer = escapingWriter{m.env.Stderr}
	if _, ok := m.view.(jsonView); ok {
		out = &jsonLog{w: m.env.Stderr}
	}
	runner := &apply.Runner{Client: client, Out: out, Now: time.Now, ToolVersion: Version}
	return runner.ResolvePending(ctx, f, store, wait)
}

// warnPending tells readers of a state that its last job's outcome is not recorded yet.
func (m *meta) warnPending(f *state.File) {
	if p := f.PendingJob; p != nil {
		m.view.Warning(fmt.Sprintf("the state records %s job %s as pending since %s: its outcome is not recorded yet, so what is shown may be out of date. Run j1hcl plan or apply (with JUPITERONE_API_KEY set) to settle it.", p.SyncMode, p.ID, p.RecordedAt))
	}
}

// lockSet holds the release functions of the state locks this process holds, so that the
// last thing Main does, however the command ended, is release them. A signal may arrive while
// a lock is being taken: stop then cancels the taking, waits for it to settle and releases
// what it got, so that no lock is taken after the process has decided to end.
type lockSet struct {
	mu        sync.Mutex
	next      int
	release   map[int]func()
	stopping  bool
	taking    sync.WaitGroup
	cancelers map[int]context.CancelFunc
}

// errStopping refuses a lock to a process that is ending.
var errStopping = errors.New("j1hcl is stopping: the state lock was not taken")

// acquire runs take (which takes a lock and returns its release) and registers the lock. It
// returns a function that releases the lock once.
func (s *lockSet) acquire(ctx context.Context, take func(context.Context) (func(), error)) (func(), error) {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return nil, errStopping
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	id := s.next
	s.next++
	if s.cancelers == nil {
		s.cancelers = map[int]context.CancelFunc{}
	}
	s.cancelers[id] = cancel
	s.taking.Add(1)
	s.mu.Unlock()
	defer s.taking.Done()

	release, err := take(ctx)
	s.mu.Lock()
	delete(s.cancelers, id)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.add(release), nil
}

// add registers release and returns a function that runs it once and forgets it.
func (s *lockSet) add(release func()) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.release == nil {
		s.release = map[int]func(){}
	}
	id := s.next
	s.next++
	s.release[id] = release
	return func() { s.run(id) }
}

func (s *lockSet) run(id int) {
	s.mu.Lock()
	release, ok := s.release[id]
	delete(s.release, id)
	s.mu.Unlock()
	if ok {
		release()
	}
}

// releaseAll releases every lock still held.
func (s *lockSet) releaseAll() {
	s.mu.Lock()
	ids := make([]int, 0, len(s.release))
	for id := range s.release {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.run(id)
	}
}

// stop refuses new locks, cancels the ones being taken, waits up to wait for them to settle,
// and releases every lock held.
func (s *lockSet) stop(wait time.Duration) {
	s.mu.Lock()
	s.stopping = true
	for _, cancel := range s.cancelers {
		cancel()
	}
	s.mu.Unlock()
	settled := make(chan struct{})
	crash.Go(func() {
		s.taking.Wait()
		close(settled)
	})
	select {
	case <-settled:
	case <-time.After(wait):
	}
	s.releaseAll()
}
