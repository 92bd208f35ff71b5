package backend

import (
	"context"
	"strings"
	"testing"

	"github.com/j1hcl/j1hcl/internal/backend/backendtest"
)

func httpConfig(srv *backendtest.HTTPStateServer) HTTPConfig {
	return HTTPConfig{Address: srv.URL, LockAddress: srv.URL, UnlockAddress: srv.URL, Username: srv.Username, Password: srv.Password}
}

func httpKind() kind {
	return kind{name: "http", place: func(t *testing.T) func(t *testing.T) Backend {
		srv := backendtest.HTTPState(t, "ci", "http-pass-123")
		return func(t *testing.T) Backend {
			b, err := NewHTTP(httpConfig(srv))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}}
}

func TestHTTPConformance(t *testing.T) { runConformance(t, httpKind()) }

// Updates carry the held lock's ID as the protocol says; a server that checks it refuses an
// update from a client that does not hold the lock.
func TestHTTPUpdateNamesTheLock(t *testing.T) {
	ctx := context.Background()
	srv := backendtest.HTTPState(t, "", "")
	holder, _ := NewHTTP(httpConfig(srv))
	other, _ := NewHTTP(httpConfig(srv))
	l, err := Acquire(ctx, holder, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Put(ctx, []byte("{}")); err != nil {
		t.Fatalf("Put by the holder: %v", err)
	}
	if err := other.Put(ctx, []byte("{}")); err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("Put by a client without the lock = %v, want 409", err)
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPFaults(t *testing.T) {
	ctx := context.Background()
	srv := backendtest.HTTPState(t, "ci", "http-pass-123")
	tests := []struct {
		name string
		cfg  HTTPConfig
		want string
	}{
		{"no credentials", HTTPConfig{Address: srv.URL}, "needs credentials"},
		{"wrong credentials", HTTPConfig{Address: srv.URL, Username: "ci", Password: "wrong-pass-456"}, "refused the credentials"},
		{"an unreachable server", HTTPConfig{Address: "http://user:pw-789@127.0.0.1:1/state"}, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewHTTP(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.Get(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Get = %v, want an error saying %q", err, tt.want)
			}
			for _, secret := range []string{"wrong-pass-456", "pw-789", "http-pass-123"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(b.String(), secret) {
					t.Fatalf("a password shows: %v / %s", err, b)
				}
			}
		})
	}
	if _, err := NewHTTP(HTTPConfig{Address: "ftp://x"}); err == nil {
		t.Error("an ftp address was accepted")
	}
	if _, err := NewHTTP(HTTPConfig{Address: srv.URL, LockAddress: srv.URL}); err == nil {
		t.Error("lock_address without unlock_address was accepted")
	}
}
