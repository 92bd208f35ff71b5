package backend

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
)

// kind is one backend under the conformance suite.
type kind struct {
	name string
	// place returns a function opening new, independent clients (own connections, own
	// sessions) of one fresh, empty state location.
	place func(t *testing.T) (open func(t *testing.T) Backend)
	// liveLockIsKept is true for kinds whose force-unlock refuses a lock whose holder is
	// provably alive (PostgreSQL, where the server knows the holder's session).
	liveLockIsKept bool
}

// openOne opens a client and closes it at the end of the test.
func openOne(t *testing.T, open func(t *testing.T) Backend) Backend {
	t.Helper()
	b := open(t)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func sampleState(t *testing.T, serial uint64, names ...string) *state.File {
	t.Helper()
	f := state.New(state.Target{Source: state.SourceAPI, Scope: "conformance"}, "test")
	f.Lineage = "6a0b7a8e-1c55-4b7d-9a53-2b8f3c1d0e01"
	f.Serial = serial
	g := &model.Graph{}
	for _, n := range names {
		g.Entities = append(g.Entities, &model.Object{Kind: model.KindEntity, Address: "entity.x." + n,
			Props: model.Properties{"_key": "k-" + n, "_type": "t", "_class": "Record", "name": n}})
	}
	f.SetObjects(g)
	return f
}

func encoded(t *testing.T, f *state.File) string {
	t.Helper()
	data, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func asLocked(t *testing.T, err error) *LockedError {
	t.Helper()
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("error = %v, want a *LockedError", err)
	}
	return locked
}

// runConformance is the suite every backend passes: the behaviour of the local state file is
// the reference.
func runConformance(t *testing.T, k kind) {
	ctx := context.Background()
	info := func(op string) LockInfo { return NewLockInfo(op, time.Now()) }

	t.Run("an empty place holds no state", func(t *testing.T) {
		b := openOne(t, k.place(t))
		if _, err := b.Get(ctx); !errors.Is(err, ErrNoState) || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Get = %v, want ErrNoState", err)
		}
		if _, err := ReadState(ctx, b); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("ReadState = %v, want not-exist", err)
		}
		if err := b.Delete(ctx); err != nil {
			t.Fatalf("Delete of nothing: %v", err)
		}
		if _, err := b.LockHolder(ctx); !errors.Is(err, ErrNotLocked) {
			t.Fatalf("LockHolder = %v, want ErrNotLocked", err)
		}
	})

	t.Run("what is written is read back, by any client", func(t *testing.T) {
		open := k.place(t)
		a, other := openOne(t, open), openOne(t, open)
		for serial := uint64(1); serial <= 3; serial++ {
			f := sampleState(t, serial, "a", "b")
			if err := WriteState(ctx, a, f); err != nil {
				t.Fatal(err)
			}
			got, err := ReadState(ctx, other)
			if err != nil {
				t.Fatal(err)
			}
			if encoded(t, got) != encoded(t, f) {
				t.Fatalf("serial %d: read back a different state", serial)
			}
			if got.Lineage != f.Lineage || got.Serial != serial || got.Hash() != f.Hash() {
				t.Fatalf("lineage, serial or hash changed: %s %d", got.Lineage, got.Serial)
			}
		}
		if err := other.Delete(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Get(ctx); !errors.Is(err, ErrNoState) {
			t.Fatalf("Get after Delete = %v, want ErrNoState", err)
		}
	})

	t.Run("a held lock names its holder to every other client", func(t *testing.T) {
		open := k.place(t)
		a, b := openOne(t, open), openOne(t, open)
		held := info("apply")
		if err := a.Lock(ctx, held); err != nil {
			t.Fatal(err)
		}
		locked := asLocked(t, b.Lock(ctx, info("plan")))
		if locked.Info == nil || *locked.Info != held || locked.Where == "" {
			t.Fatalf("LockedError = %+v, want the holder %+v", locked, held)
		}
		if got, err := b.LockHolder(ctx); err != nil || *got != held {
			t.Fatalf("LockHolder = %+v, %v", got, err)
		}
		if err := a.Unlock(ctx, held.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.LockHolder(ctx); !errors.Is(err, ErrNotLocked) {
			t.Fatalf("LockHolder after Unlock = %v, want ErrNotLocked", err)
		}
		next := info("plan")
		if err := b.Lock(ctx, next); err != nil {
			t.Fatalf("Lock after Unlock: %v", err)
		}
		if err := b.Unlock(ctx, next.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a waiting Acquire succeeds once the lock is released", func(t *testing.T) {
		open := k.place(t)
		a, b := openOne(t, open), openOne(t, open)
		first, err := Acquire(ctx, a, "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		var released atomic.Bool
		go func() {
			time.Sleep(300 * time.Millisecond)
			released.Store(true)
			if err := first.Unlock(ctx); err != nil {
				t.Error(err)
			}
		}()
		second, err := Locker{RetryInterval: 20 * time.Millisecond}.Acquire(ctx, b, "apply", 20*time.Second)
		if err != nil {
			t.Fatalf("Acquire with a timeout: %v", err)
		}
		if !released.Load() {
			t.Error("Acquire succeeded while the first lock was held")
		}
		if err := second.Unlock(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a waiting Acquire gives up at its timeout, naming the holder", func(t *testing.T) {
		open := k.place(t)
		a, b := openOne(t, open), openOne(t, open)
		first, err := Acquire(ctx, a, "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer first.Unlock(ctx)
		_, err = Locker{RetryInterval: 20 * time.Millisecond}.Acquire(ctx, b, "apply", 150*time.Millisecond)
		locked := asLocked(t, err)
		if locked.Waited < 150*time.Millisecond || locked.Info == nil || locked.Info.ID != first.Info().ID {
			t.Fatalf("LockedError after the timeout = %+v", locked)
		}
	})

	t.Run("force-unlock needs the lock's id and frees the lock of a holder that died", func(t *testing.T) {
		open := k.place(t)
		dead, b := open(t), openOne(t, open)
		held := info("apply")
		if err := dead.Lock(ctx, held); err != nil {
			t.Fatal(err)
		}
		var wrong *LockIDError
		if err := b.ForceUnlock(ctx, "not-the-id"); !errors.As(err, &wrong) || wrong.Held.ID != held.ID {
			t.Fatalf("ForceUnlock with a wrong id = %v, want a *LockIDError naming %s", err, held.ID)
		}
		if got, err := b.LockHolder(ctx); err != nil || got.ID != held.ID {
			t.Fatalf("the lock is gone after a refused force-unlock: %+v %v", got, err)
		}
		_ = dead.Close() // the holder dies without unlocking
		// A server may end a closed session a moment later (PostgreSQL's backend process
		// exits after it reads the disconnect, and only then frees the session's locks):
		// until then the holder is alive, and force-unlock rightly refuses.
		err := b.ForceUnlock(ctx, held.ID)
		for deadline := time.Now().Add(5 * time.Second); err != nil && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			err = b.ForceUnlock(ctx, held.ID)
		}
		if err != nil {
			t.Fatalf("ForceUnlock of a dead holder's lock: %v", err)
		}
		if _, err := b.LockHolder(ctx); !errors.Is(err, ErrNotLocked) {
			t.Fatalf("LockHolder after force-unlock = %v, want ErrNotLocked", err)
		}
		if err := b.ForceUnlock(ctx, held.ID); !errors.Is(err, ErrNotLocked) {
			t.Fatalf("ForceUnlock without a lock = %v, want ErrNotLocked", err)
		}
		next := info("apply")
		if err := b.Lock(ctx, next); err != nil {
			t.Fatalf("Lock after force-unlock: %v", err)
		}
		if err := b.Unlock(ctx, next.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("the holder of a force-unlocked lock does not release its successor's", func(t *testing.T) {
		if k.liveLockIsKept {
			t.Skip("this kind refuses to force-unlock a live holder (its own test covers that)")
		}
		open := k.place(t)
		a, b := openOne(t, open), openOne(t, open)
		first := info("apply")
		if err := a.Lock(ctx, first); err != nil {
			t.Fatal(err)
		}
		if err := b.ForceUnlock(ctx, first.ID); err != nil {
			t.Fatal(err)
		}
		next := info("apply")
		if err := b.Lock(ctx, next); err != nil {
			t.Fatal(err)
		}
		if err := a.Unlock(ctx, first.ID); err == nil {
			t.Error("Unlock of a force-unlocked lock succeeded")
		}
		if got, err := b.LockHolder(ctx); err != nil || got.ID != next.ID {
			t.Fatalf("the new lock did not survive the old holder's Unlock: %+v %v", got, err)
		}
		if err := b.Unlock(ctx, next.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("of clients locking at once exactly one wins", func(t *testing.T) {
		open := k.place(t)
		const n = 6
		clients := make([]Backend, n)
		for i := range clients {
			clients[i] = openOne(t, open)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, c := range clients {
			wg.Go(func() {
				<-start
				err := c.Lock(ctx, info("apply"))
				var locked *LockedError
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.As(err, &locked):
					t.Errorf("Lock: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d clients got the lock, want exactly 1", wins.Load())
		}
	})

	t.Run("waiting clients take turns and never overlap", func(t *testing.T) {
		open := k.place(t)
		var holders, entries atomic.Int32
		var wg sync.WaitGroup
		for range 4 {
			c := openOne(t, open)
			wg.Go(func() {
				for range 3 {
					l, err := Locker{RetryInterval: 5 * time.Millisecond}.Acquire(ctx, c, "apply", time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if n := holders.Add(1); n != 1 {
						t.Errorf("%d holders at once", n)
					}
					entries.Add(1)
					time.Sleep(2 * time.Millisecond)
					holders.Add(-1)
					if err := l.Unlock(ctx); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		if entries.Load() != 12 {
			t.Errorf("%d critical sections ran, want 12", entries.Load())
		}
	})
}
