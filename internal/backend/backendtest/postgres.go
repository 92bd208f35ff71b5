package backendtest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
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
	return s, fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", addr), nil
}
