// Package session signs and checks the portal's `tally_session` cookie. The
// cookie names the affiliate, a session id and its expiry, and is signed, so
// checking it needs no read; a signed-out session is refused because its id
// is gone from the table (the authorizer looks it up, as it looks up keys).
package session

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// CookieName is the session cookie's name over plain HTTP (the dev server),
// and its old name; over https it is never read.
const CookieName = "tally_session"

// HostCookieName is the cookie's name over https. The __Host- prefix makes a
// browser refuse it unless it is Secure, for Path=/ and without a Domain, so
// a sibling subdomain can neither set nor shadow it.
const HostCookieName = "__Host-" + CookieName

// Lifetime is how long a session lasts.
const Lifetime = 7 * 24 * time.Hour

// ErrInvalid means the cookie is malformed, forged or expired.
var ErrInvalid = errors.New("invalid session")

// Roles a session can have.
const (
	RoleAffiliate = "affiliate"
	RoleOwner     = "owner"
)

// Session is what a cookie carries.
type Session struct {
	ID        string // random, names the session's item in the table
	Affiliate string // the subject: the affiliate's code, or the owner's name
	Expires   time.Time
	Role      string // RoleAffiliate or RoleOwner
}

// Signer signs and verifies session cookies with a key of 32+ bytes.
type Signer struct{ key []byte }

// NewSigner makes a signer; the key must be at least 32 bytes.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < 32 {
		return nil, errors.New("session key must be at least 32 bytes")
	}
	return &Signer{key: key}, nil
}

// New starts a session for an affiliate.
func New(affiliate string, now time.Time) Session {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return Session{ID: hex.EncodeToString(b), Affiliate: affiliate, Expires: now.Add(Lifetime).Truncate(time.Second), Role: RoleAffiliate}
}

// NewOwner starts a session for one of the business's owners.
func NewOwner(name string, now time.Time) Session {
	ss := New(name, now)
	ss.Role = RoleOwner
	return ss
}

// Value is the cookie value: "1.<id>.<affiliate>.<expiry unix>.<mac>" for
// an affiliate; an owner's name may hold any character, so an owner's is
// "2.<id>.owner.<base64url name>.<expiry unix>.<mac>".
func (s *Signer) Value(ss Session) string {
	exp := strconv.FormatInt(ss.Expires.Unix(), 10)
	body := "1." + ss.ID + "." + ss.Affiliate + "." + exp
	if ss.Role == RoleOwner {
		body = "2." + ss.ID + "." + RoleOwner + "." + base64.RawURLEncoding.EncodeToString([]byte(ss.Affiliate)) + "." + exp
	}
	return body + "." + s.mac(body)
}

// Cookie is the Set-Cookie header value that stores the session, named
// __Host-tally_session (served over https).
func (s *Signer) Cookie(ss Session, now time.Time) string {
	return s.CookieOver(ss, now, true)
}

// CookieOver is Cookie for a request served over https or, for the dev
// server on a loopback address, plain HTTP.
func (s *Signer) CookieOver(ss Session, now time.Time, https bool) string {
	return name(https) + "=" + s.Value(ss) + "; Max-Age=" + strconv.Itoa(int(ss.Expires.Sub(now).Seconds())) +
		"; Path=/; HttpOnly; Secure; SameSite=Lax"
}

func name(https bool) string {
	if https {
		return HostCookieName
	}
	return CookieName
}

// Clear is the Set-Cookie header value that removes the cookie of the old
// name; ClearAll removes both.
func Clear() string {
	return CookieName + "=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"
}

// ClearAll is the Set-Cookie header values that remove the cookie under
// both names.
func ClearAll() []string {
	return []string{HostCookieName + "=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax", Clear()}
}

// FromCookies picks the session cookie's value out of a request's cookies:
// over https only the __Host- name, which no sibling subdomain can set (a
// cookie of the old name could be planted by one: a sign-in into the
// planter's account); over plain http (the dev server) the old name, which
// is the name it sets there.
func FromCookies(cookie func(name string) string, https bool) string {
	if https {
		return cookie(HostCookieName)
	}
	if v := cookie(HostCookieName); v != "" {
		return v
	}
	return cookie(CookieName)
}

// FormToken is the token a signed-in page's forms carry in a hidden field
// named "csrf": an HMAC of the session id, so another site, which cannot read
// the page, cannot make it up, and it dies with the session.
func (s *Signer) FormToken(ss Session) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte("tally-form\x00" + ss.ID))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// CheckFormToken says whether token is the session's form token.
func (s *Signer) CheckFormToken(ss Session, token string) bool {
	return ss.ID != "" && hmac.Equal([]byte(token), []byte(s.FormToken(ss)))
}

// Verify checks a cookie value's signature and expiry.
func (s *Signer) Verify(value string, now time.Time) (Session, error) {
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return Session{}, ErrInvalid
	}
	body, mac := value[:i], value[i+1:]
	if !hmac.Equal([]byte(mac), []byte(s.mac(body))) {
		return Session{}, ErrInvalid
	}
	parts := strings.Split(body, ".")
	role := RoleAffiliate
	if len(parts) == 5 && parts[0] == "2" && parts[2] == RoleOwner {
		name, err := base64.RawURLEncoding.DecodeString(parts[3])
		if err != nil {
			return Session{}, ErrInvalid
		}
		parts, role = []string{"1", parts[1], string(name), parts[4]}, RoleOwner
	}
	if len(parts) != 4 || parts[0] != "1" || parts[1] == "" || parts[2] == "" {
		return Session{}, ErrInvalid
	}
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return Session{}, ErrInvalid
	}
	ss := Session{ID: parts[1], Affiliate: parts[2], Expires: time.Unix(exp, 0).UTC(), Role: role}
	if !now.Before(ss.Expires) {
		return Session{}, ErrInvalid
	}
	return ss, nil
}

func (s *Signer) mac(body string) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte("tally-session\x00" + body))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
