package session

import (
	"strings"
	"testing"
	"time"
)

func TestSessionCookie(t *testing.T) {
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	s, err := NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigner([]byte(strings.Repeat("x", 32)))
	ss := New("jane", now)
	v := s.Value(ss)
	got, err := s.Verify(v, now.Add(time.Hour))
	if err != nil || got != ss {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	bob := ss
	bob.Affiliate = "bob"
	forged := strings.Replace(v, ".jane.", ".bob.", 1)
	for name, c := range map[string]struct {
		value string
		at    time.Time
	}{
		"expired":           {v, ss.Expires},
		"other affiliate":   {forged, now},
		"other key":         {other.Value(ss), now},
		"truncated":         {v[:len(v)-3], now},
		"empty":             {"", now},
		"no signature":      {"1.abc.jane.99999999999", now},
		"extra field":       {s.Value(ss) + ".x", now},
		"signed, bad shape": {"x." + s.mac("x"), now},
	} {
		if _, err := s.Verify(c.value, c.at); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
	ck := s.Cookie(ss, now)
	for _, want := range []string{"tally_session=", "Max-Age=604800", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
}

func TestOwnerSessionAndFormTokens(t *testing.T) {
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	s, _ := NewSigner([]byte(strings.Repeat("k", 32)))
	own := NewOwner("Accounts. Team", now)
	got, err := s.Verify(s.Value(own), now)
	if err != nil || got != own || got.Role != RoleOwner {
		t.Fatalf("owner round trip: %+v %v", got, err)
	}
	aff := New("jane", now)
	if got, _ := s.Verify(s.Value(aff), now); got.Role != RoleAffiliate {
		t.Errorf("affiliate session has role %q", got.Role)
	}
	// An affiliate's cookie cannot be turned into an owner's.
	v := s.Value(aff)
	if _, err := s.Verify(strings.Replace(v, "1.", "2.", 1), now); err == nil {
		t.Error("affiliate cookie accepted as an owner's")
	}
	tok := s.FormToken(own)
	if !s.CheckFormToken(own, tok) {
		t.Error("own form token refused")
	}
	for name, c := range map[string]struct {
		ss  Session
		tok string
	}{"other session": {aff, tok}, "empty": {own, ""}, "other session's token": {own, s.FormToken(aff)}} {
		if s.CheckFormToken(c.ss, c.tok) {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCookieNamesAndFormTokens(t *testing.T) {
	s, _ := NewSigner([]byte(strings.Repeat("k", 32)))
	other, _ := NewSigner([]byte(strings.Repeat("o", 32)))
	now := time.Unix(1_800_000_000, 0)
	ss, ss2 := New("jane", now), New("jane", now)
	if ck := s.Cookie(ss, now); !strings.HasPrefix(ck, "__Host-tally_session=") || strings.Contains(ck, "Domain") {
		t.Errorf("https cookie: %q", ck)
	}
	if ck := s.CookieOver(ss, now, false); !strings.HasPrefix(ck, "tally_session=") {
		t.Errorf("plain HTTP cookie: %q", ck)
	}
	jar := map[string]string{"tally_session": "old", "__Host-tally_session": "new"}
	for _, https := range []bool{true, false} {
		if v := FromCookies(func(n string) string { return jar[n] }, https); v != "new" {
			t.Errorf("https %v: read %q, want the __Host- cookie", https, v)
		}
	}
	delete(jar, "__Host-tally_session")
	if v := FromCookies(func(n string) string { return jar[n] }, true); v != "" {
		t.Errorf("over https read %q: only the __Host- cookie may be read (a sibling subdomain can plant the other)", v)
	}
	if v := FromCookies(func(n string) string { return jar[n] }, false); v != "old" {
		t.Errorf("over http read %q, want the dev server's name", v)
	}
	tok := s.FormToken(ss)
	for name, c := range map[string]struct {
		ss   Session
		tok  string
		want bool
	}{
		"own token":         {ss, tok, true},
		"another session's": {ss2, tok, false},
		"another key's":     {ss, other.FormToken(ss), false},
		"empty":             {ss, "", false},
		"truncated":         {ss, tok[:len(tok)-1], false},
		"no session":        {Session{}, s.FormToken(Session{}), false},
	} {
		if got := s.CheckFormToken(c.ss, c.tok); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}
