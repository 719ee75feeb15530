// Package clicktoken makes and checks the click tokens of SPEC section 3: a
// short, URL-safe string naming the affiliate, the event and the time of a
// click, signed so that a webhook carrying it can be trusted without reading
// the database.
//
// A token reads
//
//	1.<affiliate>.<event>.<unix seconds, base 36>.<MAC, base64url>
//	1.<affiliate>.<event>.<unix seconds, base 36>.<channel tag>.<MAC, base64url>
//
// (the second when the link carried a channel tag, SPEC section 13)
// where the MAC is HMAC-SHA256 of everything before its dot, truncated to 16
// bytes (128 bits is far beyond guessing, and keeps links short). The leading
// version lets the format change later while old cookies are still around.
// Affiliate codes ([a-z0-9-]{2,32}) and event slugs ([a-z0-9-]{1,64}) cannot
// contain a dot, and every field has one spelling, so a token that verifies
// is exactly the token Sign would make for its claims.
package clicktoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tallyhq/tally/shared/domain/secrets"
)

// ErrInvalid is wrapped by every error of Verify: the token is malformed,
// forged, or signed with a key that is no longer configured.
var ErrInvalid = errors.New("clicktoken: invalid token")

// MinKeyLen is the shortest key accepted: the full strength of HMAC-SHA256.
const MinKeyLen = 32

const (
	version    = "1."
	macLen     = 16
	macTextLen = 22 // base64url, unpadded, of macLen bytes
	maxTsLen   = 13 // the longest int64 in base 36
	maxAffLen  = 32
	maxEventLn = 64
	maxSubLen  = 32
	// maxLen bounds a token, so Verify can refuse a huge input at once and
	// build the signed part in a fixed buffer.
	maxLen = len(version) + maxAffLen + 1 + maxEventLn + 1 + maxTsLen + 1 + maxSubLen + 1 + macTextLen
)

var macEncoding = base64.RawURLEncoding.Strict() // strict: one spelling per MAC

// Claims is what a token says: who shared the link, for which event, and
// when it was clicked (whole seconds, UTC).
type Claims struct {
	Affiliate, Event string
	At               time.Time
	Sub              string // the link's channel tag, "" for none
}

// Valid reports why claims cannot be signed, or nil.
func (c Claims) Valid() error {
	switch {
	case !validCode(c.Affiliate):
		return errors.New("clicktoken: affiliate must match [a-z0-9-]{2,32}")
	case !validSlug(c.Event):
		return errors.New("clicktoken: event must match [a-z0-9-]{1,64}")
	case c.At.Unix() < 0:
		return errors.New("clicktoken: time must not be before 1970")
	case c.Sub != "" && !ValidSub(c.Sub):
		return errors.New("clicktoken: channel tag must match [a-z0-9_-]{1,32}")
	}
	return nil
}

// Keys signs with the current key and verifies with any of them, so a key
// can be rotated without breaking the tokens already in cookies: deploy the
// new key as current with the old one as previous, and drop the old one
// after cookie_days.
type Keys struct {
	keys [][]byte
	// states holds per-goroutine scratch (MAC states and buffers), so the
	// hot path neither rebuilds HMACs nor allocates buffers per request.
	states sync.Pool
}

type state struct {
	macs []hash.Hash // one per key, in the order of Keys.keys
	buf  [maxLen]byte
	sum  [sha256.Size]byte
	got  [macLen]byte
}

// NewKeys returns Keys that sign with current and also accept tokens signed
// with any of previous. Every key must be at least MinKeyLen bytes.
// ParseKeys reads the click key setting: space-separated keys, the first
// signs and every one verifies, so a key can be changed without breaking
// the tokens already in cookies and links (put the new key first, keep the
// old one after it for cookie_days).
func ParseKeys(setting string) (*Keys, error) {
	f := strings.Fields(setting)
	if len(f) == 0 {
		return nil, fmt.Errorf("clicktoken: no key")
	}
	// The configured keys are checked for entropy at the cold start.
	for i, k := range f {
		if err := secrets.Check([]byte(k), MinKeyLen); err != nil {
			return nil, fmt.Errorf("clicktoken: key %d %w", i, err)
		}
	}
	previous := make([][]byte, 0, len(f)-1)
	for _, k := range f[1:] {
		previous = append(previous, []byte(k))
	}
	return NewKeys([]byte(f[0]), previous...)
}

func NewKeys(current []byte, previous ...[]byte) (*Keys, error) {
	all := append([][]byte{current}, previous...)
	k := &Keys{keys: make([][]byte, len(all))}
	for i, key := range all {
		if len(key) < MinKeyLen {
			// Say which key, never anything of its content.
			return nil, fmt.Errorf("clicktoken: key %d is %d bytes; need at least %d", i, len(key), MinKeyLen)
		}
		k.keys[i] = append([]byte(nil), key...)
	}
	k.states.New = func() any {
		s := &state{macs: make([]hash.Hash, len(k.keys))}
		for i, key := range k.keys {
			s.macs[i] = hmac.New(sha256.New, key)
		}
		return s
	}
	return k, nil
}

// Sign makes the token for c with the current key. Claims come from the
// validated program, so invalid ones are a bug in the caller: Sign panics on
// them (check with Claims.Valid first when in doubt) rather than emit a token
// that would never verify.
func (k *Keys) Sign(c Claims) string {
	if err := c.Valid(); err != nil {
		panic(err)
	}
	s := k.states.Get().(*state)
	defer k.states.Put(s)

	b := append(s.buf[:0], version...)
	b = append(b, c.Affiliate...)
	b = append(b, '.')
	b = append(b, c.Event...)
	b = append(b, '.')
	b = strconv.AppendInt(b, c.At.Unix(), 36)
	b = appendSub(b, c.Sub)
	mac := s.mac(0, b)
	b = append(b, '.')
	b = macEncoding.AppendEncode(b, mac)
	return string(b)
}

