package commission

import (
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

var at = time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)

type earned struct {
	aff, sku, typ string
	cents         int64
}

func summary(es []ledger.Entry) []earned {
	var out []earned
	for _, e := range es {
		out = append(out, earned{e.Affiliate, e.SKU, e.Type, e.AmountCents})
	}
	return out
}

func TestEarnRules(t *testing.T) {
	p := demo.Program()
	withSKURate := demo.Program()
	std, _ := withSKURate.Plan("standard")
	std.ProductRatesBP = map[string]int64{"SUM26-REC": 2500}
	ref := func(a string) Referral { return Referral{Affiliate: a, LinkEvent: "summit-2026", Via: ledger.ViaClick} }
	for _, c := range []struct {
		name  string
		p     *program.Program
		lines []Line
		ref   Referral
		want  []earned
	}{
		{"referrer earns the kind rate", p, []Line{{"SUM26-REC", 1, 9700, 0, 0}}, ref("jane"),
			[]earned{{"jane", "SUM26-REC", "referral", 4850}}},
		{"a per-SKU rate wins over the kind rate", withSKURate, []Line{{"SUM26-REC", 2, 9700, 0, 0}}, ref("jane"),
			[]earned{{"jane", "SUM26-REC", "referral", 4850}}},
		{"cross-event credit when enrolled in both events", p, []Line{{"RET26-TRN", 1, 4700, 0, 0}}, ref("jane"),
			[]earned{{"jane", "RET26-TRN", "referral", 2350}}},
		{"no referral on a product of an event the referrer is not enrolled in", p, []Line{{"RET26-REC", 1, 9700, 0, 0}}, ref("bob"), nil},
		{"speaker earns on own product whoever refers", p, []Line{{"SUM26-JANE-COURSE", 1, 20000, 0, 0}}, ref("bob"),
			[]earned{{"jane", "SUM26-JANE-COURSE", "speaker", 10000}}},
		{"speaker earns when nobody referred", p, []Line{{"SUM26-BOB-BOOK", 1, 3000, 0, 0}}, Referral{},
			[]earned{{"bob", "SUM26-BOB-BOOK", "speaker", 1500}}},
		{"a referrer who is the speaker gets only the speaker commission", p, []Line{{"SUM26-JANE-COURSE", 1, 20000, 0, 0}}, ref("jane"),
			[]earned{{"jane", "SUM26-JANE-COURSE", "speaker", 10000}}},
		{"a plan with no rate for the kind earns nothing", p, []Line{{"SUM26-BOB-BOOK", 1, 3000, 0, 0}}, ref("jane"),
			[]earned{{"bob", "SUM26-BOB-BOOK", "speaker", 1500}}},
		{"an unknown SKU earns nothing", p, []Line{{"MYSTERY", 1, 5000, 0, 0}}, ref("jane"), nil},
		{"rounding is half away from zero", p, []Line{{"GUT-TRN", 1, 3333, 0, 0}}, Referral{Affiliate: "kim", Via: ledger.ViaAffiliate},
			[]earned{{"kim", "GUT-TRN", "referral", 1111}}},
		{"a commission that rounds to zero is not written", p, []Line{{"SUM26-REC", 1, 0, 0, 0}}, ref("jane"), nil},
	} {
		got := summary(Earn(c.p, Order{ID: "o1", At: at, Lines: c.lines, Referral: c.ref}))
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
	}
}

func TestEntriesSayWhyAndWhen(t *testing.T) {
	p := demo.Program()
	es := Earn(p, Order{ID: "o1", At: at, Lines: []Line{{"RET26-TRN", 1, 4700, 0, 0}}, Referral: Referral{Affiliate: "jane", LinkEvent: "summit-2026", Via: ledger.ViaClick}})
	e := es[0]
	if e.Rule != ledger.RuleKindRate || e.Via != ledger.ViaClick || e.LinkEvent != "summit-2026" || e.Event != "retreat-2026" ||
		e.RateBP != 5000 || e.BasisCents != 4700 || !e.AvailableOn.Equal(at.Add(14*24*time.Hour)) || e.ID != "o:o1:RET26-TRN:referral" {
		t.Errorf("entry %+v", e)
	}
}

// SPEC section 6, at the level of the rules.
func TestWorkedExample(t *testing.T) {
	p := demo.Program()
	pat := Earn(p, Order{ID: "order-pat", At: at, Lines: []Line{{"RET26-REC", 1, 9700, 0, 0}, {"SUM26-JANE-COURSE", 1, 20000, 0, 0}},
		Referral: Referral{Affiliate: "bob", LinkEvent: "summit-2026", Via: ledger.ViaContact}})
	if got := summary(pat); len(got) != 1 || got[0] != (earned{"jane", "SUM26-JANE-COURSE", "speaker", 10000}) {
		t.Fatalf("Pat's order: %v", got)
	}
	sam := Earn(p, Order{ID: "order-sam", At: at, Lines: []Line{{"SUM26-REC", 1, 9700, 0, 0}, {"RET26-TRN", 1, 4700, 0, 0}},
		Referral: Referral{Affiliate: "jane", LinkEvent: "summit-2026", Via: ledger.ViaClick}})
	if got := summary(sam); len(got) != 2 || got[0].cents != 4850 || got[1].cents != 2350 {
		t.Fatalf("Sam's order: %v", got)
	}
	sold := SoldOrder{Rule: RefundRule, Lines: []SoldLine{
		{SKU: "SUM26-REC", Quantity: 1, UnitPriceCents: 9700, Earned: sam[:1]},
		{SKU: "RET26-TRN", Quantity: 1, UnitPriceCents: 4700, Earned: sam[1:]},
	}}
	r, err := ApplyRefund(sold, Refund{ID: "refund-sam", At: at.Add(time.Hour), ByUnits: true, Items: []RefundItem{{SKU: "RET26-TRN", Quantity: 1}}})
	if err != nil || len(r.Clawbacks) != 1 || r.Clawbacks[0].AmountCents != -2350 {
		t.Fatalf("clawbacks %+v %v", r.Clawbacks, err)
	}
	cb := r.Clawbacks[0]
	all := append(append(pat, sam...), cb)
	var earnedSum, claw int64
	for _, e := range all {
		if e.Affiliate != "jane" {
			t.Errorf("entry for %s", e.Affiliate)
		}
		if e.AmountCents > 0 {
			earnedSum += e.AmountCents
		} else {
			claw += e.AmountCents
		}
	}
	if earnedSum != 17200 || claw != -2350 || earnedSum+claw != 14850 {
		t.Errorf("jane: earned %d clawbacks %d", earnedSum, claw)
	}
}
