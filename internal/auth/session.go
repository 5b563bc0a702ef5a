package auth

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/db"
)

// refreshToken is a stored refresh token: only its hash, its family (one
// sign-in and all its rotations) and its lifetime.
type refreshToken struct {
	bun.BaseModel `bun:"table:refresh_tokens,alias:rt"`

	ID        int64      `bun:"id,pk,autoincrement"`
	UserID    int64      `bun:"user_id"`
	TokenHash string     `bun:"token_hash"`
	FamilyID  string     `bun:"family_id"`
	ExpiresAt time.Time  `bun:"expires_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
	CreatedAt time.Time  `bun:"created_at"`
}

// loginAttempt is one sign-in attempt, kept for the lockout and for review.
type loginAttempt struct {
	bun.BaseModel `bun:"table:login_attempts"`

	ID         int64     `bun:"id,pk,autoincrement"`
	Username   string    `bun:"username"`
	UserID     *int64    `bun:"user_id"`
	Succeeded  bool      `bun:"succeeded"`
	RemoteAddr string    `bun:"remote_addr"`
	CreatedAt  time.Time `bun:"created_at"`
}

// attemptKey is a position in the login_attempts of one username.
type attemptKey struct {
	ID        int64     `bun:"id"`
	CreatedAt time.Time `bun:"created_at"`
}

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// lockedUntil returns the end of the lock on username at now, or the zero time
// when it is not locked.
//
// A lock starts at the maxFailures-th failure within failureWindow and lasts
// lockDuration. Attempts refused during a lock are recorded as failures too,
// but must not extend it; so the failures since the last success are replayed
// in order, skipping each lock's span. Only counted failures are read, at most
// one batch per lock or per batchSize failures.
func lockedUntil(ctx context.Context, idb bun.IDB, username string, now time.Time) (time.Time, error) {
	const batchSize = 50
	cur := attemptKey{CreatedAt: now.Add(-attemptRetention)}
	var last []attemptKey
	if err := idb.NewSelect().Table("login_attempts").Column("id", "created_at").
		Where("username = ? AND succeeded = ? AND created_at >= ?", username, true, cur.CreatedAt).
		OrderExpr("created_at DESC, id DESC").Limit(1).Scan(ctx, &last); err != nil {
		return time.Time{}, fmt.Errorf("read last sign-in: %w", err)
	}
	if len(last) == 1 {
		cur = last[0]
	}
	var window []time.Time
	for {
		var rows []attemptKey
		if err := idb.NewSelect().Table("login_attempts").Column("id", "created_at").
			Where("username = ? AND succeeded = ?", username, false).
			Where("(created_at > ? OR (created_at = ? AND id > ?))", cur.CreatedAt, cur.CreatedAt, cur.ID).
			OrderExpr("created_at, id").Limit(batchSize).Scan(ctx, &rows); err != nil {
			return time.Time{}, fmt.Errorf("read failed sign-ins: %w", err)
		}
		lockPassed := false
		for _, r := range rows {
			window = append(window, r.CreatedAt)
			if len(window) > maxFailures {
				window = window[1:]
			}
			if len(window) == maxFailures && r.CreatedAt.Sub(window[0]) < failureWindow {
				end := r.CreatedAt.Add(lockDuration)
				if end.After(now) {
					return end, nil
				}
				// Attempts during the lock were refused, not counted; the
				// failures before it are out of the window once it has passed.
				cur, window, lockPassed = attemptKey{CreatedAt: end}, nil, true
				break
			}
		}
		if lockPassed {
			continue
		}
		if len(rows) < batchSize {
			return time.Time{}, nil
		}
		cur = rows[len(rows)-1]
	}
}

// findUserByUsername returns the user or nil.
func findUserByUsername(ctx context.Context, idb bun.IDB, username string) (*User, error) {
	u := new(User)
	if err := idb.NewSelect().Model(u).Where("u.username = ?", username).Scan(ctx); err != nil {
		if db.IsNoRows(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// Login checks a username and password and starts a session. Unknown users and
// wrong passwords get the same error after the same work; after maxFailures
// failures within failureWindow the account is locked for lockDuration from
// the last of them, even for the right password. Every attempt is recorded
// and audited.
func (s *Service) Login(ctx context.Context, username, password, remoteAddr string) (*Session, error) {
	now := s.now()
	sys := systemOnly(ctx)
	name := truncateRunes(normalizeUsername(username), 64)
	remoteAddr = truncateRunes(remoteAddr, 128)

	var u *User
	var lockEnd time.Time
	err := s.db.RunInTx(sys, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if lockEnd, err = lockedUntil(ctx, tx, name, now); err != nil {
			return err
		}
		u, err = findUserByUsername(ctx, tx, name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	refuse := func(action, reason string, refusal error) error {
		if err := s.recordRefusal(sys, u, name, remoteAddr, now, action, reason); err != nil {
			return err
		}
		return refusal
	}
	if !lockEnd.IsZero() {
		return nil, refuse("auth.login_locked", "locked", errLocked())
	}
	if u == nil {
		_, _ = verifyPassword(password, s.dummyHash)
		return nil, refuse("auth.login_failed", "unknown_user", errBadCredentials())
	}
	ok, err := verifyPassword(password, u.PasswordHash)
	if err != nil {
		return nil, fmt.Errorf("sign in user %d: %w", u.ID, err)
	}
	if !ok {
		return nil, refuse("auth.login_failed", "wrong_password", errBadCredentials())
	}
	// Only now, with the right password, say that the account is stopped.
	if u.DisabledAt != nil {
		return nil, refuse("auth.login_failed", "disabled", errDisabled())
	}
	var rehash string
	if needsRehash(u.PasswordHash) {
		if rehash, err = hashPassword(password); err != nil {
			return nil, err
		}
	}
	family, err := newFamilyID()
	if err != nil {
		return nil, err
	}
	sess, rt, err := s.newSession(u, family, now)
	if err != nil {
		return nil, err
	}
	ctxU := actor.With(sys, actor.Actor{UserID: u.ID, Username: u.Username})
	err = s.db.RunInTx(ctxU, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&loginAttempt{Username: name, UserID: &u.ID, Succeeded: true, RemoteAddr: remoteAddr, CreatedAt: now}).Exec(ctx); err != nil {
			return fmt.Errorf("record sign-in: %w", err)
		}
		if rehash != "" {
			if _, err := tx.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", rehash).
				Where("id = ? AND password_hash = ?", u.ID, u.PasswordHash).Exec(ctx); err != nil {
				return fmt.Errorf("upgrade password hash: %w", err)
			}
		}
		if _, err := tx.NewInsert().Model(rt).Exec(ctx); err != nil {
			return fmt.Errorf("store refresh token: %w", err)
		}
		return audit.Record(ctx, tx, userChange(u, "auth.login", nil, map[string]string{"remoteAddr": remoteAddr}))
	})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return sess, nil
}

// recordRefusal records a refused sign-in and audits it (user known or not).
func (s *Service) recordRefusal(sys context.Context, u *User, name, remoteAddr string, now time.Time, action, reason string) error {
	err := s.db.RunInTx(sys, func(ctx context.Context, tx bun.Tx) error {
		at := &loginAttempt{Username: name, RemoteAddr: remoteAddr, CreatedAt: now}
		detail := map[string]string{"username": name, "remoteAddr": remoteAddr, "reason": reason}
		c := audit.Change{Action: action, EntityType: "user", After: detail}
		if u != nil {
			at.UserID = &u.ID
			c = userChange(u, action, nil, detail)
		}
		if _, err := tx.NewInsert().Model(at).Exec(ctx); err != nil {
			return fmt.Errorf("record sign-in attempt: %w", err)
		}
		return audit.Record(ctx, tx, c)
	})
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	return nil
}

// newSession signs an access token and makes a refresh token (to be stored by the caller) in family.
func (s *Service) newSession(u *User, family string, now time.Time) (*Session, *refreshToken, error) {
	access, exp, err := s.signAccess(u, family, now)
	if err != nil {
		return nil, nil, err
	}
	token, hash, err := newRefreshToken()
	if err != nil {
		return nil, nil, err
	}
	rt := &refreshToken{UserID: u.ID, TokenHash: hash, FamilyID: family, ExpiresAt: now.Add(s.cfg.RefreshTTL), CreatedAt: now}
	return &Session{AccessToken: access, RefreshToken: token, AccessExpiresAt: exp, User: u}, rt, nil
}

// revokeFamily ends every token of a refresh family and returns how many were live.
func revokeFamily(ctx context.Context, idb bun.IDB, family string, now time.Time) (int64, error) {
	res, err := idb.NewUpdate().Table("refresh_tokens").Set("revoked_at = ?", now).
		Where("family_id = ? AND revoked_at IS NULL", family).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("revoke session: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// findRefresh loads a refresh token by its value, locking its row on PostgreSQL
// so that two concurrent refreshes of one token cannot both succeed.
func (s *Service) findRefresh(ctx context.Context, tx bun.Tx, token string) (*refreshToken, error) {
	rt := new(refreshToken)
	q := tx.NewSelect().Model(rt).Where("rt.token_hash = ?", hashToken(token))
	if s.db.Dialect == db.Postgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		if db.IsNoRows(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("find refresh token: %w", err)
	}
	return rt, nil
}

// Refresh exchanges a refresh token for a new session in the same family; the
// presented token is revoked. Presenting a token that was already rotated
// means it was copied: the whole family is revoked and UNAUTHENTICATED returned.
func (s *Service) Refresh(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, errSession()
	}
	now := s.now()
	var sess *Session
	var denied error
	err := s.db.RunInTx(systemOnly(ctx), func(ctx context.Context, tx bun.Tx) error {
		old, err := s.findRefresh(ctx, tx, token)
		if err != nil {
			return err
		}
		if old == nil {
			denied = errSession()
			return nil
		}
		u := new(User)
		if err := tx.NewSelect().Model(u).Where("u.id = ?", old.UserID).Scan(ctx); err != nil {
			return fmt.Errorf("load user %d: %w", old.UserID, err)
		}
		if old.RevokedAt != nil {
			denied = errSession()
			n, err := revokeFamily(ctx, tx, old.FamilyID, now)
			if err != nil || n == 0 {
				return err // replay after sign-out: nothing left to end
			}
			return audit.Record(ctx, tx, userChange(u, "auth.refresh_reused", nil, map[string]string{"reason": "rotated refresh token presented again"}))
		}
		if !old.ExpiresAt.After(now) || u.DisabledAt != nil {
			denied = errSession()
			return nil
		}
		if _, err := tx.NewUpdate().Model(old).Set("revoked_at = ?", now).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("rotate refresh token: %w", err)
		}
		var rt *refreshToken
		if sess, rt, err = s.newSession(u, old.FamilyID, now); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(rt).Exec(ctx); err != nil {
			return fmt.Errorf("store refresh token: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("refresh session: %w", err)
	}
	if denied != nil {
		return nil, denied
	}
	return sess, nil
}

// Logout ends the session the refresh token belongs to: its whole family, so
// the access tokens issued in it stop working too. An unknown or already
// ended token is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	now := s.now()
	err := s.db.RunInTx(systemOnly(ctx), func(ctx context.Context, tx bun.Tx) error {
		rt, err := s.findRefresh(ctx, tx, token)
		if err != nil || rt == nil {
			return err
		}
		n, err := revokeFamily(ctx, tx, rt.FamilyID, now)
		if err != nil || n == 0 {
			return err
		}
		u := new(User)
		if err := tx.NewSelect().Model(u).Where("u.id = ?", rt.UserID).Scan(ctx); err != nil {
			return fmt.Errorf("load user %d: %w", rt.UserID, err)
		}
		ctx = actor.With(ctx, actor.Actor{UserID: u.ID, Username: u.Username})
		return audit.Record(ctx, tx, userChange(u, "auth.logout", nil, nil))
	})
	if err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// ChangePassword sets the signed-in user's password after checking the old
// one, and ends all their sessions (this one included).
func (s *Service) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	a, err := actor.Require(ctx)
	if err != nil {
		return err
	}
	if err := validatePassword("newPassword", newPassword); err != nil {
		return err
	}
	var u *User
	if err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		u, err = loadUser(ctx, tx, a.UserID)
		return err
	}); err != nil {
		return err
	}
	ok, err := verifyPassword(oldPassword, u.PasswordHash)
	if err != nil {
		return fmt.Errorf("change password of user %d: %w", u.ID, err)
	}
	if !ok {
		return apperr.Invalid("oldPassword", "原密码不正确")
	}
	if oldPassword == newPassword {
		return apperr.Invalid("newPassword", "新密码不能与原密码相同")
	}
	hash, err := hashPassword(newPassword)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*User)(nil)).
			Set("password_hash = ?", hash).Set("token_version = token_version + 1").Set("updated_at = ?", now).
			Where("id = ? AND password_hash = ?", u.ID, u.PasswordHash).Exec(ctx)
		if err != nil {
			return fmt.Errorf("change password of user %d: %w", u.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "密码已被修改，请重新登录后再试")
		}
		if err := audit.Record(ctx, tx, userChange(u, "user.password_change", nil, nil)); err != nil {
			return err
		}
		return s.revokeUserTokens(ctx, tx, u.ID, now)
	})
}

// authRow is what Authenticate reads about the token's user, in one query.
type authRow struct {
	ID              int64  `bun:"id"`
	Username        string `bun:"username"`
	TenantID        *int64 `bun:"tenant_id"`
	DistrictID      *int64 `bun:"district_id"`
	TownDistrictID  *int64 `bun:"town_district_id"`
	PersonID        *int64 `bun:"person_id"`
	IsPlatformAdmin bool   `bun:"is_platform_admin"`
	TokenVersion    int    `bun:"token_version"`
	Disabled        bool   `bun:"disabled"`
	Live            bool   `bun:"live"`
}

// Authenticate turns an access token into the actor of a request: the token
// must be valid and unexpired, its user enabled with the same token version,
// and its session (refresh family) not ended. Any failure is UNAUTHENTICATED.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (actor.Actor, error) {
	id, c, err := s.parseAccess(accessToken)
	if err != nil {
		return actor.Actor{}, apperr.Wrap(apperr.Unauthenticated, "登录已过期，请重新登录", err)
	}
	var rows []authRow
	err = s.db.RunInTx(systemOnly(ctx), func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().TableExpr("users AS u").
			Join("LEFT JOIN tenants AS t ON t.id = u.tenant_id").
			ColumnExpr("u.id, u.username, u.tenant_id, u.district_id, t.district_id AS town_district_id").
			ColumnExpr("u.person_id, u.is_platform_admin, u.token_version").
			ColumnExpr("u.disabled_at IS NOT NULL AS disabled").
			ColumnExpr("EXISTS (SELECT 1 FROM refresh_tokens AS r WHERE r.family_id = ? AND r.user_id = u.id AND r.revoked_at IS NULL) AS live", c.Family).
			Where("u.id = ?", id).Scan(ctx, &rows)
	})
	if err != nil {
		return actor.Actor{}, fmt.Errorf("authenticate: %w", err)
	}
	if len(rows) == 0 || rows[0].Disabled || !rows[0].Live || rows[0].TokenVersion != c.Version {
		return actor.Actor{}, errSession()
	}
	r := rows[0]
	a := actor.Actor{UserID: r.ID, Username: r.Username, PlatformAdmin: r.IsPlatformAdmin}
	if r.TenantID != nil {
		a.TenantID = *r.TenantID
		if r.TownDistrictID != nil {
			a.DistrictID = *r.TownDistrictID
		}
	} else if r.DistrictID != nil {
		a.DistrictID = *r.DistrictID
	}
	if r.PersonID != nil {
		a.PersonID = *r.PersonID
	}
	return a, nil
}

// PurgeExpired deletes login attempts older than a day and refresh tokens
// that expired or were revoked more than a week before now, and returns how
// many rows it deleted. It runs in system scope (a maintenance job).
func (s *Service) PurgeExpired(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	var total int64
	err := s.db.RunInTx(systemOnly(ctx), func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*loginAttempt)(nil)).
			Where("created_at < ?", now.Add(-attemptRetention)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("purge login attempts: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		cutoff := now.Add(-tokenRetention)
		res, err = tx.NewDelete().Model((*refreshToken)(nil)).
			Where("expires_at < ? OR revoked_at < ?", cutoff, cutoff).Exec(ctx)
		if err != nil {
			return fmt.Errorf("purge refresh tokens: %w", err)
		}
		n, _ = res.RowsAffected()
		total += n
		return nil
	})
	return int(total), err
}
