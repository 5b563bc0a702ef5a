package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dangjian/internal/apperr"
	"dangjian/internal/files"
)

// Smallest headers that http.DetectContentType (and the HEIC check) recognise.
var (
	jpegData = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{1}, 100)...)
	pngData  = append([]byte("\x89PNG\x0D\x0A\x1A\x0A"), bytes.Repeat([]byte{2}, 100)...)
	webpData = append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), bytes.Repeat([]byte{3}, 100)...)
	heicData = append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), bytes.Repeat([]byte{4}, 100)...)
	pdfData  = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	exeData  = append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 100)...)
	zipData  = append([]byte("PK\x03\x04\x14\x00\x00\x00"), bytes.Repeat([]byte{0}, 100)...)
	textData = []byte("<html><script>alert(1)</script></html>")
)

func newLocal(t *testing.T) (*files.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := files.NewLocal(dir)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	return s, dir
}

func TestPutAcceptsPhotosAndPDFByContent(t *testing.T) {
	s, dir := newLocal(t)
	ctx := context.Background()
	tests := []struct {
		name, filename string
		data           []byte
		want           string
	}{
		{"jpeg", "会议照片.jpg", jpegData, files.JPEG},
		{"png", "会场.png", pngData, files.PNG},
		{"webp", "会场.webp", webpData, files.WebP},
		{"heic from a phone", "IMG_0001.HEIC", heicData, files.HEIC},
		{"pdf", "会议记录.pdf", pdfData, files.PDF},
		// The claimed name and type do not matter; the content does.
		{"pdf named as exe", "evil.exe", pdfData, files.PDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := s.Put(ctx, bytes.NewReader(tt.data), tt.filename, "application/octet-stream", 0)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if st.ContentType != tt.want {
				t.Errorf("ContentType = %q, want %q", st.ContentType, tt.want)
			}
			sum := sha256.Sum256(tt.data)
			if st.SHA256 != hex.EncodeToString(sum[:]) || st.Size != int64(len(tt.data)) {
				t.Errorf("Stored = %+v, want size %d and sha %x", st, len(tt.data), sum)
			}
			if !files.ValidKey(st.Key) || strings.Contains(st.Key, tt.filename) {
				t.Errorf("key %q is not a store-made key", st.Key)
			}
			rc, err := s.Open(ctx, st.Key)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, tt.data) {
				t.Errorf("read back %d bytes, want the %d uploaded", len(got), len(tt.data))
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(st.Key))); err != nil {
				t.Errorf("file not under the store folder: %v", err)
			}
		})
	}
}

func TestPutRefusesOtherTypes(t *testing.T) {
	s, dir := newLocal(t)
	for name, data := range map[string][]byte{"setup.exe": exeData, "a.zip": zipData, "a.html": textData, "photo.jpg": zipData} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Put(context.Background(), bytes.NewReader(data), name, "image/jpeg", 0)
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.InvalidInput || ae.Message != "只能上传照片（JPG/PNG）或 PDF 文件" {
				t.Fatalf("Put(%s) err = %v, want INVALID_INPUT 只能上传照片…", name, err)
			}
		})
	}
	assertNothingStored(t, dir)
}

func TestPutRefusesOversizedAndEmpty(t *testing.T) {
	s, dir := newLocal(t)
	ctx := context.Background()
	big := append(append([]byte{}, jpegData...), make([]byte, files.MaxSize)...)
	_, err := s.Put(ctx, bytes.NewReader(big), "big.jpg", "image/jpeg", 0)
	if ae, ok := apperr.As(err); !ok || ae.Code != apperr.InvalidInput || ae.Message != "文件过大，单个文件不超过 10MB" {
		t.Fatalf("oversized: err = %v, want INVALID_INPUT 文件过大，单个文件不超过 10MB", err)
	}
	// Exactly at the limit is fine.
	_, err = s.Put(ctx, bytes.NewReader(jpegData), "ok.jpg", "", int64(len(jpegData)))
	if err != nil {
		t.Fatalf("file at the limit: %v", err)
	}
	_, err = s.Put(ctx, bytes.NewReader(jpegData), "small.jpg", "", int64(len(jpegData)-1))
	if apperr.CodeOf(err) != apperr.InvalidInput {
		t.Fatalf("over a custom limit: err = %v, want INVALID_INPUT", err)
	}
	_, err = s.Put(ctx, bytes.NewReader(nil), "empty.jpg", "", 0)
	if apperr.CodeOf(err) != apperr.InvalidInput {
		t.Fatalf("empty: err = %v, want INVALID_INPUT", err)
	}
	if n := countFiles(t, dir); n != 1 {
		t.Errorf("%d files stored, want only the one within the limit", n)
	}
}

