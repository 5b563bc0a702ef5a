package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
)

// Messages of transport-level errors (users see them).
const (
	msgInternal     = "服务器内部错误"
	msgTooLarge     = "请求体过大"
	msgUnauthorized = "登录已过期，请重新登录"
)

// saneRequestID accepts ids set by proxies and clients that are safe to log
// and echo.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestID takes a sane X-Request-ID from the request or makes one, puts it
// in the context and echoes it in the response.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !saneRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(actor.WithRequestID(r.Context(), id)))
	})
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher for handlers that assert it directly.
func (r *recorder) Flush() {
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach Flush and deadlines (subscriptions, SSE).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// accessEntry is filled in by inner middleware (the actor, once known) and
// logged by accessLog when the request ends.
type accessEntry struct {
	actor actor.Actor
}

type accessKey struct{}

// accessLog logs one line per request. Probes log at debug level so that
// they do not drown the rest.
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		entry := &accessEntry{}
		rec := &recorder{ResponseWriter: w}
		ctx := contextWithEntry(r.Context(), entry)
		next.ServeHTTP(rec, r.WithContext(ctx))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		level := slog.LevelInfo
		switch {
		case rec.status >= 500:
			level = slog.LevelError
		case r.URL.Path == "/healthz" || r.URL.Path == "/readyz":
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Duration("duration", time.Since(start)),
			slog.Int64("bytes", rec.bytes),
			slog.String("request_id", actor.RequestID(ctx)),
		}
		if entry.actor.UserID != 0 {
			attrs = append(attrs, slog.String("user", entry.actor.Username), slog.Int64("tenant", entry.actor.TenantID))
		}
		// The attributes are explicit here; logging with the request context
		// would make the context handler add them a second time.
		logger.LogAttrs(context.Background(), level, "http request", attrs...)
	})
}

// recoverPanic answers 500 with a GraphQL-shaped INTERNAL error and logs the
// panic once, with the request id and stack.
func recoverPanic(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logger.ErrorContext(context.Background(), "panic serving request",
				"panic", fmt.Sprint(v), "request_id", actor.RequestID(r.Context()),
				"stack", string(debug.Stack()))
			if rec.status == 0 {
				writeError(rec, http.StatusInternalServerError, apperr.Internal, msgInternal)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// limitBody refuses bodies over the limit (the upload limit for multipart
// requests) with 413 and a GraphQL-shaped INVALID_INPUT error. Declared
// lengths are checked up front; JSON bodies of unknown length are read here
// up to the limit, so that an oversized one gets the same clear answer
// instead of a decoding error from the GraphQL handler.
func limitBody(maxBody, maxUpload int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		limit := maxBody
		mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		multipart := strings.HasPrefix(mediaType, "multipart/")
		if multipart {
			limit = maxUpload
		}
		if r.ContentLength > limit {
			tooLarge(w)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if !multipart && r.ContentLength < 0 {
			body, err := io.ReadAll(r.Body)
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe):
				tooLarge(w)
				return
			case err != nil:
				writeError(w, http.StatusBadRequest, apperr.InvalidInput, "无法读取请求体")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter) {
	// The rest of the body is not read: close the connection rather than drain it.
	w.Header().Set("Connection", "close")
	writeError(w, http.StatusRequestEntityTooLarge, apperr.InvalidInput, msgTooLarge)
}

// authenticate resolves "Authorization: Bearer <token>" to an actor. Requests
// without the header go on anonymous; resolvers decide what they may see.
func authenticate(auth Authenticator, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if header == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, token, _ := strings.Cut(header, " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" || auth == nil {
			writeError(w, http.StatusUnauthorized, apperr.Unauthenticated, msgUnauthorized)
			return
		}
		a, err := auth.Authenticate(r.Context(), token)
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Code == apperr.Internal {
				logger.ErrorContext(r.Context(), "authenticate", "err", err)
				writeError(w, http.StatusInternalServerError, apperr.Internal, msgInternal)
				return
			}
			writeError(w, http.StatusUnauthorized, apperr.Unauthenticated, msgUnauthorized)
			return
		}
		if e, ok := r.Context().Value(accessKey{}).(*accessEntry); ok {
			e.actor = a
		}
		next.ServeHTTP(w, r.WithContext(actor.With(r.Context(), a)))
	})
}

func contextWithEntry(ctx context.Context, e *accessEntry) context.Context {
	return context.WithValue(ctx, accessKey{}, e)
}
