package reports

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Ledger serves GET /reports/ledger: "How much have I made this month?"
func Ledger(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "ledger", title: "My Ledger", hasPeriod: true, answer: ledgerView})
}

// LinkStats serves GET /reports/link-stats: hits, opt-ins, orders per link.
func LinkStats(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "link-stats", title: "Link Tracking Stats", hasPeriod: true, answer: linkStatsView})
}

// ProductsSold serves GET /reports/products-sold.
func ProductsSold(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "products-sold", title: "Products Sold", hasPeriod: true, answer: productsView})
}

// CommissionStructure serves GET /reports/commission-structure.
func CommissionStructure(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "commission-structure", title: "My Commission Structure", answer: commissionView})
}

// AffiliateLedger serves GET /admin/affiliates/{code}/ledger: an
// affiliate's ledger for the owner, as the affiliate sees it.
func AffiliateLedger(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "ledger", title: "Ledger", hasPeriod: true, owner: true, answer: ledgerView})
}

// Links serves GET /reports/links: the link generator.
func Links(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "links", title: "Link Generator", script: true, answer: linksView})
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// LedgerEntry is one row of the ledger.
type LedgerEntry struct {
	ID          string  `json:"id"`
	At          string  `json:"at"`
	Type        string  `json:"type"`
	Rule        string  `json:"rule"`
	Via         string  `json:"via,omitempty"`
	LinkEvent   string  `json:"link_event,omitempty"`
	OrderID     string  `json:"order_id,omitempty"`
	SKU         string  `json:"sku,omitempty"`
	Event       string  `json:"event,omitempty"`
	BasisCents  int64   `json:"basis_cents"`
	RateBP      int64   `json:"rate_bp"`
	AmountCents int64   `json:"amount_cents"`
	AvailableOn string  `json:"available_on"`
	State       string  `json:"state"`
	PayoutID    *string `json:"payout_id"`
	Reason      string  `json:"reason,omitempty"`
	Sub         *string `json:"sub"`    // the link's channel tag; null when none
	Coupon      *string `json:"coupon"` // the coupon code that referred the order; null when none
	// The buyer's currency and the line's amount in it, when the order
	// was converted to the program's (a Stripe charge in another currency).
	OriginalCurrency string `json:"original_currency,omitempty"`
	OriginalBasis    int64  `json:"original_basis,omitempty"`
	// Of is, for an override (SPEC 16), the id of the recruit's entry it
	// follows.
	Of string `json:"of,omitempty"`
}

// LedgerTotals add up the period's entries.
type LedgerTotals struct {
	EarnedCents      int64 `json:"earned_cents"`
	ClawbacksCents   int64 `json:"clawbacks_cents"`
	AdjustmentsCents int64 `json:"adjustments_cents"`
	NetCents         int64 `json:"net_cents"`
}

// LedgerReport is the ledger's JSON.
type LedgerReport struct {
	Affiliate string        `json:"affiliate"`
	Currency  string        `json:"currency"`
	From      string        `json:"from"`
	To        string        `json:"to"`
	Totals    LedgerTotals  `json:"totals"`
	Entries   []LedgerEntry `json:"entries"`
}

var ledgerHeader = []string{"id", "at", "type", "rule", "via", "link_event", "order_id", "sku", "event", "basis_cents", "rate_bp", "amount_cents", "available_on", "state", "payout_id", "reason", "sub", "coupon"}

// Totals adds up entries by kind; net is the sum of all.
func Totals(es []ledger.Entry) LedgerTotals {
	var t LedgerTotals
	for _, e := range es {
		switch e.Type {
		case ledger.TypeClawback:
			t.ClawbacksCents += e.AmountCents
		case ledger.TypeAdjustment:
			t.AdjustmentsCents += e.AmountCents
		default:
			t.EarnedCents += e.AmountCents
		}
		t.NetCents += e.AmountCents
	}
	return t
}

