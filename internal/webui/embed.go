// Package webui serves the built web interface (Vue 3 + Element Plus, source
// in this directory, built into dist/ by `npm ci && npm run build`). The
// build is committed and embedded, so the binary serves the interface on a
// machine without Node.
package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var dist embed.FS

// Cache-Control values: Vite names everything under assets/ by content hash,
// so those never change; index.html names the current assets and must be
// revalidated on every load; other files (favicon…) are kept for a while.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheNoCache   = "no-cache"
	cacheShort     = "public, max-age=3600"
)

// reserved are the paths of the other routes of the server. The interface
// never answers them, so an unregistered path there (/files/nope, /graphiql
// with GraphiQL off) is a 404, not the application's page.
var reserved = []string{"/graphql", "/graphiql", "/healthz", "/readyz", "/files", "/metrics", "/debug"}

// types are the content types of the files a Vite build produces, set
// explicitly so they do not depend on the host's MIME database.
var types = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".eot":         "application/vnd.ms-fontobject",
	".txt":         "text/plain; charset=utf-8",
	".wasm":        "application/wasm",
}

// compressible are the types worth gzipping.
var compressible = map[string]bool{
	".html": true, ".js": true, ".mjs": true, ".css": true, ".json": true, ".map": true,
	".svg": true, ".txt": true, ".webmanifest": true, ".ttf": true, ".otf": true, ".eot": true, ".ico": true,
}

// file is one embedded file with its validator and, computed on first use,
// its gzipped form.
type file struct {
	name  string
	data  []byte
	ctype string
	etag  string

	gzOnce sync.Once
	gz     []byte // nil when gzip does not pay off
}

func (f *file) gzipped() []byte {
	f.gzOnce.Do(func() {
		if !compressible[path.Ext(f.name)] || len(f.data) < 1024 {
			return
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(f.data)
		_ = zw.Close()
		if b.Len() < len(f.data)*9/10 {
			f.gz = b.Bytes()
		}
	})
	return f.gz
}

// Handler serves the interface: the files of the build, and index.html for
// any other GET path (the application's own routes such as /tasks/123), so
// that a reload or a shared link opens the right screen. A missing file under
// /assets/ is a 404 (a stale page asking for an old chunk must not get HTML),
// and so are the paths of the other routes (see reserved).
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("webui: " + err.Error())
	}
	return newHandler(sub)
}

func newHandler(fsys fs.FS) http.Handler {
	files := map[string]*file{}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ext := path.Ext(p)
		ctype := types[ext]
		if ctype == "" {
			ctype = mime.TypeByExtension(ext)
		}
		if ctype == "" {
			ctype = http.DetectContentType(data)
		}
		files["/"+p] = &file{name: p, data: data, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	index := files["/index.html"]
	if index == nil {
		index = &file{name: "index.html", ctype: types[".html"], etag: `"empty"`,
			data: []byte("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>基层党建工作平台</title><p>页面构建中</p></html>")}
	}

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "方法不允许", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		for _, pre := range reserved {
			if p == pre || strings.HasPrefix(p, pre+"/") {
				http.NotFound(w, r)
				return
			}
		}
		f, cache := files[p], cacheShort
		switch {
		case f != nil && strings.HasPrefix(p, "/assets/"):
			cache = cacheImmutable
		case f == index || f != nil && strings.HasSuffix(p, ".html"):
			cache = cacheNoCache
		case f != nil:
		case strings.HasPrefix(p, "/assets/"):
			w.Header().Set("Cache-Control", "no-store")
			http.NotFound(w, r)
			return
		default:
			f, cache = index, cacheNoCache
		}
		serve(w, r, f, cache)
	})
}

func serve(w http.ResponseWriter, r *http.Request, f *file, cache string) {
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", cache)
	h.Set("X-Content-Type-Options", "nosniff")
	if f.ctype == types[".html"] {
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
	}
	data, etag := f.data, f.etag
	if compressible[path.Ext(f.name)] {
		h.Add("Vary", "Accept-Encoding")
		if gz := f.gzipped(); gz != nil && acceptsGzip(r) {
			data, etag = gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(data))
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (listed, or covered by "*", with a non-zero q).
func acceptsGzip(r *http.Request) bool {
	ok := false
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		enc = strings.ToLower(strings.TrimSpace(enc))
		if enc != "gzip" && enc != "*" {
			continue
		}
		q := 1.0
		if k, v, found := strings.Cut(strings.TrimSpace(params), "="); found && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		if enc == "gzip" {
			return q > 0
		}
		ok = q > 0
	}
	return ok
}
