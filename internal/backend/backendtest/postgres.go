package backendtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	pgOnce   sync.Once
	pgServer *Server
	pgConn   string
	pgErr    error
)

// Postgres returns the connection string of a PostgreSQL server shared by the test binary,
// starting it on first use: a new cluster (initdb) in a temporary folder, listening on a free
// loopback port, trusting local connections, run as an unprivileged user. StopPostgres
// removes it. Without PostgreSQL's programs the test fails, saying what to install.
func Postgres(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() { pgServer, pgConn, pgErr = startPostgres() })
	if pgErr != nil {
		fatalf(t, "start PostgreSQL: %v", pgErr)
	}
	return pgConn
}

// StopPostgres stops the server Postgres started, if any.
func StopPostgres() { pgServer.Stop() }

// PostgresBin returns the folder of PostgreSQL's server programs (initdb, postgres).
func PostgresBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		return "", fmt.Errorf("PostgreSQL's initdb is not installed (neither on PATH nor in /usr/lib/postgresql/*/bin): %s, or install the postgresql package (apt-get install -y postgresql)", installHint)
	}
	sort.Strings(found)
	return filepath.Dir(found[len(found)-1]), nil
}

func startPostgres() (*Server, string, error) {
	bin, err := PostgresBin()
	if err != nil {
		return nil, "", err
	}
	cred, err := unprivileged()
	if err != nil {
		return nil, "", err
	}
	dir, err := privateDir("j1hcl-pg-", cred)
	if err != nil {
		return nil, "", err
	}
	s := &Server{dir: dir, logs: &bytes.Buffer{}}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		s.Stop()
		return nil, "", fmt.Errorf("initdb: %w\n%s", err, out)
	}
	// PasswordRole logs in with a password (SCRAM), every other role is trusted: the first
	// matching line of pg_hba.conf decides, so this one goes first.
	hba := filepath.Join(data, "pg_hba.conf")
	rules, err := os.ReadFile(hba)
	if err == nil {
		err = os.WriteFile(hba, append([]byte("host all "+PasswordRole+" 127.0.0.1/32 scram-sha-256\n"), rules...), 0o600)
	}
	if err != nil {
		s.Stop()
		return nil, "", fmt.Errorf("require a password of %s: %w", PasswordRole, err)
	}
	port, err := freePort()
	if err != nil {
		s.Stop()
		return nil, "", err
	}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-c", "listen_addresses=127.0.0.1", "-c", "port="+strconv.Itoa(port),
		"-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "max_connections=200")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	s.cmd.Dir = dir
	if err := s.start(); err != nil {
		s.Stop()
		return nil, "", fmt.Errorf("start postgres: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if err := waitTCP(ctx, addr, s.exited); err != nil {
		s.Stop()
		return nil, "", fmt.Errorf("postgres: %w\n%s", err, s.logs)
	}
	// Accepting TCP connections comes a moment before accepting logins.
	time.Sleep(300 * time.Millisecond)
	conn := fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", addr)
	if err := createPasswordRole(ctx, conn); err != nil {
		s.Stop()
		return nil, "", err
	}
	return s, conn, nil
}

// PasswordRole is a role of the test cluster that must log in with PostgresPassword, for
// tests of wrong credentials; it owns nothing.
const (
	PasswordRole     = "j1hcl_password_role"
	PostgresPassword = "e2e-pg-right-password-71"
)

func createPasswordRole(ctx context.Context, conn string) error {
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		return fmt.Errorf("connect to the test cluster: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, "CREATE ROLE "+PasswordRole+" LOGIN PASSWORD '"+PostgresPassword+"'"); err != nil {
		return fmt.Errorf("create %s: %w", PasswordRole, err)
	}
	return nil
}
