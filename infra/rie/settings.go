package rie

import (
	"encoding/base64"
	"fmt"

	"github.com/tallyhq/tally/infra/sam"
)

// Sample secrets that every function accepts at its cold start: the test of
// this package starts each function with Settings' variables, so the bench,
// which starts them the same way, cannot stop one on a setting (as a
// webhook secret of 20 bytes, under the 24 required, once did).
var (
	WebhookKey    = []byte("rie-test-webhook-secret-0123456789abcd")
	StripeSecret  = "whsec_rie_test_0123456789"
	ShopifySecret = "shpss_rie_test_0123456789"
)

// Settings say where a function started here finds its table, queues and
// Stripe's API.
type Settings struct {
	Table     string
	QueueBase string // SQS endpoint; the queues are paths under it
	StripeAPI string
}

// Variables are a value for every variable template.yaml may give a
// function.
func (s Settings) Variables() map[string]string {
	return map[string]string{
		"TALLY_TABLE":                   s.Table,
		"TALLY_CLICK_KEY":               "rie-test-click-key-0123456789abcdef0123",
		"TALLY_WEBHOOK_SECRET":          "whsec_" + base64.StdEncoding.EncodeToString(WebhookKey),
		"TALLY_SESSION_KEY":             "rie-test-session-key-0123456789abcdef01",
		"TALLY_MAIL_FROM":               "reports@example.com",
		"TALLY_PUBLIC_BASE_URL":         "https://tally.example.com",
		"TALLY_STRIPE_WEBHOOK_SECRET":   StripeSecret,
		"TALLY_STRIPE_API_KEY":          "rk_test_rie",
		"TALLY_STRIPE_API_URL":          s.StripeAPI,
		"TALLY_SHOPIFY_SECRET":          ShopifySecret,
		"TALLY_MAIL_LINK_KEY":           "rie-test-mail-link-key-0123456789abcdef",
		"TALLY_OUTGOING_WEBHOOK_SECRET": "whsec_" + base64.StdEncoding.EncodeToString([]byte("rie-test-outgoing-secret-0123456789")),
		"TALLY_WEBHOOK_QUEUE_URL":       s.QueueBase + "/000000000000/webhooks",
		"TALLY_WEBHOOK_DLQ_URL":         s.QueueBase + "/000000000000/webhooks-dead",
		"TALLY_IMPORT_QUEUE_URL":        s.QueueBase + "/000000000000/imports",
		"TALLY_PAYOUT_QUEUE_URL":        s.QueueBase + "/000000000000/payouts",
	}
}

// Env is function id's environment: base, then each variable template.yaml
// gives it (raw.Variables) with its value from vals; a variable vals has
// no value for is an error, so a new setting is given a value here first.
func Env(raw sam.Raw, id string, base []string, vals map[string]string) ([]string, error) {
	env := append([]string(nil), base...)
	for _, name := range raw.Variables(id) {
		v, ok := vals[name]
		if !ok {
			return nil, fmt.Errorf("template.yaml gives %s the variable %s, which has no sample value (infra/rie/settings.go)", id, name)
		}
		env = append(env, name+"="+v)
	}
	return env, nil
}
