package paying

import (
	"context"
	"time"

	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/domain/program"
)

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func rfcPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := rfc(*t)
	return &s
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Answer is a payout as the API answers it (SPEC section 9).
type Answer struct {
	ID         string       `json:"id"`
	Status     string       `json:"status"`
	AsOf       string       `json:"as_of"`
	Currency   string       `json:"currency"`
	TotalCents int64        `json:"total_cents"`
	PaidAt     *string      `json:"paid_at"`
	Reference  *string      `json:"reference"`
	Items      []ItemAnswer `json:"items"`
}

// ItemAnswer is one item of a payout.
type ItemAnswer struct {
	ID             string `json:"id"`
	Affiliate      string `json:"affiliate"`
	AmountCents    int64  `json:"amount_cents"`
	Entries        int    `json:"entries"`
	Status         string `json:"status"`
	ReturnedReason string `json:"returned_reason,omitempty"`
	// EntryList is, in the single-payout view, the entries the item took.
	EntryList any `json:"entry_list,omitempty"`
}

// AnswerOf shapes a payout and its items (those that pay).
func AnswerOf(p *payout.Payout, items []payout.Item) Answer {
	a := Answer{ID: p.ID, Status: p.Status, AsOf: rfc(p.AsOf), Currency: p.Currency, TotalCents: p.TotalCents,
		PaidAt: rfcPtr(p.PaidAt), Reference: strPtr(p.Reference), Items: []ItemAnswer{}}
	for _, it := range items {
		if it.State != payout.ItemReady {
			continue
		}
		a.Items = append(a.Items, ItemAnswer{ID: it.ID, Affiliate: it.Affiliate, AmountCents: it.AmountCents,
			Entries: len(it.Entries), Status: Status(p, it), ReturnedReason: it.ReturnedReason})
	}
	return a
}

// Load reads a payout and its items and shapes them.
func Load(ctx context.Context, st Reader, p *payout.Payout) (Answer, []payout.Item, error) {
	items, err := st.PayoutItems(ctx, p.ID)
	if err != nil {
		return Answer{}, nil, err
	}
	return AnswerOf(p, items), items, nil
}

// BalanceAnswer is an affiliate's balance (GET /reports/balance, and one row
// of GET /admin/balances).
type BalanceAnswer struct {
	Affiliate      string          `json:"affiliate"`
	Currency       string          `json:"currency"`
	HeldCents      int64           `json:"held_cents"`
	AvailableCents int64           `json:"available_cents"`
	InPayoutCents  int64           `json:"in_payout_cents"`
	PaidCents      int64           `json:"paid_cents"`
	NextRelease    *payout.Release `json:"next_release"`
	MinPayoutCents int64           `json:"min_payout_cents"`
	Payable        bool            `json:"payable"`
	Reason         string          `json:"reason"`
}

// BalanceHeader is the CSV header of balances: the JSON row's fields.
var BalanceHeader = []string{"affiliate", "currency", "held_cents", "available_cents", "in_payout_cents", "paid_cents",
	"next_release_date", "next_release_cents", "min_payout_cents", "payable", "reason"}

// Row is the balance as a CSV row.
func (b BalanceAnswer) Row() []any {
	var date any
	var cents any
	if b.NextRelease != nil {
		date, cents = b.NextRelease.Date, b.NextRelease.AmountCents
	}
	return []any{b.Affiliate, b.Currency, b.HeldCents, b.AvailableCents, b.InPayoutCents, b.PaidCents,
		date, cents, b.MinPayoutCents, b.Payable, b.Reason}
}

// Balance is an affiliate's balance at asOf (which may be ahead of now, to
// see what will be payable): one Query for the entries and, when some are in
// payouts, one BatchGetItem for those payouts.
func Balance(ctx context.Context, st Reader, p *program.Program, a *program.Affiliate, asOf, now time.Time) (BalanceAnswer, error) {
	es, err := st.AllEntries(ctx, a.Code)
	if err != nil {
		return BalanceAnswer{}, err
	}
	return BalanceOf(ctx, st, p, a, es, asOf, now)
}

// BalanceOf is Balance over entries already read (all of the affiliate's).
func BalanceOf(ctx context.Context, st Reader, p *program.Program, a *program.Affiliate, es []ledger.Entry, asOf, now time.Time) (BalanceAnswer, error) {
	claimOf, err := Claims(ctx, st, a.Code, es, now)
	if err != nil {
		return BalanceAnswer{}, err
	}
	b := payout.BalanceOf(es, claimOf, asOf)
	next := payout.NextRelease(es, claimOf, asOf, p.Location())
	ok, why := payout.Payable(b, p.MinPayoutCents(), next, p.Currency)
	return BalanceAnswer{Affiliate: a.Code, Currency: p.Currency, HeldCents: b.Held, AvailableCents: b.Available,
		InPayoutCents: b.InPayout, PaidCents: b.Paid, NextRelease: next, MinPayoutCents: p.MinPayoutCents(),
		Payable: ok, Reason: why}, nil
}

