package commission

import (
	"errors"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/program"
)

// recruited is the demo program with bob recruited by jane, whose plan
// (standard) pays janeBP of what her recruits earn, and jane recruited by
// kim, whose plan (partner) pays kimBP.
func recruited(janeBP, kimBP int64) *program.Program {
	p := demo.Program()
	std, _ := p.Plan("standard")
	std.OverrideBP = janeBP
	partner, _ := p.Plan("partner")
	partner.OverrideBP = kimBP
	bob, _ := p.Affiliate("bob")
	bob.RecruitedBy = "jane"
	jane, _ := p.Affiliate("jane")
	jane.RecruitedBy = "kim"
	return p
}

func TestOverrideRules(t *testing.T) {
	inactive := recruited(1000, 0)
	jane, _ := inactive.Affiliate("jane")
	jane.Active = new(false)
	noRate := recruited(0, 0)
	bobRef := Referral{Affiliate: "bob", LinkEvent: "summit-2026", Via: ledger.ViaClick}
	for _, c := range []struct {
		name  string
		p     *program.Program
		lines []Line
		ref   Referral
		want  []earned
	}{
		{"a recruit's referral earns the recruiter round(C × override_bp / 10000)", recruited(1000, 0),
			[]Line{{"SUM26-REC", 1, 9700, 0, 0}}, bobRef, []earned{{"jane", "SUM26-REC", "override", 485}}},
		{"a recruit's speaker commission earns an override too", recruited(1000, 0),
			[]Line{{"SUM26-BOB-BOOK", 1, 3000, 0, 0}}, Referral{}, []earned{{"jane", "SUM26-BOB-BOOK", "override", 150}}},
		{"halves round away from zero", recruited(1000, 0),
			[]Line{{"SUM26-REC", 1, 9710, 0, 0}}, bobRef, []earned{{"jane", "SUM26-REC", "override", 486}}},
		{"an override is never the basis of another (one level)", recruited(1000, 1000),
			[]Line{{"SUM26-REC", 1, 9700, 0, 0}}, bobRef, []earned{{"jane", "SUM26-REC", "override", 485}}},
		{"the recruiter's recruiter earns on the recruiter's own commission", recruited(1000, 1000),
			[]Line{{"SUM26-REC", 1, 9700, 0, 0}}, Referral{Affiliate: "jane", LinkEvent: "summit-2026", Via: ledger.ViaClick},
			[]earned{{"kim", "SUM26-REC", "override", 485}}},
		{"an inactive recruiter earns none", inactive, []Line{{"SUM26-REC", 1, 9700, 0, 0}}, bobRef, nil},
		{"a plan without override_bp earns none", noRate, []Line{{"SUM26-REC", 1, 9700, 0, 0}}, bobRef, nil},
		{"an override that rounds to 0 is not written", recruited(1000, 0), []Line{{"SUM26-REC", 1, 8, 0, 0}}, bobRef, nil},
		{"an affiliate nobody recruited earns their recruiter nothing", recruited(1000, 1000),
			[]Line{{"SUM26-REC", 1, 9700, 0, 0}}, Referral{Affiliate: "kim", LinkEvent: "summit-2026", Via: ledger.ViaClick}, nil},
	} {
		es := Earn(c.p, Order{ID: "o", At: at, Lines: c.lines, Referral: c.ref})
		got := Overrides(c.p, es)
		if s := summary(got); len(s) != len(c.want) || (len(s) > 0 && s[0] != c.want[0]) {
			t.Errorf("%s: %v, want %v", c.name, s, c.want)
		}
		for _, o := range got {
			com := es[0]
			for _, e := range es {
				if e.ID == o.Of {
					com = e
				}
			}
			if o.Of != com.ID || o.ID != ledger.OverrideID(com.ID) || o.Type != ledger.TypeOverride || o.Rule != ledger.RuleOverride ||
				o.BasisCents != com.AmountCents || o.RateBP == 0 || o.SKU != com.SKU || o.Event != com.Event ||
				!o.AvailableOn.Equal(com.AvailableOn) || !o.At.Equal(com.At) || o.Recruit != com.Affiliate {
				t.Errorf("%s: override %+v does not follow its commission %+v", c.name, o, com)
			}
		}
	}
}

func TestOverrideClawbackTakesTheSameShare(t *testing.T) {
	for _, c := range []struct {
		name        string
		o, c, k0, k int64
		want        int64
	}{
		{"half the commission back takes half the override, rounded", 485, 4850, 0, 2425, 243},
		{"the rest of the commission back takes the rest of the override", 485, 4850, 2425, 4850, 242},
		{"a full clawback at once takes O exactly", 485, 4850, 0, 4850, 485},
		{"nothing taken of the commission takes nothing", 485, 4850, 100, 100, 0},
		{"a commission of 0 has no override to take", 0, 0, 0, 0, 0},
	} {
		if got := OverrideClawback(c.o, c.c, c.k0, c.k); got != c.want {
			t.Errorf("%s: OverrideClawback(%d, %d, %d, %d) = %d, want %d", c.name, c.o, c.c, c.k0, c.k, got, c.want)
		}
	}
}