func ledgerView(ctx context.Context, r Request) (Answer, error) {
	es, err := r.Store.Entries(ctx, r.Affiliate.Code, r.Period.Start(), r.Period.End())
	if err != nil {
		return Answer{}, err
	}
	rep := LedgerReport{Affiliate: r.Affiliate.Code, Currency: r.Program.Currency, From: r.Period.From, To: r.Period.To,
		Totals: Totals(es), Entries: make([]LedgerEntry, 0, len(es))}
	var rows [][]any
	page := portal.LedgerView{Period: periodNav("/reports/ledger", r.Period)}
	cur := r.Program.Currency
	claimOf, err := paying.Claims(ctx, r.Store, r.Affiliate.Code, es, r.Now)
	if err != nil {
		return Answer{}, err
	}
	recruits, err := recruitNames(ctx, r, es)
	if err != nil {
		return Answer{}, err
	}
	for _, e := range es {
		c := claimOf(e)
		le := LedgerEntry{ID: e.ID, At: rfc(e.At), Type: e.Type, Rule: e.Rule, Via: e.Via, LinkEvent: e.LinkEvent, OrderID: e.OrderID,
			SKU: e.SKU, Event: e.Event, BasisCents: e.BasisCents, RateBP: e.RateBP, AmountCents: e.AmountCents,
			AvailableOn: rfc(e.AvailableOn), State: payout.State(e.AvailableOn, c, r.Now), Reason: e.Reason, Sub: nullable(e.Sub), Coupon: nullable(e.Coupon),
			OriginalCurrency: e.OriginalCurrency, OriginalBasis: e.OriginalBasis, Of: e.Of}
		var pid any
		if c.Live() {
			le.PayoutID, pid = &c.PayoutID, c.PayoutID
		}
		rep.Entries = append(rep.Entries, le)
		rows = append(rows, []any{le.ID, le.At, le.Type, le.Rule, le.Via, le.LinkEvent, le.OrderID, le.SKU, le.Event,
			le.BasisCents, le.RateBP, le.AmountCents, le.AvailableOn, le.State, pid, le.Reason, cell(le.Sub), cell(le.Coupon)})
		page.Entries = append(page.Entries, portal.LedgerRow{
			When: e.At.In(r.Program.Location()).Format("Jan 2, 2006 3:04 PM"), Why: explain(r.Program, e, recruits[e.Recruit]),
			Order: e.OrderID, Amount: amount(e.AmountCents, cur), State: stateLabel(le.State),
			Payable: payable(e, le.State, r.Program),
		})
	}
	t := rep.Totals
	page.Earned, page.Clawbacks, page.Adjustments, page.Net = amount(t.EarnedCents, cur), amount(t.ClawbacksCents, cur), amount(t.AdjustmentsCents, cur), amount(t.NetCents, cur)
	return Answer{JSON: rep, Header: ledgerHeader, Rows: rows, Title: "My Ledger", Page: page}, nil
}

func amount(c int64, cur string) portal.Money {
	return portal.Money{Text: money.Format(c, cur), Neg: c < 0}
}

// stateLabel is an entry's state in an affiliate's words.
func stateLabel(state string) string {
	switch state {
	case payout.InPayout:
		return "in a payout"
	case payout.Available:
		return "payable"
	}
	return state
}

func payable(e ledger.Entry, state string, p *program.Program) string {
	if state == payout.Held {
		return "payable " + e.AvailableOn.In(p.Location()).Format("Jan 2")
	}
	return ""
}

// recruitNames are the names of the recruits the entries' overrides
// follow: from the program when it holds them (the owner's view), else
// read once with the affiliate's recruits, and only when an entry names
// one, so a ledger without overrides reads nothing more.
func recruitNames(ctx context.Context, r Request, es []ledger.Entry) (map[string]string, error) {
	names := map[string]string{}
	missing := false
	for _, e := range es {
		if e.Recruit == "" {
			continue
		}
		if a, _, ok := r.Program.Payee(e.Recruit); ok {
			names[e.Recruit] = a.Name
		} else {
			missing = true
		}
	}
	if !missing {
		return names, nil
	}
	rs, err := r.Store.Recruits(ctx, r.Affiliate.Code)
	for _, a := range rs {
		names[a.Code] = a.Name
	}
	return names, err
}

func explain(p *program.Program, e ledger.Entry, recruit string) string {
	f := portal.EntryFacts{Type: e.Type, Rule: e.Rule, Via: e.Via, ProductName: e.SKU, Kind: program.KindOther, RateBP: e.RateBP, Reason: e.Reason}
	if prod, ok := p.Product(e.SKU); ok {
		f.ProductName, f.Kind = prod.Name, prod.Kind
	}
	if ev, ok := p.Event(e.LinkEvent); ok {
		f.LinkEventName = ev.Name
	}
	f.Sub, f.Coupon = e.Sub, e.Coupon
	f.Recruit = recruit
	return portal.Explain(f)
}

