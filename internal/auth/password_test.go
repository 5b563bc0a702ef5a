package auth

import (
	"strings"
	"testing"

	"dangjian/internal/apperr"
)

func TestHashAndVerifyPassword(t *testing.T) {
	hash, err := hashPassword("Passw0rd")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the current parameters", hash)
	}
	again, _ := hashPassword("Passw0rd")
	if again == hash {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
	// Hashes made with other (e.g. older, cheaper) parameters still verify:
	// the parameters are read from the stored string.
	cheap, err := hashPasswordWith("Passw0rd", argonParams{memory: 64, time: 1, threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		password string
		hash     string
		want     bool
		wantErr  bool
	}{
		{"right password", "Passw0rd", hash, true, false},
		{"wrong password", "Passw0rd!", hash, false, false},
		{"case matters", "passw0rd", hash, false, false},
		{"empty password", "", hash, false, false},
		{"older parameters", "Passw0rd", cheap, true, false},
		{"older parameters, wrong password", "Passw0rX", cheap, false, false},
		{"dummy hash matches nothing", "Passw0rd", dummyPasswordHash(), false, false},
		{"tampered hash", "Passw0rd", hash[:len(hash)-4] + "AAAA", false, false},
		{"not argon2id", "Passw0rd", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", false, true},
		{"wrong version", "Passw0rd", strings.Replace(hash, "v=19", "v=16", 1), false, true},
		{"absurd memory", "Passw0rd", strings.Replace(hash, "m=19456", "m=99999999", 1), false, true},
		{"trailing junk in parameters", "Passw0rd", strings.Replace(hash, "p=1", "p=1x", 1), false, true},
		{"bcrypt", "Passw0rd", "$2a$10$abcdefghijklmnopqrstuv", false, true},
		{"empty", "Passw0rd", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := verifyPassword(tt.password, tt.hash)
			if (err != nil) != tt.wantErr {
				t.Fatalf("verifyPassword error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("verifyPassword = %v, want %v", got, tt.want)
			}
		})
	}
	if needsRehash(hash) {
		t.Error("a hash with the current parameters needs no rehash")
	}
	if !needsRehash(cheap) {
		t.Error("a hash with older parameters must be upgraded")
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		password string
		ok       bool
	}{
		{"abcd1234", true},
		{"ABCD1234", true},
		{"党建工作a1b2c3", true},
		{"P@ssw0rd with spaces", true},
		{strings.Repeat("a1", 32), true},        // 64
		{strings.Repeat("a1", 32) + "b", false}, // 65
		{"abc1234", false},                      // 7
		{"abcdefgh", false},                     // no digit
		{"12345678", false},                     // no letter
		{"党建工作党建工作1", false},                    // no Latin letter
		{"", false},
		{"abc123\xff\xfe", false}, // not UTF-8
	}
	for _, tt := range tests {
		err := validatePassword("password", tt.password)
		if (err == nil) != tt.ok {
			t.Errorf("validatePassword(%q) = %v, want ok %v", tt.password, err, tt.ok)
		}
		if err != nil {
			if e, _ := apperr.As(err); e == nil || e.Code != apperr.InvalidInput || e.Field != "password" || e.Message == "" {
				t.Errorf("validatePassword(%q) = %#v, want INVALID_INPUT on password", tt.password, err)
			}
		}
	}
}

func TestValidateUsername(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		norm string
	}{
		{"wangli", true, "wangli"},
		{"  Wang.Li_01-x ", true, "wang.li_01-x"},
		{"abc", true, "abc"},
		{strings.Repeat("a", 32), true, strings.Repeat("a", 32)},
		{strings.Repeat("a", 33), false, ""},
		{"ab", false, ""},
		{"wang li", false, ""},
		{"王丽", false, ""},
		{"wang@li", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		n := normalizeUsername(tt.in)
		err := validateUsername(n)
		if (err == nil) != tt.ok {
			t.Errorf("validateUsername(%q) = %v, want ok %v", tt.in, err, tt.ok)
		}
		if tt.ok && n != tt.norm {
			t.Errorf("normalizeUsername(%q) = %q, want %q", tt.in, n, tt.norm)
		}
		if err != nil && apperr.CodeOf(err) != apperr.InvalidInput {
			t.Errorf("validateUsername(%q) code = %s", tt.in, apperr.CodeOf(err))
		}
	}
}
