package attribution

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// couponProgram is the demo program (jane in summit and retreat, bob in
// summit, kim in gut) with coupon codes: jane's JANE20, bob's Bob10 (held
// in that case), kim's KIM5; old, inactive, holds OLD5; idle, enrolled in
// nothing, IDLE5; gone, a former affiliate, GONE5.
func couponProgram(t *testing.T, attribution, precedence string) *program.Program {
	t.Helper()
	p := demo.Program()
	p.Attribution, p.CouponPrecedence = attribution, precedence
	for i := range p.Affiliates {
		switch a := &p.Affiliates[i]; a.Code {
		case "jane":
			a.Coupons = []string{"JANE20"}
		case "bob":
			a.Coupons = []string{"Bob10"}
		case "kim":
			a.Coupons = []string{"KIM5"}
		}
	}
	no := false
	p.Affiliates = append(p.Affiliates,
		program.Affiliate{Code: "old", Name: "Old", Plan: "standard", Events: []string{"summit-2026"}, Active: &no, Coupons: []string{"OLD5"}},
		program.Affiliate{Code: "idle", Name: "Idle", Plan: "standard", Coupons: []string{"IDLE5"}})
	p.Former = []program.Affiliate{{Code: "gone", Name: "Gone", Plan: "standard", Active: &no, Coupons: []string{"GONE5"}}}
	if err := p.Index(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecideWithCouponCodes(t *testing.T) {
	keys, _ := clicktoken.NewKeys([]byte("k0123456789abcdef0123456789abcdef"))
	janeClick := keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "retreat-2026", At: t0.Add(-time.Hour)})
	at := t0
	byCoupon := couponProgram(t, program.FirstTouch, program.PrecedenceCoupon)
	byClick := couponProgram(t, program.FirstTouch, program.PrecedenceClick)
	lastTouch := couponProgram(t, program.LastTouch, program.PrecedenceCoupon)
	janeSummit := &Touch{Affiliate: "jane", Event: "summit-2026", At: t0.Add(-24 * time.Hour), Via: ViaClick}
	sum := []string{"SUM26-REC"}

	type want struct {
		aff, via, event, coupon string
		next                    string   // the contact's new affiliate; "" when it does not change
		warns                   []string // a substring of each warning, in order
	}
	for _, c := range []struct {
		name string
		p    *program.Program
		ev   Evidence
		want want
	}{
		// Precedence between a click and a code of different affiliates.
		{"coupon precedence: the code wins over a valid click of another affiliate", byCoupon,
			Evidence{Kind: Order, At: at, Click: janeClick, Coupons: []string{"Bob10"}, SKUs: sum},
			want{aff: "bob", via: ledger.ViaCoupon, event: "summit-2026", coupon: "Bob10", next: "bob"}},
		{"click precedence: a valid click wins over the code of another affiliate", byClick,
			Evidence{Kind: Order, At: at, Click: janeClick, Coupons: []string{"Bob10"}, SKUs: sum},
			want{aff: "jane", via: ledger.ViaClick, event: "retreat-2026", next: "jane"}},
		{"click precedence: the code refers when the click is not valid", byClick,
			Evidence{Kind: Order, At: at, Click: "forged", Coupons: []string{"Bob10"}, SKUs: sum},
			want{aff: "bob", via: ledger.ViaCoupon, event: "summit-2026", coupon: "Bob10", next: "bob", warns: []string{"click token is not valid"}}},
		{"coupon precedence: the click refers when the code is unknown", byCoupon,
			Evidence{Kind: Order, At: at, Click: janeClick, Coupons: []string{"NOPE99"}, SKUs: sum},
			want{aff: "jane", via: ledger.ViaClick, event: "retreat-2026", next: "jane", warns: []string{`"NOPE99" is unknown`}}},
		{"either precedence: the code wins over the named affiliate", byClick,
			Evidence{Kind: Order, At: at, Affiliate: "jane", Coupons: []string{"Bob10"}, SKUs: sum},
			want{aff: "bob", via: ledger.ViaCoupon, event: "summit-2026", coupon: "Bob10", next: "bob"}},
		{"the code wins over the contact's touch, which first touch keeps", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"Bob10"}, SKUs: sum, Current: janeSummit},
			want{aff: "bob", via: ledger.ViaCoupon, event: "summit-2026", coupon: "Bob10"}},
		{"last touch: the code becomes the contact's touch", lastTouch,
			Evidence{Kind: Order, At: at, Coupons: []string{"Bob10"}, SKUs: sum, Current: janeSummit},
			want{aff: "bob", via: ledger.ViaCoupon, event: "summit-2026", coupon: "Bob10", next: "bob"}},

		// Which code, and how it is matched.
		{"case does not matter, and the code is kept as its affiliate holds it", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"bOB10"}, SKUs: sum},
			want{aff: "bob", via: ledger.ViaCoupon, event: "summit-2026", coupon: "Bob10", next: "bob"}},
		{"a coupon order counts on the event an order naming the affiliate would", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"JANE20"}, SKUs: []string{"GUT-REC", "RET26-TRN"}},
			want{aff: "jane", via: ledger.ViaCoupon, event: "retreat-2026", coupon: "JANE20", next: "jane"}},
		{"every code after the first known one is a warning", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"JANE20", "Bob10", "NOPE99"}, SKUs: sum},
			want{aff: "jane", via: ledger.ViaCoupon, event: "summit-2026", coupon: "JANE20", next: "jane",
				warns: []string{`"Bob10" ignored: only the order's first known code`, `"NOPE99" ignored: only the order's first known code`}}},
		{"an unknown code before a known one is a warning, and the known one counts", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"NOPE99", "Bob10"}, SKUs: sum},
			want{aff: "bob", via: ledger.ViaCoupon, event: "summit-2026", coupon: "Bob10", next: "bob", warns: []string{`"NOPE99" is unknown`}}},

		// Codes that refer nobody: warnings, and the order as if it had none.
		{"an unknown code is a warning and the named affiliate refers", byCoupon,
			Evidence{Kind: Order, At: at, Affiliate: "jane", Coupons: []string{"NOPE99"}, SKUs: sum},
			want{aff: "jane", via: ledger.ViaAffiliate, event: "summit-2026", warns: []string{"unknown"}}},
		{"an unknown code alone refers nobody", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"NOPE99"}, SKUs: sum},
			want{warns: []string{"unknown"}}},
		{"an ill-formed code is a warning", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"J!"}, SKUs: sum, Current: janeSummit},
			want{aff: "jane", via: ledger.ViaContact, event: "summit-2026", warns: []string{`"J!" is not a valid code`}}},
		{"an inactive affiliate's code is a warning and earns them nothing", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"OLD5"}, SKUs: sum},
			want{warns: []string{"inactive or former"}}},
		{"a former affiliate's code is a warning", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"GONE5"}, SKUs: sum, Current: janeSummit},
			want{aff: "jane", via: ledger.ViaContact, event: "summit-2026", warns: []string{"inactive or former"}}},
		{"the code of an affiliate enrolled in nothing is a warning", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"IDLE5"}, SKUs: sum},
			want{warns: []string{"enrolled in no event"}}},
		{"an inactive affiliate's known code is the first known one: later codes are warnings too", byCoupon,
			Evidence{Kind: Order, At: at, Coupons: []string{"OLD5", "Bob10"}, SKUs: sum},
			want{warns: []string{"inactive or former", "only the order's first known code"}}},
		{"an opt-in has no code", byCoupon,
			Evidence{Kind: OptIn, At: at, Event: "summit-2026", Coupons: []string{"Bob10"}},
			want{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.p, keys, c.ev)
			r := d.Referral
			if r.Affiliate != c.want.aff || r.Via != c.want.via || r.LinkEvent != c.want.event || r.Coupon != c.want.coupon {
				t.Errorf("referral %+v, want %q via %q on %q, code %q", r, c.want.aff, c.want.via, c.want.event, c.want.coupon)
			}
			next := ""
			if d.Next != nil {
				next = d.Next.Affiliate
			}
			if next != c.want.next {
				t.Errorf("next touch %+v, want %q", d.Next, c.want.next)
			}
			if len(d.Warnings) != len(c.want.warns) {
				t.Fatalf("warnings %q, want %d", d.Warnings, len(c.want.warns))
			}
			for i, w := range c.want.warns {
				if !strings.Contains(d.Warnings[i], w) {
					t.Errorf("warning %d: %q, want it to say %q", i, d.Warnings[i], w)
				}
			}
		})
	}
}

