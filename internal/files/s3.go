package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// S3Config configures S3-compatible object storage (AWS S3, MinIO, 阿里云 OSS,
// 腾讯云 COS and others speaking the S3 API).
type S3Config struct {
	// Endpoint is host[:port], without a scheme: "oss-cn-hangzhou.aliyuncs.com", "minio:9000".
	Endpoint  string
	Bucket    string
	AccessKey string
	SecretKey string
	// UseSSL talks HTTPS to the endpoint.
	UseSSL bool
	// Region is optional; empty lets the client discover it.
	Region string
}

// Validate reports the first problem with the configuration.
func (c S3Config) Validate() error {
	switch {
	case c.Endpoint == "":
		return errors.New("files: S3 endpoint is empty")
	case strings.Contains(c.Endpoint, "://") || strings.Contains(c.Endpoint, "/"):
		return fmt.Errorf("files: S3 endpoint %q must be host[:port] without scheme or path", c.Endpoint)
	case c.AccessKey == "" || c.SecretKey == "":
		return errors.New("files: S3 access key and secret key are required")
	}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		return fmt.Errorf("files: S3 bucket %q: %w", c.Bucket, err)
	}
	return nil
}

// NewS3 returns a store keeping files in an S3 bucket. It validates the
// configuration and builds the client but does not contact the server: a
// wrong endpoint or credentials show up on the first Put or Open.
//
// Only construction and configuration are covered by tests (there is no S3
// server in the test environment); the reads and writes are plain minio-go calls.
func NewS3(cfg S3Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("files: S3 client: %w", err)
	}
	return &Store{backend: &s3Backend{client: client, bucket: cfg.Bucket}}, nil
}

// ParseS3URL reads an S3 configuration written as a URL:
//
//	s3://ACCESS_KEY:SECRET_KEY@host[:port]/bucket?region=cn-north-1&ssl=false
//
// Keys must be URL-escaped; ssl defaults to true.
func ParseS3URL(raw string) (S3Config, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return S3Config{}, fmt.Errorf("files: parse S3 url: %w", err)
	}
	if u.Scheme != "s3" {
		return S3Config{}, fmt.Errorf("files: S3 url must start with s3://")
	}
	cfg := S3Config{
		Endpoint: u.Host,
		Bucket:   strings.Trim(u.Path, "/"),
		Region:   u.Query().Get("region"),
		UseSSL:   true,
	}
	if u.User != nil {
		cfg.AccessKey = u.User.Username()
		cfg.SecretKey, _ = u.User.Password()
	}
	if v := u.Query().Get("ssl"); v != "" {
		ssl, err := strconv.ParseBool(v)
		if err != nil {
			return S3Config{}, fmt.Errorf("files: S3 url: ssl=%q is not a boolean", v)
		}
		cfg.UseSSL = ssl
	}
	return cfg, cfg.Validate()
}

// s3Backend keeps each file as an object named by its key.
type s3Backend struct {
	client *minio.Client
	bucket string
}

func (b *s3Backend) put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	_, err := b.client.PutObject(ctx, b.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType})
	return err
}

func (b *s3Backend) open(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := b.client.GetObject(ctx, b.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("open object %s: %w", key, err)
	}
	// GetObject is lazy; Stat surfaces a missing object before the caller starts streaming.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("stat object %s: %w", key, err)
	}
	return obj, nil
}

func (b *s3Backend) remove(ctx context.Context, key string) error {
	return b.client.RemoveObject(ctx, b.bucket, key, minio.RemoveObjectOptions{})
}
