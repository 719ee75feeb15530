// Package webhooksig verifies webhooks signed the Standard Webhooks way
// (SPEC section 4): HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}"
// under a "whsec_<base64>" secret, sent as a space-separated list of
// "v1,<base64 MAC>" in webhook-signature, and fresh within five minutes.
package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/domain/secrets"
)

// Header names of the scheme.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Tolerance is how far a webhook's timestamp may be from now, either way:
// older is a replay, newer is a clock too wrong to trust.
const Tolerance = 5 * time.Minute

const secretPrefix = "whsec_"

// ErrBadSignature is wrapped by every refusal of Verify. The message says
// which check failed (missing header, bad timestamp, stale, no match) and
// never anything about a secret.
var ErrBadSignature = errors.New("bad webhook signature")

// ParseSecrets reads the configured secrets: "whsec_<base64>", several
// separated by spaces while a secret is being rotated. Errors name the
// position of a bad secret, never its content, since they end up in logs.
func ParseSecrets(s string) ([][]byte, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, errors.New("webhooksig: no webhook secret configured")
	}
	out := make([][]byte, 0, len(fields))
	for i, f := range fields {
		enc, ok := strings.CutPrefix(f, secretPrefix)
		if !ok {
			return nil, fmt.Errorf("webhooksig: secret %d does not start with %q", i+1, secretPrefix)
		}
		key, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("webhooksig: secret %d is not valid base64 after %q", i+1, secretPrefix)
		}
		if err := secrets.Check(key, secrets.MinBytes); err != nil {
			return nil, fmt.Errorf("webhooksig: secret %d %w", i+1, err)
		}
		out = append(out, key)
	}
	return out, nil
}

// Verifier checks webhooks against a set of secrets; any one of them may
// have signed (rotation).
type Verifier struct {
	secrets [][]byte
	now     func() time.Time
}

// NewVerifier returns a Verifier for secrets (see ParseSecrets), reading the
// clock from now (time.Now when nil).
func NewVerifier(secrets [][]byte, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{secrets: secrets, now: now}
}

// Verify checks the three headers' values against the raw body. It returns
// nil only when the timestamp is within Tolerance of now and some "v1"
// signature in the list is the MAC of the message under some secret.
func (v *Verifier) Verify(id, timestamp, signature string, body []byte) error {
	switch {
	case id == "":
		return refuse("missing %s header", HeaderID)
	case timestamp == "":
		return refuse("missing %s header", HeaderTimestamp)
	case signature == "":
		return refuse("missing %s header", HeaderSignature)
	}
	ts, ok := parseTimestamp(timestamp)
	if !ok {
		return refuse("malformed %s header", HeaderTimestamp)
	}
	now := v.now().Unix()
	switch {
	case now-ts > int64(Tolerance/time.Second):
		return refuse("timestamp is more than %v old", Tolerance)
	case ts-now > int64(Tolerance/time.Second):
		return refuse("timestamp is more than %v in the future", Tolerance)
	}
	for _, secret := range v.secrets {
		want := expected(secret, id, timestamp, body)
		for rest := signature; rest != ""; {
			var entry string
			entry, rest, _ = strings.Cut(rest, " ")
			// Other versions (v1a, asymmetric) are skipped, as the scheme says.
			if sig, ok := strings.CutPrefix(entry, "v1,"); ok && hmac.Equal([]byte(sig), want) {
				return nil
			}
		}
	}
	return refuse("no matching signature")
}

// Sign is the webhook-signature value ("v1,<base64>") for a message: for the
// dev tools that send test webhooks, and for tests.
func Sign(secret []byte, id string, ts time.Time, body []byte) string {
	return "v1," + string(expected(secret, id, strconv.FormatInt(ts.Unix(), 10), body))
}

// expected is the base64 MAC of "{id}.{timestamp}.{body}". Comparing base64
// text rather than decoded bytes, as the reference implementation does,
// leaves one accepted spelling per signature.
func expected(secret []byte, id, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return base64.StdEncoding.AppendEncode(nil, h.Sum(nil))
}

// parseTimestamp accepts Unix seconds in plain decimal only. The MAC covers
// the header as sent, so "+1700000000" or "01700000000" (which ParseInt
// would take) are refused rather than compared as a number.
func parseTimestamp(s string) (int64, bool) {
	if len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadSignature}, args...)...)
}
