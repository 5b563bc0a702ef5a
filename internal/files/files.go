// Package files stores uploaded files (photos, PDFs of activity records) on
// the local disk by default, or in S3-compatible object storage by configuration.
//
// A file is stored under a key the package makes up ("2026/11/<random>.jpg");
// the client's filename is never used to build a path. What a file is, is
// decided by sniffing its first bytes, not by the client's filename or
// Content-Type, and only photos and PDFs are accepted.
package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dangjian/internal/apperr"
)

// MaxSize is the default upper bound of one uploaded file.
const MaxSize int64 = 10 << 20

// MaxFilenameLen is the longest filename kept, in characters.
const MaxFilenameLen = 100

// Accepted content types, as stored.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
	WebP = "image/webp"
	HEIC = "image/heic"
	PDF  = "application/pdf"
)

// ErrNotFound is returned by Open for a key that holds no file.
var ErrNotFound = apperr.New(apperr.NotFound, "文件不存在或已被删除")

// errType is the refusal of a file that is neither a photo nor a PDF.
var errType = apperr.Invalid("file", "只能上传照片（JPG/PNG）或 PDF 文件")

// Stored describes a file once it is kept.
type Stored struct {
	// Key names the file in the store.
	Key  string
	Size int64
	// SHA256 is the hex digest of the content.
	SHA256 string
	// ContentType is the sniffed type, one of JPEG, PNG, WebP, HEIC, PDF.
	ContentType string
}

// IsImage reports whether contentType is one of the accepted photo types.
func IsImage(contentType string) bool {
	switch contentType {
	case JPEG, PNG, WebP, HEIC:
		return true
	}
	return false
}

// Store keeps file contents by key.
type Store struct {
	backend backend
	// spoolDir holds an upload while it is measured and hashed; "" is the OS default.
	spoolDir string
	now      func() time.Time
}

// backend is where the bytes live: a local folder or an S3 bucket.
type backend interface {
	put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	open(ctx context.Context, key string) (io.ReadCloser, error)
	remove(ctx context.Context, key string) error
}

// Open returns the store the configuration asks for: S3-compatible storage
// when s3url is set (see ParseS3URL), otherwise the local folder dir.
func Open(dir, s3url string) (*Store, error) {
	if strings.TrimSpace(s3url) != "" {
		cfg, err := ParseS3URL(s3url)
		if err != nil {
			return nil, err
		}
		return NewS3(cfg)
	}
	return NewLocal(dir)
}

// Put stores the content of r. It refuses content over maxBytes (MaxSize
// when maxBytes ≤ 0), empty content, and anything that is not a JPEG, PNG,
// WebP or HEIC photo or a PDF, whatever filename and contentType the client
// claimed: both are accepted for the caller's convenience and ignored here.
func (s *Store) Put(ctx context.Context, r io.Reader, filename, contentType string, maxBytes int64) (Stored, error) {
	if maxBytes <= 0 {
		maxBytes = MaxSize
	}
	spool, err := os.CreateTemp(s.spoolDir, "dj-upload-*")
	if err != nil {
		return Stored{}, fmt.Errorf("create upload spool: %w", err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()

	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(spool, h), io.LimitReader(r, maxBytes+1))
	if err != nil {
		return Stored{}, fmt.Errorf("read upload: %w", err)
	}
	if n > maxBytes {
		return Stored{}, apperr.Invalid("file", "文件过大，单个文件不超过 "+humanSize(maxBytes))
	}
	if n == 0 {
		return Stored{}, apperr.Invalid("file", "文件内容为空")
	}
	head := make([]byte, 512)
	m, err := spool.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return Stored{}, fmt.Errorf("read upload head: %w", err)
	}
	ct := Sniff(head[:m])
	if ct == "" {
		return Stored{}, errType
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return Stored{}, fmt.Errorf("rewind upload: %w", err)
	}
	key, err := s.newKey(ct)
	if err != nil {
		return Stored{}, err
	}
	if err := s.backend.put(ctx, key, spool, n, ct); err != nil {
		return Stored{}, fmt.Errorf("store upload: %w", err)
	}
	return Stored{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: ct}, nil
}

// Open returns the content stored under key, or ErrNotFound.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if !ValidKey(key) {
		return nil, ErrNotFound
	}
	return s.backend.open(ctx, key)
}

// Remove deletes the content stored under key; removing a missing key is not an error.
func (s *Store) Remove(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("remove file: invalid key %q", key)
	}
	return s.backend.remove(ctx, key)
}

// Sniff returns the accepted content type of a file starting with head, or ""
// when it is not one of them.
func Sniff(head []byte) string {
	if isHEIC(head) {
		return HEIC
	}
	ct, _, _ := strings.Cut(http.DetectContentType(head), ";")
	switch ct {
	case JPEG, PNG, WebP, PDF:
		return ct
	}
	return ""
}

// isHEIC recognises the ISO base media "ftyp" box of HEIC/HEIF photos, which
// phones (iPhone above all) take by default and http.DetectContentType does not know.
func isHEIC(head []byte) bool {
	if len(head) < 12 || !bytes.Equal(head[4:8], []byte("ftyp")) {
		return false
	}
	switch string(head[8:12]) {
	case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
		return true
	}
	return false
}

var keyPattern = regexp.MustCompile(`^[0-9]{4}/[0-9]{2}/[0-9a-f]{32}\.[a-z]{3,4}$`)

// ValidKey reports whether key has the shape the store gives keys, so a key
// read from elsewhere can never point outside the store.
func ValidKey(key string) bool { return keyPattern.MatchString(key) }

// newKey makes a fresh key for a file of type ct: "YYYY/MM/<32 hex>.<ext>".
func (s *Store) newKey(ct string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random file key: %w", err)
	}
	ext := map[string]string{JPEG: "jpg", PNG: "png", WebP: "webp", HEIC: "heic", PDF: "pdf"}[ct]
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	return path.Join(now().UTC().Format("2006/01"), hex.EncodeToString(b[:])+"."+ext), nil
}

// CleanFilename returns the name a client gave a file, fit to be stored and
// shown: the last path element, without control characters, at most
// MaxFilenameLen characters; "附件" when nothing is left.
func CleanFilename(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		name = ""
	}
	if utf8.RuneCountInString(name) > MaxFilenameLen {
		name = string([]rune(name)[:MaxFilenameLen])
	}
	if name == "" {
		return "附件"
	}
	return name
}

// humanSize formats n bytes for a message: "10MB", "512KB", "100 字节".
func humanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%dKB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}
