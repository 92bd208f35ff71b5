package backend

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/j1hcl/j1hcl/internal/encryption"
)

// Encrypted wraps a Backend so that what it stores is sealed with a passphrase (see package
// encryption); locks pass through unchanged. A state stored before encryption was configured
// is read as it is, once, and sealed by the next write: that is how a state migrates.
type Encrypted struct {
	Backend
	sealer *encryption.Sealer
	plain  atomic.Bool
}

var _ Backend = (*Encrypted)(nil)

// NewEncrypted wraps b.
func NewEncrypted(b Backend, passphrase string) (*Encrypted, error) {
	s, err := encryption.New(passphrase)
	if err != nil {
		return nil, err
	}
	return &Encrypted{Backend: b, sealer: s}, nil
}

// ReadPlaintext reports whether Get found a state that is not encrypted yet.
func (e *Encrypted) ReadPlaintext() bool { return e.plain.Load() }

// Get reads and opens the state.
func (e *Encrypted) Get(ctx context.Context) ([]byte, error) {
	data, err := e.Backend.Get(ctx)
	if err != nil {
		return nil, err
	}
	if !encryption.IsSealed(data) {
		e.plain.Store(true)
		return data, nil
	}
	plain, err := e.sealer.Open(data)
	if errors.Is(err, encryption.ErrWrongPassphrase) {
		return nil, fmt.Errorf("the state is encrypted, and %w: check the passphrase of the encryption block or J1HCL_STATE_PASSPHRASE", err)
	}
	if err != nil {
		return nil, fmt.Errorf("the encrypted state cannot be opened: %w", err)
	}
	return plain, nil
}

// Put seals and stores the state.
func (e *Encrypted) Put(ctx context.Context, data []byte) error {
	sealed, err := e.sealer.Seal(data)
	if err != nil {
		return fmt.Errorf("encrypt the state: %w", err)
	}
	return e.Backend.Put(ctx, sealed)
}