// Balances are every affiliate's balance at asOf, in program order, then
// the former affiliates' (removed from the file, still owed), read several
// affiliates at a time. What a request serves reads a page at a time
// instead (PageBalances).
func Balances(ctx context.Context, st Reader, p *program.Program, asOf, now time.Time) ([]BalanceAnswer, error) {
	payees := make([]Payee, 0, len(p.Affiliates)+len(p.Former))
	for _, a := range p.Payees() {
		_, current := p.Affiliate(a.Code)
		payees = append(payees, Payee{Affiliate: a, Former: !current})
	}
	return PageBalances(ctx, st, p, payees, asOf, now)
}

// Payee is an affiliate the owner's balances may list, and whether it is a
// former one.
type Payee struct {
	program.Affiliate
	Former bool
}

// PageBalances are the balances at asOf of a page of affiliates, in the
// page's order, those the owner's views list: which of them have a ledger
// (one BatchGetItem of their payee markers), then one Query of entries for
// each of those (and a BatchGetItem of payouts for those in one), several
// affiliates at a time; the others' balances are zero without a read. p
// gives the rules only; it need hold no affiliate.
func PageBalances(ctx context.Context, st Reader, p *program.Program, page []Payee, asOf, now time.Time) ([]BalanceAnswer, error) {
	affs := make([]program.Affiliate, len(page))
	codes := make([]string, len(page))
	for i := range page {
		affs[i], codes[i] = page[i].Affiliate, page[i].Code
	}
	withLedger, err := st.WithLedger(ctx, codes)
	if err != nil {
		return nil, err
	}
	out := make([]BalanceAnswer, len(page))
	err = eachAffiliate(ctx, affs, func(ctx context.Context, i int) (err error) {
		if withLedger != nil && !withLedger[affs[i].Code] {
			out[i], err = BalanceOf(ctx, st, p, &affs[i], nil, asOf, now)
			return err
		}
		out[i], err = Balance(ctx, st, p, &affs[i], asOf, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	listed := out[:0]
	for i, b := range out {
		if owedOrCurrent(!page[i].Former, b) {
			listed = append(listed, b)
		}
	}
	return listed, nil
}

// Listed says whether a balance is listed for the owner: every current
// affiliate's; a former affiliate's while something is still owed or pending.
func Listed(p *program.Program, b BalanceAnswer) bool {
	_, current := p.Affiliate(b.Affiliate)
	return owedOrCurrent(current, b)
}

func owedOrCurrent(current bool, b BalanceAnswer) bool {
	return current || b.HeldCents != 0 || b.AvailableCents != 0 || b.InPayoutCents != 0
}

// AffiliatePayout is one payout as its affiliate sees it.
type AffiliatePayout struct {
	PayoutID    string  `json:"payout_id"`
	ItemID      string  `json:"item_id"`
	Status      string  `json:"status"`
	AmountCents int64   `json:"amount_cents"`
	From        string  `json:"from"`
	To          string  `json:"to"`
	PaidAt      *string `json:"paid_at"`
	Reference   *string `json:"reference"`
}

// AffiliatePayoutHeader is the CSV header of an affiliate's payouts.
var AffiliatePayoutHeader = []string{"payout_id", "item_id", "status", "amount_cents", "from", "to", "paid_at", "reference"}

// AffiliatePayouts are an affiliate's payouts, newest first: one Query on
// the index, one BatchGetItem for the payouts' statuses.
func AffiliatePayouts(ctx context.Context, st Reader, affiliate string) ([]AffiliatePayout, error) {
	items, err := st.AffiliatePayoutItems(ctx, affiliate)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, it := range items {
		if it.State == payout.ItemReady {
			ids = append(ids, it.PayoutID)
		}
	}
	out := []AffiliatePayout{}
	if len(ids) == 0 {
		return out, nil
	}
	pays, err := st.Payouts(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		p := pays[it.PayoutID]
		if it.State != payout.ItemReady || p == nil { // dropped, or a payout still being made
			continue
		}
		out = append(out, AffiliatePayout{PayoutID: p.ID, ItemID: it.ID, Status: Status(p, it), AmountCents: it.AmountCents,
			From: it.From, To: it.To, PaidAt: rfcPtr(p.PaidAt), Reference: strPtr(p.Reference)})
	}
	return out, nil
}
