// Package backend stores the state document where a team shares it (a local file, S3,
// PostgreSQL, an HTTP server) and locks it while a command works on it.
//
// A Backend moves the encoded document and the lock; it knows nothing of the document's
// content. ReadState and WriteState turn documents into state files through internal/state,
// Locker.Acquire is the one lock wait loop for every kind, and Encrypted wraps any Backend to
// encrypt what it stores. Every kind passes the same conformance test (conformance_test.go).
package backend

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/j1hcl/j1hcl/internal/encryption"
	"github.com/j1hcl/j1hcl/internal/model"
	"github.com/j1hcl/j1hcl/internal/state"
)

// Backend is where one state document lives, and its lock.
//
// Lock takes the lock at once or fails with a *LockedError naming the holder; waiting is the
// caller's (Locker.Acquire). Unlock releases a lock this process took, and only while it still
// holds it; ForceUnlock releases a lock whatever process took it, but only when its id is the
// one given, so that a lock taken since the user looked is never broken by mistake. Kinds that
// hold a lock through a session (PostgreSQL) keep it until Unlock or Close.
type Backend interface {
	// Get returns the stored document. No document is an error wrapping ErrNoState.
	Get(ctx context.Context) ([]byte, error)
	// Put replaces the stored document; a failure leaves the previous one.
	Put(ctx context.Context, data []byte) error
	// Delete removes the stored document; no document is no error.
	Delete(ctx context.Context) error
	// Lock takes the lock for info, or fails with a *LockedError.
	Lock(ctx context.Context, info LockInfo) error
	// Unlock releases the lock with id this process took.
	Unlock(ctx context.Context, id string) error
	// LockHolder returns who holds the lock; ErrNotLocked when nobody does.
	LockHolder(ctx context.Context) (*LockInfo, error)
	// ForceUnlock releases the lock if its id is id.
	ForceUnlock(ctx context.Context, id string) error
	// Close ends the backend's connections (and a lock held through one).
	Close() error
	// String names where the state lives, for messages (never with credentials).
	String() string
}

// ErrNoState marks a backend holding no state yet; errors.Is(err, fs.ErrNotExist) holds too.
var ErrNoState = fmt.Errorf("no state is stored there yet: %w", fs.ErrNotExist)

// ErrNotLocked is LockHolder's and ForceUnlock's answer for a state nobody has locked.
var ErrNotLocked = errors.New("the state is not locked")

// LockIDError is ForceUnlock's refusal of an id that is not the lock's.
type LockIDError struct {
	Want string   // the id given
	Held LockInfo // the lock actually held
}

func (e *LockIDError) Error() string {
	return fmt.Sprintf("the lock has ID %s (held by %s for %q since %s), not %s; nothing was changed",
		e.Held.ID, e.Held.Who, e.Held.Operation, e.Held.Created, e.Want)
}

// ReadState reads and decodes the state b holds. No state is an error wrapping ErrNoState.
func ReadState(ctx context.Context, b Backend) (*state.File, error) {
	return ReadStateShared(ctx, b, nil)
}

// ReadStateShared is ReadState for a state about to be compared with like (nil: none): the
// recorded objects equal to like's share their properties (see state.DecodeShared).
func ReadStateShared(ctx context.Context, b Backend, like *model.Graph) (*state.File, error) {
	data, err := b.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("read state from %s: %w", b, err)
	}
	if encryption.IsSealed(data) {
		return nil, fmt.Errorf("the state in %s is encrypted: give its passphrase with an encryption block or J1HCL_STATE_PASSPHRASE", b)
	}
	return state.DecodeShared(data, b.String(), like)
}

// WriteState encodes f and stores it in b.
func WriteState(ctx context.Context, b Backend, f *state.File) error {
	parts, err := f.EncodeParts()
	if err != nil {
		return err
	}
	if err := PutParts(ctx, b, parts); err != nil {
		return fmt.Errorf("write state to %s: %w", b, err)
	}
	return nil
}

// partsPutter is a Backend that stores a document given in consecutive parts without
// joining them first: a state of a million objects is hundreds of megabytes.
type partsPutter interface {
	PutParts(ctx context.Context, parts state.Parts) error
}

// PutParts stores the document made of parts in b, as Put does; the parts are joined into
// one buffer only for a backend that needs one (a network request, an encryption).
func PutParts(ctx context.Context, b Backend, parts state.Parts) error {
	if p, ok := b.(partsPutter); ok {
		return p.PutParts(ctx, parts)
	}
	return b.Put(ctx, parts.Join())
}

// opTimeout bounds one request of a network backend when the caller's context sets no
// deadline of its own.
const opTimeout = time.Minute

// bounded returns ctx with opTimeout as its deadline unless it has an earlier one.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, opTimeout)
}
