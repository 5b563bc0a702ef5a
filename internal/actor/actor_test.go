package actor_test

import (
	"context"
	"testing"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
)

func TestScopeOf(t *testing.T) {
	bg := context.Background()
	tests := []struct {
		name string
		ctx  context.Context
		want actor.Scope
	}{
		{"system context sees everything", actor.System(bg), actor.Scope{System: true}},
		{"platform admin sees everything",
			actor.With(bg, actor.Actor{UserID: 1, Username: "root", PlatformAdmin: true}), actor.Scope{System: true}},
		{"town user is held to its town",
			actor.With(bg, actor.Actor{UserID: 2, TenantID: 7, DistrictID: 3}), actor.Scope{TenantID: 7}},
		{"district user reads its district",
			actor.With(bg, actor.Actor{UserID: 3, DistrictID: 3}), actor.Scope{DistrictID: 3}},
		{"anonymous sees nothing", bg, actor.Scope{}},
		{"actor without a user id is anonymous",
			actor.With(bg, actor.Actor{TenantID: 7, DistrictID: 3}), actor.Scope{}},
		{"user with neither town nor district sees nothing",
			actor.With(bg, actor.Actor{UserID: 4}), actor.Scope{}},
		{"system mark wins over a town actor",
			actor.System(actor.With(bg, actor.Actor{UserID: 2, TenantID: 7})), actor.Scope{System: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := actor.ScopeOf(tt.ctx)
			if got != tt.want {
				t.Errorf("ScopeOf = %+v (%s), want %+v (%s)", got, got, tt.want, tt.want)
			}
			if got.Empty() != (tt.want == actor.Scope{}) {
				t.Errorf("Empty() = %v for %s", got.Empty(), got)
			}
		})
	}
}

func TestScopeFilter(t *testing.T) {
	tests := []struct {
		name     string
		scope    actor.Scope
		wantCond string
		wantArgs []any
	}{
		{"system", actor.Scope{System: true}, "1 = 1", nil},
		{"town", actor.Scope{TenantID: 7}, "x.tenant_id = ?", []any{int64(7)}},
		{"district", actor.Scope{DistrictID: 3},
			"x.tenant_id IN (SELECT id FROM tenants WHERE district_id = ?)", []any{int64(3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cond, args, err := tt.scope.Filter("x.tenant_id")
			if err != nil {
				t.Fatalf("Filter: %v", err)
			}
			if cond != tt.wantCond {
				t.Errorf("cond = %q, want %q", cond, tt.wantCond)
			}
			if len(args) != len(tt.wantArgs) {
				t.Fatalf("args = %v, want %v", args, tt.wantArgs)
			}
			for i := range args {
				if args[i] != tt.wantArgs[i] {
					t.Errorf("args[%d] = %v (%T), want %v", i, args[i], args[i], tt.wantArgs[i])
				}
			}
		})
	}
}

func TestScopeFilterFailsClosedOnEmptyScope(t *testing.T) {
	cond, args, err := actor.ScopeOf(context.Background()).Filter("tenant_id")
	if err == nil {
		t.Fatalf("empty scope produced condition %q %v; want an error", cond, args)
	}
	if cond != "" {
		t.Errorf("empty scope returned condition %q alongside the error", cond)
	}
	if code := apperr.CodeOf(err); code != apperr.Forbidden {
		t.Errorf("code = %s, want %s", code, apperr.Forbidden)
	}
	if ae, _ := apperr.As(err); ae == nil || ae.Message == "" {
		t.Errorf("error %v has no user-facing message", err)
	}
}

func TestScopeCanReadAndWrite(t *testing.T) {
	const (
		townA, townB = 10, 11 // towns of district 1
		townC        = 20     // town of district 2
	)
	towns := []struct {
		name       string
		id, distID int64
	}{{"A", townA, 1}, {"B", townB, 1}, {"C", townC, 2}}
	tests := []struct {
		name      string
		scope     actor.Scope
		canRead   string // towns readable, by name
		canWrite  string // towns writable, by name
		stringish string
	}{
		{"system", actor.Scope{System: true}, "ABC", "ABC", "system"},
		{"town A", actor.Scope{TenantID: townA}, "A", "A", "tenant:10"},
		{"district 1", actor.Scope{DistrictID: 1}, "AB", "", "district:1"},
		{"district 2", actor.Scope{DistrictID: 2}, "C", "", "district:2"},
		{"empty", actor.Scope{}, "", "", "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var read, write string
			for _, tw := range towns {
				if tt.scope.CanRead(tw.id, tw.distID) {
					read += tw.name
				}
				if tt.scope.CanWriteTenant(tw.id) {
					write += tw.name
				}
			}
			if read != tt.canRead {
				t.Errorf("readable towns = %q, want %q", read, tt.canRead)
			}
			if write != tt.canWrite {
				t.Errorf("writable towns = %q, want %q", write, tt.canWrite)
			}
			if s := tt.scope.String(); s != tt.stringish {
				t.Errorf("String() = %q, want %q", s, tt.stringish)
			}
		})
	}
}

func TestRequire(t *testing.T) {
	if _, err := actor.Require(context.Background()); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("Require on anonymous ctx: err = %v, want UNAUTHENTICATED", err)
	}
	// The system mark is not a signed-in user.
	if _, err := actor.Require(actor.System(context.Background())); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("Require on system ctx: err = %v, want UNAUTHENTICATED", err)
	}
	want := actor.Actor{UserID: 5, Username: "towna.admin", TenantID: 1, DistrictID: 2}
	got, err := actor.Require(actor.With(context.Background(), want))
	if err != nil || got != want {
		t.Errorf("Require = %+v, %v; want %+v", got, err, want)
	}
}

func TestRequestID(t *testing.T) {
	if id := actor.RequestID(context.Background()); id != "" {
		t.Errorf("RequestID of empty ctx = %q, want empty", id)
	}
	if id := actor.RequestID(actor.WithRequestID(context.Background(), "req-1")); id != "req-1" {
		t.Errorf("RequestID = %q, want req-1", id)
	}
}
