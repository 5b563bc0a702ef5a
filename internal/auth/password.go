package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"dangjian/internal/apperr"
)

// argon2id parameters for new hashes (OWASP: 19 MiB, 2 passes, 1 lane).
// Stored hashes carry their own parameters, so these can be raised later;
// older hashes are upgraded at the next successful sign-in.
const (
	argonMemory  uint32 = 19456
	argonTime    uint32 = 2
	argonThreads uint8  = 1
	argonSaltLen        = 16
	argonKeyLen         = 32
)

// argonParams are the cost parameters of one argon2id hash.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

// currentParams are the parameters new hashes get.
func currentParams() argonParams {
	return argonParams{memory: argonMemory, time: argonTime, threads: argonThreads}
}

// hashPassword returns the argon2id PHC string of password with a fresh salt.
func hashPassword(password string) (string, error) {
	return hashPasswordWith(password, currentParams())
}

func hashPasswordWith(password string, p argonParams) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, argonKeyLen)
	return encodePHC(p, salt, key), nil
}

// encodePHC formats $argon2id$v=19$m=…,t=…,p=…$salt$hash (unpadded standard base64).
func encodePHC(p argonParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// decodePHC parses an argon2id PHC string, refusing parameters outside sane
// bounds so that a corrupted row cannot make sign-in allocate without limit.
func decodePHC(s string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("password hash: not an argon2id PHC string")
	}
	if parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, fmt.Errorf("password hash: unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.memory, p.time, p.threads) {
		return p, nil, nil, fmt.Errorf("password hash: bad parameters %q", parts[3])
	}
	if p.threads < 1 || p.time < 1 || p.time > 16 || p.memory < 8*uint32(p.threads) || p.memory > 1<<21 {
		return p, nil, nil, fmt.Errorf("password hash: parameters out of range %q", parts[3])
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("password hash: bad salt")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errors.New("password hash: bad key")
	}
	return p, salt, key, nil
}

// verifyPassword reports whether password matches the PHC string encoded,
// using the parameters stored in it and a constant-time comparison.
func verifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := decodePHC(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// needsRehash reports whether encoded was made with other than the current parameters.
func needsRehash(encoded string) bool {
	p, _, key, err := decodePHC(encoded)
	return err != nil || p != currentParams() || len(key) != argonKeyLen
}

// dummyPasswordHash is a well-formed hash with the current parameters that no
// password matches, verified against for unknown usernames.
func dummyPasswordHash() string {
	return encodePHC(currentParams(), make([]byte, argonSaltLen), make([]byte, argonKeyLen))
}

// validatePassword applies the password policy: 8 to 64 characters, with at
// least one Latin letter and one digit (other characters are allowed).
// field names the input at fault.
func validatePassword(field, password string) error {
	n := utf8.RuneCountInString(password)
	var letter, digit bool
	for _, r := range password {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
			letter = true
		}
	}
	if !utf8.ValidString(password) || n < 8 || n > 64 || !letter || !digit {
		return apperr.Invalid(field, "密码须为8至64位，且同时包含字母和数字")
	}
	return nil
}

// normalizeUsername trims and lower-cases a username, so that sign-in and
// lockout treat "Wang.Li" and "wang.li" as the same account.
func normalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validateUsername requires 3 to 32 characters of a-z, 0-9, '.', '_' and '-'.
func validateUsername(s string) error {
	ok := len(s) >= 3 && len(s) <= 32
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'
	}
	if !ok {
		return apperr.Invalid("username", "用户名须为3至32位，只能包含小写字母、数字和 . _ -")
	}
	return nil
}
