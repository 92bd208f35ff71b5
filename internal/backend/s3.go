package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// maxS3Object bounds what Get reads: a state far beyond any real inventory is refused rather
// than exhausting memory.
const maxS3Object = 2 << 30

// S3Config configures the s3 backend, with the option names of Terraform's s3 backend.
type S3Config struct {
	Bucket       string
	Key          string
	Region       string
	Endpoint     string // an S3-compatible server's URL; empty means AWS
	UsePathStyle bool
	Encrypt      bool   // server-side encryption
	KMSKeyID     string // with Encrypt, SSE-KMS under this key instead of SSE-S3
	Profile      string // a profile of the shared AWS configuration files
	// Credentials replaces the standard AWS credential chain; tests use it. Configuration
	// never sets it: credentials come from the environment, shared files or instance roles.
	Credentials aws.CredentialsProvider
	// HTTPClient replaces the SDK's; nil keeps it.
	HTTPClient *http.Client
}

// S3 keeps the state in one object and locks it with a second object, <key>.lock, created
// with a conditional PUT (If-None-Match: *) that only one writer can win, as Terraform's
// use_lockfile does. No DynamoDB table is needed.
type S3 struct {
	cfg    S3Config
	client *s3.Client
}

var _ Backend = (*S3)(nil)

// NewS3 loads the AWS configuration (region, profile, credentials chain); it connects on
// first use.
func NewS3(ctx context.Context, c S3Config) (*S3, error) {
	if c.Bucket == "" || c.Key == "" {
		return nil, errors.New("the s3 backend needs bucket and key")
	}
	// The SDK would log warnings (credential fallbacks) straight to stderr.
	opts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(c.Credentials))
	}
	if c.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(c.HTTPClient))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		return nil, errors.New("the s3 backend needs a region: set region in the backend block, or AWS_REGION")
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.UsePathStyle = c.UsePathStyle
		// Checksums only where S3 requires them: S3-compatible servers differ in which
		// of the newer checksum headers they accept.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &S3{cfg: c, client: client}, nil
}

func (b *S3) String() string { return "s3://" + b.cfg.Bucket + "/" + b.cfg.Key }

func (b *S3) lockKey() string { return b.cfg.Key + LockSuffix }

// explain turns the errors users meet into sentences; others pass through.
func (b *S3) explain(err error) error {
	if err != nil && strings.Contains(err.Error(), "get credentials") {
		return fmt.Errorf("no AWS credentials were found (environment, shared files, profile or instance role): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (%w)", err)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	switch apiErr.ErrorCode() {
	case "NoSuchBucket":
		return fmt.Errorf("the bucket %q does not exist: create it, or fix bucket in the backend block (%w)", b.cfg.Bucket, err)
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken", "InvalidToken":
		return fmt.Errorf("S3 refused the credentials (%s): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the instance role (%w)", apiErr.ErrorCode(), err)
	}
	return err
}

func isNoSuchKey(err error) bool {
	var nsk *types.NoSuchKey
	var apiErr smithy.APIError
	return errors.As(err, &nsk) || (errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NoSuchKey" || apiErr.ErrorCode() == "NotFound"))
}

// isPreconditionFailed reports a conditional write lost to an existing object: 412, or 409
// when another conditional write of the same key was in flight (S3's
// ConditionalRequestConflict; versitygw answers such races with a 409 too).
func isPreconditionFailed(err error) bool {
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && (respErr.HTTPStatusCode() == http.StatusPreconditionFailed || respErr.HTTPStatusCode() == http.StatusConflict) {
		return true
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "PreconditionFailed"
}

func (b *S3) get(ctx context.Context, key string) ([]byte, error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.cfg.Bucket, Key: &key})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxS3Object+1))
	if err == nil && len(data) > maxS3Object {
		err = fmt.Errorf("the object %s is larger than %d bytes", key, maxS3Object)
	}
	return data, err
}

