package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenIssuer is the iss claim of access tokens.
const tokenIssuer = "dangjian"

// accessClaims are the claims of an access token: sub is the user id, ver the
// user's token version (bumped to end all sessions), sid the refresh family.
type accessClaims struct {
	Version int    `json:"ver"`
	Family  string `json:"sid"`
	jwt.RegisteredClaims
}

// Session is the result of a sign-in or a refresh.
type Session struct {
	// AccessToken is sent as "Authorization: Bearer …" on every request.
	AccessToken string
	// RefreshToken obtains the next session once; keep it secret.
	RefreshToken    string
	AccessExpiresAt time.Time
	User            *User
}

// signAccess issues an access token for u in refresh family family.
func (s *Service) signAccess(u *User, family string, now time.Time) (string, time.Time, error) {
	if len(s.cfg.Secret) < MinSecretLen {
		return "", time.Time{}, fmt.Errorf("auth: token secret must be at least %d bytes", MinSecretLen)
	}
	// JWT times have whole seconds; report the expiry the token really carries.
	exp := now.Add(s.cfg.AccessTTL).Truncate(time.Second)
	c := accessClaims{
		Version: u.TokenVersion,
		Family:  family,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    tokenIssuer,
			Subject:   strconv.FormatInt(u.ID, 10),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.cfg.Secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return tok, exp, nil
}

// parseAccess verifies an access token's signature, algorithm, issuer and
// expiry against the injected clock, and returns its user id and claims.
func (s *Service) parseAccess(token string) (int64, *accessClaims, error) {
	if len(s.cfg.Secret) < MinSecretLen {
		return 0, nil, fmt.Errorf("auth: token secret must be at least %d bytes", MinSecretLen)
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(s.cfg.Now),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(tokenIssuer),
	)
	var c accessClaims
	if _, err := p.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.cfg.Secret, nil }); err != nil {
		return 0, nil, fmt.Errorf("parse access token: %w", err)
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id <= 0 || c.Family == "" {
		return 0, nil, errors.New("access token: bad subject or session")
	}
	return id, &c, nil
}

// newRefreshToken returns a random refresh token (32 bytes, base64url) and the
// hash under which it is stored.
func newRefreshToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("refresh token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

// hashToken is the stored form of a refresh token (SHA-256, hex): the token
// is high-entropy, so a fast hash suffices and lookups stay indexable.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newFamilyID names a new refresh-token family (one sign-in and its rotations).
func newFamilyID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
