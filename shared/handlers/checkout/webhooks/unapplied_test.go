package webhooks

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/tallyhq/tally/shared/web/apierr"
)

func TestKeptID(t *testing.T) {
	for _, c := range []struct {
		name, prefix, body, want string // want "": the body's hash
	}{
		{"a Stripe event by its id", "stripe:", `{"id":"evt_1Abc","type":"charge.refunded"}`, "stripe:evt_1Abc"},
		{"a Shopify order by its numeric id", "shopify:order:", `{"id":820982911946154508,"email":""}`, "shopify:order:820982911946154508"},
		{"no id: the body's hash", "stripe:", `{"type":"x"}`, ""},
		{"not JSON: the body's hash", "shopify:order:", `<order/>`, ""},
		{"an id unfit for a URL: the body's hash", "stripe:", `{"id":"a/b"}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := KeptID(c.prefix, []byte(c.body))
			if c.want == "" {
				sum := sha256.Sum256([]byte(c.body))
				c.want = c.prefix + "body-" + hex.EncodeToString(sum[:12])
			}
			if got != c.want {
				t.Errorf("%q, want %q", got, c.want)
			}
		})
	}
	if KeptID("stripe:", []byte(`{"a":1}`)) == KeptID("stripe:", []byte(`{"a":2}`)) {
		t.Error("two bodies without an id share one")
	}
}

func TestOnlyFourxxCannotBeApplied(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"a field Tally cannot read", apierr.Invalid(map[string]string{"price": "x"}), true},
		{"an over-refund", apierr.Unprocessable("over_refund", "x"), true},
		{"wrapped", errors.Join(errors.New("refund"), apierr.Conflict("id_conflict", "x")), true},
		{"a table call that failed", errors.New("dynamodb: ProvisionedThroughputExceededException"), false},
		{"Stripe's key refused", apierr.New(503, CodeStripeKey, "x"), false},
		{"Stripe down", apierr.New(503, "stripe_unavailable", "x"), false},
	} {
		if got := cannotApply(c.err) != nil; got != c.want {
			t.Errorf("%s: cannot apply = %v, want %v", c.name, got, c.want)
		}
	}
}
