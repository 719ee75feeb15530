package commission

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/ledger"
)

// sold records an order as the webhooks do: its lines, with the
// commissions Earn gives each.
func sold(lines []Line, ref Referral, paid int64) SoldOrder {
	es := Earn(demo.Program(), Order{ID: "o", At: at, Lines: lines, Referral: ref})
	o := SoldOrder{Paid: paid, Rule: RefundRule}
	for _, l := range lines {
		sl := SoldLine{SKU: l.SKU, Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents, AmountCents: l.AmountCents}
		for _, e := range es {
			if e.SKU == l.SKU {
				sl.Earned = append(sl.Earned, e)
			}
		}
		o.Lines = append(o.Lines, sl)
	}
	return o
}

var kim = Referral{Affiliate: "kim", Via: ledger.ViaAffiliate}

// soldOrder: kim (partner plan) referred 4 GUT-TRN at 1 cent (1 cent
// earned) and 2 GUT-REC at 14700 (11760 earned); 1 GUT-REC was refunded.
func soldOrder(t *testing.T) SoldOrder {
	t.Helper()
	o := sold([]Line{{"GUT-TRN", 4, 1, 0, 0}, {"GUT-REC", 2, 14700, 0, 0}}, kim, 0)
	r, err := ApplyRefund(o, Refund{ID: "r0", At: at, ByUnits: true, Items: []RefundItem{{SKU: "GUT-REC", Quantity: 1}}})
	if err != nil || len(r.Clawbacks) != 1 || r.Clawbacks[0].AmountCents != -5880 {
		t.Fatalf("setup: %+v %v", r, err)
	}
	return r.Order
}

func units(r Refunded) [2]int64 {
	return [2]int64{r.Order.Lines[0].Refunded, r.Order.Lines[1].Refunded}
}

func amounts(es []ledger.Entry) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.AmountCents)
	}
	return out
}