// LinkRow is one link's counts.
type LinkRow struct {
	Event        string `json:"event"`
	Hits         int64  `json:"hits"`
	OptIns       int64  `json:"opt_ins"`
	Orders       int64  `json:"orders"`
	RevenueCents int64  `json:"revenue_cents"`
}

// LinkTotals add up the rows.
type LinkTotals struct {
	Hits         int64 `json:"hits"`
	OptIns       int64 `json:"opt_ins"`
	Orders       int64 `json:"orders"`
	RevenueCents int64 `json:"revenue_cents"`
}

// DayRow is one link's counts on one day.
type DayRow struct {
	Date string `json:"date"`
	LinkRow
}

// LinkStatsReport is link-stats' JSON.
type LinkStatsReport struct {
	Affiliate string      `json:"affiliate"`
	From      string      `json:"from"`
	To        string      `json:"to"`
	Links     []LinkRow   `json:"links"`
	Totals    LinkTotals  `json:"totals"`
	Days      []DayRow    `json:"days,omitempty"`
	Subs      []SubRow    `json:"subs,omitempty"`    // ?by=sub
	Coupons   []CouponRow `json:"coupons,omitempty"` // ?by=coupon
}

// StatRows shapes counters into one row per enrolled event (program order,
// zero rows included), then any other event that has counts in the period
// (an enrollment that ended), and the totals; with byDay, a row per day and
// event, zero days included.
func StatRows(a *program.Affiliate, stats []store.Stat, days []string, byDay bool) LinkStatsReport {
	var rep LinkStatsReport
	idx := map[string]int{}
	for _, ev := range a.Events {
		idx[ev] = len(rep.Links)
		rep.Links = append(rep.Links, LinkRow{Event: ev})
	}
	var extra []string
	for _, s := range stats {
		if _, ok := idx[s.Event]; !ok {
			idx[s.Event] = -1
			extra = append(extra, s.Event)
		}
	}
	sort.Strings(extra)
	for _, ev := range extra {
		idx[ev] = len(rep.Links)
		rep.Links = append(rep.Links, LinkRow{Event: ev})
	}
	day := map[[2]string]*LinkRow{}
	for _, s := range stats {
		r := &rep.Links[idx[s.Event]]
		r.Hits += s.Hits
		r.OptIns += s.OptIns
		r.Orders += s.Orders
		r.RevenueCents += s.RevenueCents
		day[[2]string{s.Date, s.Event}] = &LinkRow{Event: s.Event, Hits: s.Hits, OptIns: s.OptIns, Orders: s.Orders, RevenueCents: s.RevenueCents}
	}
	for _, r := range rep.Links {
		rep.Totals.Hits += r.Hits
		rep.Totals.OptIns += r.OptIns
		rep.Totals.Orders += r.Orders
		rep.Totals.RevenueCents += r.RevenueCents
	}
	if byDay {
		rep.Days = []DayRow{}
		for _, dt := range days {
			for _, l := range rep.Links {
				row := DayRow{Date: dt, LinkRow: LinkRow{Event: l.Event}}
				if v := day[[2]string{dt, l.Event}]; v != nil {
					row.LinkRow = *v
				}
				rep.Days = append(rep.Days, row)
			}
		}
	}
	return rep
}

