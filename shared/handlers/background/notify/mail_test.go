package notify_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
)

// outbox keeps the mails sent.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) to(addr string) []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []mail.Message
	for _, m := range o.sent {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

// entryAt is the stream record of a new commission, written at t.
func entryAt(t *testing.T, affiliate, order string, t0 time.Time) store.Change {
	t.Helper()
	e := ledger.Entry{ID: ledger.CommissionID(order, "SUM26-REC", "referral"), Affiliate: affiliate, At: t0.Add(-time.Hour), Type: "referral", Rule: "kind_rate", Via: "click", LinkEvent: "summit-2026",
		OrderID: order, SKU: "SUM26-REC", Event: "summit-2026", Quantity: 1, BasisCents: 9700, RateBP: 5000, AmountCents: 4850, AvailableOn: t0}
	return store.Change{Op: "INSERT", At: t0, Sequence: order, Key: store.EntryKey(e.Affiliate, e.At, e.ID), Entry: &e}
}

// The daily digest holds exactly the entries recorded on its day in the
// program's zone (America/New_York here), is sent once, and an affiliate
// who unsubscribed gets nothing more.
func TestDailyDigest(t *testing.T) {
	ctx := context.Background()
	src := strings.Replace(string(demo.YAML), "    api_key: dev-jane-key\n", "    api_key: dev-jane-key\n    notify: daily\n", 1)
	p, err := program.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	st := dynamotest.NewStore(t)
	dynamotest.Load(t, st, p)
	box := &outbox{}
	m := &notify.Mailer{Store: st, Rules: program.NewCache(st.Rules(), time.Minute), Affiliates: program.NewKnown(st.AffiliateSource(false), time.Minute), Mail: box, Settings: st,
		Unsub: notify.Unsubscribe{Key: []byte("0123456789abcdef0123456789abcdef")}, BaseURL: func() string { return "https://go.example.com" }, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}

	ny, _ := time.LoadLocation("America/New_York")
	day := func(d, h, min int) time.Time { return time.Date(2026, 11, d, h, min, 0, 0, ny) }
	records := []store.Change{
		entryAt(t, "jane", "before", day(2, 23, 59)), // the day before, in New York (already 3 Nov in UTC)
		entryAt(t, "jane", "first", day(3, 0, 1)),
		entryAt(t, "jane", "last", day(3, 23, 59)), // 4 Nov in UTC
		entryAt(t, "jane", "after", day(4, 0, 1)),
		entryAt(t, "bob", "bobs", day(3, 12, 0)), // bob: each, mailed at once
	}
	if _, err := m.Handle(ctx, records); err != nil {
		t.Fatal(err)
	}
	if n := len(box.to("jane@example.com")); n != 0 {
		t.Fatalf("a daily affiliate got %d mails before the digest", n)
	}
	if n := len(box.to("bob@example.com")); n != 1 {
		t.Fatalf("bob (each) got %d mails, want 1", n)
	}
	for range 2 { // a retried run sends nothing twice
		if err := m.Digest(ctx, "2026-11-03"); err != nil {
			t.Fatal(err)
		}
	}
	got := box.to("jane@example.com")
	if len(got) != 1 {
		t.Fatalf("jane got %d digests of 3 Nov, want 1", len(got))
	}
	d := got[0]
	if d.Subject != "Your commissions of Tue 3 Nov 2026: $97.00" || !strings.Contains(d.Text, "order first") || !strings.Contains(d.Text, "order last") ||
		strings.Contains(d.Text, "order before") || strings.Contains(d.Text, "order after") || strings.Count(d.Text, "\n- ") != 1 {
		t.Errorf("digest of 3 Nov:\n%s\n%s", d.Subject, d.Text)
	}
	if !strings.Contains(d.Text, "Recordings bought after a visit to your Health Summit 2026 link: 50%: $48.50") {
		t.Errorf("digest lines are not the portal's explanation:\n%s", d.Text)
	}
	h := d.Headers()
	if h["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" || h["List-Unsubscribe"] != "<"+m.Unsub.Link("https://go.example.com", "jane")+">" {
		t.Errorf("headers %v", h)
	}
	// A day without entries sends nothing.
	if err := m.Digest(ctx, "2026-11-05"); err != nil || len(box.to("jane@example.com")) != 1 {
		t.Fatalf("a day without entries: %v, %d mails", err, len(box.to("jane@example.com")))
	}
	// Unsubscribed: the next day's digest is not sent, nor any payout mail.
	if err := st.SetMailOff(ctx, "jane", true, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := m.Digest(ctx, "2026-11-04"); err != nil {
		t.Fatal(err)
	}
	if n := len(box.to("jane@example.com")); n != 1 {
		t.Errorf("an unsubscribed affiliate got %d more mails", n-1)
	}
}
