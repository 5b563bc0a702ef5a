package app

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"

	"dangjian/internal/apperr"
)

// attachmentDownload serves GET /files/attachments/{id} to a signed-in user
// who may read the record the file belongs to (or uploaded it).
func attachmentDownload(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			writeHTTPError(w, apperr.ErrNotFound)
			return
		}
		a, rc, err := d.Services.Affairs.OpenAttachment(r.Context(), id)
		if err != nil {
			if apperr.CodeOf(err) == apperr.Internal {
				d.Logger.ErrorContext(r.Context(), "open attachment", "id", id, "err", err)
			}
			writeHTTPError(w, err)
			return
		}
		defer rc.Close()
		w.Header().Set("Content-Type", a.ContentType)
		w.Header().Set("Content-Length", strconv.FormatInt(a.SizeBytes, 10))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "private, max-age=300")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": a.Filename}))
		_, _ = io.Copy(w, rc)
	})
}

// writeHTTPError answers a plain HTTP route with the same error shape as GraphQL.
func writeHTTPError(w http.ResponseWriter, err error) {
	code := apperr.CodeOf(err)
	msg := "服务器内部错误，请稍后重试"
	if ae, ok := apperr.As(err); ok && code != apperr.Internal {
		msg = ae.Message
	}
	status := map[apperr.Code]int{
		apperr.Unauthenticated: http.StatusUnauthorized,
		apperr.Forbidden:       http.StatusForbidden,
		apperr.NotFound:        http.StatusNotFound,
		apperr.InvalidInput:    http.StatusBadRequest,
		apperr.Conflict:        http.StatusConflict,
		apperr.RateLimited:     http.StatusTooManyRequests,
	}[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": string(code)}}},
	})
}

// exportDownload serves GET /files/exports/{id}?exp=…&sig=…: the signed,
// expiring link of a finished Excel export (no sign-in: the link is the key).
func exportDownload(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		name, rc, err := d.Services.Exports.OpenSigned(r.Context(), r.PathValue("id"), q.Get("exp"), q.Get("sig"))
		if err != nil {
			if apperr.CodeOf(err) == apperr.Internal {
				d.Logger.ErrorContext(r.Context(), "open export", "id", r.PathValue("id"), "err", err)
			}
			writeHTTPError(w, err)
			return
		}
		defer rc.Close()
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "private, no-store")
		_, _ = io.Copy(w, rc)
	})
}

// summaryDownload serves GET /files/summaries/{id}: a summary report as a
// Markdown document, to a signed-in user who may read it.
func summaryDownload(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			writeHTTPError(w, apperr.ErrNotFound)
			return
		}
		name, body, err := d.Services.Reports.SummaryDocument(r.Context(), id)
		if err != nil {
			if apperr.CodeOf(err) == apperr.Internal {
				d.Logger.ErrorContext(r.Context(), "summary document", "id", id, "err", err)
			}
			writeHTTPError(w, err)
			return
		}
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(body)
	})
}
