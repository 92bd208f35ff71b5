package state

import (
	"bufio"
	"fmt"

	"github.com/j1hcl/j1hcl/internal/atomicfile"
)

// BackupSuffix is appended to the state path to name the copy of the previous version.
const BackupSuffix = ".backup"

// Write encodes f and stores it at path with WriteParts, keeping the previous content as
// path+BackupSuffix: a crash at any instant leaves the old or the new state at path, and a
// failure leaves the old state byte for byte. A new file gets mode 0600 (the state may hold
// sensitive values).
func Write(path string, f *File) error {
	parts, err := f.EncodeParts()
	if err != nil {
		return err
	}
	if err := WriteParts(path, parts); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// WriteParts stores an encoded state at path as Write does: atomically, the previous content
// kept as path+BackupSuffix, a new file with mode 0600. The parts are written one after the
// other, never joined: a state of a million objects is hundreds of megabytes.
func WriteParts(path string, parts Parts) error {
	return atomicfile.Writer{BackupSuffix: BackupSuffix}.Write(path, 0o600, func(w *bufio.Writer) error {
		_, err := parts.WriteTo(w)
		return err
	})
}
