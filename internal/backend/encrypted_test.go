package backend

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/encryption"
)

func encryptedKind() kind {
	return kind{name: "encrypted local", place: func(t *testing.T) func(t *testing.T) Backend {
		path := filepath.Join(t.TempDir(), "j1hcl.state.json")
		return func(t *testing.T) Backend {
			b, err := NewEncrypted(NewLocal(path), "conformance passphrase")
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}}
}

func TestEncryptedConformance(t *testing.T) { runConformance(t, encryptedKind()) }

func TestEncryptedState(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "j1hcl.state.json")
	plain := NewLocal(path)
	f := sampleState(t, 1, "secret-entity-name")
	if err := WriteState(ctx, plain, f); err != nil {
		t.Fatal(err)
	}

	// Adding encryption: the plain state is read once, and the next write seals it.
	enc, _ := NewEncrypted(NewLocal(path), "the passphrase")
	got, err := ReadState(ctx, enc)
	if err != nil || got.Serial != 1 || !enc.ReadPlaintext() {
		t.Fatalf("reading the unencrypted state for migration: %v (plain: %v)", err, enc.ReadPlaintext())
	}
	if err := WriteState(ctx, enc, got); err != nil {
		t.Fatal(err)
	}
	stored, _ := os.ReadFile(path)
	if !encryption.IsSealed(stored) || bytes.Contains(stored, []byte("secret-entity-name")) || bytes.Contains(stored, []byte("the passphrase")) {
		t.Fatalf("the stored state is not sealed:\n%s", stored)
	}

	// The right passphrase reads it; a wrong one, or none, is a clear error and no state.
	again, _ := NewEncrypted(NewLocal(path), "the passphrase")
	if back, err := ReadState(ctx, again); err != nil || back.Serial != 1 || again.ReadPlaintext() {
		t.Fatalf("ReadState with the passphrase = %v, %v", back, err)
	}
	wrong, _ := NewEncrypted(NewLocal(path), "not the passphrase")
	if back, err := ReadState(ctx, wrong); err == nil || back != nil || !strings.Contains(err.Error(), "passphrase does not open it") {
		t.Fatalf("ReadState with a wrong passphrase = %v, %v", back, err)
	}
	if back, err := ReadState(ctx, NewLocal(path)); err == nil || back != nil || !strings.Contains(err.Error(), "is encrypted") {
		t.Fatalf("ReadState without a passphrase = %v, %v", back, err)
	}
}
