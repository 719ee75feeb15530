package clicktoken

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	keyA = bytes.Repeat([]byte("a"), 32)
	keyB = bytes.Repeat([]byte("b"), 32)
	keyC = bytes.Repeat([]byte("c"), 48)

	clickAt = time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC)
	claims  = Claims{Affiliate: "jane", Event: "summit-2026", At: clickAt}
)

func mustKeys(t testing.TB, current []byte, previous ...[]byte) *Keys {
	t.Helper()
	k, err := NewKeys(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewKeys(t *testing.T) {
	tests := []struct {
		name     string
		current  []byte
		previous [][]byte
		ok       bool
	}{
		{"a 32-byte key is enough", keyA, nil, true},
		{"longer keys are fine", keyC, nil, true},
		{"a 31-byte current key is refused", keyA[:31], nil, false},
		{"an empty current key is refused", nil, nil, false},
		{"a short previous key is refused", keyA, [][]byte{keyB[:16]}, false},
		{"several previous keys are fine", keyA, [][]byte{keyB, keyC}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewKeys(tt.current, tt.previous...)
			if (err == nil) != tt.ok {
				t.Fatalf("NewKeys: err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), "aaaa") {
				t.Errorf("error %q echoes the key", err)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	k := mustKeys(t, keyA)
	tests := []struct {
		name string
		in   Claims
		want Claims
	}{
		{"claims come back as signed", claims, claims},
		{"time is kept to the second, in UTC",
			Claims{Affiliate: "jane", Event: "summit-2026", At: time.Date(2026, 11, 3, 9, 0, 0, 999_999_999, time.FixedZone("EST", -5*3600))},
			Claims{Affiliate: "jane", Event: "summit-2026", At: time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC)}},
		{"shortest codes", Claims{Affiliate: "ab", Event: "e", At: time.Unix(0, 0)}, Claims{Affiliate: "ab", Event: "e", At: time.Unix(0, 0).UTC()}},
		{"longest codes",
			Claims{Affiliate: strings.Repeat("a", 32), Event: strings.Repeat("e", 64), At: clickAt},
			Claims{Affiliate: strings.Repeat("a", 32), Event: strings.Repeat("e", 64), At: clickAt}},
		{"hyphens and digits", Claims{Affiliate: "-9-", Event: "2026-", At: clickAt}, Claims{Affiliate: "-9-", Event: "2026-", At: clickAt}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := k.Sign(tt.in)
			got, err := k.Verify(tok)
			if err != nil {
				t.Fatalf("Verify(%q): %v", tok, err)
			}
			if got.Affiliate != tt.want.Affiliate || got.Event != tt.want.Event || !got.At.Equal(tt.want.At) || got.At.Location() != time.UTC {
				t.Errorf("Verify(Sign(%+v)) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestTokenIsShortAndURLSafe(t *testing.T) {
	tok := mustKeys(t, keyA).Sign(claims)
	if len(tok) > 64 {
		t.Errorf("token %q is %d bytes; a typical one should stay short", tok, len(tok))
	}
	for _, c := range tok {
		if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", c) {
			t.Errorf("token %q has %q, which is not URL- and cookie-safe", tok, c)
		}
	}
}

func TestSignRefusesInvalidClaims(t *testing.T) {
	k := mustKeys(t, keyA)
	tests := []struct {
		name string
		c    Claims
	}{
		{"a dot in the affiliate cannot be smuggled", Claims{Affiliate: "ja.ne", Event: "summit", At: clickAt}},
		{"a dot in the event cannot be smuggled", Claims{Affiliate: "jane", Event: "summit.x", At: clickAt}},
		{"upper case affiliate", Claims{Affiliate: "Jane", Event: "summit", At: clickAt}},
		{"one-letter affiliate", Claims{Affiliate: "j", Event: "summit", At: clickAt}},
		{"33-letter affiliate", Claims{Affiliate: strings.Repeat("j", 33), Event: "summit", At: clickAt}},
		{"empty event", Claims{Affiliate: "jane", Event: "", At: clickAt}},
		{"65-letter event", Claims{Affiliate: "jane", Event: strings.Repeat("e", 65), At: clickAt}},
		{"zero time", Claims{Affiliate: "jane", Event: "summit", At: time.Time{}}},
		{"time before 1970", Claims{Affiliate: "jane", Event: "summit", At: time.Unix(-1, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.c.Valid() == nil {
				t.Error("Valid() = nil")
			}
			defer func() {
				if recover() == nil {
					t.Error("Sign did not panic")
				}
			}()
			k.Sign(tt.c)
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	k := mustKeys(t, keyA)
	good := k.Sign(claims) // 1.jane.summit-2026.<ts>.<mac>
	parts := strings.Split(good, ".")
	join := func(p ...string) string { return strings.Join(p, ".") }
	ts, mac := parts[3], parts[4]
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}

	tests := []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"garbage", "not a token"},
		{"only the version", "1."},
		{"unknown version", join("2", "jane", "summit-2026", ts, mac)},
		{"tampered affiliate", join("1", "bob", "summit-2026", ts, mac)},
		{"tampered event", join("1", "jane", "retreat-2026", ts, mac)},
		{"tampered time", join("1", "jane", "summit-2026", ts[:len(ts)-1]+"z", mac)},
		{"tampered first MAC character", join("1", "jane", "summit-2026", ts, flip(mac, 0))},
		{"tampered last MAC character", join("1", "jane", "summit-2026", ts, flip(mac, len(mac)-1))},
		{"MAC with padding", good + "=="},
		{"MAC cut short", good[:len(good)-1]},
		{"MAC of standard base64 alphabet", join("1", "jane", "summit-2026", ts, strings.Repeat("+", 22))},
		{"no MAC", join("1", "jane", "summit-2026", ts)},
		{"extra field", good + ".x"},
		{"upper-case time is another spelling", join("1", "jane", "summit-2026", strings.ToUpper(ts), mac)},
		{"signed time is another spelling", join("1", "jane", "summit-2026", "+"+ts, mac)},
		{"leading zero time is another spelling", join("1", "jane", "summit-2026", "0"+ts, mac)},
		{"upper-case affiliate", join("1", "JANE", "summit-2026", ts, mac)},
		{"empty affiliate", join("1", "", "summit-2026", ts, mac)},
		{"empty event", join("1", "jane", "", ts, mac)},
		{"surrounding space", " " + good},
		{"huge input", good + strings.Repeat("A", 10000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := k.Verify(tt.token)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Verify(%q) = %+v, %v; want ErrInvalid", tt.token, got, err)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	oldKeys := mustKeys(t, keyB)
	rotated := mustKeys(t, keyA, keyB)
	stranger := mustKeys(t, keyC)

	tests := []struct {
		name   string
		signer *Keys
		ok     bool
	}{
		{"current key verifies", rotated, true},
		{"previous key still verifies", oldKeys, true},
		{"an unknown key is refused", stranger, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rotated.Verify(tt.signer.Sign(claims))
			if (err == nil) != tt.ok {
				t.Errorf("Verify: err = %v, want ok=%v", err, tt.ok)
			}
		})
	}

	t.Run("the current key is the one that signs", func(t *testing.T) {
		if rotated.Sign(claims) != mustKeys(t, keyA).Sign(claims) {
			t.Error("rotated keys did not sign with the current key")
		}
	})
	t.Run("a dropped key is refused", func(t *testing.T) {
		if _, err := mustKeys(t, keyA).Verify(oldKeys.Sign(claims)); !errors.Is(err, ErrInvalid) {
			t.Errorf("err = %v, want ErrInvalid", err)
		}
	})
}

func TestVerifyIsSafeForConcurrentUse(t *testing.T) {
	k := mustKeys(t, keyA, keyB)
	tok := k.Sign(claims)
	done := make(chan error)
	for range 8 {
		go func() {
			var err error
			for range 200 {
				if _, e := k.Verify(tok); e != nil {
					err = e
				}
				if k.Sign(claims) != tok {
					err = errors.New("Sign changed")
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	k := mustKeys(f, keyA)
	f.Add(k.Sign(claims))
	f.Add(k.Sign(Claims{Affiliate: "ab", Event: "e", At: time.Unix(0, 0)}))
	f.Add(k.Sign(Claims{Affiliate: strings.Repeat("z", 32), Event: strings.Repeat("9", 64), At: time.Unix(1<<40, 0)}))
	f.Add("1.jane.summit-2026.0.AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Add("1....")
	f.Add(k.Sign(Claims{Affiliate: "jane", Event: "summit-2026", At: clickAt, Sub: "podcast"}))
	f.Add("1.jane.summit-2026.0.x.AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := k.Verify(token)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify(%q) error %v does not wrap ErrInvalid", token, err)
			}
			return
		}
		// One spelling per token: what verifies is what Sign would make.
		if again := k.Sign(c); again != token {
			t.Fatalf("Verify(%q) accepted claims %+v that sign to %q", token, c, again)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	k := mustKeys(b, keyA, keyB)
	b.ReportAllocs()
	for b.Loop() {
		k.Sign(claims)
	}
}

func BenchmarkVerify(b *testing.B) {
	k := mustKeys(b, keyA, keyB)
	tok := k.Sign(claims)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// A token signed before a rotation costs one more MAC.
func BenchmarkVerifyPreviousKey(b *testing.B) {
	k := mustKeys(b, keyA, keyB)
	tok := mustKeys(b, keyB).Sign(claims)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// A key change: tokens signed under the old key still verify when the
// setting keeps it after the new one; new tokens are signed with the new.
func TestParseKeysRotation(t *testing.T) {
	oldKey, newKey := "old-key-Xk3p9QwZr7Lm2NvB8cTy4HdJ6", "new-key-Ge1aFs6JdH4yTc8BvN2mL7rZwQ"
	before, err := ParseKeys(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	tok := before.Sign(Claims{Affiliate: "jane", Event: "summit-2026", At: at})
	after, err := ParseKeys(newKey + " " + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := after.Verify(tok); err != nil || c.Affiliate != "jane" {
		t.Errorf("old token after the change: %+v %v", c, err)
	}
	only, _ := ParseKeys(newKey)
	if _, err := only.Verify(tok); err == nil {
		t.Error("an old token verified without the old key")
	}
	if _, err := before.Verify(after.Sign(Claims{Affiliate: "jane", Event: "summit-2026", At: at})); err == nil {
		t.Error("a new token was signed with the old key")
	}
	if _, err := ParseKeys("  "); err == nil {
		t.Error("no key accepted")
	}
	// A placeholder is refused at the cold start, though long enough.
	if _, err := ParseKeys(newKey + " " + strings.Repeat("changeme", 4)); err == nil {
		t.Error("a repeated word accepted as a key")
	}
}

func TestStripeForm(t *testing.T) {
	k := mustKeys(t, keyA)
	stripeChars := func(s string) bool {
		for _, c := range s {
			if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", c) {
				return false
			}
		}
		return len(s) >= 1 && len(s) <= 200
	}
	// Enough clicks that some MACs hold '_' and '-' themselves.
	var underscoreMAC bool
	for i := range 400 {
		c := Claims{Affiliate: "jane", Event: "summit-2026", At: clickAt.Add(time.Duration(i) * time.Second)}
		if i == 0 {
			c = Claims{Affiliate: strings.Repeat("a", 32), Event: strings.Repeat("e", 64), At: clickAt, Sub: strings.Repeat("_", 32)}
		}
		tok := k.Sign(c)
		sf := StripeForm(tok)
		underscoreMAC = underscoreMAC || strings.Contains(tok[len(tok)-macTextLen:], "_")
		if !stripeChars(sf) {
			t.Fatalf("StripeForm(%q) = %q: not what client_reference_id allows", tok, sf)
		}
		got, err := k.Verify(sf)
		if err != nil || got.Affiliate != c.Affiliate || got.Event != c.Event || !got.At.Equal(c.At) {
			t.Fatalf("Verify(%q) = %+v, %v; want %+v", sf, got, err, c)
		}
		if StripeForm(sf) != sf {
			t.Fatalf("StripeForm is not stable on %q", sf)
		}
	}
	if !underscoreMAC {
		t.Fatal("no MAC with '_' among 400 tokens: the test did not cover it")
	}

	good := StripeForm(k.Sign(claims))
	mixed := strings.Replace(good, "_", ".", 1)
	tests := []struct{ name, tok string }{
		{"a changed affiliate", strings.Replace(good, "jane", "jbne", 1)},
		{"a changed time", good[:len("1_jane_summit-2026_")] + "z" + good[len("1_jane_summit-2026_")+1:]},
		{"dots and underscores mixed", mixed},
		{"no separator before the MAC", good[:len(good)-macTextLen-1] + "x" + good[len(good)-macTextLen:]},
		{"truncated", good[:len(good)-1]},
		{"another key", StripeForm(mustKeys(t, keyB).Sign(claims))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := k.Verify(tt.tok); !errors.Is(err, ErrInvalid) {
				t.Errorf("Verify(%q) = %v, want ErrInvalid", tt.tok, err)
			}
		})
	}
}
