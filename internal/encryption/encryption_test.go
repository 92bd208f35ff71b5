package encryption

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestSealThenOpen(t *testing.T) {
	s, err := New("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"format_version": 1, "secret": "s3cr3t-value"}`)
	sealed, err := s.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !IsSealed(sealed) || IsSealed(plain) {
		t.Fatal("IsSealed does not tell sealed from plain documents")
	}
	if bytes.Contains(sealed, []byte("s3cr3t-value")) || bytes.Contains(sealed, []byte("correct horse")) {
		t.Fatal("the sealed document shows the plaintext or the passphrase")
	}
	var env envelope
	if err := json.Unmarshal(sealed, &env); err != nil || env.Iterations < 600_000 || len(env.Salt) != 16 || env.KDF != "pbkdf2-sha512" {
		t.Fatalf("envelope = %+v, %v", env, err)
	}
	// A new Sealer (a later command) opens it.
	other, _ := New("correct horse battery staple")
	got, err := other.Open(sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	again, _ := s.Seal(plain)
	if bytes.Equal(again, sealed) {
		t.Error("two seals of one document are equal: the nonce is not fresh")
	}
}

func TestOpenRefuses(t *testing.T) {
	s, _ := New("right")
	sealed, _ := s.Seal([]byte("{}"))
	wrong, _ := New("wrong")
	if got, err := wrong.Open(sealed); !errors.Is(err, ErrWrongPassphrase) || got != nil {
		t.Fatalf("Open with a wrong passphrase = %q, %v; want ErrWrongPassphrase and nothing", got, err)
	}
	var env envelope
	_ = json.Unmarshal(sealed, &env)
	tests := map[string]func(e *envelope){
		"altered ciphertext": func(e *envelope) { e.Ciphertext[0] ^= 1 },
		"weakened work":      func(e *envelope) { e.Iterations = 1000 },
		"excessive work":     func(e *envelope) { e.Iterations = 1 << 30 },
		"short salt":         func(e *envelope) { e.Salt = e.Salt[:4] },
		"unknown derivation": func(e *envelope) { e.KDF = "md5" },
		"wrong nonce length": func(e *envelope) { e.Nonce = e.Nonce[:3] },
	}
	for name, alter := range tests {
		e := env
		e.Ciphertext = bytes.Clone(env.Ciphertext)
		alter(&e)
		data, _ := json.Marshal(e)
		if got, err := s.Open(data); err == nil || got != nil {
			t.Errorf("%s: Open = %q, %v; want an error", name, got, err)
		}
	}
	if _, err := New(""); err == nil {
		t.Error("an empty passphrase was accepted")
	}
}
