package webui

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"dangjian/internal/server"
)

const indexHTML = `<!doctype html><html lang="zh-CN"><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="app"></div></body></html>`

var testFS = fstest.MapFS{
	"index.html":              {Data: []byte(indexHTML)},
	"assets/index-abc123.js":  {Data: []byte(strings.Repeat("console.log('党建');\n", 200))},
	"assets/index-abc123.css": {Data: []byte("body{margin:0}")},
	"assets/logo-ff00.svg":    {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	"assets/font-1a2b.woff2":  {Data: []byte("wOF2fake")},
	"favicon.ico":             {Data: []byte{0, 0, 1, 0}},
}

func get(t *testing.T, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestFilesContentTypesAndCaching(t *testing.T) {
	h := newHandler(testFS)
	for _, tc := range []struct {
		path, ctype, cache string
	}{
		{"/", "text/html; charset=utf-8", cacheNoCache},
		{"/index.html", "text/html; charset=utf-8", cacheNoCache},
		{"/assets/index-abc123.js", "text/javascript; charset=utf-8", cacheImmutable},
		{"/assets/index-abc123.css", "text/css; charset=utf-8", cacheImmutable},
		{"/assets/logo-ff00.svg", "image/svg+xml", cacheImmutable},
		{"/assets/font-1a2b.woff2", "font/woff2", cacheImmutable},
		{"/favicon.ico", "image/x-icon", cacheShort},
	} {
		w := get(t, h, http.MethodGet, tc.path)
		if w.Code != http.StatusOK {
			t.Errorf("%s: status %d", tc.path, w.Code)
			continue
		}
		if got := w.Header().Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
		if got := w.Header().Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, got, tc.cache)
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", tc.path)
		}
		if w.Header().Get("ETag") == "" {
			t.Errorf("%s: no ETag", tc.path)
		}
	}
}

func TestSPAFallback(t *testing.T) {
	h := newHandler(testFS)
	for _, p := range []string{"/tasks/123", "/district", "/org/5/members?page=2", "/login", "/a/b/c/", "/%E4%BB%BB%E5%8A%A1", "/../../etc/passwd"} {
		w := get(t, h, http.MethodGet, p)
		if w.Code != http.StatusOK || w.Body.String() != indexHTML {
			t.Errorf("%s: status %d body %.60q, want index.html", p, w.Code, w.Body.String())
		}
		if got := w.Header().Get("Cache-Control"); got != cacheNoCache {
			t.Errorf("%s: Cache-Control %q", p, got)
		}
		if got := w.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", p, got)
		}
	}
	// HEAD behaves as GET without a body.
	if w := get(t, h, http.MethodHead, "/tasks/9"); w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("HEAD: status %d, body %d bytes", w.Code, w.Body.Len())
	}
	if w := get(t, h, http.MethodPost, "/tasks/9"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", w.Code)
	}
}

func TestMissingAssetIs404(t *testing.T) {
	w := get(t, newHandler(testFS), http.MethodGet, "/assets/index-old999.js")
	if w.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", w.Code)
	}
	if strings.Contains(w.Body.String(), "<html") {
		t.Errorf("a missing asset got the page: %q", w.Body.String())
	}
}

func TestConditionalAndGzip(t *testing.T) {
	h := newHandler(testFS)
	w := get(t, h, http.MethodGet, "/assets/index-abc123.js")
	etag := w.Header().Get("ETag")
	if w2 := get(t, h, http.MethodGet, "/assets/index-abc123.js", "If-None-Match", etag); w2.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", w2.Code)
	}

	wz := get(t, h, http.MethodGet, "/assets/index-abc123.js", "Accept-Encoding", "gzip, deflate, br")
	if wz.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", wz.Header())
	}
	if wz.Header().Get("ETag") == etag {
		t.Errorf("gzip and identity share the ETag %s", etag)
	}
	if !strings.Contains(wz.Header().Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q", wz.Header().Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(wz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, w.Body.Bytes()) {
		t.Error("gzipped body differs from the file")
	}
	if w := get(t, h, http.MethodGet, "/assets/index-abc123.js", "Accept-Encoding", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	// Already compressed formats are sent as they are.
	if w := get(t, h, http.MethodGet, "/assets/font-1a2b.woff2", "Accept-Encoding", "gzip"); w.Header().Get("Content-Encoding") != "" {
		t.Error("woff2 was gzipped")
	}
}