func TestRefundByItems(t *testing.T) {
	type want struct {
		refunded  [2]int64 // GUT-TRN, GUT-REC afterwards
		clawbacks []int64
		unclawed  int    // records of commissions whose clawback is 0
		over      string // an OverRefundError saying this; "" for none
	}
	for _, c := range []struct {
		name  string
		items []RefundItem
		all   bool
		want  want
	}{
		{"part of a line", []RefundItem{{SKU: "GUT-TRN", Quantity: 2}}, false, want{refunded: [2]int64{2, 1}, clawbacks: []int64{-1}}},
		{"a clawback that rounds to 0 is recorded, not written", []RefundItem{{SKU: "GUT-TRN", Quantity: 1}}, false, want{refunded: [2]int64{1, 1}, unclawed: 1}},
		{"the rest of a line takes back the rest", []RefundItem{{SKU: "GUT-REC", Quantity: 1}}, false, want{refunded: [2]int64{0, 2}, clawbacks: []int64{-5880}}},
		{"the same SKU twice in one refund counts both", []RefundItem{{SKU: "GUT-TRN", Quantity: 1}, {SKU: "GUT-TRN", Quantity: 1}}, false, want{refunded: [2]int64{2, 1}, clawbacks: []int64{-1}}},
		{"everything not yet refunded", nil, true, want{refunded: [2]int64{4, 2}, clawbacks: []int64{-1, -5880}}},
		{"more than is left on a line", []RefundItem{{SKU: "GUT-REC", Quantity: 2}}, false, want{over: "1 of 2 are left"}},
		{"the same SKU twice, more than is left in all", []RefundItem{{SKU: "GUT-REC", Quantity: 1}, {SKU: "GUT-REC", Quantity: 1}}, false, want{over: "1 of 2 are left"}},
		{"a SKU the order does not have", []RefundItem{{SKU: "GUT-TRN", Quantity: 1}, {SKU: "SUM26-REC", Quantity: 1}}, false, want{over: `"SUM26-REC" is not in the order`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := soldOrder(t)
			r, err := ApplyRefund(o, Refund{ID: "r", At: at.Add(time.Hour), Items: c.items, ByUnits: true, All: c.all})
			if c.want.over != "" {
				var over *OverRefundError
				if !errors.As(err, &over) || !strings.Contains(over.Message, c.want.over) || r.Order.Lines != nil {
					t.Fatalf("err %v, result %+v; want an over-refund saying %q", err, r, c.want.over)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := units(r); got != c.want.refunded {
				t.Errorf("refunded %v, want %v", got, c.want.refunded)
			}
			for _, cb := range r.Clawbacks {
				if cb.Type != ledger.TypeClawback || cb.Affiliate != "kim" || cb.OrderAt != at || cb.RefundID != "r" {
					t.Errorf("clawback %+v", cb)
				}
			}
			if got := amounts(r.Clawbacks); !slices.Equal(got, c.want.clawbacks) {
				t.Errorf("clawbacks %v, want %v", got, c.want.clawbacks)
			}
			if len(r.Unclawed) != c.want.unclawed {
				t.Errorf("unclawed %+v, want %d", r.Unclawed, c.want.unclawed)
			}
			for _, u := range r.Unclawed {
				if u.AmountCents != 0 || u.Quantity != 1 || u.BasisCents != 1 || u.Reverses == "" {
					t.Errorf("unclawed record %+v: want the refunded unit and its money, nothing taken back", u)
				}
			}
			if o.Lines[0].Refunded != 0 || o.Lines[1].Refunded != 1 || o.Lines[1].Clawed[0] != 5880 {
				t.Errorf("ApplyRefund changed the order it was given: %+v", o.Lines)
			}
		})
	}
}

// A refund of everything when everything is refunded is an over-refund.
func TestRefundOfAFullyRefundedOrder(t *testing.T) {
	r, err := ApplyRefund(soldOrder(t), Refund{ID: "r1", At: at, ByUnits: true, All: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ApplyRefund(r.Order, Refund{ID: "r2", At: at, ByUnits: true, All: true})
	var over *OverRefundError
	if !errors.As(err, &over) || !strings.Contains(over.Message, "already refunded in full") {
		t.Fatalf("second full refund: %v", err)
	}
}

func TestClawbackAvailability(t *testing.T) {
	o := sold([]Line{{"GUT-REC", 1, 14700, 0, 0}}, kim, 0)
	c := o.Lines[0].Earned[0]
	item := func(id string, when time.Time) ledger.Entry {
		r, err := ApplyRefund(o, Refund{ID: id, At: when, ByUnits: true, All: true})
		if err != nil || len(r.Clawbacks) != 1 {
			t.Fatalf("%+v %v", r, err)
		}
		return r.Clawbacks[0]
	}
	if inHold := item("r1", at.Add(3*24*time.Hour)); !inHold.AvailableOn.Equal(c.AvailableOn) {
		t.Errorf("a refund inside the hold is available with the commission: %v", inHold.AvailableOn)
	}
	late := at.Add(40 * 24 * time.Hour)
	if after := item("r2", late); !after.AvailableOn.Equal(late) || !after.OrderAt.Equal(at) || after.Reverses != c.ID {
		t.Errorf("a refund after the hold is taken at once: %+v", after)
	}
}

// The amount rule: money refunded of an order of one line earning 4850 on
// 9700, paid 10476 with tax.
func TestRefundOfMoney(t *testing.T) {
	jane := Referral{Affiliate: "jane", Via: ledger.ViaClick, LinkEvent: "summit-2026", Sub: "podcast"}
	for _, c := range []struct {
		name        string
		paid        int64
		steps       []int64 // money refunded by each refund before the last
		money       int64
		take, basis int64
		units       int64
		excess      int64
	}{
		{"half of an order paid with tax", 10476, nil, 5238, -2425, 4850, 0, 0},
		{"the rest of it: the line's units too", 10476, []int64{5238}, 5238, -2425, 4850, 1, 0},
		{"all at once takes exactly C", 10476, nil, 10476, -4850, 9700, 1, 0},
		{"a third rounds half away from zero", 3 * 9700, nil, 9700, -1617, 3233, 0, 0},
		{"money beyond what was paid is applied up to it, the rest is excess", 10476, []int64{10000}, 1000, -220, 441, 1, 524},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := sold([]Line{{"SUM26-REC", 1, 9700, 0, 0}}, jane, c.paid)
			for i, m := range c.steps {
				r, err := ApplyRefund(o, Refund{ID: "s", At: at, Money: m})
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				o = r.Order
			}
			r, err := ApplyRefund(o, Refund{ID: "stripe:evt_1", At: at.Add(48 * time.Hour), Money: c.money})
			if err != nil {
				t.Fatal(err)
			}
			var got ledger.Entry
			if len(r.Clawbacks) == 1 {
				got = r.Clawbacks[0]
			}
			if got.AmountCents != c.take || got.BasisCents != c.basis || got.Quantity != c.units || r.Excess != c.excess {
				t.Fatalf("take %d basis %d units %d excess %d; want %d, %d, %d, %d", got.AmountCents, got.BasisCents, got.Quantity, r.Excess, c.take, c.basis, c.units, c.excess)
			}
			e := o.Lines[0].Earned[0]
			if got.Type != ledger.TypeClawback || got.Reverses != e.ID || got.RefundID != "stripe:evt_1" || got.ID != ledger.ClawbackID("stripe:evt_1", "SUM26-REC", ledger.TypeReferral) || !got.OrderAt.Equal(at) {
				t.Errorf("entry does not say what it reverses: %+v", got)
			}
			if got.Sub != "podcast" {
				t.Errorf("a clawback of money keeps its commission's channel tag: sub %q", got.Sub)
			}
		})
	}
}

// A cumulative total (Stripe's amount_refunded) adds only what is new.
func TestRefundToATotal(t *testing.T) {
	o := sold([]Line{{"SUM26-REC", 1, 9700, 0, 0}}, Referral{Affiliate: "jane", Via: ledger.ViaClick}, 0)
	r, err := ApplyRefund(o, Refund{ID: "a", At: at, Money: 4850, ToTotal: true})
	if err != nil || amounts(r.Clawbacks)[0] != -2425 {
		t.Fatalf("%+v %v", r, err)
	}
	late, err := ApplyRefund(r.Order, Refund{ID: "b", At: at, Money: 2000, ToTotal: true})
	if err != nil || !late.Stale || len(late.Clawbacks) != 0 {
		t.Fatalf("a late smaller total: %+v %v", late, err)
	}
	all, err := ApplyRefund(r.Order, Refund{ID: "c", At: at, Money: 9700, ToTotal: true})
	if err != nil || amounts(all.Clawbacks)[0] != -2425 || all.Order.Refunded != 9700 {
		t.Fatalf("the rest: %+v %v", all, err)
	}
}

// The mixes the checkouts send: refunds by items and of money of one order,
// in either order, with two affiliates earning on two lines.
func TestRefundsOfItemsAndMoneyTogether(t *testing.T) {
	// bob referred SUM26-REC ×2 (earns 9700) and SUM26-JANE-COURSE
	// (jane's speaker product: jane earns 10000, bob nothing on it).
	lines := []Line{{"SUM26-REC", 2, 9700, 0, 0}, {"SUM26-JANE-COURSE", 1, 20000, 0, 0}}
	bob := Referral{Affiliate: "bob", Via: ledger.ViaClick, LinkEvent: "summit-2026"}
	taken := func(o SoldOrder) map[string]int64 {
		out := map[string]int64{}
		for _, l := range o.Lines {
			for k, e := range l.Earned {
				out[e.Affiliate] += l.Clawed[k]
			}
		}
		return out
	}
	apply := func(t *testing.T, o SoldOrder, rs ...Refund) (SoldOrder, []ledger.Entry) {
		t.Helper()
		var all []ledger.Entry
		for _, r := range rs {
			out, err := ApplyRefund(o, r)
			if err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
			o, all = out.Order, append(all, out.Clawbacks...)
		}
		return o, all
	}
	t.Run("items then money: a full refund takes every commission back", func(t *testing.T) {
		o, es := apply(t, sold(lines, bob, 0),
			Refund{ID: "r1", At: at, ByUnits: true, Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 1}}},
			Refund{ID: "r2", At: at, Money: 39400 - 9700})
		if got := taken(o); got["bob"] != 9700 || got["jane"] != 10000 || o.Refunded != 39400 {
			t.Fatalf("taken %v, refunded %d; want every commission back and R = A", got, o.Refunded)
		}
		if ledger.Sum(es) != -19700 {
			t.Errorf("clawbacks add to %d, want -19700", ledger.Sum(es))
		}
	})
	t.Run("money then items: the items take only from their own line", func(t *testing.T) {
		o, _ := apply(t, sold(lines, bob, 0), Refund{ID: "r1", At: at, Money: 3940})
		before := taken(o)
		o, es := apply(t, o, Refund{ID: "r2", At: at, Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 1, MoneyCap: 9700}}, Money: 9700})
		if after := taken(o); after["jane"] != before["jane"] {
			t.Errorf("a refund of SUM26-REC took jane's commission on her course: %d, then %d", before["jane"], after["jane"])
		}
		for _, e := range es {
			if e.SKU != "SUM26-REC" {
				t.Errorf("clawback on a line nobody returned: %+v", e)
			}
		}
	})
	t.Run("items then a second refund of money never takes more than was earned", func(t *testing.T) {
		o, _ := apply(t, sold(lines, bob, 0),
			Refund{ID: "r1", At: at, ByUnits: true, Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 2}}},
			Refund{ID: "r2", At: at, Money: 5000},
			Refund{ID: "r3", At: at, Money: 5000})
		if got := taken(o); got["bob"] != 9700 || got["jane"] > 10000 {
			t.Fatalf("taken %v", got)
		}
	})
	t.Run("a native refund of everything after money takes back exactly what is left", func(t *testing.T) {
		o, es := apply(t, sold(lines, bob, 0),
			Refund{ID: "r1", At: at, Money: 19700},
			Refund{ID: "r2", At: at, ByUnits: true, All: true})
		if got := taken(o); got["bob"] != 9700 || got["jane"] != 10000 {
			t.Fatalf("taken %v, want exactly 9700 and 10000", got)
		}
		if ledger.Sum(es) != -19700 {
			t.Errorf("clawbacks add to %d, want -19700", ledger.Sum(es))
		}
	})
	t.Run("money beyond what was paid records nothing more", func(t *testing.T) {
		o, _ := apply(t, sold(lines, bob, 0), Refund{ID: "r1", At: at, Money: 39400})
		r, err := ApplyRefund(o, Refund{ID: "r2", At: at, Money: 100})
		if err != nil || len(r.Clawbacks)+len(r.Unclawed) != 0 || r.Excess != 100 || r.Order.Refunded != 39400 {
			t.Fatalf("%+v %v", r, err)
		}
	})
	t.Run("a Shopify refund with lines gives the lines their money first, the rest to the order", func(t *testing.T) {
		r, err := ApplyRefund(sold(lines, bob, 0), Refund{ID: "r1", At: at, Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 1, MoneyCap: 9700}}, Money: 9700 + 2970})
		if err != nil {
			t.Fatal(err)
		}
		l := r.Order.Lines
		if l[0].ItemMoney != 9700 || l[0].Money+l[1].Money != 2970 || r.Order.Refunded != 12670 {
			t.Fatalf("lines %+v, refunded %d", l, r.Order.Refunded)
		}
	})
}

