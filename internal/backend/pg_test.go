package backend

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/j1hcl/j1hcl/internal/backend/backendtest"
)

var pgSchemas atomic.Int32

func pgKind() kind {
	return kind{name: "pg", liveLockIsKept: true, place: func(t *testing.T) func(t *testing.T) Backend {
		conn := backendtest.Postgres(t)
		schema := fmt.Sprintf("conformance_%d", pgSchemas.Add(1))
		return func(t *testing.T) Backend {
			b, err := NewPostgres(PGConfig{ConnStr: conn, SchemaName: schema})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}}
}

func TestPostgresConformance(t *testing.T) { runConformance(t, pgKind()) }

// A lock whose session is alive is not force-unlocked: the error names the server process
// and how to end it; once that session ends, force-unlock clears the record.
func TestPostgresForceUnlockOfALiveSession(t *testing.T) {
	ctx := context.Background()
	open := pgKind().place(t)
	holder, other := openOne(t, open), openOne(t, open)
	info := NewLockInfo("apply", time.Now())
	if err := holder.Lock(ctx, info); err != nil {
		t.Fatal(err)
	}
	locked := asLocked(t, other.Lock(ctx, NewLockInfo("plan", time.Now())))
	if locked.Info == nil || locked.Info.ID != info.ID || !strings.Contains(locked.Note, "PostgreSQL server process") {
		t.Fatalf("LockedError = %+v", locked)
	}
	err := other.ForceUnlock(ctx, info.ID)
	if err == nil || !strings.Contains(err.Error(), "live PostgreSQL session") || !strings.Contains(err.Error(), "pg_terminate_backend(") {
		t.Fatalf("ForceUnlock of a live session = %v", err)
	}
	pid := holder.(*Postgres).lockConn.PgConn().PID()
	conn, err := pgx.Connect(ctx, backendtest.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := other.ForceUnlock(ctx, info.ID)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ForceUnlock after the session ended: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	next := NewLockInfo("apply", time.Now())
	if err := other.Lock(ctx, next); err != nil {
		t.Fatal(err)
	}
	if err := other.Unlock(ctx, next.ID); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresUnreachable(t *testing.T) {
	b, err := NewPostgres(PGConfig{ConnStr: "postgres://nobody:secret-pw@127.0.0.1:1/db?sslmode=disable&connect_timeout=2"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = b.Get(context.Background())
	if err == nil || strings.Contains(err.Error(), "secret-pw") {
		t.Fatalf("Get from an unreachable server = %v (want an error without the password)", err)
	}
	if strings.Contains(b.String(), "secret-pw") {
		t.Errorf("String() shows the password: %s", b)
	}
	if _, err := NewPostgres(PGConfig{ConnStr: "postgres://u:secret-pw@host:notaport/db"}); err == nil || strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("a bad connection string = %v (want an error without the password)", err)
	}
}
