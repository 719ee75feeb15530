package webhooks_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// couponProgram is the demo program with coupon codes (jane's JANE20,
// bob's Bob10) and the given coupon_precedence; with bobInactive, bob is
// deactivated (he keeps his code).
func couponProgram(precedence string, bobInactive bool) *program.Program {
	p := demo.Program()
	p.CouponPrecedence = precedence
	jane, _ := p.Affiliate("jane")
	jane.Coupons = []string{"JANE20"}
	bob, _ := p.Affiliate("bob")
	bob.Coupons = []string{"Bob10"}
	if bobInactive {
		bob.Active = new(false)
	}
	return p
}

func warnings(m map[string]any) []string {
	var out []string
	for _, w := range m["warnings"].([]any) {
		out = append(out, w.(string))
	}
	return out
}

// A click of jane's and bob's code on one order: the program's
// coupon_precedence decides, end to end to the ledger (via coupon, the
// code named), the code's counters and the contact.
func TestClickAndCodeOfDifferentAffiliatesFollowThePrecedence(t *testing.T) {
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		precedence, want, via string
	}{
		{program.PrecedenceCoupon, "bob", ledger.ViaCoupon},
		{program.PrecedenceClick, "jane", ledger.ViaClick},
	} {
		t.Run(c.precedence, func(t *testing.T) {
			e := newEnvWith(t, couponProgram(c.precedence, false))
			click := e.keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: at.Add(-time.Hour)})
			code, m, raw := e.order(t, paid("o-both", "pat@example.org", fmt.Sprintf(`,"click":%q,"coupon":"bob10"`, click), item("SUM26-REC", 1, 9700)))
			if code != 200 || m["referred_by"] != c.want || len(m["warnings"].([]any)) != 0 {
				t.Fatalf("%d %s, want referred by %s", code, raw, c.want)
			}
			es := e.ledger(t, c.want)
			if len(es) != 1 || es[0].Via != c.via || es[0].AmountCents != 4850 {
				t.Fatalf("%s's ledger: %+v", c.want, es)
			}
			if c.via == ledger.ViaCoupon && es[0].Coupon != "Bob10" {
				t.Errorf("entry's code %q, want Bob10 (as bob holds it)", es[0].Coupon)
			}
			for _, other := range []string{"jane", "bob"} {
				if other != c.want && len(e.ledger(t, other)) != 0 {
					t.Errorf("%s earned too: %+v", other, e.ledger(t, other))
				}
			}
			cs, err := e.st.CouponStats(context.Background(), "bob", "2026-11-01", "2026-11-30")
			if err != nil {
				t.Fatal(err)
			}
			wantStats := []store.CouponStat{}
			if c.via == ledger.ViaCoupon {
				wantStats = []store.CouponStat{{Code: "Bob10", Orders: 1, RevenueCents: 9700}}
			}
			if fmt.Sprint(cs) != fmt.Sprint(wantStats) {
				t.Errorf("bob's code counters %+v, want %+v", cs, wantStats)
			}
			contact, err := e.st.GetContact(context.Background(), "pat@example.org")
			if err != nil || contact == nil || contact.Affiliate != c.want {
				t.Errorf("contact %+v %v, want %s's touch", contact, err, c.want)
			}
		})
	}
}

// The code becomes the contact's touch as a click would: a later order of
// the same buyer without a code is the code's affiliate's, via contact.
func TestTheCodeBecomesTheContactsTouch(t *testing.T) {
	e := newEnvWith(t, couponProgram(program.PrecedenceCoupon, false))
	if code, m, raw := e.order(t, paid("o-code", "ana@example.org", `,"coupon":"JANE20"`, item("RET26-TRN", 1, 4700))); code != 200 || m["referred_by"] != "jane" {
		t.Fatalf("%d %s", code, raw)
	}
	c, err := e.st.GetContact(context.Background(), "ana@example.org")
	if err != nil || c == nil || c.Affiliate != "jane" || c.Via != "coupon" || c.Event != "retreat-2026" || !c.At.Equal(time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("contact %+v %v", c, err)
	}
	later := strings.Replace(paid("o-later", "ana@example.org", "", item("SUM26-REC", 1, 9700)), "2026-11-03T15", "2026-11-05T15", 1)
	if code, m, raw := e.order(t, later); code != 200 || m["referred_by"] != "jane" {
		t.Fatalf("later order: %d %s", code, raw)
	}
	for _, es := range e.ledger(t, "jane") {
		if es.OrderID == "o-later" && (es.Via != ledger.ViaContact || es.Coupon != "") {
			t.Errorf("later order's entry %+v, want via contact and no code", es)
		}
	}
}

