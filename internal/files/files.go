// Package files stores uploaded files (photos, PDFs of activity records) on
// the local disk by default, or in S3-compatible object storage by configuration.
package files

import (
	"context"
	"io"
)

// Store keeps file contents by key.
type Store struct {
	backend backend
}

// backend is where the bytes live: a local folder or an S3 bucket.
type backend interface {
	put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	open(ctx context.Context, key string) (io.ReadCloser, error)
	remove(ctx context.Context, key string) error
}
