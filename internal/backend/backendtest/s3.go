package backendtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3SecretKey is the secret key of the test server; tests look for it in what j1hcl writes.
const S3SecretKey = "j1hcl-test-secret-key-0123456789"

// S3Server is a running S3-compatible server (versitygw over a temporary folder).
type S3Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Region    string

	buckets atomic.Int32
}

// Credentials returns a provider of the server's static credentials.
func (s *S3Server) Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, "")
}

// NewBucket creates an empty bucket and returns its name.
func (s *S3Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("j1hcl-test-%d", s.buckets.Add(1))
	client := s3.New(s3.Options{Region: s.Region, BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true, Credentials: s.Credentials()})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

var (
	s3Once   sync.Once
	s3Proc   *Server
	s3Server *S3Server
	s3Err    error
)

// S3 returns the S3-compatible server shared by the test binary, starting it on first use:
// versitygw (installed by scripts/test-deps.sh) serving a temporary folder on a free loopback
// port. StopS3 removes it. Without versitygw the test fails, saying how to install it.
func S3(t testing.TB) *S3Server {
	t.Helper()
	s3Once.Do(func() { s3Proc, s3Server, s3Err = startS3() })
	if s3Err != nil {
		fatalf(t, "start the S3 server: %v", s3Err)
	}
	return s3Server
}

// StopS3 stops the server S3 started, if any.
func StopS3() { s3Proc.Stop() }

// VersitygwPath finds the versitygw program: on PATH, or where go install puts it.
func VersitygwPath() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		dirs = append(dirs, filepath.Join(string(bytes.TrimSpace(out)), "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("versitygw is not installed (not on PATH, nor in %v): %s, or go install github.com/versity/versitygw/cmd/versitygw@v1.8.0", dirs, installHint)
}

func startS3() (*Server, *S3Server, error) {
	bin, err := VersitygwPath()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "j1hcl-s3-")
	if err != nil {
		return nil, nil, err
	}
	s := &Server{dir: dir, logs: &bytes.Buffer{}}
	port, err := freePort()
	if err != nil {
		s.Stop()
		return nil, nil, err
	}
	srv := &S3Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), AccessKey: "j1hcltestaccess", SecretKey: S3SecretKey, Region: "us-east-1"}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		s.Stop()
		return nil, nil, err
	}
	s.cmd = exec.Command(bin, "--port", "127.0.0.1:"+strconv.Itoa(port), "--access", srv.AccessKey, "--secret", srv.SecretKey, "--region", srv.Region, "posix", data)
	s.cmd.Dir = dir
	if err := s.start(); err != nil {
		s.Stop()
		return nil, nil, fmt.Errorf("start versitygw: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := waitTCP(ctx, "127.0.0.1:"+strconv.Itoa(port), s.exited); err != nil {
		s.Stop()
		return nil, nil, fmt.Errorf("versitygw: %w\n%s", err, s.logs)
	}
	return s, srv, nil
}