func TestOpenAndRemove(t *testing.T) {
	s, _ := newLocal(t)
	ctx := context.Background()
	st, err := s.Put(ctx, bytes.NewReader(pngData), "a.png", "image/png", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, st.Key); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if _, err := s.Open(ctx, st.Key); !errors.Is(err, files.ErrNotFound) {
		t.Errorf("Open after Remove: err = %v, want ErrNotFound", err)
	}
	if err := s.Remove(ctx, st.Key); err != nil {
		t.Errorf("second Remove: %v, want nil", err)
	}
	for _, key := range []string{"../../etc/passwd", "/etc/passwd", "2026/11/../../x", ""} {
		if _, err := s.Open(ctx, key); !errors.Is(err, files.ErrNotFound) {
			t.Errorf("Open(%q) err = %v, want ErrNotFound", key, err)
		}
		if err := s.Remove(ctx, key); err == nil {
			t.Errorf("Remove(%q) succeeded, want an error", key)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	tests := map[string]string{
		"会议记录.pdf":               "会议记录.pdf",
		"../../etc/passwd":       "passwd",
		`C:\Users\me\照片 1.jpg`:   "照片 1.jpg",
		"  \x00a\nb.png ":        "ab.png",
		"":                       "附件",
		"..":                     "附件",
		strings.Repeat("长", 150): strings.Repeat("长", files.MaxFilenameLen),
	}
	for in, want := range tests {
		if got := files.CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

// S3 is tested for configuration only: there is no S3 server in the test environment.
func TestS3Configuration(t *testing.T) {
	good := files.S3Config{Endpoint: "minio.example.com:9000", Bucket: "dangjian-files", AccessKey: "ak", SecretKey: "sk", UseSSL: true}
	if _, err := files.NewS3(good); err != nil {
		t.Fatalf("NewS3(valid) = %v", err)
	}
	bad := map[string]func(c *files.S3Config){
		"no endpoint":       func(c *files.S3Config) { c.Endpoint = "" },
		"endpoint with url": func(c *files.S3Config) { c.Endpoint = "https://minio.example.com" },
		"no bucket":         func(c *files.S3Config) { c.Bucket = "" },
		"bad bucket":        func(c *files.S3Config) { c.Bucket = "Bad_Bucket" },
		"no secret":         func(c *files.S3Config) { c.SecretKey = "" },
	}
	for name, mut := range bad {
		c := good
		mut(&c)
		if _, err := files.NewS3(c); err == nil {
			t.Errorf("NewS3 with %s succeeded, want an error", name)
		}
	}

	cfg, err := files.ParseS3URL("s3://AK%2F1:S%40K@oss.example.com/dj-files?region=cn-east-1&ssl=false")
	if err != nil {
		t.Fatalf("ParseS3URL: %v", err)
	}
	want := files.S3Config{Endpoint: "oss.example.com", Bucket: "dj-files", AccessKey: "AK/1", SecretKey: "S@K", Region: "cn-east-1"}
	if cfg != want {
		t.Errorf("ParseS3URL = %+v, want %+v", cfg, want)
	}
	for _, raw := range []string{"http://a:b@host/bucket", "s3://host/bucket", "s3://a:b@host/", "s3://a:b@host/b?ssl=maybe"} {
		if _, err := files.ParseS3URL(raw); err == nil {
			t.Errorf("ParseS3URL(%q) succeeded, want an error", raw)
		}
	}
}

func TestOpenChoosesBackend(t *testing.T) {
	dir := t.TempDir()
	if _, err := files.Open(dir, ""); err != nil {
		t.Errorf("Open(dir, \"\") = %v, want the local store", err)
	}
	if _, err := files.Open(dir, "s3://ak:sk@minio:9000/bucket?ssl=false"); err != nil {
		t.Errorf("Open with an S3 url = %v", err)
	}
	if _, err := files.Open(dir, "s3://minio:9000/bucket"); err == nil {
		t.Error("Open with an S3 url missing keys succeeded, want an error")
	}
}

func assertNothingStored(t *testing.T, dir string) {
	t.Helper()
	if n := countFiles(t, dir); n != 0 {
		t.Errorf("%d files left in the store, want none", n)
	}
}

// countFiles counts the stored files (spool and partial files excluded).
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".spool" {
			if entries, _ := os.ReadDir(p); len(entries) > 0 {
				t.Errorf("spool not cleaned: %d entries", len(entries))
			}
			return filepath.SkipDir
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
