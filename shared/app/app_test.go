package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/shared/adapters/mail"
)

const strongKey = "Xk3p9QwZr7Lm2NvB8cTy4HdJ6sFa1GeU"

// Every secret is held to the one rule of package secrets: long enough and
// not made by hand, whichever component it keys.
func TestEverySecretIsHeldToOneRule(t *testing.T) {
	weak := map[string]string{
		"40 times one letter": strings.Repeat("a", 40),
		"a word repeated":     strings.Repeat("changeme", 5),
		"31 mixed characters": strongKey[:31],
	}
	for name, key := range weak {
		c := Config{ClickKey: key, SessionKey: key, MailLinkKey: key}
		if _, err := c.clickKeys(); err == nil {
			t.Errorf("click key, %s: accepted", name)
		}
		if _, err := c.sessionSigner(); err == nil {
			t.Errorf("session key, %s: accepted", name)
		}
		if _, err := c.mailLinkKey(); err == nil {
			t.Errorf("mail link key, %s: accepted", name)
		}
	}
	c := Config{ClickKey: strongKey, SessionKey: strongKey, MailLinkKey: strongKey}
	if _, err := c.clickKeys(); err != nil {
		t.Errorf("click key: %v", err)
	}
	if _, err := c.sessionSigner(); err != nil {
		t.Errorf("session key: %v", err)
	}
	if _, err := c.mailLinkKey(); err != nil {
		t.Errorf("mail link key: %v", err)
	}
}

// A secret's error never holds the secret: it is logged at the cold start.
func TestSettingErrorsDoNotQuoteTheSecret(t *testing.T) {
	key := strings.Repeat("hunter2", 6)
	c := Config{ClickKey: key, SessionKey: key, MailLinkKey: key, WebhookSecrets: "whsec_" + key}
	for name, f := range map[string]func() error{
		"click":   func() error { _, err := c.clickKeys(); return err },
		"session": func() error { _, err := c.sessionSigner(); return err },
		"mail":    func() error { _, err := c.mailLinkKey(); return err },
		"webhook": func() error { _, err := c.webhookSecrets(); return err },
	} {
		err := f()
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Each component is built once per cold start, whichever handlers ask.
func TestComponentsAreBuiltOnce(t *testing.T) {
	d := &Deps{Config: Config{ClickKey: strongKey, SessionKey: strongKey, MailLinkKey: strongKey,
		WebhookSecrets: "whsec_WGszcDlRd1pyN0xtMk52QjhjVHk0SGRKNnNGYTFHZVU="}}
	if d.ClickKeys() != d.ClickKeys() || d.SessionSigner() != d.SessionSigner() || d.WebhookVerifier() != d.WebhookVerifier() {
		t.Error("a component was built twice")
	}
	if &d.MailLinkKey()[0] != &d.MailLinkKey()[0] {
		t.Error("the mail link key was read twice")
	}
}

// MustLoad loads one AWS configuration and builds the one SES client, for
// the functions given a sender only.
func TestMustLoadBuildsTheMailSenderOnce(t *testing.T) {
	for _, from := range []string{"", "reports@example.com"} {
		t.Setenv("TALLY_TABLE", "t")
		t.Setenv("TALLY_MAIL_FROM", from)
		t.Setenv("AWS_REGION", "us-east-1")
		t.Setenv("AWS_ACCESS_KEY_ID", "local")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		d := MustLoad(context.Background())
		d.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
		if d.aws == nil {
			t.Fatal("no AWS configuration kept")
		}
		ses, ok := d.Mail.(*mail.SES)
		if from == "" {
			if d.Mail != nil {
				t.Errorf("a sender built without TALLY_MAIL_FROM: %T", d.Mail)
			}
			continue
		}
		if !ok || ses.From != from {
			t.Fatalf("mail sender %#v", d.Mail)
		}
		if d.Mailer() != d.Mail {
			t.Error("Mailer built a second sender")
		}
	}
}

// SPEC 15: an affiliate changed on the dashboard reaches every function
// within 60 s, so no function may cache the program longer.
func TestProgramCacheIsAtMostAMinute(t *testing.T) {
	t.Setenv("TALLY_TABLE", "t")
	for v, ok := range map[string]bool{"": true, "30s": true, "60s": true, "61s": false, "5m": false, "0s": false, "-1s": false} {
		t.Setenv("TALLY_PROGRAM_TTL", v)
		c, err := ConfigFromEnv()
		if (err == nil) != ok || (ok && (c.ProgramTTL <= 0 || c.ProgramTTL > time.Minute)) {
			t.Errorf("TALLY_PROGRAM_TTL=%q: %v, ttl %s", v, err, c.ProgramTTL)
		}
	}
}