// soldWith is an order's record as the webhook writes it: each line's
// commissions and the overrides that follow them.
func soldWith(p *program.Program, lines []Line, ref Referral, paid int64) SoldOrder {
	es := Earn(p, Order{ID: "o", At: at, Lines: lines, Referral: ref})
	ovs := Overrides(p, es)
	o := SoldOrder{Paid: paid, Rule: RefundRule}
	for _, l := range lines {
		sl := SoldLine{SKU: l.SKU, Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents, AmountCents: l.AmountCents}
		for _, e := range es {
			if e.SKU == l.SKU {
				sl.Earned = append(sl.Earned, e)
			}
		}
		for _, e := range ovs {
			if e.SKU == l.SKU {
				sl.Overrides = append(sl.Overrides, e)
			}
		}
		o.Lines = append(o.Lines, sl)
	}
	return o
}

// For any order, rates and refunds: every override is round(C × bp /
// 10000) of a referral or speaker commission C (never of an override);
// after any refunds what is left of it is O − round(O × K / C), K what is
// taken of C, within a cent of round((C − K) × bp / 10000); and once C is
// taken back in full, so is O, exactly.
func TestOverridesFollowTheirCommissionsThroughRefunds(t *testing.T) {
	skus := []string{"SUM26-REC", "SUM26-JANE-COURSE", "SUM26-BOB-BOOK", "RET26-TRN"}
	rapid.Check(t, func(t *rapid.T) {
		p := recruited(rapid.Int64Range(0, 10000).Draw(t, "jane bp"), rapid.Int64Range(0, 10000).Draw(t, "kim bp"))
		var lines []Line
		for i, sku := range skus {
			if i > 0 && !rapid.Bool().Draw(t, "has "+sku) {
				continue
			}
			lines = append(lines, Line{SKU: sku, Quantity: rapid.Int64Range(1, 5).Draw(t, "q"), UnitPriceCents: rapid.Int64Range(1, 300000).Draw(t, "price")})
		}
		ref := Referral{Affiliate: rapid.SampledFrom([]string{"", "jane", "bob", "kim"}).Draw(t, "ref"), LinkEvent: "summit-2026", Via: ledger.ViaClick}
		var sum int64
		for _, l := range lines {
			sum += l.Amount()
		}
		o := soldWith(p, lines, ref, sum)
		byID := map[string]ledger.Entry{}
		for _, l := range o.Lines {
			for _, e := range l.Earned {
				byID[e.ID] = e
			}
		}
		for _, l := range o.Lines {
			for _, ov := range l.Overrides {
				c, ok := byID[ov.Of]
				if !ok || c.Type == ledger.TypeOverride {
					t.Fatalf("override %s follows %q, which is no commission of the order", ov.ID, ov.Of)
				}
				if ov.AmountCents != money.Rate(c.AmountCents, ov.RateBP) || ov.AmountCents == 0 {
					t.Fatalf("override %d of %d at %d bp", ov.AmountCents, c.AmountCents, ov.RateBP)
				}
			}
		}
		taken := map[string]int64{} // by the id of the entry reversed
		for step := 0; step < 6; step++ {
			r := Refund{ID: "r", At: at}
			i := rapid.IntRange(0, len(lines)-1).Draw(t, "line")
			switch rapid.IntRange(0, 2).Draw(t, "kind") {
			case 0:
				r.ByUnits, r.Items = true, []RefundItem{{SKU: lines[i].SKU, Quantity: rapid.Int64Range(1, lines[i].Quantity).Draw(t, "units")}}
			case 1:
				r.ByUnits, r.All = true, true
			case 2:
				r.Money = rapid.Int64Range(1, sum).Draw(t, "money")
			}
			out, err := ApplyRefund(o, r)
			var over *OverRefundError
			if errors.As(err, &over) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			o = out.Order
			for _, cb := range out.Clawbacks {
				taken[cb.Reverses] -= cb.AmountCents
			}
			for _, l := range o.Lines {
				for k, c := range l.Earned {
					for _, ov := range l.Overrides {
						if ov.Of != c.ID {
							continue
						}
						left, kk := ov.AmountCents-taken[ov.ID], l.Clawed[k]
						if left != ov.AmountCents-money.Prorate(ov.AmountCents, kk, c.AmountCents) {
							t.Fatalf("override %d of %d, %d of it taken: %d left", ov.AmountCents, c.AmountCents, kk, left)
						}
						if d := left - money.Rate(c.AmountCents-kk, ov.RateBP); d < -1 || d > 1 {
							t.Fatalf("override left %d, but %d of the commission at %d bp is %d", left, c.AmountCents-kk, ov.RateBP, money.Rate(c.AmountCents-kk, ov.RateBP))
						}
						if kk == c.AmountCents && left != 0 {
							t.Fatalf("commission back in full, override %d left %d", ov.AmountCents, left)
						}
					}
				}
			}
		}
	})
}

