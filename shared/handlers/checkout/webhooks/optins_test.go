package webhooks_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
)

func (e *env) optIn(t testing.TB, body string) (int, map[string]any) {
	code, m, _ := e.send(t, e.optins, "webhook-optins", body)
	return code, m
}

func optInBody(id, email, event, extra string) string {
	return fmt.Sprintf(`{"id":%q,"occurred_at":"2026-11-03T14:00:00Z","event":%q,"contact":{"email":%q}%s}`, id, event, email, extra)
}

func (e *env) optIns(t testing.TB, aff, event string) int64 {
	stats, _ := e.st.Stats(context.Background(), aff, "2026-11-01", "2026-11-30")
	var n int64
	for _, s := range stats {
		if s.Event == event {
			n += s.OptIns
		}
	}
	return n
}

func TestOptInAttribution(t *testing.T) {
	e := newEnv(t)
	click := e.keys.Sign(clicktoken.Claims{Affiliate: "bob", Event: "summit-2026", At: time.Date(2026, 11, 3, 13, 0, 0, 0, time.UTC)})
	// Pat opts in with bob's click: pat belongs to bob; one opt-in on bob/summit.
	code, m := e.optIn(t, optInBody("oi-1", "Pat@Example.org ", "summit-2026", fmt.Sprintf(`,"click":%q,"affiliate":"jane"`, click)))
	if code != 200 || m["attributed_to"] != "bob" {
		t.Fatalf("%d %v", code, m)
	}
	// A later opt-in naming jane (first touch): counted on jane's link, pat stays bob's.
	code, m = e.optIn(t, optInBody("oi-2", "pat@example.org", "retreat-2026", `,"affiliate":"jane"`))
	if code != 200 || m["attributed_to"] != "bob" {
		t.Fatalf("%d %v", code, m)
	}
	if e.optIns(t, "bob", "summit-2026") != 1 || e.optIns(t, "jane", "retreat-2026") != 1 {
		t.Error("opt-ins not counted on the links they came through")
	}
	// Named affiliate not enrolled in the payload's event: their first event.
	e.optIn(t, optInBody("oi-3", "q@example.org", "retreat-2026", `,"affiliate":"bob"`))
	if e.optIns(t, "bob", "summit-2026") != 2 {
		t.Error("opt-in not counted on bob's first enrolled event")
	}
	// Nobody: stored, counted for nobody.
	code, m = e.optIn(t, optInBody("oi-4", "r@example.org", "summit-2026", ""))
	if code != 200 || m["attributed_to"] != nil {
		t.Fatalf("%d %v", code, m)
	}
	// Pat's order later, with no click and no affiliate: bob's (contact), on bob/summit.
	code, o, _ := e.order(t, paid("order-pat", "pat@example.org", "", item("RET26-REC", 1, 9700), item("SUM26-JANE-COURSE", 1, 20000)))
	if code != 200 || o["referred_by"] != "bob" {
		t.Fatalf("%d %v", code, o)
	}
	cs := o["commissions"].([]any)
	if len(cs) != 1 || cs[0].(map[string]any)["affiliate"] != "jane" || cs[0].(map[string]any)["amount_cents"].(float64) != 10000 {
		t.Fatalf("commissions %v", cs)
	}
	stats, _ := e.st.Stats(context.Background(), "bob", "2026-11-03", "2026-11-03")
	if len(stats) != 1 || stats[0].Orders != 1 || stats[0].RevenueCents != 29700 {
		t.Fatalf("bob's stats %+v", stats)
	}
	entries := e.ledger(t, "jane")
	if len(entries) != 1 || entries[0].Type != "speaker" {
		t.Fatalf("jane's ledger %+v", entries)
	}
}

func TestExpiredOrForgedClickIsIgnoredWithAWarning(t *testing.T) {
	e := newEnv(t)
	old := e.keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)})
	code, m, _ := e.order(t, paid("o-old", "z@example.org", fmt.Sprintf(`,"click":%q`, old), item("SUM26-REC", 1, 9700)))
	if code != 200 || m["referred_by"] != nil || len(m["warnings"].([]any)) != 1 {
		t.Fatalf("%d %v", code, m)
	}
	code, m, _ = e.order(t, paid("o-forged", "z2@example.org", `,"click":"1.jane.summit-2026.abc.forged"`, item("SUM26-REC", 1, 9700)))
	if code != 200 || m["referred_by"] != nil {
		t.Fatalf("%d %v", code, m)
	}
}

// An opt-in accepts a click dated up to five minutes after it; an order of
// the same contact at the same instant must then be referred by the same
// affiliate (it used to require the touch strictly before the order).
func TestOrderAtTheOptInsInstantKeepsASkewedClicksAttribution(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC)
	click := e.keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: at.Add(3 * time.Minute)})
	code, m := e.optIn(t, optInBody("oi-skew", "skew@example.org", "summit-2026", fmt.Sprintf(`,"click":%q`, click)))
	if code != 200 || m["attributed_to"] != "jane" {
		t.Fatalf("opt-in: %d %v", code, m)
	}
	body := strings.Replace(paid("o-skew", "skew@example.org", "", item("SUM26-REC", 1, 9700)),
		"2026-11-03T15:00:00Z", at.Format(time.RFC3339), 1)
	code, o, _ := e.order(t, body)
	if code != 200 || o["referred_by"] != "jane" {
		t.Fatalf("order at the opt-in's instant: %d %v", code, o)
	}
	if es := e.ledger(t, "jane"); len(es) != 1 || es[0].Via != ledger.ViaContact {
		t.Fatalf("jane's ledger %+v", es)
	}
}
