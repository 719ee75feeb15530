package app

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/secrets"
	"github.com/tallyhq/tally/shared/domain/session"
	"github.com/tallyhq/tally/shared/domain/webhooksig"
)

// Config is every setting a function reads from its environment. Functions
// check the ones they need when they start (Require).
type Config struct {
	Table          string        // TALLY_TABLE
	ClickKey       string        // TALLY_CLICK_KEY: signs click tokens (32+ bytes)
	WebhookSecrets string        // TALLY_WEBHOOK_SECRET: whsec_... (several, space-separated)
	SessionKey     string        // TALLY_SESSION_KEY: signs portal sessions (32+ bytes)
	MailFrom       string        // TALLY_MAIL_FROM: the SES sender of sign-in mail
	PublicBaseURL  string        // TALLY_PUBLIC_BASE_URL: where mailed links point when the program names no public_base_url
	ProgramTTL     time.Duration // TALLY_PROGRAM_TTL: how long the program is cached (default 30s)
	// Checkouts (SPEC 10).
	StripeWebhookSecrets string // TALLY_STRIPE_WEBHOOK_SECRET: whsec_... (several, space-separated)
	StripeAPIKey         string // TALLY_STRIPE_API_KEY: a restricted, read-only key
	StripeAPIURL         string // TALLY_STRIPE_API_URL: default https://api.stripe.com
	ShopifySecrets       string // TALLY_SHOPIFY_SECRET: the app's client secret (several, space-separated)
	// Outgoing webhooks and affiliate mail (docs/notify.md).
	WebhookQueueURL string // TALLY_WEBHOOK_QUEUE_URL: deliveries waiting for a try
	WebhookDLQURL   string // TALLY_WEBHOOK_DLQ_URL: deliveries given up on, for the owner
	OutgoingSecret  string // TALLY_OUTGOING_WEBHOOK_SECRET: signs for endpoints without their own secret
	MailLinkKey     string // TALLY_MAIL_LINK_KEY: signs unsubscribe links (32+ bytes)
	// Large imports (SPEC 15): each message is the next part of a job.
	ImportQueueURL string // TALLY_IMPORT_QUEUE_URL
	// Large payouts (SPEC 15): a payout not made within PayoutBudget in
	// its request answers 202, building, and each message goes on with it.
	PayoutQueueURL string        // TALLY_PAYOUT_QUEUE_URL
	PayoutBudget   time.Duration // TALLY_PAYOUT_BUDGET (default 20s)
	// Local is the dev server on this machine (set by it, never from the
	// environment): the old session cookie name over http, and outgoing
	// webhooks to http loopback endpoints. A function on AWS is never local.
	Local bool
}

// ConfigFromEnv reads Config from the environment.
func ConfigFromEnv() (Config, error) {
	c := Config{
		Table:          os.Getenv("TALLY_TABLE"),
		ClickKey:       os.Getenv("TALLY_CLICK_KEY"),
		WebhookSecrets: os.Getenv("TALLY_WEBHOOK_SECRET"),
		SessionKey:     os.Getenv("TALLY_SESSION_KEY"),
		MailFrom:       os.Getenv("TALLY_MAIL_FROM"),
		PublicBaseURL:  os.Getenv("TALLY_PUBLIC_BASE_URL"),
		ProgramTTL:     30 * time.Second,

		StripeWebhookSecrets: os.Getenv("TALLY_STRIPE_WEBHOOK_SECRET"),
		StripeAPIKey:         os.Getenv("TALLY_STRIPE_API_KEY"),
		StripeAPIURL:         os.Getenv("TALLY_STRIPE_API_URL"),
		ShopifySecrets:       os.Getenv("TALLY_SHOPIFY_SECRET"),
		WebhookQueueURL:      os.Getenv("TALLY_WEBHOOK_QUEUE_URL"),
		WebhookDLQURL:        os.Getenv("TALLY_WEBHOOK_DLQ_URL"),
		OutgoingSecret:       os.Getenv("TALLY_OUTGOING_WEBHOOK_SECRET"),
		MailLinkKey:          os.Getenv("TALLY_MAIL_LINK_KEY"),
		ImportQueueURL:       os.Getenv("TALLY_IMPORT_QUEUE_URL"),
		PayoutQueueURL:       os.Getenv("TALLY_PAYOUT_QUEUE_URL"),
	}
	if v := os.Getenv("TALLY_PAYOUT_BUDGET"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 25*time.Second {
			return c, fmt.Errorf("TALLY_PAYOUT_BUDGET: must be more than 0 and at most 25s (API Gateway waits 30 s), got %s", v)
		}
		c.PayoutBudget = d
	}
	if v := os.Getenv("TALLY_PROGRAM_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("TALLY_PROGRAM_TTL: %w", err)
		}
		// SPEC 15: a change to the program or an affiliate reaches every
		// function within 60 s.
		if d <= 0 || d > 60*time.Second {
			return c, fmt.Errorf("TALLY_PROGRAM_TTL: must be more than 0 and at most 60s, got %s", v)
		}
		c.ProgramTTL = d
	}
	if c.Table == "" {
		return c, fmt.Errorf("TALLY_TABLE is not set")
	}
	return c, nil
}

// signingKeyBytes is the shortest key that signs with HMAC-SHA256 (click
// tokens, sessions, unsubscribe links): the hash's full strength.
const signingKeyBytes = 32

// Each setting a component is built from is read here, and every secret is
// held to one rule (secrets.Check). Errors say what is wrong with a
// setting, never its content: they end up in logs.

func (c Config) clickKeys() (*clicktoken.Keys, error) { return clicktoken.ParseKeys(c.ClickKey) }

func (c Config) webhookSecrets() ([][]byte, error) {
	return webhooksig.ParseSecrets(c.WebhookSecrets)
}

func (c Config) sessionSigner() (*session.Signer, error) {
	if err := secrets.Check([]byte(c.SessionKey), signingKeyBytes); err != nil {
		return nil, err
	}
	return session.NewSigner([]byte(c.SessionKey))
}

func (c Config) mailLinkKey() ([]byte, error) {
	if err := secrets.Check([]byte(c.MailLinkKey), signingKeyBytes); err != nil {
		return nil, fmt.Errorf("%w: it signs unsubscribe links", err)
	}
	return []byte(c.MailLinkKey), nil
}

func (c Config) stripeWebhookSecrets() ([]string, error) {
	s := strings.Fields(c.StripeWebhookSecrets)
	if len(s) == 0 {
		return nil, errors.New("no signing secret")
	}
	return s, nil
}

func (c Config) shopifySecrets() ([][]byte, error) {
	var out [][]byte
	for _, s := range strings.Fields(c.ShopifySecrets) {
		out = append(out, []byte(s))
	}
	if len(out) == 0 {
		return nil, errors.New("no client secret")
	}
	return out, nil
}
