package reports

import (
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/portal"
)

// CouponRow is the orders one of the affiliate's coupon codes referred in
// a period, and their revenue (SPEC 17).
type CouponRow struct {
	Code         string `json:"code"`
	Orders       int64  `json:"orders"`
	RevenueCents int64  `json:"revenue_cents"`
}

var couponHeader = []string{"code", "orders", "revenue_cents"}

// CouponRows are one row per code the affiliate holds, in their order,
// zero rows included, then any other code of theirs with orders in the
// period (one they have since given up), by code. Only the affiliate's own
// counters are ever read, so no row is another affiliate's.
func CouponRows(a *program.Affiliate, stats []store.CouponStat) []CouponRow {
	out := make([]CouponRow, 0, len(a.Coupons)+len(stats))
	at := map[string]int{}
	for _, c := range a.Coupons {
		at[program.CouponKey(c)] = len(out)
		out = append(out, CouponRow{Code: c})
	}
	for _, s := range stats {
		i, ok := at[program.CouponKey(s.Code)]
		if !ok {
			i = len(out)
			at[program.CouponKey(s.Code)] = i
			out = append(out, CouponRow{Code: s.Code})
		}
		out[i].Orders += s.Orders
		out[i].RevenueCents += s.RevenueCents
	}
	return out
}

func couponCSV(rows []CouponRow) [][]any {
	out := make([][]any, 0, len(rows))
	for _, c := range rows {
		out = append(out, []any{c.Code, c.Orders, c.RevenueCents})
	}
	return out
}

// couponPage is the per-code table of the Link Stats page.
func couponPage(r Request, rows []CouponRow) []portal.CouponStatRow {
	out := make([]portal.CouponStatRow, 0, len(rows))
	for _, c := range rows {
		out = append(out, portal.CouponStatRow{Code: c.Code, Orders: c.Orders, Revenue: amount(c.RevenueCents, r.Program.Currency)})
	}
	return out
}
