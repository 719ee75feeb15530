package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Three secrets as an operator configures them mid-rotation.
const (
	secretNew   = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	secretOld   = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	secretOlder = "whsec_dGFsbHktZGV2LXNlY3JldC0zMi1ieXRlcy1sb25nIQ=="
	secretOther = "whsec_b3RoZXItc2VuZGVyLXNlY3JldC1ub3Qtb3VycyEhIQ=="
	configured  = secretNew + " " + secretOld + " " + secretOlder
)

var (
	now  = time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	body = []byte(`{"id": "order-1001", "type": "order.paid"}`)
	id   = "msg_p5jXN8AQM9LWM0D4loKWxJek"
)

func verifier(t testing.TB) *Verifier {
	t.Helper()
	secrets, err := ParseSecrets(configured)
	if err != nil {
		t.Fatal(err)
	}
	return NewVerifier(secrets, func() time.Time { return now })
}

// refSign signs with the scheme's reference implementation.
func refSign(t testing.TB, secret, id string, ts time.Time, body []byte) string {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func TestParseSecrets(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		count int
		ok    bool
	}{
		{"one secret", secretNew, 1, true},
		{"several secrets for rotation", configured, 3, true},
		{"extra spaces are ignored", "  " + secretNew + "   " + secretOld + " \n", 2, true},
		{"empty is refused", "", 0, false},
		{"blank is refused", "   ", 0, false},
		{"missing prefix is refused", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 0, false},
		{"bad base64 is refused", "whsec_not*base64!", 0, false},
		{"one bad secret among good ones is refused", secretNew + " whsec_%%%%", 0, false},
		{"an empty key is refused", "whsec_", 0, false},
		{"under 24 bytes is refused", "whsec_" + base64.StdEncoding.EncodeToString([]byte("Xk3p9QwZr7Lm2NvB8cTy4Hd")), 0, false},
		{"a placeholder is refused", "whsec_" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("secret", 5))), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSecrets(tt.in)
			if (err == nil) != tt.ok || len(got) != tt.count {
				t.Fatalf("ParseSecrets(%q) = %d secrets, %v; want %d, ok=%v", tt.in, len(got), err, tt.count, tt.ok)
			}
			if err != nil {
				for _, leak := range []string{"MfKQ9r8G", "not*base64", "%%%%"} {
					if strings.Contains(err.Error(), leak) {
						t.Errorf("error %q echoes the secret", err)
					}
				}
			}
		})
	}
}

func TestAcceptsWhatTheReferenceImplementationSigns(t *testing.T) {
	v := verifier(t)
	for _, secret := range []string{secretNew, secretOld, secretOlder} {
		for _, tt := range []struct {
			name string
			ts   time.Time
		}{
			{"now", now},
			{"exactly five minutes old", now.Add(-Tolerance)},
			{"exactly five minutes ahead", now.Add(Tolerance)},
		} {
			t.Run(secret[:12]+"/"+tt.name, func(t *testing.T) {
				sig := refSign(t, secret, id, tt.ts, body)
				if err := v.Verify(id, unix(tt.ts), sig, body); err != nil {
					t.Errorf("Verify: %v", err)
				}
			})
		}
	}
}