func linkStatsView(ctx context.Context, r Request) (Answer, error) {
	// Tags are read only when asked for (by=sub): the totals are their own
	// counters, so this view costs the same whatever the tags (SPEC 14).
	bySub := r.Req.QueryStringParameters["by"] == "sub"
	read := r.Store.Stats
	if bySub {
		read = r.Store.StatsBySub
	}
	stats, err := read(ctx, r.Affiliate.Code, r.Period.From, r.Period.To)
	if err != nil {
		return Answer{}, err
	}
	days := r.Period.Days()
	wantDays := r.ByDay || r.Format == web.Page
	rep := StatRows(r.Affiliate, withoutSubs(stats), days, wantDays)
	var subs []SubRow
	if bySub {
		subs = SubRows(rep.Links, stats)
	}
	rep.Affiliate, rep.From, rep.To = r.Affiliate.Code, r.Period.From, r.Period.To
	cur := r.Program.Currency
	page := portal.LinkStatsView{Period: periodNav("/reports/link-stats", r.Period)}
	var rows [][]any
	for _, l := range rep.Links {
		rows = append(rows, []any{l.Event, l.Hits, l.OptIns, l.Orders, l.RevenueCents})
		page.Rows = append(page.Rows, portal.StatRow{Event: eventName(r.Program, l.Event), Hits: l.Hits, OptIns: l.OptIns, Orders: l.Orders, Revenue: amount(l.RevenueCents, cur)})
		var chart []portal.ChartDay
		for _, d := range rep.Days {
			if d.Event == l.Event {
				chart = append(chart, portal.ChartDay{Date: d.Date, Hits: d.Hits, OptIns: d.OptIns, Orders: d.Orders})
			}
		}
		if wantDays {
			page.Charts = append(page.Charts, portal.NewChart(eventName(r.Program, l.Event)+": visits, opt-ins and orders per day", chart))
		}
	}
	t := rep.Totals
	page.Total = portal.StatRow{Event: "Total", Hits: t.Hits, OptIns: t.OptIns, Orders: t.Orders, Revenue: amount(t.RevenueCents, cur)}
	if !r.ByDay {
		rep.Days = nil
	}
	header := []string{"event", "hits", "opt_ins", "orders", "revenue_cents"}
	page.Subs, page.SubsCSV = subPage(r, subs)
	page.BySub = bySub
	page.SubsURL = strings.Replace(page.Period.CSVURL, "format=csv", "by=sub", 1) + "#by-tag"
	if bySub {
		rep.Subs = subs
		header, rows = subHeader, subCSV(subs)
	}
	// Coupon codes' counters are read only when asked for, like tags.
	page.HasCoupons = len(r.Affiliate.Coupons) > 0
	page.CouponsURL = strings.Replace(page.Period.CSVURL, "format=csv", "by=coupon", 1) + "#by-coupon"
	if r.Req.QueryStringParameters["by"] == "coupon" {
		cs, err := r.Store.CouponStats(ctx, r.Affiliate.Code, r.Period.From, r.Period.To)
		if err != nil {
			return Answer{}, err
		}
		rep.Coupons = CouponRows(r.Affiliate, cs)
		header, rows = couponHeader, couponCSV(rep.Coupons)
		page.ByCoupon, page.Coupons = true, couponPage(r, rep.Coupons)
		page.CouponsCSV = periodNav("/reports/link-stats", r.Period).CSVURL + "&by=coupon"
	}
	return Answer{JSON: rep, Header: header, Rows: rows, Title: "Link Tracking Stats", Page: page}, nil
}

func eventName(p *program.Program, slug string) string {
	if e, ok := p.Event(slug); ok {
		return e.Name
	}
	return slug
}

// ProductRow is one SKU and role of products sold.
type ProductRow struct {
	SKU              string `json:"sku"`
	Name             string `json:"name"`
	Event            string `json:"event"`
	Role             string `json:"role"`
	Quantity         int64  `json:"quantity"`
	RevenueCents     int64  `json:"revenue_cents"`
	CommissionCents  int64  `json:"commission_cents"`
	RefundedQuantity int64  `json:"refunded_quantity"`
	RefundedCents    int64  `json:"refunded_cents"`
}

// ProductsReport is products-sold's JSON.
type ProductsReport struct {
	Affiliate string       `json:"affiliate"`
	From      string       `json:"from"`
	To        string       `json:"to"`
	Products  []ProductRow `json:"products"`
}

// ProductRows groups the period's commissions by SKU and role and counts
// the refunds of those orders against them (sorted by SKU, then role).
// refunds has, for each refunded commission, its clawback or the record of
// a clawback that rounded to 0: their units and money are the buyer's
// refund, whatever the commission taken back.
func ProductRows(p *program.Program, earned, refunds []ledger.Entry) []ProductRow {
	rows := map[[2]string]*ProductRow{}
	get := func(sku, role, event string) *ProductRow {
		k := [2]string{sku, role}
		if rows[k] == nil {
			name := sku
			if prod, ok := p.Product(sku); ok {
				name = prod.Name
			}
			rows[k] = &ProductRow{SKU: sku, Name: name, Event: event, Role: role}
		}
		return rows[k]
	}
	for _, e := range earned {
		if e.Type != ledger.TypeReferral && e.Type != ledger.TypeSpeaker {
			continue
		}
		r := get(e.SKU, e.Type, e.Event)
		r.Quantity += e.Quantity
		r.RevenueCents += e.BasisCents
		r.CommissionCents += e.AmountCents
	}
	for _, c := range refunds {
		role := c.Reverses[strings.LastIndexByte(c.Reverses, ':')+1:]
		if role == ledger.TypeOverride { // an override is no product sold
			continue
		}
		r := get(c.SKU, role, c.Event)
		r.RefundedQuantity += c.Quantity
		r.RefundedCents += c.BasisCents
	}
	out := make([]ProductRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SKU != out[j].SKU {
			return out[i].SKU < out[j].SKU
		}
		return out[i].Role < out[j].Role
	})
	return out
}