// Records written before the rule counted refunds by items as money are
// read into its terms: what was taken stays taken.
func TestOlderRecordsAreReadIntoTheRule(t *testing.T) {
	o := sold([]Line{{"GUT-TRN", 4, 1, 0, 0}, {"GUT-REC", 2, 14700, 0, 0}}, kim, 0)
	o.Rule, o.Lines[1].Refunded = 0, 1 // one GUT-REC refunded by items, by the old rule
	r, err := ApplyRefund(o, Refund{ID: "r", At: at, ByUnits: true, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := amounts(r.Clawbacks); !slices.Equal(got, []int64{-1, -5880}) {
		t.Fatalf("clawbacks %v, want [-1 -5880]", got)
	}
}

// The four points of SPEC 10, after every step of any mix of refunds by
// items (native), by items with money (Shopify) and of money (Stripe), in
// any order: every refund counts as money refunded; a refund by items
// takes only from its lines; no commission's clawbacks exceed it; once R
// reaches A every commission is back exactly. Beyond A, or beyond the
// units sold, nothing more is recorded.
func TestRefundMixesKeepTheFourPoints(t *testing.T) {
	skus := []string{"SUM26-REC", "SUM26-JANE-COURSE", "SUM26-BOB-BOOK", "RET26-TRN"}
	rapid.Check(t, func(t *rapid.T) {
		var lines []Line
		for i, sku := range skus {
			if i > 0 && !rapid.Bool().Draw(t, "has "+sku) {
				continue
			}
			q := rapid.Int64Range(1, 5).Draw(t, "q")
			l := Line{SKU: sku, Quantity: q, UnitPriceCents: rapid.Int64Range(1, 30000).Draw(t, "price")}
			if rapid.Bool().Draw(t, "discounted") {
				l.AmountCents = rapid.Int64Range(1, l.Quantity*l.UnitPriceCents).Draw(t, "amount")
			}
			lines = append(lines, l)
		}
		ref := Referral{Affiliate: rapid.SampledFrom([]string{"", "jane", "bob"}).Draw(t, "ref"), Via: ledger.ViaClick}
		var sum int64
		for _, l := range lines {
			sum += l.Amount()
		}
		paid := sum + rapid.Int64Range(0, sum/5).Draw(t, "tax")
		o := sold(lines, ref, paid)
		sums := map[string]int64{} // each commission's clawback entries
		var money int64            // the money of every refund, as sent
		for step := 0; step < 8; step++ {
			var r Refund
			r.ID, r.At = "r", at
			kind := rapid.IntRange(0, 3).Draw(t, "kind")
			i := rapid.IntRange(0, len(lines)-1).Draw(t, "line")
			u := rapid.Int64Range(1, lines[i].Quantity).Draw(t, "units")
			switch kind {
			case 0: // native, by items
				r.ByUnits, r.Items = true, []RefundItem{{SKU: lines[i].SKU, Quantity: u}}
			case 1: // native, everything
				r.ByUnits, r.All = true, true
			case 2: // Shopify, items and money
				r.Items = []RefundItem{{SKU: lines[i].SKU, Quantity: u, MoneyCap: rapid.Int64Range(0, paid).Draw(t, "cap")}}
				r.Money = rapid.Int64Range(0, paid).Draw(t, "money")
			case 3: // Stripe, money
				r.Money = rapid.Int64Range(1, paid).Draw(t, "money")
			}
			out, err := ApplyRefund(o, r)
			var over *OverRefundError
			if errors.As(err, &over) {
				continue // units beyond what was sold: refused whole
			}
			if err != nil {
				t.Fatal(err)
			}
			n := o
			o = out.Order
			// 1. Every refund counts as money refunded: R grows by what it
			// brought, up to A.
			sent := r.Money
			if r.ByUnits && !r.All {
				sent = 0
				for k, l := range n.Lines {
					sent += (o.Lines[k].ItemMoney - l.ItemMoney)
				}
			}
			if r.All {
				sent = paid - n.Refunded
			}
			money = min(money+sent, paid)
			if r.ByUnits && !r.All && o.Refunded-n.Refunded != sent {
				t.Fatalf("a refund by items of %d moved R by %d", sent, o.Refunded-n.Refunded)
			}
			if !r.ByUnits && o.Refunded != min(n.Refunded+r.Money, paid) {
				t.Fatalf("R went from %d to %d with %d refunded (A %d)", n.Refunded, o.Refunded, r.Money, paid)
			}
			// 2. A refund by items alone takes only from its lines.
			for _, cb := range append(out.Clawbacks, out.Unclawed...) {
				if r.ByUnits && !r.All && o.Refunded < paid && cb.SKU != lines[i].SKU {
					t.Fatalf("a refund of %s took from %s", lines[i].SKU, cb.SKU)
				}
				sums[cb.Reverses] -= cb.AmountCents
			}
			// 3. No commission's clawbacks exceed it, and they are what the
			// order says was taken.
			for _, l := range o.Lines {
				for k, e := range l.Earned {
					if sums[e.ID] > e.AmountCents || sums[e.ID] != l.Clawed[k] {
						t.Fatalf("%s: clawbacks %d, recorded %d, of %d", e.ID, sums[e.ID], l.Clawed[k], e.AmountCents)
					}
					// 4. Once R reaches A, every commission is back exactly.
					if o.Refunded >= paid && sums[e.ID] != e.AmountCents {
						t.Fatalf("refunded in full, but %s took back %d of %d", e.ID, sums[e.ID], e.AmountCents)
					}
				}
				if l.Refunded > l.Quantity || l.ItemMoney+l.Money < 0 {
					t.Fatalf("line %+v", l)
				}
			}
			if o.Refunded > paid {
				t.Fatalf("R %d beyond A %d", o.Refunded, paid)
			}
		}
	})
}
