package pagination_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode"

	"dangjian/internal/apperr"
	"dangjian/internal/pagination"
)

func intp(n int) *int       { return &n }
func strp(s string) *string { return &s }
func isHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}
func b64(s string) string            { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
func first(n int) pagination.Request { return pagination.Request{First: intp(n)} }

func TestLimit(t *testing.T) {
	tests := []struct {
		name    string
		req     pagination.Request
		want    int
		wantErr bool
	}{
		{"unset means the default", pagination.Request{}, pagination.DefaultFirst, false},
		{"zero is allowed (count only)", first(0), 0, false},
		{"one", first(1), 1, false},
		{"maximum", first(100), 100, false},
		{"one over the maximum", first(101), 0, true},
		{"negative", first(-1), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.req.Limit()
			if !tt.wantErr {
				if err != nil || got != tt.want {
					t.Errorf("Limit() = %d, %v; want %d", got, err, tt.want)
				}
				return
			}
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.InvalidInput {
				t.Fatalf("Limit() err = %v, want INVALID_INPUT", err)
			}
			if ae.Field != "first" {
				t.Errorf("field = %q, want first", ae.Field)
			}
			if !isHan(ae.Message) || !strings.Contains(ae.Message, "100") {
				t.Errorf("message %q should say in Chinese that the limit is 100", ae.Message)
			}
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []pagination.Cursor{
		{ID: 1},
		{ID: 42, Key: "2026-03-02T01:00:00Z"},
		{ID: 1 << 62, Key: "幸福社区第一党支部"},
	} {
		s := pagination.EncodeCursor(c)
		if strings.ContainsAny(s, "+/=") {
			t.Errorf("cursor %q is not URL-safe", s)
		}
		req := pagination.Request{After: &s}
		got, ok, err := req.Cursor()
		if err != nil || !ok || got != c {
			t.Errorf("round trip of %+v = %+v, %v, %v", c, got, ok, err)
		}
	}
}

func TestNoCursor(t *testing.T) {
	for name, req := range map[string]pagination.Request{
		"nil":   {},
		"empty": {After: strp("")},
	} {
		t.Run(name, func(t *testing.T) {
			c, ok, err := req.Cursor()
			if err != nil || ok || c != (pagination.Cursor{}) {
				t.Errorf("Cursor() = %+v, %v, %v; want none", c, ok, err)
			}
		})
	}
}

func TestBadCursor(t *testing.T) {
	tests := map[string]string{
		"not base64":         "!!!",
		"std base64 padding": base64.StdEncoding.EncodeToString([]byte(`{"i":1}`)) + "==",
		"not json":           b64("hello"),
		"json array":         b64(`[1]`),
		"missing id":         b64(`{"k":"x"}`),
		"zero id":            b64(`{"i":0}`),
		"negative id":        b64(`{"i":-5}`),
		"id as string":       b64(`{"i":"7"}`),
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			req := pagination.Request{After: &s}
			c, ok, err := req.Cursor()
			ae, isApp := apperr.As(err)
			if !isApp || ae.Code != apperr.InvalidInput {
				t.Fatalf("Cursor(%q) = %+v, %v, %v; want INVALID_INPUT", s, c, ok, err)
			}
			if ok {
				t.Errorf("ok = true alongside an error")
			}
			if ae.Field != "after" || !isHan(ae.Message) {
				t.Errorf("error = field %q message %q; want field after with a Chinese message", ae.Field, ae.Message)
			}
		})
	}
}

func TestTrim(t *testing.T) {
	tests := []struct {
		name     string
		items    []int
		limit    int
		want     []int
		wantMore bool
	}{
		{"fewer than the limit", []int{1, 2}, 3, []int{1, 2}, false},
		{"exactly the limit", []int{1, 2, 3}, 3, []int{1, 2, 3}, false},
		{"one extra row means another page", []int{1, 2, 3, 4}, 3, []int{1, 2, 3}, true},
		{"zero limit with rows", []int{1}, 0, []int{}, true},
		{"nothing", nil, 3, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, more := pagination.Trim(tt.items, tt.limit)
			if more != tt.wantMore || len(got) != len(tt.want) {
				t.Fatalf("Trim = %v, %v; want %v, %v", got, more, tt.want, tt.wantMore)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("Trim = %v, want %v", got, tt.want)
				}
			}
		})
	}
}
