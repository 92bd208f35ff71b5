package backend

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/j1hcl/j1hcl/internal/backend/backendtest"
)

var s3Keys atomic.Int32

func s3Config(srv *backendtest.S3Server, bucket, key string) S3Config {
	return S3Config{Bucket: bucket, Key: key, Region: srv.Region, Endpoint: srv.Endpoint, UsePathStyle: true, Credentials: srv.Credentials()}
}

func s3Kind() kind {
	return kind{name: "s3", place: func(t *testing.T) func(t *testing.T) Backend {
		srv := backendtest.S3(t)
		bucket := srv.NewBucket(t)
		key := fmt.Sprintf("states/%d/j1hcl.state.json", s3Keys.Add(1))
		return func(t *testing.T) Backend {
			b, err := NewS3(context.Background(), s3Config(srv, bucket, key))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}}
}

func TestS3Conformance(t *testing.T) { runConformance(t, s3Kind()) }

func TestS3Faults(t *testing.T) {
	srv := backendtest.S3(t)
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  S3Config
		want string
	}{
		{"a missing bucket", s3Config(srv, "no-such-bucket", "k"), `the bucket "no-such-bucket" does not exist`},
		{"wrong credentials", func() S3Config {
			c := s3Config(srv, srv.NewBucket(t), "k")
			c.Credentials = credentials.NewStaticCredentialsProvider(srv.AccessKey, "wrong-secret-value", "")
			return c
		}(), "S3 refused the credentials"},
		{"an unreachable server", func() S3Config {
			c := s3Config(srv, "b", "k")
			c.Endpoint = "http://127.0.0.1:1"
			return c
		}(), "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewS3(ctx, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.Get(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Get = %v, want an error saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "wrong-secret-value") || strings.Contains(err.Error(), srv.SecretKey) {
				t.Fatalf("the error shows a secret: %v", err)
			}
		})
	}
}