// The code becomes the contact's touch as a click would: dated at the
// order, via coupon, on the event the order counted on; a later order of
// the contact without a code is then the code's affiliate's, via contact.
func TestTheOrdersCodeBecomesTheContactsTouch(t *testing.T) {
	keys, _ := clicktoken.NewKeys([]byte("k0123456789abcdef0123456789abcdef"))
	p := couponProgram(t, program.FirstTouch, program.PrecedenceCoupon)
	d := Decide(p, keys, Evidence{Kind: Order, At: t0, Coupons: []string{"JANE20"}, SKUs: []string{"RET26-TRN"}})
	want := Touch{Affiliate: "jane", Event: "retreat-2026", At: t0, Via: ViaCoupon}
	if d.Next == nil || *d.Next != want || d.Owner != "jane" {
		t.Fatalf("touch %+v owner %q, want %+v", d.Next, d.Owner, want)
	}
	later := Decide(p, keys, Evidence{Kind: Order, At: t0.Add(48 * time.Hour), SKUs: []string{"SUM26-REC"}, Current: d.Next})
	if later.Referral.Affiliate != "jane" || later.Referral.Via != ledger.ViaContact || later.Referral.LinkEvent != "retreat-2026" {
		t.Errorf("later order: %+v", later.Referral)
	}
}