// Verify checks a token and returns its claims. Any failure wraps
// ErrInvalid; the detail is for logs, and never reveals a key.
func (k *Keys) Verify(token string) (Claims, error) {
	token = fromStripeForm(token)
	if len(token) > maxLen {
		return Claims{}, invalid("too long")
	}
	rest, ok := cutPrefix(token, version)
	if !ok {
		return Claims{}, invalid("unknown version")
	}
	aff, rest, _ := cut(rest)
	event, rest, _ := cut(rest)
	ts, macText, ok := cut(rest)
	if !ok {
		return Claims{}, invalid("too few fields")
	}
	sub, macText, ok := cutSub(macText)
	if !ok {
		return Claims{}, invalid("bad channel tag")
	}
	if !validCode(aff) {
		return Claims{}, invalid("bad affiliate")
	}
	if !validSlug(event) {
		return Claims{}, invalid("bad event")
	}
	unix, ok := parseBase36(ts)
	if !ok {
		return Claims{}, invalid("bad time")
	}
	if len(macText) != macTextLen {
		return Claims{}, invalid("bad signature")
	}

	s := k.states.Get().(*state)
	defer k.states.Put(s)
	if n, err := macEncoding.Decode(s.got[:], []byte(macText)); err != nil || n != macLen {
		return Claims{}, invalid("bad signature")
	}
	signed := append(s.buf[:0], token[:len(token)-macTextLen-1]...)
	for i := range k.keys {
		if hmac.Equal(s.mac(i, signed), s.got[:]) {
			return Claims{Affiliate: aff, Event: event, At: time.Unix(unix, 0).UTC(), Sub: sub}, nil
		}
	}
	return Claims{}, invalid("signature does not match")
}

// mac is the truncated MAC of msg under key i.
func (s *state) mac(i int, msg []byte) []byte {
	h := s.macs[i]
	h.Reset()
	h.Write(msg)
	return h.Sum(s.sum[:0])[:macLen]
}

func invalid(why string) error { return fmt.Errorf("%w: %s", ErrInvalid, why) }

// cut splits s at its first dot.
func cut(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return s, false
	}
	return s[len(prefix):], true
}

// parseBase36 accepts only what strconv.AppendInt(_, n, 36) writes for n >= 0:
// lower case, no sign, no leading zero. ParseInt alone would also take "+1",
// "A" and "01", several spellings of one token.
func parseBase36(s string) (int64, bool) {
	if len(s) == 0 || len(s) > maxTsLen || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 36, 64)
	return n, err == nil
}

// validCode reports whether s is an affiliate code, [a-z0-9-]{2,32}.
func validCode(s string) bool { return len(s) >= 2 && len(s) <= maxAffLen && plain(s) }

// validSlug reports whether s is an event slug, [a-z0-9-]{1,64}.
func validSlug(s string) bool { return len(s) >= 1 && len(s) <= maxEventLn && plain(s) }

// plain reports whether s is only [a-z0-9-]; a loop, not a regexp, because
// it runs on every click.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// StripeForm is the token as Stripe's client_reference_id allows it (letters,
// digits, '-' and '_', up to 200): every dot becomes '_'. Only the MAC can
// hold a '_' of its own, and it is the fixed-length tail, so the form maps
// back to exactly one token; Verify accepts both.
func StripeForm(token string) string { return strings.ReplaceAll(token, ".", "_") }

// fromStripeForm turns a Stripe form back into the token; anything else is
// returned as it is (a form mixing dots and '_' separators is not a token).
func fromStripeForm(s string) string {
	n := len(s) - macTextLen - 1
	if n <= len(version) || len(s) > maxLen || s[0] != version[0] || s[n] != '_' || strings.IndexByte(s, '.') >= 0 {
		return s
	}
	// The first four '_' are separators (version, affiliate, event, time);
	// a channel tag after them may hold '_' of its own.
	return strings.Join(strings.SplitN(s[:n], "_", 5), ".") + "." + s[n+1:]
}

// appendSub adds a channel tag's field; none when there is no tag, so
// untagged tokens keep their form.
func appendSub(b []byte, sub string) []byte {
	if sub == "" {
		return b
	}
	return append(append(b, '.'), sub...)
}

// cutSub splits an optional channel tag off the token's tail (a MAC never
// holds a dot); ok is false when there is a tag but it is not one.
func cutSub(tail string) (sub, macText string, ok bool) {
	sub, macText, found := cut(tail)
	if !found {
		return "", tail, true
	}
	return sub, macText, ValidSub(sub)
}

// ValidSub reports whether s is a channel tag, [a-z0-9_-]{1,32}: what
// NormalizeSub makes of a link's ?sub=.
func ValidSub(s string) bool {
	if len(s) < 1 || len(s) > maxSubLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// NormalizeSub is the channel tag a link's ?sub= stands for: lower-cased,
// and "" (no tag) unless it then matches [a-z0-9_-]{1,32}.
func NormalizeSub(raw string) string {
	if len(raw) > maxSubLen {
		return ""
	}
	// ASCII only: Unicode case folding would make tags of other letters
	// (the Kelvin sign lower-cases to k).
	b := []byte(raw)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	if !ValidSub(string(b)) {
		return ""
	}
	return string(b)
}
