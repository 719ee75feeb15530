// Package app is the composition root: what every function builds once per
// cold start. Its configuration is read from the environment and checked
// here, one AWS configuration is loaded, and each component (store, program
// cache, click keys, webhook verifier, session signer, mail sender, queue
// client) is built once, on first use. A setting a function needs but
// cannot use stops the cold start here, and nowhere else, with its name.
package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/queue"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/session"
	"github.com/tallyhq/tally/shared/domain/webhooksig"
)

// Deps is what handlers are built from.
type Deps struct {
	Config   Config
	Store    *store.Store
	Programs *program.Cache
	// Rules is the program without its affiliates and links, and
	// Affiliates the affiliates a warm function has needed, each read by
	// key (without links) and kept for the cache period, and coupon codes'
	// holders: a click's or a webhook's cold start reads the rules only
	// (SPEC 15).
	Rules      *program.Cache
	Affiliates *program.Known
	// Members are affiliates read by key with their links, for the
	// affiliate's own pages (AffiliateView).
	Members *program.Known
	Log     *slog.Logger
	Now     func() time.Time
	// Mail sends mail; on AWS, Amazon SES from TALLY_MAIL_FROM (MustLoad
	// builds it for the functions given a sender).
	Mail mail.Sender
	// HTTP is the client for other services' APIs (Stripe); nil means a
	// default one.
	HTTP *http.Client
	// SQS holds outgoing webhook deliveries; nil means Amazon SQS, built
	// on first use.
	SQS SQS
	// WebhookHTTP sends outgoing webhooks (nil: a default client).
	WebhookHTTP *http.Client
	// RetryDelays are the waits between tries of an outgoing webhook
	// (nil: the growing delays used on AWS).
	RetryDelays []time.Duration

	aws *aws.Config // loaded once by MustLoad, or at the first AWS client

	mu        sync.Mutex // components may be asked for from several handlers' constructors
	clickKeys *clicktoken.Keys
	verifier  *webhooksig.Verifier
	sessions  *session.Signer
	linkKey   []byte
}

// SQS is the part of the SQS client outgoing webhooks use.
type SQS = queue.Client

// New builds Deps over a DynamoDB client.
func New(cfg Config, db *dynamodb.Client, log *slog.Logger) *Deps {
	st := store.New(db, cfg.Table)
	return &Deps{
		Config:     cfg,
		Store:      st,
		Programs:   program.NewCache(st, cfg.ProgramTTL),
		Rules:      program.NewCache(st.Rules(), cfg.ProgramTTL),
		Affiliates: program.NewKnown(st.AffiliateSource(false), cfg.ProgramTTL),
		Members:    program.NewKnown(st.AffiliateSource(true), cfg.ProgramTTL),
		Log:        log,
		Now:        time.Now,
	}
}

// ProgramChanged empties this function's program caches: the next request
// reads what was just written (other functions see it within their cache
// period).
func (d *Deps) ProgramChanged() {
	d.Programs.Invalidate()
	d.Rules.Invalidate()
	d.Affiliates.Invalidate()
	d.Members.Invalidate()
}

// MustLoad builds Deps for a Lambda from its environment and the one AWS
// configuration, exiting with a clear message when something is missing.
func MustLoad(ctx context.Context) *Deps {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := ConfigFromEnv()
	if err != nil {
		fatal(log, "bad configuration", err)
	}
	awscfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fatal(log, "aws configuration", err)
	}
	d := New(cfg, dynamodb.NewFromConfig(awscfg), log)
	d.aws = &awscfg
	if cfg.MailFrom != "" {
		// The one SES client: only the functions that mail are given a sender.
		d.Mail = &mail.SES{Client: sesv2.NewFromConfig(awscfg), From: cfg.MailFrom}
	}
	return d
}

// Fatal stops a cold start that is missing a setting it needs.
func (d *Deps) Fatal(msg string, err error) { fatal(d.Log, msg, err) }

func fatal(log *slog.Logger, msg string, err error) {
	log.Error(msg, "err", err.Error())
	os.Exit(1)
}

// must is the setting's value from build, or the end of a cold start that
// cannot use it: the one place a function stops for its configuration.
func must[T any](d *Deps, setting string, build func() (T, error)) T {
	v, err := build()
	if err != nil {
		d.Fatal(setting, err)
	}
	return v
}

// component is must, built once into *slot.
func component[T comparable](d *Deps, slot *T, setting string, build func() (T, error)) T {
	d.mu.Lock()
	defer d.mu.Unlock()
	var zero T
	if *slot == zero {
		*slot = must(d, setting, build)
	}
	return *slot
}