// Get reads the state object.
func (b *S3) Get(ctx context.Context) ([]byte, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	data, err := b.get(ctx, b.cfg.Key)
	if isNoSuchKey(err) {
		return nil, ErrNoState
	}
	return data, b.explain(err)
}

func (b *S3) put(ctx context.Context, key string, data []byte, ifNoneMatch bool) error {
	in := &s3.PutObjectInput{Bucket: &b.cfg.Bucket, Key: &key, Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String("application/json")}
	if ifNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	if b.cfg.Encrypt {
		in.ServerSideEncryption = types.ServerSideEncryptionAes256
		if b.cfg.KMSKeyID != "" {
			in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
			in.SSEKMSKeyId = aws.String(b.cfg.KMSKeyID)
		}
	}
	_, err := b.client.PutObject(ctx, in)
	return err
}

// Put replaces the state object; S3 replaces an object whole or not at all.
func (b *S3) Put(ctx context.Context, data []byte) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	return b.explain(b.put(ctx, b.cfg.Key, data, false))
}

// Delete removes the state object.
func (b *S3) Delete(ctx context.Context) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.cfg.Bucket, Key: &b.cfg.Key})
	if isNoSuchKey(err) {
		return nil
	}
	return b.explain(err)
}

func (b *S3) where() string { return "lock object s3://" + b.cfg.Bucket + "/" + b.lockKey() }

// Lock creates the lock object only if it does not exist.
func (b *S3) Lock(ctx context.Context, info LockInfo) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	content, err := jsonLine(info)
	if err != nil {
		return err
	}
	err = b.put(ctx, b.lockKey(), content, true)
	if isPreconditionFailed(err) {
		e := &LockedError{Where: b.where()}
		// The holder's object may be gone again by now: then say so without a holder.
		if held, err := b.readLock(ctx); err == nil {
			e.Info = held
		}
		return e
	}
	return b.explain(err)
}

func (b *S3) readLock(ctx context.Context) (*LockInfo, error) {
	data, err := b.get(ctx, b.lockKey())
	if isNoSuchKey(err) {
		return nil, ErrNotLocked
	}
	if err != nil {
		return nil, b.explain(err)
	}
	return decodeLockInfo(data, b.where())
}

// Unlock deletes the lock object while it still holds id.
func (b *S3) Unlock(ctx context.Context, id string) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	held, err := b.readLock(ctx)
	switch {
	case errors.Is(err, ErrNotLocked):
		return fmt.Errorf("the %s was removed by someone else (force-unlock?) while this lock was held", b.where())
	case err != nil:
		return err
	case held.ID != id:
		return fmt.Errorf("the %s now holds lock %s of %s, not this lock %s; left it in place", b.where(), held.ID, held.Who, id)
	}
	return b.deleteLock(ctx)
}

func (b *S3) deleteLock(ctx context.Context) error {
	key := b.lockKey()
	_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.cfg.Bucket, Key: &key})
	return b.explain(err)
}

// LockHolder reads the lock object.
func (b *S3) LockHolder(ctx context.Context) (*LockInfo, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	return b.readLock(ctx)
}

// ForceUnlock deletes the lock object if it holds id.
func (b *S3) ForceUnlock(ctx context.Context, id string) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	held, err := b.readLock(ctx)
	switch {
	case errors.Is(err, ErrNotLocked):
		return err
	case err != nil:
		if strings.Contains(err.Error(), "unreadable") {
			return fmt.Errorf("%w; if no j1hcl is working on this state, delete %s by hand", err, b.where())
		}
		return err
	case held.ID != id:
		return &LockIDError{Want: id, Held: *held}
	}
	return b.deleteLock(ctx)
}

// Close does nothing: the S3 client holds no session.
func (b *S3) Close() error { return nil }

// CheckBucket reports whether the bucket exists and the credentials reach it, for init.
func (b *S3) CheckBucket(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := b.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &b.cfg.Bucket})
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusNotFound {
		return fmt.Errorf("the bucket %q does not exist: create it, or fix bucket in the backend block", b.cfg.Bucket)
	}
	return b.explain(err)
}
