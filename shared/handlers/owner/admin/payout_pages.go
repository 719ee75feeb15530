package admin

import (
	"context"
	"fmt"
	"net/url"

	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// PayoutsPage is GET /admin/payouts as a page: what each affiliate of a
// page of 100 is owed, the button that makes a payout (behind a
// confirmation), and the payouts.
type PayoutsPage struct {
	Balances              []BalanceRow
	Payable               []BalanceRow // who of this page the next payout pays
	PayableTotal, Minimum portal.Money
	Confirm               bool
	IdempotencyKey, CSRF  string
	Payouts               []PayoutRow
	HoldDays              int
	Building              bool // a payout is being made: the page reloads itself
	// NextURL and FirstURL page the balances ("" on the last, and on the
	// first); with either, the figures above count this page only.
	NextURL, FirstURL string
	// ConfirmURL asks to confirm a payout, and BackURL leaves the question,
	// both on this page.
	ConfirmURL, BackURL string
	// Earned: the balances listed are of the affiliates who have earned
	// something (?earned=1); EveryURL and EarnedURL switch, CSVURL
	// downloads the list shown.
	Earned                      bool
	EveryURL, EarnedURL, CSVURL string
}

// Paged says whether the balances have more than one page.
func (p PayoutsPage) Paged() bool { return p.NextURL != "" || p.FirstURL != "" }

// Pager is the balances' pager.
func (p PayoutsPage) Pager() portal.Pager {
	return portal.Pager{Label: "Pages of balances", FirstURL: p.FirstURL, NextURL: p.NextURL}
}

// BalanceRow is one affiliate's balance.
type BalanceRow struct {
	Code, Name, URL                 string
	Held, Available, InPayout, Paid portal.Money
	Payable                         bool
	Reason                          string
}

// PayoutRow is one payout in the list.
type PayoutRow struct {
	ID, URL, Status, Made, PaidOn, Reference string
	Total                                    portal.Money
	Items                                    int
	Building                                 bool
	AffiliatesDone                           int
}

var statusWords = map[string]string{
	payout.StatusBuilding: "being made", payout.StatusDraft: "not paid yet", payout.StatusPaid: "paid", payout.StatusCanceled: "canceled", payout.StatusReturned: "sent back",
}

func payoutsPage(ctx context.Context, r *request, ps []paying.Shown) (apigw.Response, error) {
	cursor := r.QueryStringParameters["page"]
	list, earned, err := r.balanceList()
	if err != nil {
		return apigw.Response{}, err
	}
	bs, names, next, err := r.balancesPage(ctx, list, cursor, r.now)
	if err != nil {
		return apigw.Response{}, err
	}
	pg := PayoutsPage{Confirm: r.QueryStringParameters["confirm"] == "create", IdempotencyKey: "po-form-" + randomID(),
		CSRF: r.Token, Minimum: r.money(r.Program.MinPayoutCents()), HoldDays: r.Program.HoldDays(),
		Earned: earned, EveryURL: "/admin/payouts#balances", EarnedURL: "/admin/payouts?earned=1#balances",
		CSVURL: "/admin/balances?format=csv"}
	// Every link of the page keeps the list it shows.
	at := func(q url.Values) string {
		if pg.Earned {
			q.Set("earned", "1")
		}
		if len(q) == 0 {
			return "/admin/payouts"
		}
		return "/admin/payouts?" + q.Encode()
	}
	if pg.Earned {
		pg.CSVURL += "&earned=1"
	}
	back := url.Values{}
	if cursor != "" {
		back.Set("page", cursor)
		pg.FirstURL = at(url.Values{}) + "#balances"
	}
	pg.BackURL = at(back)
	back.Set("confirm", "create")
	pg.ConfirmURL = at(back) + "#confirm"
	if next != "" {
		pg.NextURL = at(url.Values{"page": {next}}) + "#balances"
	}
	var total int64
	for _, b := range bs {
		name := names[b.Affiliate]
		if name == "" {
			name = b.Affiliate
		}
		row := BalanceRow{Code: b.Affiliate, Name: name, URL: "/admin/affiliates/" + url.PathEscape(b.Affiliate),
			Held: r.money(b.HeldCents), Available: r.money(b.AvailableCents), InPayout: r.money(b.InPayoutCents), Paid: r.money(b.PaidCents),
			Payable: b.Payable, Reason: b.Reason}
		pg.Balances = append(pg.Balances, row)
		if b.Payable {
			pg.Payable = append(pg.Payable, row)
			total += b.AvailableCents
		}
	}
	pg.PayableTotal = r.money(total)
	for _, p := range ps {
		row := PayoutRow{ID: p.ID, URL: "/admin/payouts/" + url.PathEscape(p.ID), Status: statusWords[p.Status], Total: r.money(p.TotalCents),
			Items: len(p.Items), Made: r.dateOf(p.AsOf)}
		if p.PaidAt != nil {
			row.PaidOn = r.dateOf(*p.PaidAt)
		}
		if p.Reference != nil {
			row.Reference = *p.Reference
		}
		if p.Progress != nil {
			row.Building, row.AffiliatesDone, pg.Building = true, p.Progress.AffiliatesDone, true
		}
		pg.Payouts = append(pg.Payouts, row)
	}
	return r.page("admin-payouts", "Payouts", "payouts", pg)
}

// PayoutPage is GET /admin/payouts/{id} as a page.
type PayoutPage struct {
	ID, Status, Made, PaidOn, Reference string
	Draft, Paid                         bool
	Total                               portal.Money
	Items                               []ItemRow
	Confirm, ConfirmItem, Done, CSRF    string
	ExportCSV, ExportPayPal, URL        string
}

// ItemRow is one item of a payout.
type ItemRow struct {
	Affiliate, Name, Email, Status, Reason, ReturnURL string
	Amount                                            portal.Money
	Entries                                           int
	CanReturn                                         bool
}

func payoutPage(_ context.Context, r *request, a paying.Answer, items []payout.Item) (apigw.Response, error) {
	q := r.QueryStringParameters
	base := "/admin/payouts/" + url.PathEscape(a.ID)
	pg := PayoutPage{ID: a.ID, Status: statusWords[a.Status], Made: r.dateOf(a.AsOf), Draft: a.Status == payout.StatusDraft,
		Paid: a.Status == payout.StatusPaid, Total: r.money(a.TotalCents), Confirm: q["confirm"], ConfirmItem: q["affiliate"],
		Done: q["done"], CSRF: r.Token, URL: base,
		ExportCSV: base + "/export?format=csv", ExportPayPal: base + "/export?format=paypal"}
	if a.PaidAt != nil {
		pg.PaidOn = r.dateOf(*a.PaidAt)
	}
	if a.Reference != nil {
		pg.Reference = *a.Reference
	}
	email := map[string]string{}
	name := map[string]string{}
	for _, it := range items {
		email[it.Affiliate], name[it.Affiliate] = it.Email, it.Name
	}
	for _, it := range a.Items {
		pg.Items = append(pg.Items, ItemRow{Affiliate: it.Affiliate, Name: name[it.Affiliate], Email: email[it.Affiliate],
			Status: statusWords[it.Status], Reason: it.ReturnedReason, Amount: r.money(it.AmountCents), Entries: it.Entries,
			CanReturn: it.Status == payout.StatusPaid, ReturnURL: base + "?confirm=return&affiliate=" + url.QueryEscape(it.Affiliate) + "#confirm"})
	}
	return r.page("admin-payout", fmt.Sprintf("Payout of %s", pg.Total.Text), "payouts", pg)
}

// dateOf is an RFC 3339 instant as a date and time in the program's zone.
func (r *request) dateOf(rfc string) string {
	t, err := parseInstant(rfc)
	if err != nil {
		return rfc
	}
	return t.In(r.Program.Location()).Format("Jan 2, 2006 3:04 PM")
}
