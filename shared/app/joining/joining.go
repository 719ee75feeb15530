// Package joining makes affiliates of the people who join from the public
// page (SPEC 16): at once when signup is open, or when the owner approves
// an application; and mails them their links and a sign-in link. Both the
// public confirmation and the owner's approval use it.
package joining

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/program"
)

// WelcomeLinkLifetime is how long the sign-in link of a welcome mail
// works (once): longer than a sign-in's 15 minutes, since nobody is
// waiting for it at a sign-in page (docs/decisions.md).
const WelcomeLinkLifetime = 24 * time.Hour

// Person is who becomes an affiliate: what they sent, and what the owner
// (or the signup's rule) decided.
type Person struct {
	Name, Email, PayoutEmail string
	RecruitedBy              string
	Plan                     string
	Events                   []string
	Code                     string // "" makes one from the name
}

// codeTries is how many codes made from one name are tried.
const codeTries = 50

// Make adds the affiliate (origin "signup") in one transaction
// (store.SaveAffiliate): with the code given, or the first free one made
// from the name. A recruiter who is not an active affiliate is dropped.
func Make(ctx context.Context, d *app.Deps, p *program.Program, who Person) (program.Affiliate, error) {
	now := d.Now()
	// The recruiter and the codes tried are read by key: p may hold the
	// rules only (SPEC 15).
	if who.RecruitedBy != "" {
		r, _, err := d.Affiliates.Affiliate(ctx, who.RecruitedBy)
		if err != nil {
			return program.Affiliate{}, err
		}
		if r == nil || !r.IsActive() {
			who.RecruitedBy = ""
		}
	}
	name, email, plan, events, payout := who.Name, who.Email, who.Plan, append([]string{}, who.Events...), who.PayoutEmail
	changes := program.Changes{Name: &name, Email: &email, Plan: &plan, Events: &events}
	if payout != "" {
		changes.PayoutEmail = &payout
	}
	for n := 1; n <= codeTries; n++ {
		code := who.Code
		if code == "" {
			code = program.CodeFromName(who.Name, n)
			held, _, err := d.Store.GetAffiliate(ctx, code) // a former one's too: codes are never reused
			if err != nil {
				return program.Affiliate{}, err
			}
			if held != nil {
				continue
			}
		}
		a, probs := p.NewAffiliate(code, program.OriginSignup, changes)
		if len(probs) > 0 {
			return program.Affiliate{}, fault.Fields(probs)
		}
		a.RecruitedBy, a.Joined = who.RecruitedBy, now.UTC().Format(time.RFC3339)
		err := d.Store.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: a}, now)
		switch {
		case err == nil:
			d.ProgramChanged()
			return a, nil
		case errors.Is(err, store.ErrCodeTaken) && who.Code == "":
			continue
		case errors.Is(err, store.ErrCodeTaken):
			return program.Affiliate{}, fault.New(fault.Conflict, "code_taken", "code %q is taken", code)
		default:
			return program.Affiliate{}, err
		}
	}
	return program.Affiliate{}, fmt.Errorf("no free code made from %q", who.Name)
}

// Welcome mails a new affiliate their links and a sign-in link (once, for
// WelcomeLinkLifetime), stored as sign-in's own links are.
func Welcome(ctx context.Context, d *app.Deps, apiID string, p *program.Program, a program.Affiliate) error {
	base, err := app.LinkBase(p.PublicBaseURL, d.Config.PublicBaseURL, apiID)
	if err != nil {
		return err
	}
	id, secret := randomHex(16), base64.RawURLEncoding.EncodeToString(randomBytes(32))
	l := store.Login{
		ID: id, Affiliate: a.Code, Email: store.NormalizeEmail(a.Email), Next: "/reports/links",
		SecretHash: hashSecret(id, secret), CodeHash: hashSecret(id, randomHex(32)), // no code: the link only
		Expires: d.Now().Add(WelcomeLinkLifetime).Unix(),
	}
	if err := d.Store.PutLogin(ctx, l); err != nil {
		return err
	}
	signIn := base + "/login/link?t=" + id + "." + secret
	var links strings.Builder
	for _, ev := range a.Events {
		name := ev
		if e, ok := p.Event(ev); ok {
			name = e.Name
		}
		fmt.Fprintf(&links, "  %s: %s/go/%s/%s\n", name, base, url.PathEscape(ev), url.PathEscape(a.Code))
	}
	return d.Mailer().Send(ctx, mail.Message{
		To: a.Email, Subject: "Welcome: your affiliate links", Link: signIn,
		Text: fmt.Sprintf("Hello %s,\n\nYou are an affiliate now, with the code %s. Your links:\n%s\n"+
			"Sign in to see your links, short links and numbers (this link works once, for a day):\n%s\n\n"+
			"Afterwards, sign in at %s/login with this address.\n", a.Name, a.Code, links.String(), signIn, base),
	})
}

// hashSecret is how a sign-in's secret is stored (the sign-in's own rule:
// SHA-256 of "<id>:<secret>", hex).
func hashSecret(id, secret string) string {
	sum := sha256.Sum256([]byte(id + ":" + secret))
	return hex.EncodeToString(sum[:])
}

// HashSecret is how a signup's link secret is stored.
func HashSecret(id, secret string) string { return hashSecret(id, secret) }

// SourceHash is the keyed hash a sender's IP is counted under: no raw IP
// is stored, and without the key the hash cannot be turned back into one.
func SourceHash(key []byte, ip string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("join-source:" + ip))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// NewSecret is a fresh id and link secret.
func NewSecret() (id, secret string) {
	return randomHex(16), base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
