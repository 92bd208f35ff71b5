package backend

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultPGSchema is the schema of the pg backend's tables unless schema_name says otherwise.
const DefaultPGSchema = "j1hcl_remote_state"

// pgStateName names the one state of a schema (j1hcl has no workspaces).
const pgStateName = "default"

// PGConfig configures the pg backend.
type PGConfig struct {
	// ConnStr is a libpq connection string or URL; empty means the PG* environment
	// variables alone, as libpq reads them.
	ConnStr string
	// SchemaName holds the tables; DefaultPGSchema when empty.
	SchemaName string
}

// Postgres keeps the state in a PostgreSQL table, one row per state name, and locks it with
// a session-level advisory lock held on a connection of its own for as long as the command
// runs. A second table records the holder (who, operation, created, and the server process of
// its session) so that a refused lock can name it. The server frees the advisory lock when
// the holding session ends, so a crashed j1hcl never leaves the state locked; its record is
// then stale, and force-unlock removes it.
type Postgres struct {
	schema string
	key    int64 // the advisory lock's key
	cfg    *pgxpool.Config

	setupMu sync.Mutex
	pool    *pgxpool.Pool // set once setup succeeded

	mu       sync.Mutex
	lockConn *pgx.Conn // holds the advisory lock
}

var _ Backend = (*Postgres)(nil)

// NewPostgres parses the configuration; it connects on first use.
func NewPostgres(c PGConfig) (*Postgres, error) {
	schema := c.SchemaName
	if schema == "" {
		schema = DefaultPGSchema
	}
	cfg, err := pgxpool.ParseConfig(c.ConnStr)
	if err != nil {
		// pgx's parse errors quote the connection string, password included.
		return nil, errors.New("conn_str is not a valid PostgreSQL connection string or URL")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "j1hcl"
	}
	cfg.MaxConns = 2
	h := fnv.New64a()
	h.Write([]byte("j1hcl state " + schema + "." + pgStateName))
	return &Postgres{schema: schema, key: int64(h.Sum64()), cfg: cfg}, nil
}

func (p *Postgres) String() string {
	c := p.cfg.ConnConfig
	return fmt.Sprintf("pg %s:%d/%s schema %s", c.Host, c.Port, c.Database, p.schema)
}

func (p *Postgres) table(name string) string { return pgx.Identifier{p.schema, name}.Sanitize() }

// setup connects and creates the schema and its tables when missing. Concurrent setups are
// serialized by a transaction-level advisory lock: CREATE ... IF NOT EXISTS alone races.
func (p *Postgres) setup(ctx context.Context) error {
	p.setupMu.Lock()
	defer p.setupMu.Unlock()
	if p.pool != nil {
		return nil
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), p.cfg)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7236985131802394929)"); err != nil {
			return err
		}
		for _, stmt := range []string{
			"CREATE SCHEMA IF NOT EXISTS " + pgx.Identifier{p.schema}.Sanitize(),
			"CREATE TABLE IF NOT EXISTS " + p.table("states") + " (name text PRIMARY KEY, data bytea NOT NULL, updated timestamptz NOT NULL DEFAULT now())",
			"CREATE TABLE IF NOT EXISTS " + p.table("locks") + " (name text PRIMARY KEY, id text NOT NULL, operation text NOT NULL, who text NOT NULL, pid integer NOT NULL, created text NOT NULL, backend_pid integer NOT NULL)",
		} {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// A failed setup is tried again by the next call: the server may be back.
		pool.Close()
		return fmt.Errorf("connect and create the schema %s: %w", p.schema, err)
	}
	p.pool = pool
	return nil
}

// Get reads the state row.
func (p *Postgres) Get(ctx context.Context) ([]byte, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	if err := p.setup(ctx); err != nil {
		return nil, err
	}
	var data []byte
	err := p.pool.QueryRow(ctx, "SELECT data FROM "+p.table("states")+" WHERE name = $1", pgStateName).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoState
	}
	return data, err
}

// Put replaces the state row in one statement (atomic).
func (p *Postgres) Put(ctx context.Context, data []byte) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	if err := p.setup(ctx); err != nil {
		return err
	}
	_, err := p.pool.Exec(ctx, "INSERT INTO "+p.table("states")+" (name, data) VALUES ($1, $2) "+
		"ON CONFLICT (name) DO UPDATE SET data = excluded.data, updated = now()", pgStateName, data)
	return err
}

// Delete removes the state row.
func (p *Postgres) Delete(ctx context.Context) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	if err := p.setup(ctx); err != nil {
		return err
	}
	_, err := p.pool.Exec(ctx, "DELETE FROM "+p.table("states")+" WHERE name = $1", pgStateName)
	return err
}

func (p *Postgres) where() string {
	return fmt.Sprintf("PostgreSQL advisory lock %d of schema %s", p.key, p.schema)
}