func productsView(ctx context.Context, r Request) (Answer, error) {
	es, err := r.Store.Entries(ctx, r.Affiliate.Code, r.Period.Start(), r.Period.End())
	if err != nil {
		return Answer{}, err
	}
	cbs, err := r.Store.RefundsOfOrders(ctx, r.Affiliate.Code, r.Period.Start(), r.Period.End())
	if err != nil {
		return Answer{}, err
	}
	rep := ProductsReport{Affiliate: r.Affiliate.Code, From: r.Period.From, To: r.Period.To, Products: ProductRows(r.Program, es, cbs)}
	cur := r.Program.Currency
	page := portal.ProductsView{Period: periodNav("/reports/products-sold", r.Period)}
	var rows [][]any
	for _, x := range rep.Products {
		rows = append(rows, []any{x.SKU, x.Name, x.Event, x.Role, x.Quantity, x.RevenueCents, x.CommissionCents, x.RefundedQuantity, x.RefundedCents})
		page.Rows = append(page.Rows, portal.ProductRow{Product: x.Name, Event: eventName(r.Program, x.Event), Role: x.Role, Quantity: x.Quantity,
			Revenue: amount(x.RevenueCents, cur), Commission: amount(x.CommissionCents, cur), RefundedQuantity: x.RefundedQuantity, Refunded: amount(x.RefundedCents, cur)})
	}
	header := []string{"sku", "name", "event", "role", "quantity", "revenue_cents", "commission_cents", "refunded_quantity", "refunded_cents"}
	return Answer{JSON: rep, Header: header, Rows: rows, Title: "Products Sold", Page: page}, nil
}

// StructureRow is one product in the commission structure.
type StructureRow struct {
	SKU             string `json:"sku"`
	Name            string `json:"name"`
	Event           string `json:"event"`
	Kind            string `json:"kind"`
	PriceCents      int64  `json:"price_cents"`
	Role            string `json:"role"`
	RateBP          int64  `json:"rate_bp"`
	CommissionCents int64  `json:"commission_cents"`
}

// StructureReport is commission-structure's JSON.
type StructureReport struct {
	Affiliate      string           `json:"affiliate"`
	Plan           string           `json:"plan"`
	Currency       string           `json:"currency"`
	RatesBP        map[string]int64 `json:"rates_bp"`
	ProductRatesBP map[string]int64 `json:"product_rates_bp"`
	SpeakerRateBP  int64            `json:"speaker_rate_bp"`
	Products       []StructureRow   `json:"products"`
}

// Structure is the affiliate's plan and what each product earns them at
// its list price: every product of their events at the effective referral
// rate, and their own speaker products at the speaker rate (program order).
func Structure(p *program.Program, a *program.Affiliate) StructureReport {
	plan, _ := p.Plan(a.Plan)
	rep := StructureReport{Affiliate: a.Code, Plan: a.Plan, Currency: p.Currency, RatesBP: map[string]int64{}, ProductRatesBP: map[string]int64{}, Products: []StructureRow{}}
	if plan != nil {
		for k, v := range plan.RatesBP {
			rep.RatesBP[k] = v
		}
		for k, v := range plan.ProductRatesBP {
			rep.ProductRatesBP[k] = v
		}
		rep.SpeakerRateBP = plan.SpeakerRateBP
	}
	for i := range p.Products {
		prod := &p.Products[i]
		row := StructureRow{SKU: prod.SKU, Name: prod.Name, Event: prod.Event, Kind: prod.Kind, PriceCents: prod.PriceCents, Role: ledger.TypeReferral}
		switch {
		case prod.Kind == program.KindSpeakerProduct && prod.Speaker == a.Code:
			row.Role, row.RateBP = ledger.TypeSpeaker, rep.SpeakerRateBP
		case a.EnrolledIn(prod.Event):
			row.RateBP, _, _ = commission.ReferralRate(p, a.Code, prod)
		default:
			continue
		}
		row.CommissionCents = money.Rate(prod.PriceCents, row.RateBP)
		rep.Products = append(rep.Products, row)
	}
	return rep
}

