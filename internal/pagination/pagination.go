// Package pagination holds the keyset page request and result shared by list
// queries: a page is "the first N after this cursor", the cursor is opaque to
// clients and encodes the last row's sort key and id.
package pagination

import (
	"encoding/base64"
	"encoding/json"

	"dangjian/internal/apperr"
)

// Page sizes.
const (
	DefaultFirst = 20
	MaxFirst     = 100
)

// Request asks for the first First items after the After cursor.
type Request struct {
	First *int
	After *string
}

// Cursor is a keyset position: the last row's id (and optional sort key).
type Cursor struct {
	ID  int64  `json:"i"`
	Key string `json:"k,omitempty"`
}

// Page is one page of results.
type Page[T any] struct {
	Items       []T
	HasNextPage bool
	TotalCount  int
}

// Limit returns the page size to use, or INVALID_INPUT.
func (r Request) Limit() (int, error) {
	if r.First == nil {
		return DefaultFirst, nil
	}
	n := *r.First
	if n < 0 || n > MaxFirst {
		return 0, apperr.Invalid("first", "每页条数必须在 0 到 100 之间")
	}
	return n, nil
}

// Cursor decodes the After cursor; ok is false when there is none.
func (r Request) Cursor() (c Cursor, ok bool, err error) {
	if r.After == nil || *r.After == "" {
		return Cursor{}, false, nil
	}
	c, err = DecodeCursor(*r.After)
	return c, err == nil, err
}

// EncodeCursor returns the opaque cursor for c.
func EncodeCursor(c Cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses an opaque cursor.
func DecodeCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c Cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 {
		return Cursor{}, apperr.Invalid("after", "分页游标无效，请从第一页重新查询")
	}
	return c, nil
}

// Trim cuts a result fetched with limit+1 rows to limit and reports whether there was more.
func Trim[T any](items []T, limit int) ([]T, bool) {
	if len(items) > limit {
		return items[:limit], true
	}
	return items, false
}
