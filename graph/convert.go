package graph

import (
	"context"
	"net/http"

	"dangjian/graph/model"
	"dangjian/internal/auth"
	"dangjian/internal/pagination"
)

// connection builds a Relay connection's parts from a keyset page.
func connection[T any, E any](p pagination.Page[T], id func(T) int64, edge func(cursor string, node T) E) ([]E, *model.PageInfo) {
	edges := make([]E, 0, len(p.Items))
	var end *string
	for _, item := range p.Items {
		c := pagination.EncodeCursor(pagination.Cursor{ID: id(item)})
		end = &c
		edges = append(edges, edge(c, item))
	}
	return edges, &model.PageInfo{HasNextPage: p.HasNextPage, EndCursor: end}
}

func page(first *int, after *string) pagination.Request {
	return pagination.Request{First: first, After: after}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func strPtrOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func authPayload(s *auth.Session) *model.AuthPayload {
	return &model.AuthPayload{
		AccessToken:          s.AccessToken,
		RefreshToken:         s.RefreshToken,
		AccessTokenExpiresAt: s.AccessExpiresAt,
		User:                 s.User,
	}
}

type remoteAddrKey struct{}

// withRemoteAddr keeps the client address for the sign-in log.
func withRemoteAddr(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		next.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), remoteAddrKey{}, req.RemoteAddr)))
	})
}

func remoteAddr(ctx context.Context) string {
	s, _ := ctx.Value(remoteAddrKey{}).(string)
	return s
}

// nilIfMissing turns a loaded nil pointer into an untyped nil Node, so that
// node(id:) answers null rather than an object with no fields.
func nilIfMissing[T any](v *T, err error) (model.Node, error) {
	if err != nil || v == nil {
		return nil, err
	}
	return v, nil
}