var kindNames = map[string]string{"recording": "Recordings", "transcript": "Transcripts", "speaker_product": "Other speakers' products", "other": "Other products"}

func commissionView(ctx context.Context, r Request) (Answer, error) {
	rep := Structure(r.Program, r.Affiliate)
	cur := r.Program.Currency
	page := portal.CommissionView{Plan: rep.Plan, Speaker: portal.Percent(rep.SpeakerRateBP)}
	for _, k := range []string{"recording", "transcript", "speaker_product", "other"} {
		if v, ok := rep.RatesBP[k]; ok {
			page.Rates = append(page.Rates, portal.RateRow{What: kindNames[k], Rate: portal.Percent(v)})
		}
	}
	var rows [][]any
	for _, x := range rep.Products {
		rows = append(rows, []any{x.SKU, x.Name, x.Event, x.Kind, x.PriceCents, x.Role, x.RateBP, x.CommissionCents})
		page.Products = append(page.Products, portal.CommissionRow{Product: x.Name, Event: eventName(r.Program, x.Event), Kind: x.Kind, Role: x.Role,
			Rate: portal.Percent(x.RateBP), Price: amount(x.PriceCents, cur), Commission: amount(x.CommissionCents, cur)})
	}
	header := []string{"sku", "name", "event", "kind", "price_cents", "role", "rate_bp", "commission_cents"}
	return Answer{JSON: rep, Header: header, Rows: rows, Title: "My Commission Structure", Page: page}, nil
}

// LinkOut is one event's links.
type LinkOut struct {
	Event       string `json:"event"`
	EventName   string `json:"event_name"`
	URL         string `json:"url"`
	ShortURL    string `json:"short_url"`
	Destination string `json:"destination"` // where the link leads today (its phase)
	// Upcoming are the phases still to come: from each date the link leads
	// to its URL.
	Upcoming []program.Phase `json:"upcoming"`
}

// LinksReport is links' JSON.
type LinksReport struct {
	Affiliate string    `json:"affiliate"`
	Links     []LinkOut `json:"links"`
	// Coupons are the affiliate's own coupon codes (SPEC 17): an order
	// carrying one is theirs, as a click on their link would make it.
	Coupons []string `json:"coupons"`
}

// AffiliateLinks are the affiliate's long and short links, one per enrolled
// event, on base, and where they lead on today's date (program zone).
func AffiliateLinks(p *program.Program, a *program.Affiliate, base, today string) LinksReport {
	base = strings.TrimRight(base, "/")
	rep := LinksReport{Affiliate: a.Code, Links: []LinkOut{}, Coupons: append([]string{}, a.Coupons...)}
	for _, slug := range a.Events {
		ev, ok := p.Event(slug)
		if !ok {
			continue
		}
		out := LinkOut{Event: slug, EventName: ev.Name, URL: base + "/go/" + slug + "/" + a.Code, Destination: ev.URLOn(today), Upcoming: ev.Upcoming(today)}
		if l, ok := p.LinkFor(slug, a.Code); ok {
			out.ShortURL = base + "/s/" + l.Code
		}
		rep.Links = append(rep.Links, out)
	}
	return rep
}

func linksView(ctx context.Context, r Request) (Answer, error) {
	base := r.Program.PublicBaseURL
	if base == "" {
		base = apigw.BaseURL(r.Req)
	}
	today := period.Date(r.Now, r.Program.Location())
	rep := AffiliateLinks(r.Program, r.Affiliate, base, today)
	page := portal.LinksView{Coupons: rep.Coupons}
	var rows [][]any
	for _, l := range rep.Links {
		rows = append(rows, []any{l.Event, l.EventName, l.URL, l.ShortURL, l.Destination})
		card := portal.LinkCard{Event: l.EventName, URL: l.URL, ShortURL: l.ShortURL, Destination: l.Destination}
		if err := buildTagged(r, l, today, &card); err != nil {
			return Answer{}, err
		}
		if l.ShortURL != "" {
			qr, err := portal.QRSVG(l.ShortURL, fmt.Sprintf("QR code of your %s short link", l.EventName))
			if err != nil {
				return Answer{}, err
			}
			card.QR = qr
		}
		page.Links = append(page.Links, card)
	}
	return Answer{JSON: rep, Header: []string{"event", "event_name", "url", "short_url", "destination"}, Rows: rows, Title: "Link Generator", Page: page}, nil
}
