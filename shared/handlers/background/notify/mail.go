package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Unsubscribe links: an HMAC of the affiliate's code under the session
// key, so a link names one affiliate and cannot be made for another.
type Unsubscribe struct{ Key []byte }

// Token is the affiliate's unsubscribe token.
func (u Unsubscribe) Token(affiliate string) string {
	m := hmac.New(sha256.New, u.Key)
	m.Write([]byte("unsubscribe\x00" + affiliate))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Check says whether token is the affiliate's.
func (u Unsubscribe) Check(affiliate, token string) bool {
	return hmac.Equal([]byte(u.Token(affiliate)), []byte(token))
}

// Link is the one-click unsubscribe URL for the affiliate.
func (u Unsubscribe) Link(base, affiliate string) string {
	return strings.TrimRight(base, "/") + "/unsubscribe?" + url.Values{"a": {affiliate}, "t": {u.Token(affiliate)}}.Encode()
}

// Settings is where an affiliate's own mail setting is kept: it overrides
// the program file's notify.
type Settings interface {
	MailOff(ctx context.Context, affiliate string) (bool, error)
}

// Mailer sends affiliates their mail from the stream: each commission or
// clawback, each payout paid.
type Mailer struct {
	Store *store.Store
	// Rules are the program without its affiliates; each affiliate a
	// record names is read by key from Affiliates (SPEC 15).
	Rules      *program.Cache
	Affiliates *program.Known
	Mail       mail.Sender
	Settings   Settings
	Unsub      Unsubscribe
	BaseURL    func() string // links in mail: the program's public_base_url, else this
	Log        *slog.Logger
}

// Handle mails what the records mean, in order, and stops at the first
// failure (the stream retries from it). A mail that went out is marked, and
// a record delivered again sends it no second time.
func (m *Mailer) Handle(ctx context.Context, rs []store.Change) (string, error) {
	return eachEvent(ctx, m.Rules, m.Log, rs, m.event)
}

func (m *Mailer) base(p *program.Program) string {
	if p.PublicBaseURL != "" {
		return p.PublicBaseURL
	}
	return m.BaseURL()
}

// wants says whether the affiliate gets mail in this mode (each, daily):
// the file's notify, unless they turned mail off.
func (m *Mailer) wants(ctx context.Context, a *program.Affiliate, modes ...string) (bool, error) {
	if !slices.Contains(modes, a.NotifyMode()) {
		return false, nil
	}
	off, err := m.Settings.MailOff(ctx, a.Code)
	return !off, err
}

// view is the rules with the affiliates codes name and the payees (current
// or former: an override's recruit) entries name, each read by key.
func (m *Mailer) view(ctx context.Context, rules *program.Program, codes []string, es ...ledger.Entry) (*program.Program, error) {
	r := program.NewRoster(rules, m.Affiliates)
	if err := m.warm(ctx, codes); err != nil {
		return nil, err
	}
	if err := r.Add(ctx, codes...); err != nil {
		return nil, err
	}
	for _, e := range es {
		if err := r.AddPayees(ctx, e.Recruit); err != nil {
			return nil, err
		}
	}
	return r.Program(), nil
}

// warm reads the affiliates of many codes by key, a few at once, into the
// cache (a payout or a digest names one per affiliate paid).
func (m *Mailer) warm(ctx context.Context, codes []string) error {
	if len(codes) < 2 {
		return nil
	}
	return store.EachParallel(len(codes), 8, func(i int) error {
		_, _, err := m.Affiliates.Affiliate(ctx, codes[i])
		return err
	})
}

func (m *Mailer) event(ctx context.Context, rules *program.Program, e Event) error {
	switch e.Type {
	case CommissionCreated, CommissionClawedBack:
		p, err := m.view(ctx, rules, []string{e.Entry.Affiliate}, *e.Entry)
		if err != nil {
			return err
		}
		a, found := p.Affiliate(e.Entry.Affiliate)
		if !found {
			return nil
		}
		if a.NotifyMode() == program.NotifyDaily {
			// Filed under the day it was recorded, in the program's zone;
			// whether it is sent is decided when the digest goes out.
			return m.Store.PutDigestEntry(ctx, DigestDay(p, e.Timestamp), *e.Entry, e.Timestamp)
		}
		ok, err := m.wants(ctx, a, program.NotifyEach)
		if err != nil || !ok {
			return err
		}
		return newProgress(ctx, m.Store, e).once(ctx, mailDelivery(a.Code), func() error {
			return m.send(ctx, p, a, EntrySubject(p, *e.Entry), EntryLine(p, *e.Entry), "/reports/ledger")
		})
	case PayoutPaid:
		po, err := m.Store.GetPayout(ctx, e.PayoutID)
		if err != nil || po == nil {
			return err
		}
		items, err := m.Store.PayoutItems(ctx, po.ID)
		if err != nil {
			return err
		}
		codes := make([]string, 0, len(items))
		for _, it := range items {
			if it.AmountCents > 0 && it.State == payout.ItemReady {
				codes = append(codes, it.Affiliate)
			}
		}
		p, err := m.view(ctx, rules, codes)
		if err != nil {
			return err
		}
		sent := newProgress(ctx, m.Store, e)
		for _, it := range items {
			a, found := p.Affiliate(it.Affiliate)
			if !found || it.AmountCents <= 0 || it.State != payout.ItemReady {
				continue
			}
			ok, err := m.wants(ctx, a, program.NotifyEach, program.NotifyDaily)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			amount := money.Format(it.AmountCents, p.Currency)
			text := fmt.Sprintf("You were paid %s (reference %s).", amount, po.Reference)
			if err := sent.once(ctx, mailDelivery(a.Code), func() error {
				return m.send(ctx, p, a, "You were paid "+amount, text, "/reports/payouts")
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *Mailer) send(ctx context.Context, p *program.Program, a *program.Affiliate, subject, text, page string) error {
	base := m.base(p)
	link := strings.TrimRight(base, "/") + page
	unsub := m.Unsub.Link(base, a.Code)
	body := text + "\n\n" + link + "\n\nTo stop these mails: " + unsub + "\n"
	return m.Mail.Send(ctx, mail.Message{To: a.Email, Subject: subject, Text: body, Link: link, Unsubscribe: unsub})
}

// EntryLine is an entry in plain words: the portal's one-line explanation
// and the amount.
func EntryLine(p *program.Program, e ledger.Entry) string {
	f := portal.EntryFacts{Type: e.Type, Rule: e.Rule, Via: e.Via, RateBP: e.RateBP, Reason: e.Reason, ProductName: e.SKU, Kind: "other"}
	if pr, ok := p.Product(e.SKU); ok {
		f.ProductName, f.Kind = pr.Name, pr.Kind
	}
	if ev, ok := p.Event(e.LinkEvent); ok {
		f.LinkEventName = ev.Name
	}
	if a, _, ok := p.Payee(e.Recruit); ok {
		f.Recruit = a.Name
	}
	return fmt.Sprintf("%s: %s (order %s, %s)", portal.Explain(f), money.Format(e.AmountCents, p.Currency), e.OrderID, e.At.In(p.Location()).Format("2 Jan 2006"))
}

// EntrySubject is the subject of an entry's mail.
func EntrySubject(p *program.Program, e ledger.Entry) string {
	if e.AmountCents < 0 {
		return "Commission taken back: " + money.Format(e.AmountCents, p.Currency)
	}
	return "New commission: " + money.Format(e.AmountCents, p.Currency)
}

// DigestDay is the program-zone date an entry recorded at t is digested under.
func DigestDay(p *program.Program, t time.Time) string {
	return t.In(p.Location()).Format(time.DateOnly)
}

// Digest sends each daily affiliate one mail of the entries recorded on day
// (program zone), and nothing to an affiliate without any, or who has since
// turned mail off or left daily. A retried run skips who was sent theirs.
func (m *Mailer) Digest(ctx context.Context, day string) error {
	rules, err := m.Rules.Get(ctx)
	if err != nil {
		return err
	}
	entries, sent, err := m.Store.Digest(ctx, day)
	if err != nil {
		return err
	}
	codes := make([]string, 0, len(entries))
	var all []ledger.Entry
	for c, es := range entries {
		if !sent[c] {
			codes = append(codes, c)
			all = append(all, es...)
		}
	}
	slices.Sort(codes)
	p, err := m.view(ctx, rules, codes, all...)
	if err != nil {
		return err
	}
	d, _ := time.ParseInLocation(time.DateOnly, day, p.Location())
	for _, code := range codes {
		a, found := p.Affiliate(code)
		if !found || sent[code] {
			continue
		}
		ok, err := m.wants(ctx, a, program.NotifyDaily)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		es := entries[code]
		slices.SortFunc(es, func(x, y ledger.Entry) int { return x.At.Compare(y.At) })
		lines := make([]string, 0, len(es))
		for _, e := range es {
			lines = append(lines, "- "+EntryLine(p, e))
		}
		subject := fmt.Sprintf("Your commissions of %s: %s", d.Format("Mon 2 Jan 2006"), money.Format(ledger.Sum(es), p.Currency))
		if err := m.send(ctx, p, a, subject, strings.Join(lines, "\n"), "/reports/ledger"); err != nil {
			return err
		}
		if err := m.Store.MarkDigestSent(ctx, day, code, time.Now()); err != nil {
			return err
		}
	}
	return nil
}
