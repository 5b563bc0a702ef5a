package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/auth"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
)

const (
	msgBadCredentials = "用户名或密码错误"
	msgSession        = "登录已过期，请重新登录"
	msgLocked         = "登录失败次数过多，账号已锁定15分钟，请稍后再试"
)

func TestLoginRefreshLogout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		u := f.townUser(t, "wangli", f.townA, authz.OrgStaff, f.branchA)

		s1, err := f.svc.Login(ctx, "WangLi", password, "192.0.2.1")
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		if s1.AccessToken == "" || s1.RefreshToken == "" || s1.User.ID != u.ID {
			t.Fatalf("session = %+v", s1)
		}
		if want := f.clock.Now().Add(auth.DefaultAccessTTL); s1.AccessExpiresAt.After(want) || s1.AccessExpiresAt.Before(want.Add(-time.Second)) {
			t.Errorf("access expires at %v, want about %v", s1.AccessExpiresAt, want)
		}
		a, err := f.svc.Authenticate(ctx, s1.AccessToken)
		if err != nil {
			t.Fatalf("authenticate: %v", err)
		}
		want := actor.Actor{UserID: u.ID, Username: "wangli", TenantID: f.townA, DistrictID: f.district}
		if a != want {
			t.Fatalf("actor = %+v, want %+v", a, want)
		}
		if f.count(t, "refresh_tokens", "token_hash = ?", s1.RefreshToken) != 0 {
			t.Fatal("refresh token stored in clear")
		}

		// Refresh rotates: the new pair works, the old refresh token does not.
		f.clock.Advance(time.Minute)
		s2, err := f.svc.Refresh(ctx, s1.RefreshToken)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if s2.RefreshToken == s1.RefreshToken || s2.AccessToken == s1.AccessToken {
			t.Fatal("refresh did not rotate the tokens")
		}
		if _, err := f.svc.Authenticate(ctx, s2.AccessToken); err != nil {
			t.Fatalf("authenticate refreshed: %v", err)
		}
		s3, err := f.svc.Refresh(ctx, s2.RefreshToken)
		if err != nil {
			t.Fatalf("second refresh: %v", err)
		}
		// Replaying a rotated token is theft: it fails and ends the family.
		_, err = f.svc.Refresh(ctx, s1.RefreshToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
		_, err = f.svc.Refresh(ctx, s3.RefreshToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
		_, err = f.svc.Authenticate(ctx, s3.AccessToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
		if n := f.count(t, "audit_log", "action = 'auth.refresh_reused' AND entity_id = ?", u.ID); n != 1 {
			t.Errorf("refresh reuse audited %d times, want 1", n)
		}

		// Logout ends both the refresh and the access token, not other sessions.
		other, err := f.svc.Login(ctx, "wangli", password, "192.0.2.2")
		if err != nil {
			t.Fatal(err)
		}
		s4, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Logout(ctx, s4.RefreshToken); err != nil {
			t.Fatalf("logout: %v", err)
		}
		_, err = f.svc.Refresh(ctx, s4.RefreshToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
		_, err = f.svc.Authenticate(ctx, s4.AccessToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
		if err := f.svc.Logout(ctx, s4.RefreshToken); err != nil {
			t.Fatalf("second logout: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, other.AccessToken); err != nil {
			t.Fatalf("logout ended another session: %v", err)
		}

		// Garbage and forged tokens.
		for _, tok := range []string{"", "garbage", s1.AccessToken + "x", forge(t, s1.AccessToken)} {
			_, err = f.svc.Authenticate(ctx, tok)
			wantCode(t, err, apperr.Unauthenticated, msgSession)
		}
		_, err = f.svc.Refresh(ctx, "garbage")
		wantCode(t, err, apperr.Unauthenticated, msgSession)
	})
}

// forge re-signs tok's claims with "alg": "none".
func forge(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
}

func TestLoginFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		u := f.townUser(t, "wangli", f.townA, "", 0)

		_, errWrong := f.svc.Login(ctx, "wangli", "Wrong1234", "192.0.2.1")
		wantCode(t, errWrong, apperr.Unauthenticated, msgBadCredentials)
		_, errUnknown := f.svc.Login(ctx, "nobody", password, "192.0.2.1")
		wantCode(t, errUnknown, apperr.Unauthenticated, msgBadCredentials)
		if errWrong.Error() != errUnknown.Error() {
			t.Errorf("unknown user (%v) and wrong password (%v) are distinguishable", errUnknown, errWrong)
		}
		if n := f.count(t, "login_attempts", "username IN ('wangli', 'nobody') AND succeeded = ?", false); n != 2 {
			t.Errorf("failed attempts recorded = %d, want 2", n)
		}
		if n := f.count(t, "audit_log", "action = 'auth.login_failed' AND entity_id = ? AND tenant_id = ?", u.ID, f.townA); n != 1 {
			t.Errorf("failure audited in the user's town %d times, want 1", n)
		}

		// A stopped account: right password, specific message; sessions end.
		f.townUser(t, "office.a", f.townA, authz.TownOffice, f.rootA)
		s, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		if _, err := f.svc.UpdateUser(f.signIn(t, "office.a"), u.ID, auth.UpdateUserInput{Disabled: &yes}); err != nil {
			t.Fatalf("disable: %v", err)
		}
		_, err = f.svc.Login(ctx, "wangli", password, "192.0.2.1")
		wantCode(t, err, apperr.Unauthenticated, "账号已停用")
		_, err = f.svc.Login(ctx, "wangli", "Wrong1234", "192.0.2.1")
		wantCode(t, err, apperr.Unauthenticated, msgBadCredentials)
		_, err = f.svc.Authenticate(ctx, s.AccessToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
		_, err = f.svc.Refresh(ctx, s.RefreshToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
	})
}

func TestChangePasswordEndsSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.townUser(t, "wangli", f.townA, "", 0)
		s, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		a, err := f.svc.Authenticate(ctx, s.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		actx := actor.With(ctx, a)

		wantCode(t, f.svc.ChangePassword(actx, "Wrong1234", "NewPassw0rd"), apperr.InvalidInput, "原密码不正确")
		wantCode(t, f.svc.ChangePassword(actx, password, "short1"), apperr.InvalidInput, "")
		wantCode(t, f.svc.ChangePassword(ctx, password, "NewPassw0rd"), apperr.Unauthenticated, "")
		if err := f.svc.ChangePassword(actx, password, "NewPassw0rd"); err != nil {
			t.Fatalf("change password: %v", err)
		}
		_, err = f.svc.Authenticate(ctx, s.AccessToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
		_, err = f.svc.Refresh(ctx, s.RefreshToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
		_, err = f.svc.Login(ctx, "wangli", password, "192.0.2.1")
		wantCode(t, err, apperr.Unauthenticated, msgBadCredentials)
		if _, err := f.svc.Login(ctx, "wangli", "NewPassw0rd", "192.0.2.1"); err != nil {
			t.Fatalf("login with new password: %v", err)
		}
	})
}

func TestLockout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		u := f.townUser(t, "wangli", f.townA, "", 0)
		f.townUser(t, "zhaomin", f.townA, "", 0)
		t0 := f.clock.Now()

		for i := 0; i < 5; i++ {
			f.clock.Set(t0.Add(time.Duration(i) * time.Minute))
			name := "wangli"
			if i == 2 {
				name = "WANGLI" // the same account
			}
			_, err := f.svc.Login(ctx, name, "Wrong1234", "203.0.113.9")
			wantCode(t, err, apperr.Unauthenticated, msgBadCredentials)
		}
		fifth := t0.Add(4 * time.Minute)

		// The right password is refused while locked.
		f.clock.Set(fifth.Add(time.Minute))
		_, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1")
		wantCode(t, err, apperr.RateLimited, msgLocked)
		// The lock is per account.
		if _, err := f.svc.Login(ctx, "zhaomin", password, "203.0.113.9"); err != nil {
			t.Fatalf("another account is locked too: %v", err)
		}
		// Refused attempts do not extend the lock: it ends 15 minutes after the 5th failure.
		for _, at := range []time.Duration{10 * time.Minute, 14 * time.Minute, 15*time.Minute - time.Second} {
			f.clock.Set(fifth.Add(at))
			_, err = f.svc.Login(ctx, "wangli", password, "192.0.2.1")
			wantCode(t, err, apperr.RateLimited, msgLocked)
		}
		f.clock.Set(fifth.Add(15 * time.Minute))
		if _, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1"); err != nil {
			t.Fatalf("login after the lock: %v", err)
		}

		if n := f.count(t, "audit_log", "action = 'auth.login_failed' AND entity_id = ?", u.ID); n != 5 {
			t.Errorf("audited failures = %d, want 5", n)
		}
		if n := f.count(t, "audit_log", "action = 'auth.login_locked' AND entity_id = ?", u.ID); n != 4 {
			t.Errorf("audited refusals = %d, want 4", n)
		}
		if n := f.count(t, "audit_log", "action = 'auth.login' AND entity_id = ?", u.ID); n != 1 {
			t.Errorf("audited logins = %d, want 1", n)
		}
		if n := f.count(t, "login_attempts", "username = 'wangli'"); n != 10 {
			t.Errorf("recorded attempts = %d, want 10", n)
		}

		// Four failures, a success, four failures: the success resets the count.
		for i := 0; i < 4; i++ {
			_, err := f.svc.Login(ctx, "wangli", "Wrong1234", "203.0.113.9")
			wantCode(t, err, apperr.Unauthenticated, msgBadCredentials)
		}
		if _, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1"); err != nil {
			t.Fatalf("login after four failures: %v", err)
		}
		// Failures 4 minutes apart never put 5 within 15 minutes: no lock.
		for i := 0; i < 6; i++ {
			f.clock.Advance(4 * time.Minute)
			_, err := f.svc.Login(ctx, "wangli", "Wrong1234", "203.0.113.9")
			wantCode(t, err, apperr.Unauthenticated, msgBadCredentials)
		}
		if _, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1"); err != nil {
			t.Fatalf("failures 4 minutes apart locked the account: %v", err)
		}

		// Unknown usernames lock too, with the same message.
		for i := 0; i < 5; i++ {
			_, _ = f.svc.Login(ctx, "ghost", "Wrong1234", "203.0.113.9")
		}
		_, err = f.svc.Login(ctx, "ghost", "Wrong1234", "203.0.113.9")
		wantCode(t, err, apperr.RateLimited, msgLocked)
	})
}

func TestExpiredAccessToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.townUser(t, "wangli", f.townA, "", 0)
		s, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(14 * time.Minute)
		if _, err := f.svc.Authenticate(ctx, s.AccessToken); err != nil {
			t.Fatalf("token rejected before expiry: %v", err)
		}
		f.clock.Advance(2 * time.Minute)
		_, err = f.svc.Authenticate(ctx, s.AccessToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
		// The refresh token outlives it.
		s2, err := f.svc.Refresh(ctx, s.RefreshToken)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, s2.AccessToken); err != nil {
			t.Fatalf("refreshed token: %v", err)
		}
		// And expires too.
		f.clock.Advance(auth.DefaultRefreshTTL + time.Second)
		_, err = f.svc.Refresh(ctx, s2.RefreshToken)
		wantCode(t, err, apperr.Unauthenticated, msgSession)
	})
}

func TestPurgeExpired(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.townUser(t, "wangli", f.townA, "", 0)
		old, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Refresh(ctx, old.RefreshToken); err != nil { // one revoked, one live
			t.Fatal(err)
		}
		_, _ = f.svc.Login(ctx, "wangli", "Wrong1234", "192.0.2.1")

		n, err := f.svc.PurgeExpired(ctx, f.clock.Now().Add(time.Hour))
		if err != nil || n != 0 {
			t.Fatalf("purge of fresh rows = %d, %v; want 0", n, err)
		}
		f.clock.Advance(2 * 24 * time.Hour)
		recent, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		// Two days on, the first day's attempts go; every token stays.
		n, err = f.svc.PurgeExpired(ctx, f.clock.Now())
		if err != nil || n != 2 {
			t.Fatalf("purge after 2 days = %d, %v; want 2 attempts", n, err)
		}
		if got := f.count(t, "login_attempts", "1 = 1"); got != 1 {
			t.Errorf("attempts left = %d, want 1", got)
		}
		// Eight days on: the recent attempt and the token revoked 8 days ago go;
		// the old live token expired only a day ago and stays, as does the recent one.
		n, err = f.svc.PurgeExpired(ctx, f.clock.Now().Add(6*24*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("purge after 8 days = %d, %v; want 1 attempt and 1 token", n, err)
		}
		if got := f.count(t, "refresh_tokens", "1 = 1"); got != 2 {
			t.Errorf("tokens left = %d, want 2", got)
		}
		if _, err := f.svc.Refresh(ctx, recent.RefreshToken); err != nil {
			t.Errorf("purge ended a live session: %v", err)
		}
	})
}

