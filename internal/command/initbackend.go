package command

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/j1hcl/j1hcl/internal/backend"
)

// initArgs are the arguments of init in a configured directory.
type initArgs struct {
	state     stateArgs
	migrate   bool
	forceCopy bool
}

// initConfigured is init in a directory that has a configuration: it writes no file. It
// checks the backend (reachable, credentials, its tables or bucket) and says what it holds;
// with -migrate-state it copies the local state file into the backend.
func (m *meta) initConfigured(ctx context.Context, a initArgs) error {
	settings, err := m.stateSettings(nil)
	if err != nil {
		return err
	}
	source := a.state.path
	dest := a.state
	dest.pathSet = false // -state names the migration's source here
	store, err := m.backendFor(ctx, dest, settings)
	if err != nil {
		return err
	}
	defer store.Close()
	out := m.env.Stdout
	kind := "local"
	if settings.Backend != nil {
		kind = settings.Backend.Kind
	}
	if s3, ok := unwrap(store).(*backend.S3); ok {
		if err := s3.CheckBucket(ctx); err != nil {
			return fmt.Errorf("check the %s backend %s: %w", kind, store, err)
		}
	}
	current, err := backend.ReadState(ctx, store)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(out, "The %s backend %s is reachable and holds no state yet.\n", kind, store)
	case err != nil:
		return fmt.Errorf("check the %s backend: %w", kind, err)
	default:
		fmt.Fprintf(out, "The %s backend %s is reachable and holds the state of %s (lineage %s, serial %d).\n", kind, store, current.Target, current.Lineage, current.Serial)
	}
	plaintext := false
	if enc, ok := store.(*backend.Encrypted); ok && current != nil && enc.ReadPlaintext() {
		plaintext = true
		fmt.Fprintf(out, "Its state is not encrypted yet: the next command that writes it encrypts it (or run j1hcl init -migrate-state now).\n")
	}
	if !a.migrate {
		return nil
	}

	if local, ok := unwrap(store).(*backend.Local); ok && sameFile(local.Path, source) {
		if !plaintext {
			fmt.Fprintf(out, "The backend is the local state file %s itself: there is nothing to migrate.\n", source)
			return nil
		}
	}
	from, err := m.readStateFile(source, settings)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("-migrate-state: there is no local state file %s to migrate (pass -state=PATH to name it)", source)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nMigrate the state\n  from: the local file %s (lineage %s, serial %d)\n  to:   the %s backend %s\n", source, from.Lineage, from.Serial, kind, store)
	lock, err := backend.Acquire(ctx, store, "init -migrate-state", a.state.lockTimeout)
	if err != nil {
		return err
	}
	defer func() {
		if err := lock.Unlock(context.WithoutCancel(ctx)); err != nil {
			m.view.Warning(fmt.Sprintf("could not release the state lock: %s", err))
		}
	}()
	current, err = backend.ReadState(ctx, store) // again, under the lock
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if current != nil && current.Lineage != from.Lineage {
		return fmt.Errorf("the %s backend already holds a state of another lineage (%s, serial %d, %s): migrating would replace it. Point the backend at an empty place, or remove that state there first if it is no longer wanted; nothing was changed",
			kind, current.Lineage, current.Serial, current.Target)
	}
	if current != nil && current.Serial > from.Serial {
		return fmt.Errorf("the %s backend holds a newer version of this state (serial %d, the local file has %d): nothing to migrate, and nothing was changed", kind, current.Serial, from.Serial)
	}
	if current != nil && current.Serial == from.Serial && current.Hash() == from.Hash() && !plaintext {
		fmt.Fprintf(out, "The backend already holds this state: nothing to migrate.\n")
		return nil
	}
	if !a.forceCopy {
		ok, err := m.confirm("Copy the state into the backend? Only 'yes' will be accepted: ", "run j1hcl init -migrate-state -force-copy to migrate without asking")
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("migration cancelled; nothing was changed")
		}
	}
	if err := backend.WriteState(ctx, store, from); err != nil {
		return fmt.Errorf("migrate the state: %w", err)
	}
	fmt.Fprintf(out, "%s The state is now in the %s backend %s.\n", m.pal.Bold(m.pal.Green("Migrated.")), kind, store)
	if local, ok := unwrap(store).(*backend.Local); !ok || !sameFile(local.Path, source) {
		fmt.Fprintf(out, "The local file %s was left as it was: delete it (and its .backup) once you have checked the backend, so that nobody applies against it.\n", source)
	}
	return nil
}

// unwrap returns the backend under an encryption wrapper.
func unwrap(b backend.Backend) backend.Backend {
	if e, ok := b.(*backend.Encrypted); ok {
		return e.Backend
	}
	return b
}

func sameFile(a, b string) bool {
	a, errA := filepath.Abs(a)
	b, errB := filepath.Abs(b)
	return errA == nil && errB == nil && a == b
}