// An unknown code is a warning and the order is attributed as if it had
// none; an inactive affiliate's code is a warning and earns nothing.
func TestCodesThatReferNobodyAreWarnings(t *testing.T) {
	e := newEnvWith(t, couponProgram(program.PrecedenceCoupon, true))
	code, m, raw := e.order(t, paid("o-unknown", "lee@example.org", `,"affiliate":"jane","coupon":"NOPE99"`, item("SUM26-REC", 1, 9700)))
	if w := warnings(m); code != 200 || m["referred_by"] != "jane" || len(w) != 1 || !strings.Contains(w[0], `"NOPE99" is unknown`) {
		t.Fatalf("unknown code: %d %s", code, raw)
	}
	if es := e.ledger(t, "jane"); len(es) != 1 || es[0].Via != ledger.ViaAffiliate {
		t.Errorf("jane's ledger: %+v", es)
	}
	code, m, raw = e.order(t, paid("o-inactive", "kit@example.org", `,"coupon":"Bob10"`, item("SUM26-REC", 1, 9700)))
	if w := warnings(m); code != 200 || m["referred_by"] != nil || len(w) != 1 || !strings.Contains(w[0], "inactive or former") {
		t.Fatalf("inactive affiliate's code: %d %s", code, raw)
	}
	if es := e.ledger(t, "bob"); len(es) != 0 {
		t.Errorf("inactive bob earned: %+v", es)
	}
	if cs, err := e.st.CouponStats(context.Background(), "bob", "2026-11-01", "2026-11-30"); err != nil || len(cs) != 0 {
		t.Errorf("inactive bob's code counted: %+v %v", cs, err)
	}
	if c, _ := e.st.GetContact(context.Background(), "kit@example.org"); c != nil {
		t.Errorf("an ignored code touched the contact: %+v", c)
	}
}

// A coupon order costs what an order naming the affiliate costs: the code's
// owner comes from the cached program (no request), and its counter is one
// more item of the order's one transaction.
func TestACouponOrderCostsOneMoreItemOfItsTransaction(t *testing.T) {
	cost := func(extra string) (int, float64) {
		e := newEnvWith(t, couponProgram(program.PrecedenceCoupon, false))
		before := e.meter.Snapshot()
		code, m, raw := e.order(t, paid("o-cost", "lee@example.org", extra, item("SUM26-REC", 1, 9700)))
		if code != 200 || m["referred_by"] != "bob" {
			t.Fatalf("%d %s", code, raw)
		}
		c := e.meter.Since(before)
		t.Logf("order with %s: %s, write units %.0f (transactional %.0f), read units %.1f", extra, c, c.AWSWriteUnits(), c.TxnWriteUnits, c.AWSReadUnits())
		return c.Total(), c.TxnWriteUnits
	}
	namedReqs, namedWrites := cost(`,"affiliate":"bob"`)
	codeReqs, codeWrites := cost(`,"coupon":"Bob10"`)
	if codeReqs != namedReqs {
		t.Errorf("a coupon order made %d requests, a named one %d: want the same", codeReqs, namedReqs)
	}
	// The code's counter (2 write units at the transactional rate) and the
	// contact the code touches (2 more).
	if d := codeWrites - namedWrites; d != 4 {
		t.Errorf("a coupon order wrote %.0f transactional units more than a named one, want 4 (counter and contact)", d)
	}
}
