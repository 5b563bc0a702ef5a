package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// NewLocal returns a store keeping files under dir, which it creates if needed.
func NewLocal(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("files: local storage needs a folder")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("files: resolve %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("files: create %s: %w", abs, err)
	}
	// Uploads are spooled next to their destination, on the same file system.
	spool := filepath.Join(abs, ".spool")
	if err := os.MkdirAll(spool, 0o750); err != nil {
		return nil, fmt.Errorf("files: create %s: %w", spool, err)
	}
	return &Store{backend: &localBackend{dir: abs}, spoolDir: spool}, nil
}

// localBackend keeps each file at dir/<key>.
type localBackend struct {
	dir string
}

// path maps a key (already checked by ValidKey) to its file.
func (b *localBackend) path(key string) string { return filepath.Join(b.dir, filepath.FromSlash(key)) }

// put writes to a temporary file in the destination folder and renames it,
// so a reader never sees half a file.
func (b *localBackend) put(_ context.Context, key string, r io.Reader, _ int64, _ string) error {
	dst := b.path(key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".part-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

func (b *localBackend) open(_ context.Context, key string) (io.ReadCloser, error) {
	f, err := os.Open(b.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("open file %s: %w", key, err)
	}
	return f, nil
}

func (b *localBackend) remove(_ context.Context, key string) error {
	err := os.Remove(b.path(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove file %s: %w", key, err)
	}
	return nil
}