// Each rule that gives an entry no override skips that entry only: the
// entries after it still earn theirs.
func TestOverridesSkipOnlyTheEntryThatEarnsNone(t *testing.T) {
	bob := func(id string, cents int64) ledger.Entry {
		return ledger.Entry{ID: id, Affiliate: "bob", Type: ledger.TypeReferral, SKU: "SUM26-REC", AmountCents: cents, At: at}
	}
	jane := ledger.Entry{ID: "j", Affiliate: "jane", Type: ledger.TypeReferral, SKU: "SUM26-REC", AmountCents: 4850, At: at}
	kimOff := recruited(1000, 1000)
	kim, _ := kimOff.Affiliate("kim")
	kim.Active = new(false)
	selfish := recruited(1000, 0)
	self, _ := selfish.Affiliate("jane")
	self.RecruitedBy = "jane"
	noPlan := recruited(1000, 1000)
	k, _ := noPlan.Affiliate("kim")
	k.Plan = "no-such-plan"
	for _, c := range []struct {
		name  string
		p     *program.Program
		first ledger.Entry
	}{
		{"an override is never followed by one", recruited(1000, 0), ledger.Entry{ID: "x", Affiliate: "bob", Type: ledger.TypeOverride, AmountCents: 4850}},
		{"an affiliate not in the program", recruited(1000, 0), ledger.Entry{ID: "x", Affiliate: "nobody", Type: ledger.TypeReferral, AmountCents: 4850}},
		{"an affiliate nobody recruited", recruited(1000, 0), ledger.Entry{ID: "x", Affiliate: "kim", Type: ledger.TypeReferral, AmountCents: 4850}},
		{"an affiliate recruited by themselves", selfish, jane},
		{"a recruiter who is inactive", kimOff, jane},
		{"a recruiter whose plan is unknown", noPlan, jane},
		{"a recruiter whose plan pays no override", recruited(1000, 0), jane},
		{"an override that rounds to 0", recruited(1000, 0), bob("x", 4)},
	} {
		got := Overrides(c.p, []ledger.Entry{c.first, bob("b", 9700)})
		if len(got) != 1 || got[0].Of != "b" || got[0].Affiliate != "jane" || got[0].AmountCents != 970 {
			t.Errorf("%s, then bob's commission of 9700: %+v, want jane's override of 970 on b only", c.name, got)
		}
	}
}

// A line with two commissions, each with its recruiter's override: every
// refund takes back each override beside its own commission, on the basis
// of what that refund took of the commission (not of all refunds so far).
func TestEachOverrideIsClawedBesideItsOwnCommission(t *testing.T) {
	p := recruited(1000, 2000)
	std, _ := p.Plan("standard")
	std.ProductRatesBP = map[string]int64{"SUM26-JANE-COURSE": 2000} // bob earns on jane's course too
	lines := []Line{{SKU: "SUM26-JANE-COURSE", Quantity: 2, UnitPriceCents: 10000}}
	o := soldWith(p, lines, Referral{Affiliate: "bob", LinkEvent: "summit-2026", Via: ledger.ViaClick}, 20000)
	if got := len(o.Lines[0].Earned); got != 2 || len(o.Lines[0].Overrides) != 2 {
		t.Fatalf("want bob's referral and jane's speaker commission, each with an override; got %d commissions, %d overrides", got, len(o.Lines[0].Overrides))
	}
	for step, money := range []int64{6000, 6000} {
		out, err := ApplyRefund(o, Refund{ID: fmt.Sprintf("r%d", step), At: at, Money: money})
		if err != nil {
			t.Fatal(err)
		}
		byReversed := map[string]ledger.Entry{}
		for _, cb := range out.Clawbacks {
			byReversed[cb.Reverses] = cb
		}
		for _, ov := range o.Lines[0].Overrides {
			c, ocb := byReversed[ov.Of], byReversed[ov.ID]
			if c.AmountCents == 0 || ocb.AmountCents == 0 {
				t.Fatalf("refund %d: clawback of %s %+v, of its override %s %+v: want both", step+1, ov.Of, c, ov.ID, ocb)
			}
			if ocb.BasisCents != -c.AmountCents || ocb.Affiliate != ov.Affiliate {
				t.Errorf("refund %d: %s's override clawback on a basis of %d, want the %d this refund took of %s", step+1, ocb.Affiliate, ocb.BasisCents, -c.AmountCents, ov.Of)
			}
		}
		o = out.Order
	}
}
