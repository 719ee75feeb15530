// Package app holds what every function builds once per cold start: its
// configuration from the environment, the DynamoDB client, the store and the
// program cache.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tallyhq/tally/shared/mail"
	"github.com/tallyhq/tally/shared/program"
	"github.com/tallyhq/tally/shared/store"
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
	}
	if v := os.Getenv("TALLY_PROGRAM_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("TALLY_PROGRAM_TTL: %w", err)
		}
		c.ProgramTTL = d
	}
	if c.Table == "" {
		return c, fmt.Errorf("TALLY_TABLE is not set")
	}
	return c, nil
}

// Deps is what handlers are built from.
type Deps struct {
	Config   Config
	Store    *store.Store
	Programs *program.Cache
	Log      *slog.Logger
	Now      func() time.Time
	// Mail sends sign-in mail; nil means Amazon SES from TALLY_MAIL_FROM,
	// built by the functions that send mail.
	Mail mail.Sender
	// HTTP is the client for other services' APIs (Stripe); nil means a
	// default one.
	HTTP *http.Client
	// SQS holds outgoing webhook deliveries; nil means Amazon SQS, built
	// by the functions that use it.
	SQS SQS
	// WebhookHTTP sends outgoing webhooks (nil: a default client).
	WebhookHTTP *http.Client
	// RetryDelays are the waits between tries of an outgoing webhook
	// (nil: the growing delays used on AWS).
	RetryDelays []time.Duration
}

// SQS is the part of the SQS client outgoing webhooks use.
type SQS interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// AWSSQS is Amazon SQS from the function's AWS configuration.
func (d *Deps) AWSSQS() SQS {
	if d.SQS != nil {
		return d.SQS
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		d.Fatal("aws configuration", err)
	}
	d.SQS = sqs.NewFromConfig(cfg)
	return d.SQS
}

// New builds Deps over a DynamoDB client.
func New(cfg Config, db *dynamodb.Client, log *slog.Logger) *Deps {
	st := store.New(db, cfg.Table)
	return &Deps{
		Config:   cfg,
		Store:    st,
		Programs: program.NewCache(st, cfg.ProgramTTL),
		Log:      log,
		Now:      time.Now,
	}
}

// MustLoad builds Deps for a Lambda from its environment, exiting with a
// clear message when something is missing.
func MustLoad(ctx context.Context) *Deps {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := ConfigFromEnv()
	if err != nil {
		log.Error("bad configuration", "err", err.Error())
		os.Exit(1)
	}
	awscfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Error("aws configuration", "err", err.Error())
		os.Exit(1)
	}
	return New(cfg, dynamodb.NewFromConfig(awscfg), log)
}

// Fatal stops a cold start that is missing a setting it needs.
func (d *Deps) Fatal(msg string, err error) {
	d.Log.Error(msg, "err", err.Error())
	os.Exit(1)
}

// LocalDynamoDB is a client for a DynamoDB endpoint on this machine
// (DynamoDB Local or the dev server's embedded store): fixed dummy
// credentials and region, since neither checks them.
func LocalDynamoDB(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

// LocalStreams is a DynamoDB Streams client for a local endpoint (DynamoDB
// Local), like LocalDynamoDB.
func LocalStreams(endpoint string) *dynamodbstreams.Client {
	return dynamodbstreams.New(dynamodbstreams.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}