// Lock takes the advisory lock on a connection of its own, which stays open until Unlock or
// Close, and records the holder.
func (p *Postgres) Lock(ctx context.Context, info LockInfo) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	if err := p.setup(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lockConn != nil {
		return p.lockedError(ctx)
	}
	conn, err := pgx.ConnectConfig(ctx, p.cfg.ConnConfig)
	if err != nil {
		return err
	}
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", p.key).Scan(&got); err != nil {
		conn.Close(context.Background())
		return err
	}
	if !got {
		conn.Close(context.Background())
		return p.lockedError(ctx)
	}
	_, err = conn.Exec(ctx, "INSERT INTO "+p.table("locks")+" (name, id, operation, who, pid, created, backend_pid) "+
		"VALUES ($1, $2, $3, $4, $5, $6, pg_backend_pid()) ON CONFLICT (name) DO UPDATE SET "+
		"id = excluded.id, operation = excluded.operation, who = excluded.who, pid = excluded.pid, created = excluded.created, backend_pid = excluded.backend_pid",
		pgStateName, info.ID, info.Operation, info.Who, info.PID, info.Created)
	if err != nil {
		conn.Close(context.Background()) // ends the session, and so the lock
		return fmt.Errorf("record the lock holder: %w", err)
	}
	p.lockConn = conn
	return nil
}

// holder reads the lock record and the server process of its session.
func (p *Postgres) holder(ctx context.Context) (*LockInfo, int32, error) {
	var i LockInfo
	var backendPID int32
	err := p.pool.QueryRow(ctx, "SELECT id, operation, who, pid, created, backend_pid FROM "+p.table("locks")+" WHERE name = $1", pgStateName).
		Scan(&i.ID, &i.Operation, &i.Who, &i.PID, &i.Created, &backendPID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, ErrNotLocked
	}
	if err != nil {
		return nil, 0, err
	}
	return &i, backendPID, nil
}

// lockingProcess returns the server process whose session holds the advisory lock; 0 when
// none does.
func (p *Postgres) lockingProcess(ctx context.Context) (int32, error) {
	var pid int32
	// A bigint advisory key is stored as classid (high half) and objid (low half).
	err := p.pool.QueryRow(ctx, "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "+
		"AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1",
		int64(uint64(p.key)>>32), int64(uint64(p.key)&0xffffffff)).Scan(&pid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return pid, err
}

// lockedError names the holder. A holder records itself a moment after taking the lock, so a
// record that is missing or belongs to another session is read again briefly.
func (p *Postgres) lockedError(ctx context.Context) error {
	e := &LockedError{Where: p.where()}
	for range 20 {
		pid, err := p.lockingProcess(ctx)
		if err != nil {
			return err
		}
		if pid != 0 {
			e.Note = fmt.Sprintf("PostgreSQL server process %d holds it", pid)
		}
		info, backendPID, err := p.holder(ctx)
		if err == nil && (pid == 0 || backendPID == pid) {
			e.Info = info
			return e
		}
		time.Sleep(50 * time.Millisecond)
	}
	return e
}

// Unlock removes the record and releases the advisory lock by ending its session.
func (p *Postgres) Unlock(ctx context.Context, id string) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	conn := p.lockConn
	if conn == nil {
		return errors.New("this j1hcl holds no lock of " + p.String())
	}
	p.lockConn = nil
	defer conn.Close(context.Background())
	tag, err := conn.Exec(ctx, "DELETE FROM "+p.table("locks")+" WHERE name = $1 AND id = $2", pgStateName, id)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", p.key); err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("the record of lock %s was removed by someone else while this lock was held", id)
	}
	return nil
}

// LockHolder reads the lock record (which may be stale: see ForceUnlock).
func (p *Postgres) LockHolder(ctx context.Context) (*LockInfo, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	if err := p.setup(ctx); err != nil {
		return nil, err
	}
	info, _, err := p.holder(ctx)
	return info, err
}

// ForceUnlock removes the record of a lock whose session has ended. A lock whose session is
// alive is refused, naming the server process that holds it and how to end it: the server
// keeps an advisory lock for exactly as long as its holder lives, so that is the one safe way.
func (p *Postgres) ForceUnlock(ctx context.Context, id string) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	if err := p.setup(ctx); err != nil {
		return err
	}
	held, _, err := p.holder(ctx)
	if err != nil {
		return err
	}
	if held.ID != id {
		return &LockIDError{Want: id, Held: *held}
	}
	conn, err := pgx.ConnectConfig(ctx, p.cfg.ConnConfig)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", p.key).Scan(&got); err != nil {
		return err
	}
	if !got {
		pid, err := p.lockingProcess(ctx)
		if err != nil {
			return err
		}
		return fmt.Errorf("lock %s (%s, %q since %s) is held by a live PostgreSQL session: server process %d holds the %s. "+
			"The lock ends by itself when that session does; if the j1hcl that took it is gone but its session hangs, end the session with "+
			"SELECT pg_terminate_backend(%d); then the lock is free, and force-unlock clears its record", id, held.Who, held.Operation, held.Created, pid, p.where(), pid)
	}
	if _, err := conn.Exec(ctx, "DELETE FROM "+p.table("locks")+" WHERE name = $1 AND id = $2", pgStateName, id); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", p.key)
	return err
}

// Close ends the backend's connections, and with them a lock still held.
func (p *Postgres) Close() error {
	p.mu.Lock()
	if p.lockConn != nil {
		p.lockConn.Close(context.Background())
		p.lockConn = nil
	}
	p.mu.Unlock()
	p.setupMu.Lock()
	defer p.setupMu.Unlock()
	if p.pool != nil {
		p.pool.Close()
		p.pool = nil
	}
	return nil
}
