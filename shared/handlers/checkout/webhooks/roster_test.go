package webhooks_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/apptest"
	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/attribution"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
)

// rosterProgram has every kind of affiliate a webhook may name: jane
// (current, code JANE20, recruited by kim), bob (inactive, code Bob10,
// recruited by jane), lee (recruited by jane), max (recruited by inactive
// bob) and kim (speaker of
// GUT-KIM-TALK, code KIM5, recruiter of jane), whom the test then removes.
func rosterProgram() *program.Program {
	p := demo.Program()
	p.Products = append(p.Products, program.Product{SKU: "GUT-KIM-TALK", Name: "Kim's talk", Event: "gut-2026",
		Kind: program.KindSpeakerProduct, Speaker: "kim", PriceCents: 5000})
	std, _ := p.Plan("standard")
	std.OverrideBP, std.RatesBP[program.KindSpeakerProduct] = 500, 1000
	partner, _ := p.Plan("partner")
	partner.OverrideBP = 1000
	jane, _ := p.Affiliate("jane")
	jane.Coupons, jane.RecruitedBy = []string{"JANE20"}, "kim"
	bob, _ := p.Affiliate("bob")
	bob.Coupons, bob.RecruitedBy, bob.Active = []string{"Bob10"}, "jane", new(false)
	kim, _ := p.Affiliate("kim")
	kim.Coupons = []string{"KIM5"}
	// Last: appending moves the affiliates the lookups above point into.
	p.Affiliates = append(p.Affiliates, program.Affiliate{Code: "lee", Name: "Lee", Email: "lee@example.com", Plan: "standard",
		Events: []string{"summit-2026", "gut-2026"}, RecruitedBy: "jane"},
		program.Affiliate{Code: "max", Name: "Max", Email: "max@example.com", Plan: "standard",
			Events: []string{"summit-2026"}, RecruitedBy: "bob"})
	return p
}

// An order decided over the rules and the affiliates it names, read by key,
// comes out as over the whole program, for current, inactive, former and
// unknown affiliates alike: by click, name, contact, coupon code, as
// speakers and as recruiters (SPEC 15 changes what is read, never what is
// decided).
func TestAnOrderDecidedByKeyIsDecidedAsOverTheWholeProgram(t *testing.T) {
	ctx := context.Background()
	a := apptest.New(t, apptest.Program(rosterProgram()))
	// kim leaves, as the dashboard removes an affiliate, but keeps her code
	// (as a table written before codes were retired may hold it).
	kim, _, err := a.Store.GetAffiliate(ctx, "kim")
	if err != nil || kim == nil {
		t.Fatal(kim, err)
	}
	former := program.Retire(*kim)
	former.Coupons = kim.Coupons
	if err := a.Store.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: former, Prev: kim, Former: true}, now); err != nil {
		t.Fatal(err)
	}
	whole, _, err := a.Store.LoadProgram(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := a.Rules.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	click := func(aff, ev string) string {
		return a.Keys.Sign(clicktoken.Claims{Affiliate: aff, Event: ev, At: at.Add(-time.Hour)})
	}
	clicks := []string{"", click("jane", "summit-2026"), click("bob", "summit-2026"), click("kim", "gut-2026"), click("lee", "gut-2026"), click("max", "summit-2026"), "forged.token"}
	named := []string{"", "jane", "bob", "kim", "lee", "max", "nobody"}
	touch := func(aff, ev string) *attribution.Touch {
		return &attribution.Touch{Affiliate: aff, Event: ev, At: at.AddDate(0, 0, -2), Via: attribution.ViaClick}
	}
	contacts := []*attribution.Touch{nil, touch("jane", "retreat-2026"), touch("bob", "summit-2026"), touch("kim", "gut-2026"), touch("ghost", "gut-2026")}
	coupons := [][]string{nil, {"KIM5"}, {"Bob10"}, {"nope1", "jane20"}, {"bad code!", "JANE20", "Bob10"}, {"kim5", "JANE20"}}
	all := []commission.Line{{SKU: "SUM26-REC", Quantity: 1, UnitPriceCents: 9700}, {SKU: "SUM26-JANE-COURSE", Quantity: 1, UnitPriceCents: 20000},
		{SKU: "SUM26-BOB-BOOK", Quantity: 1, UnitPriceCents: 3000}, {SKU: "GUT-KIM-TALK", Quantity: 1, UnitPriceCents: 5000}, {SKU: "GUT-REC", Quantity: 1, UnitPriceCents: 14700}}
	// With speakers, and without (the referrer's recruiter is then named
	// by nothing else).
	lineSets := [][]commission.Line{all, {all[0], all[4]}}
	cases, earning, overriding := 0, 0, 0
	for _, lines := range lineSets {
		skus := make([]string, len(lines))
		for i, l := range lines {
			skus[i] = l.SKU
		}
		for _, c := range clicks {
			for _, n := range named {
				for _, cur := range contacts {
					for _, codes := range coupons {
						for _, kind := range []attribution.Kind{attribution.Order, attribution.OptIn} {
							ev := attribution.Evidence{Kind: kind, At: at, Click: c, Affiliate: n, Event: "gut-2026", SKUs: skus, Coupons: codes, Current: cur}
							o := commission.Order{ID: "o-1", At: at, Lines: lines}
							want := attribution.Decide(whole, a.Keys, ev)
							o.Referral = want.Referral
							wantEntries := commission.Earn(whole, o)
							wantOverrides := commission.Overrides(whole, wantEntries)
							got, entries, overrides, err := webhooks.Earn(a.Deps, ctx, rules, ev, commission.Order{ID: "o-1", At: at, Lines: lines})
							if err != nil {
								t.Fatal(err)
							}
							what := fmt.Sprintf("click %.12q, named %q, contact %+v, codes %q, kind %d, %d lines", c, n, cur, codes, kind, len(lines))
							if !reflect.DeepEqual(got, want) {
								t.Errorf("%s: decided %+v by key, %+v over the whole program", what, got, want)
							}
							if !reflect.DeepEqual(entries, wantEntries) || !reflect.DeepEqual(overrides, wantOverrides) {
								t.Errorf("%s: earned %+v %+v by key, %+v %+v over the whole program", what, entries, overrides, wantEntries, wantOverrides)
							}
							cases++
							if want.Referral.Affiliate != "" {
								earning++
							}
							if len(wantOverrides) > 0 {
								overriding++
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d webhooks, %d referred, %d with overrides", cases, earning, overriding)
	if earning == 0 || overriding == 0 || earning == cases || overriding == cases {
		t.Errorf("the cases do not cover referred and unreferred orders with overrides: %d referred, %d with overrides of %d", earning, overriding, cases)
	}
}
