// Package encryption seals state and plan documents with a passphrase: AES-256-GCM under a
// key derived with PBKDF2-SHA512, the salt and nonce stored beside the ciphertext.
package encryption

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// Iterations is the PBKDF2 work factor of new documents (OWASP's 2023 advice for
// PBKDF2-HMAC-SHA512 is 210,000; this is well above it). Documents record their own count, so
// it can grow without breaking old ones.
const Iterations = 600_000

// minIterations refuses a document whose recorded work factor was lowered to weaken it.
const minIterations = 600_000

// maxIterations bounds the work a hostile document can demand.
const maxIterations = 10_000_000

// format marks a sealed document; its first bytes tell it from a plain JSON document.
const format = "j1hcl-encrypted-v1"

// envelope is a sealed document as stored: JSON, so a reader that finds one knows what it is.
type envelope struct {
	Format     string `json:"format"`
	KDF        string `json:"kdf"`
	Iterations int    `json:"iterations"`
	Salt       []byte `json:"salt"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

// ErrWrongPassphrase is Open's answer when the passphrase does not open the document (or the
// document was altered).
var ErrWrongPassphrase = errors.New("the passphrase does not open it (or it was altered)")

// IsSealed reports whether data is a sealed document.
func IsSealed(data []byte) bool {
	data = bytes.TrimLeft(data, " \t\r\n")
	return bytes.HasPrefix(data, []byte(`{"format":"`+format+`"`))
}

// Sealer seals and opens documents with one passphrase. It remembers the keys it derived, so
// that a command reading and writing the same document pays for the derivation once.
type Sealer struct {
	passphrase []byte

	mu   sync.Mutex
	keys map[string][]byte // by salt
	salt []byte            // the salt of new documents
}

// New returns a Sealer for passphrase, which must not be empty.
func New(passphrase string) (*Sealer, error) {
	if passphrase == "" {
		return nil, errors.New("the encryption passphrase is empty")
	}
	return &Sealer{passphrase: []byte(passphrase), keys: map[string][]byte{}}, nil
}

func (s *Sealer) key(salt []byte, iterations int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("%x/%d", salt, iterations)
	if k, ok := s.keys[id]; ok {
		return k, nil
	}
	k, err := pbkdf2.Key(sha512.New, string(s.passphrase), salt, iterations, 32)
	if err != nil {
		return nil, err
	}
	s.keys[id] = k
	return k, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plaintext into a sealed document.
func (s *Sealer) Seal(plaintext []byte) ([]byte, error) {
	s.mu.Lock()
	if s.salt == nil {
		s.salt = make([]byte, 16)
		if _, err := rand.Read(s.salt); err != nil {
			s.mu.Unlock()
			return nil, err
		}
	}
	salt := s.salt
	s.mu.Unlock()
	key, err := s.key(salt, Iterations)
	if err != nil {
		return nil, err
	}
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	env := envelope{Format: format, KDF: "pbkdf2-sha512", Iterations: Iterations, Salt: salt, Nonce: nonce}
	env.Ciphertext = aead.Seal(nil, nonce, plaintext, []byte(format))
	out, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Open decrypts a sealed document. A wrong passphrase is ErrWrongPassphrase, never an empty
// document.
func (s *Sealer) Open(data []byte) ([]byte, error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil || env.Format != format {
		return nil, errors.New("this is not an encrypted j1hcl document")
	}
	switch {
	case env.KDF != "pbkdf2-sha512":
		return nil, fmt.Errorf("unknown key derivation %q", env.KDF)
	case env.Iterations < minIterations || env.Iterations > maxIterations:
		return nil, fmt.Errorf("the document asks for %d key derivation iterations, outside %d to %d", env.Iterations, minIterations, maxIterations)
	case len(env.Salt) < 16 || len(env.Salt) > 64:
		return nil, errors.New("the document's salt has a wrong length")
	}
	key, err := s.key(env.Salt, env.Iterations)
	if err != nil {
		return nil, err
	}
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if len(env.Nonce) != aead.NonceSize() {
		return nil, errors.New("the document's nonce has a wrong length")
	}
	plain, err := aead.Open(nil, env.Nonce, env.Ciphertext, []byte(format))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	s.mu.Lock()
	if s.salt == nil {
		s.salt = env.Salt // the next Seal reuses the key just derived
	}
	s.mu.Unlock()
	return plain, nil
}
