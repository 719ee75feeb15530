package commission

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/ledger"
)

// soldOrder is an order as recorded: kim (partner plan) referred 4 GUT-TRN
// at 1 cent (1 cent earned) and 2 GUT-REC at 14700 (11760 earned); 1
// GUT-REC was refunded already.
func soldOrder(t *testing.T) []SoldLine {
	t.Helper()
	lines := []Line{{"GUT-TRN", 4, 1, 0}, {"GUT-REC", 2, 14700, 0}}
	es := Earn(demo.Program(), Order{ID: "o", At: at, Lines: lines, Referral: Referral{Affiliate: "kim", Via: ledger.ViaAffiliate}})
	if len(es) != 2 || es[0].AmountCents != 1 || es[1].AmountCents != 11760 {
		t.Fatalf("setup: %+v", es)
	}
	return []SoldLine{
		{SKU: "GUT-TRN", Quantity: 4, UnitPriceCents: 1, Earned: es[:1]},
		{SKU: "GUT-REC", Quantity: 2, UnitPriceCents: 14700, Refunded: 1, Earned: es[1:]},
	}
}

func TestRefund(t *testing.T) {
	type want struct {
		refunded  [2]int64 // GUT-TRN, GUT-REC afterwards
		clawbacks []int64
		unclawed  int    // records of commissions whose clawback is 0
		over      string // an OverRefundError saying this; "" for none
	}
	for _, c := range []struct {
		name  string
		items []Line
		all   bool
		want  want
	}{
		{"part of a line", []Line{{SKU: "GUT-TRN", Quantity: 2}}, false, want{refunded: [2]int64{2, 1}, clawbacks: []int64{-1}}},
		{"a clawback that rounds to 0 is recorded, not written", []Line{{SKU: "GUT-TRN", Quantity: 1}}, false, want{refunded: [2]int64{1, 1}, unclawed: 1}},
		{"the rest of a line takes back the rest", []Line{{SKU: "GUT-REC", Quantity: 1}}, false, want{refunded: [2]int64{0, 2}, clawbacks: []int64{-5880}}},
		{"everything not yet refunded", nil, true, want{refunded: [2]int64{4, 2}, clawbacks: []int64{-1, -5880}}},
		{"more than is left on a line", []Line{{SKU: "GUT-REC", Quantity: 2}}, false, want{over: "1 of 2 are left"}},
		{"a SKU the order does not have", []Line{{SKU: "GUT-TRN", Quantity: 1}, {SKU: "SUM26-REC", Quantity: 1}}, false, want{over: `"SUM26-REC" is not in the order`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := soldOrder(t)
			r, err := Refund(lines, "r", at.Add(time.Hour), c.items, c.all)
			if c.want.over != "" {
				var over *OverRefundError
				if !errors.As(err, &over) || !strings.Contains(over.Message, c.want.over) || r.Lines != nil {
					t.Fatalf("err %v, result %+v; want an over-refund saying %q", err, r, c.want.over)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]int64{r.Lines[0].Refunded, r.Lines[1].Refunded}; got != c.want.refunded {
				t.Errorf("refunded %v, want %v", got, c.want.refunded)
			}
			var got []int64
			for _, cb := range r.Clawbacks {
				got = append(got, cb.AmountCents)
				if cb.Type != ledger.TypeClawback || cb.Affiliate != "kim" || cb.OrderAt != at || cb.RefundID != "r" {
					t.Errorf("clawback %+v", cb)
				}
			}
			if !slices.Equal(got, c.want.clawbacks) {
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
			if lines[0].Refunded != 0 || lines[1].Refunded != 1 {
				t.Errorf("Refund changed the order it was given: %+v", lines)
			}
		})
	}
}

// A refund of everything when everything is refunded is an over-refund.
func TestRefundOfAFullyRefundedOrder(t *testing.T) {
	lines := soldOrder(t)
	r, err := Refund(lines, "r1", at, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Refund(r.Lines, "r2", at, nil, true)
	var over *OverRefundError
	if !errors.As(err, &over) || !strings.Contains(over.Message, "already refunded in full") {
		t.Fatalf("second full refund: %v", err)
	}
}
