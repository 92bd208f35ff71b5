// Package backendtest starts the real storage servers the backend tests run against
// (PostgreSQL, an S3-compatible server) on loopback, and stops them afterwards.
//
// A server that is not installed fails the test with what to install; it never skips:
// `make test` installs both (scripts/test-deps.sh).
package backendtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// installHint is the message of a missing server.
const installHint = "run scripts/test-deps.sh (make test does) to install the servers the backend tests need"

// Server is a running server process. Stop ends it; the package's users stop their servers
// from TestMain.
type Server struct {
	cmd    *exec.Cmd
	dir    string
	logs   *bytes.Buffer
	exited chan struct{}
	once   sync.Once
}

// start starts s.cmd and watches for its exit.
func (s *Server) start() error {
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.exited = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	return nil
}

// Stop ends the server and removes its files.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		if s.exited != nil {
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(10 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.exited
			}
		}
		if s.dir != "" {
			_ = os.RemoveAll(s.dir)
		}
	})
}

// freePort returns a loopback port nobody listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitTCP waits until something accepts connections on addr, or the process exits.
func waitTCP(ctx context.Context, addr string, exited <-chan struct{}) error {
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nothing listens on %s: %w", addr, ctx.Err())
		case <-exited:
			return fmt.Errorf("the server exited before listening on %s", addr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// unprivileged returns the credential to run a server as: PostgreSQL refuses to run as root,
// so a root test process (CI containers) runs it as the "nobody" user; anyone else runs it as
// themselves (nil).
func unprivileged() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("the tests run as root and PostgreSQL refuses root, but there is no user \"nobody\" to run it as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// privateDir makes a folder the server's user owns, outside the test's own temporary folder
// (which only the test's user can enter).
func privateDir(prefix string, cred *syscall.Credential) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

func fatalf(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Fatalf(format, args...)
}
