package reports

import (
	"context"
	"time"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Balance serves GET /reports/balance: "when do I get paid?"
func Balance(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "balance", page: "payouts", title: "My Payouts", answer: balanceView})
}

// Payouts serves GET /reports/payouts: the affiliate's payouts, newest first.
func Payouts(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "payouts", title: "My Payouts", answer: payoutsView})
}

func balanceView(ctx context.Context, r Request) (Answer, error) {
	b, err := paying.Balance(ctx, r.Store, r.Program, r.Affiliate, r.Now, r.Now)
	if err != nil {
		return Answer{}, err
	}
	ans := Answer{JSON: b, Header: paying.BalanceHeader, Rows: [][]any{b.Row()}, Title: "My Payouts"}
	if r.Format == web.Page { // the page shows the payouts too
		ps, err := paying.AffiliatePayouts(ctx, r.Store, r.Affiliate.Code)
		if err != nil {
			return Answer{}, err
		}
		ans.Page = payoutsPage(r, b, ps)
	}
	return ans, nil
}

func payoutsView(ctx context.Context, r Request) (Answer, error) {
	ps, err := paying.AffiliatePayouts(ctx, r.Store, r.Affiliate.Code)
	if err != nil {
		return Answer{}, err
	}
	rows := make([][]any, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, []any{p.PayoutID, p.ItemID, p.Status, p.AmountCents, p.From, p.To, orEmpty(p.PaidAt), orEmpty(p.Reference)})
	}
	ans := Answer{JSON: struct {
		Affiliate string                   `json:"affiliate"`
		Payouts   []paying.AffiliatePayout `json:"payouts"`
	}{r.Affiliate.Code, ps}, Header: paying.AffiliatePayoutHeader, Rows: rows, Title: "My Payouts"}
	if r.Format == web.Page {
		b, err := paying.Balance(ctx, r.Store, r.Program, r.Affiliate, r.Now, r.Now)
		if err != nil {
			return Answer{}, err
		}
		ans.Page = payoutsPage(r, b, ps)
	}
	return ans, nil
}

func payoutsPage(r Request, b paying.BalanceAnswer, ps []paying.AffiliatePayout) portal.PayoutsView {
	cur, loc := r.Program.Currency, r.Program.Location()
	v := portal.PayoutsView{
		Held: amount(b.HeldCents, cur), Available: amount(b.AvailableCents, cur), InPayout: amount(b.InPayoutCents, cur),
		Paid: amount(b.PaidCents, cur), Minimum: amount(b.MinPayoutCents, cur), Payable: b.Payable, Reason: b.Reason,
		HoldDays: r.Program.HoldDays(),
	}
	if b.NextRelease != nil {
		v.NextDate, v.NextAmount = b.NextRelease.Date, amount(b.NextRelease.AmountCents, cur)
	}
	for _, p := range ps {
		row := portal.PayoutRow{Status: statusWords[p.Status], Amount: amount(p.AmountCents, cur), Period: span(p.From, p.To), Reference: orEmpty(p.Reference)}
		if p.PaidAt != nil {
			if t, err := time.Parse(time.RFC3339, *p.PaidAt); err == nil {
				row.PaidOn = t.In(loc).Format("Jan 2, 2006")
			}
		}
		v.Payouts = append(v.Payouts, row)
	}
	return v
}

// statusWords are a payout's statuses as an affiliate reads them.
var statusWords = map[string]string{
	"draft": "Being prepared", "paid": "Paid", "canceled": "Canceled", "returned": "Returned by the payment provider",
}

// span is a period of dates (YYYY-MM-DD) in words: "Oct 11 – Oct 31, 2026".
func span(from, to string) string {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil || err2 != nil:
		return from + " to " + to
	case from == to:
		return t.Format("Jan 2, 2006")
	case f.Year() == t.Year():
		return f.Format("Jan 2") + " – " + t.Format("Jan 2, 2006")
	}
	return f.Format("Jan 2, 2006") + " – " + t.Format("Jan 2, 2006")
}

// orEmpty is an optional text, "" when absent (an empty CSV cell too).
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