// TestThroughServer mounts the handler as app.routes does ("GET /" among the
// server's routes) and checks that it never shadows the API, the probes or
// the downloads.
func TestThroughServer(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"api":true}}`)
	})
	download := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "download "+r.PathValue("id"))
	})
	for _, graphiql := range []bool{false, true} {
		h := server.New(server.Options{
			GraphQL:  api,
			GraphiQL: graphiql,
			Extra: map[string]http.Handler{
				"GET /":                       newHandler(testFS),
				"GET /files/attachments/{id}": download,
			},
		})
		isIndex := func(w *httptest.ResponseRecorder) bool { return w.Body.String() == indexHTML }

		if w := get(t, h, http.MethodGet, "/graphql?query=%7B__typename%7D"); isIndex(w) || !strings.Contains(w.Body.String(), `"api":true`) {
			t.Errorf("GET /graphql: %d %.80q", w.Code, w.Body.String())
		}
		if w := get(t, h, http.MethodPost, "/graphql"); isIndex(w) || !strings.Contains(w.Body.String(), `"api":true`) {
			t.Errorf("POST /graphql: %d %.80q", w.Code, w.Body.String())
		}
		if w := get(t, h, http.MethodGet, "/healthz"); w.Body.String() != "ok" {
			t.Errorf("/healthz: %d %q", w.Code, w.Body.String())
		}
		if w := get(t, h, http.MethodGet, "/readyz"); isIndex(w) || w.Code != http.StatusOK {
			t.Errorf("/readyz: %d %.80q", w.Code, w.Body.String())
		}
		if w := get(t, h, http.MethodGet, "/files/attachments/7"); w.Body.String() != "download 7" {
			t.Errorf("/files/attachments/7: %d %q", w.Code, w.Body.String())
		}
		// Unregistered paths under the other routes are 404s, not the page.
		for _, p := range []string{"/files/nope", "/files/attachments", "/graphql/x", "/healthz/x", "/readyz/x"} {
			if w := get(t, h, http.MethodGet, p); isIndex(w) || w.Code != http.StatusNotFound {
				t.Errorf("graphiql=%v %s: %d %.60q, want 404", graphiql, p, w.Code, w.Body.String())
			}
		}
		w := get(t, h, http.MethodGet, "/graphiql")
		if graphiql && (isIndex(w) || !strings.Contains(w.Body.String(), "GraphiQL")) {
			t.Errorf("/graphiql on: %d %.80q", w.Code, w.Body.String())
		}
		if !graphiql && (isIndex(w) || w.Code != http.StatusNotFound) {
			t.Errorf("/graphiql off: %d %.80q, want 404", w.Code, w.Body.String())
		}
		// The interface itself.
		if w := get(t, h, http.MethodGet, "/"); !isIndex(w) {
			t.Errorf("/: %d %.80q", w.Code, w.Body.String())
		}
		if w := get(t, h, http.MethodGet, "/tasks/123"); !isIndex(w) {
			t.Errorf("/tasks/123: %d %.80q", w.Code, w.Body.String())
		}
		if w := get(t, h, http.MethodGet, "/assets/index-abc123.css"); w.Body.String() != "body{margin:0}" {
			t.Errorf("/assets/index-abc123.css: %d %.80q", w.Code, w.Body.String())
		}
	}
}

// TestEmbeddedBuild checks the real embedded dist/: it has an index.html in
// Chinese, served at / and for application routes, and every asset it
// references is served with a long cache lifetime.
func TestEmbeddedBuild(t *testing.T) {
	h := Handler()
	w := get(t, h, http.MethodGet, "/")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `lang="zh-CN"`) {
		t.Fatalf("/: %d %.200q", w.Code, w.Body.String())
	}
	index := w.Body.String()
	if w := get(t, h, http.MethodGet, "/district"); w.Body.String() != index {
		t.Errorf("/district is not index.html")
	}
	for _, ref := range assetRefs(index) {
		w := get(t, h, http.MethodGet, ref)
		if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != cacheImmutable {
			t.Errorf("%s: %d, Cache-Control %q", ref, w.Code, w.Header().Get("Cache-Control"))
		}
		if strings.HasSuffix(ref, ".js") && !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
			t.Errorf("%s: Content-Type %q", ref, w.Header().Get("Content-Type"))
		}
	}
}

// assetRefs returns the /assets/ paths quoted in an HTML page.
func assetRefs(html string) []string {
	var refs []string
	for rest := html; ; {
		i := strings.Index(rest, `"/assets/`)
		if i < 0 {
			return refs
		}
		rest = rest[i+1:]
		j := strings.IndexByte(rest, '"')
		if j < 0 {
			return refs
		}
		refs = append(refs, rest[:j])
		rest = rest[j:]
	}
}