func TestAcceptsAnyMatchingSignatureInTheList(t *testing.T) {
	v := verifier(t)
	good := refSign(t, secretOld, id, now, body)
	other := refSign(t, secretOther, id, now, body)
	tests := []struct {
		name string
		sig  string
	}{
		{"matching signature last", other + " " + good},
		{"matching signature first", good + " " + other},
		{"unknown versions are skipped", "v1a,AAAA v2," + good[3:] + " " + good},
		{"sender signing with two secrets at once", refSign(t, secretOther, id, now, body) + " " + refSign(t, secretOlder, id, now, body)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := v.Verify(id, unix(now), tt.sig, body); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestRejects(t *testing.T) {
	v := verifier(t)
	ts := unix(now)
	good := refSign(t, secretNew, id, now, body)
	tests := []struct {
		name          string
		id, ts, sig   string
		body          []byte
		wantInMessage string
	}{
		{"wrong secret", id, ts, refSign(t, secretOther, id, now, body), body, "no matching"},
		{"altered body", id, ts, good, []byte(string(body) + " "), "no matching"},
		{"empty body", id, ts, good, nil, "no matching"},
		{"altered id", id + "x", ts, good, body, "no matching"},
		{"altered timestamp", id, unix(now.Add(time.Second)), good, body, "no matching"},
		{"stale by five minutes and a second",
			id, unix(now.Add(-Tolerance - time.Second)), refSign(t, secretNew, id, now.Add(-Tolerance-time.Second), body), body, "old"},
		{"future by five minutes and a second",
			id, unix(now.Add(Tolerance + time.Second)), refSign(t, secretNew, id, now.Add(Tolerance+time.Second), body), body, "future"},
		{"missing id", "", ts, good, body, HeaderID},
		{"missing timestamp", id, "", good, body, HeaderTimestamp},
		{"missing signature", id, ts, "", body, HeaderSignature},
		{"timestamp in milliseconds", id, ts + "000", good, body, "future"},
		{"timestamp as a date", id, now.Format(time.RFC3339), good, body, "malformed"},
		{"timestamp with a sign", id, "+" + ts, good, body, "malformed"},
		{"timestamp with a leading zero", id, "0" + ts, good, body, "malformed"},
		{"negative timestamp", id, "-" + ts, good, body, "malformed"},
		{"timestamp beyond int64", id, "99999999999999999999", good, body, "malformed"},
		{"signature without version", id, ts, strings.TrimPrefix(good, "v1,"), body, "no matching"},
		{"signature of another version", id, ts, "v2," + strings.TrimPrefix(good, "v1,"), body, "no matching"},
		{"signature truncated", id, ts, good[:len(good)-2], body, "no matching"},
		{"signature with trailing junk", id, ts, good + "x", body, "no matching"},
		{"signature list split by commas", id, ts, "v1,AAAA," + strings.TrimPrefix(good, "v1,"), body, "no matching"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Verify(tt.id, tt.ts, tt.sig, tt.body)
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("Verify = %v, want ErrBadSignature", err)
			}
			if !strings.Contains(err.Error(), tt.wantInMessage) {
				t.Errorf("error %q does not say %q", err, tt.wantInMessage)
			}
		})
	}
}

func TestNoSecretsAcceptNothing(t *testing.T) {
	v := NewVerifier(nil, func() time.Time { return now })
	if err := v.Verify(id, unix(now), refSign(t, secretNew, id, now, body), body); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify = %v, want ErrBadSignature", err)
	}
}

func TestSignMatchesTheReferenceImplementation(t *testing.T) {
	secrets, err := ParseSecrets(configured)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range strings.Fields(configured) {
		got := Sign(secrets[i], id, now, body)
		if want := refSign(t, s, id, now, body); got != want {
			t.Errorf("Sign with secret %d = %q, reference = %q", i, got, want)
		}
		// And the reference accepts what Sign writes.
		wh, _ := standardwebhooks.NewWebhook(s)
		h := http.Header{}
		h.Set(standardwebhooks.HeaderWebhookID, id)
		h.Set(standardwebhooks.HeaderWebhookTimestamp, unix(time.Now()))
		h.Set(standardwebhooks.HeaderWebhookSignature, Sign(secrets[i], id, time.Now(), body))
		if err := wh.Verify(body, h); err != nil {
			t.Errorf("reference rejects Sign with secret %d: %v", i, err)
		}
	}
}

func TestDefaultClockIsNow(t *testing.T) {
	secrets, _ := ParseSecrets(secretNew)
	v := NewVerifier(secrets, nil)
	ts := time.Now()
	if err := v.Verify(id, unix(ts), refSign(t, secretNew, id, ts, body), body); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// FuzzVerify: whatever the headers and body, Verify accepts only when the
// timestamp is fresh and the list holds the MAC of exactly that message,
// computed here independently of the package.
func FuzzVerify(f *testing.F) {
	v := verifier(f)
	secrets, _ := ParseSecrets(configured)
	f.Add(id, unix(now), refSign(f, secretNew, id, now, body), body)
	f.Add(id, unix(now), refSign(f, secretOlder, id, now, body)+" v1,AAAA", body)
	f.Add("x", unix(now.Add(-Tolerance)), refSign(f, secretOld, "x", now.Add(-Tolerance), nil), []byte{})
	f.Add(id, "0", "v1,", []byte("{}"))
	f.Add("", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		if v.Verify(id, ts, sig, body) != nil {
			return
		}
		n, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != ts {
			t.Fatalf("accepted timestamp %q", ts)
		}
		if d := time.Unix(n, 0).Sub(now); d > Tolerance || d < -Tolerance {
			t.Fatalf("accepted timestamp %q, %v from now", ts, d)
		}
		for _, secret := range secrets {
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(id + "." + ts + "." + string(body)))
			want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
			for _, s := range strings.Split(sig, " ") {
				if s == want {
					return
				}
			}
		}
		t.Fatalf("accepted id %q ts %q sig %q for body %q without a matching signature", id, ts, sig, body)
	})
}