func TestAuditHoldsNoSecrets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.townUser(t, "office.a", f.townA, authz.TownOffice, f.rootA)
		u := f.townUser(t, "wangli", f.townA, "", 0)
		s, err := f.svc.Login(ctx, "wangli", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		s2, err := f.svc.Refresh(ctx, s.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.svc.Refresh(ctx, s.RefreshToken)
		if err := f.svc.ResetPassword(f.signIn(t, "office.a"), u.ID, "Reset1234"); err != nil {
			t.Fatal(err)
		}
		var rows []string
		err = d.RunInTx(actor.System(ctx), func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Table("audit_log").ColumnExpr("action || ' ' || before_json || ' ' || after_json").Scan(ctx, &rows)
		})
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(rows, "\n")
		for _, secret := range []string{"argon2", password, "Reset1234", s.RefreshToken, s2.RefreshToken, s.AccessToken, "Wrong1234"} {
			if strings.Contains(joined, secret) {
				t.Errorf("audit log contains a secret %q:\n%s", secret, joined)
			}
		}
		for _, action := range []string{"user.create", "role.assign", "auth.login", "auth.refresh_reused", "user.password_reset"} {
			if !strings.Contains(joined, action+" ") {
				t.Errorf("audit log lacks %s:\n%s", action, joined)
			}
		}
	})
}
