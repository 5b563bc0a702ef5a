package model

import (
	"time"

	"github.com/99designs/gqlgen/graphql"

	"dangjian/internal/apperr"
)

// MarshalTime writes a time as RFC 3339.
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalTime reads an RFC 3339 time; anything else is INVALID_INPUT with a
// message the user can act on.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, apperr.Wrap(apperr.InvalidInput, "时间格式无效，请使用 RFC 3339 格式，例如 2026-11-25T09:00:00+08:00", err)
	}
	return t, nil
}