// ClickKeys sign and verify click tokens (TALLY_CLICK_KEY).
func (d *Deps) ClickKeys() *clicktoken.Keys {
	return component(d, &d.clickKeys, "TALLY_CLICK_KEY", d.Config.clickKeys)
}

// WebhookVerifier checks incoming webhooks (TALLY_WEBHOOK_SECRET).
func (d *Deps) WebhookVerifier() *webhooksig.Verifier {
	return component(d, &d.verifier, "TALLY_WEBHOOK_SECRET", func() (*webhooksig.Verifier, error) {
		s, err := d.Config.webhookSecrets()
		if err != nil {
			return nil, err
		}
		return webhooksig.NewVerifier(s, d.Now), nil
	})
}

// SessionSigner signs and checks portal sessions (TALLY_SESSION_KEY).
func (d *Deps) SessionSigner() *session.Signer {
	return component(d, &d.sessions, "TALLY_SESSION_KEY", d.Config.sessionSigner)
}

// MailLinkKey signs unsubscribe links (TALLY_MAIL_LINK_KEY).
func (d *Deps) MailLinkKey() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.linkKey == nil {
		d.linkKey = must(d, "TALLY_MAIL_LINK_KEY", d.Config.mailLinkKey)
	}
	return d.linkKey
}

// Mailer is the mail sender, for the functions that send mail.
func (d *Deps) Mailer() mail.Sender {
	if d.Mail == nil {
		d.Fatal("TALLY_MAIL_FROM", errors.New("not set"))
	}
	return d.Mail
}

// StripeWebhookSecrets are the Stripe endpoint's signing secrets
// (TALLY_STRIPE_WEBHOOK_SECRET, several during a rotation).
func (d *Deps) StripeWebhookSecrets() []string {
	return must(d, "TALLY_STRIPE_WEBHOOK_SECRET", d.Config.stripeWebhookSecrets)
}

// StripeAPIKey is the restricted key Stripe's API is read with.
func (d *Deps) StripeAPIKey() string {
	return d.required(d.Config.StripeAPIKey, "TALLY_STRIPE_API_KEY", "no API key")
}

// ShopifySecrets are the Shopify app's client secrets (TALLY_SHOPIFY_SECRET).
func (d *Deps) ShopifySecrets() [][]byte {
	return must(d, "TALLY_SHOPIFY_SECRET", d.Config.shopifySecrets)
}

// WebhookQueueURL is where outgoing webhooks wait for a try.
func (d *Deps) WebhookQueueURL() string {
	return d.required(d.Config.WebhookQueueURL, "TALLY_WEBHOOK_QUEUE_URL", "not set")
}

// WebhookQueueURLs are the queue and its dead-letter queue, for the sender.
func (d *Deps) WebhookQueueURLs() (queue, dlq string) {
	if d.Config.WebhookQueueURL == "" || d.Config.WebhookDLQURL == "" {
		d.Fatal("TALLY_WEBHOOK_QUEUE_URL and TALLY_WEBHOOK_DLQ_URL", errors.New("not set"))
	}
	return d.Config.WebhookQueueURL, d.Config.WebhookDLQURL
}

// PayoutQueueURL is where a payout being built waits for its next run.
func (d *Deps) PayoutQueueURL() string {
	return d.required(d.Config.PayoutQueueURL, "TALLY_PAYOUT_QUEUE_URL", "not set")
}

// DefaultPayoutBudget is how long a payout's request takes affiliates
// before it answers 202, building: well within API Gateway's 30 s.
const DefaultPayoutBudget = 20 * time.Second

// PayoutBudget is how long a payout's request takes affiliates.
func (d *Deps) PayoutBudget() time.Duration {
	if d.Config.PayoutBudget > 0 {
		return d.Config.PayoutBudget
	}
	return DefaultPayoutBudget
}

// ImportQueueURL is where a large import's next part waits for the worker.
func (d *Deps) ImportQueueURL() string {
	return d.required(d.Config.ImportQueueURL, "TALLY_IMPORT_QUEUE_URL", "not set")
}

func (d *Deps) required(v, setting, what string) string {
	if v == "" {
		d.Fatal(setting, errors.New(what))
	}
	return v
}

// AWSSQS is Amazon SQS from the function's AWS configuration.
func (d *Deps) AWSSQS() SQS {
	if d.SQS == nil {
		d.SQS = sqs.NewFromConfig(d.awsConfig())
	}
	return d.SQS
}

// awsConfig is the one AWS configuration: MustLoad's, or loaded here for
// Deps built by New that reach for an AWS client of their own.
func (d *Deps) awsConfig() aws.Config {
	if d.aws == nil {
		cfg, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			d.Fatal("aws configuration", err)
		}
		d.aws = &cfg
	}
	return *d.aws
}
