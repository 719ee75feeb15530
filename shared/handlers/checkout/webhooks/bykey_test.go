package webhooks_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/apptest"
	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
)

// namingProgram is the demo program where one order names every kind of
// affiliate a webhook reads: bob holds the code Bob10, and kim, on a plan
// paying 10% overrides, recruited jane and bob.
func namingProgram() *program.Program {
	p := demo.Program()
	partner, _ := p.Plan("partner")
	partner.OverrideBP = 1000
	bob, _ := p.Affiliate("bob")
	bob.Coupons, bob.RecruitedBy = []string{"Bob10"}, "kim"
	jane, _ := p.Affiliate("jane")
	jane.RecruitedBy = "kim"
	return p
}

// A cold order webhook reads the rules and the affiliates the order names,
// each by key, never every affiliate (SPEC 15): an order with jane's click,
// bob's code, a buyer attributed to crowd-0000, jane's speaker product and
// kim's overrides reads the same requests and bytes in a
// program of 4 affiliates as of 1,004, and writes the same ledger.
func TestAColdOrderReadsOnlyTheAffiliatesItNames(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	cold := func(table string) *app.Deps {
		d := app.New(app.Config{Table: table, ClickKey: apptest.ClickKey, WebhookSecrets: secret, ProgramTTL: time.Hour}, db, logger)
		d.Now = func() time.Time { return now }
		return d
	}
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	order := func(keys *clicktoken.Keys) string {
		click := keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: at.Add(-time.Hour)})
		return paid("o-names", "pat@example.org", fmt.Sprintf(`,"click":%q,"coupon":"bob10"`, click),
			item("SUM26-REC", 1, 9700), item("SUM26-JANE-COURSE", 1, 20000))
	}
	type run struct {
		cost    dynamometer.Counts
		answer  string
		entries map[string][]ledger.Entry
	}
	measure := func(crowd int) run {
		st := store.New(db, dynamotest.NewTable(t, db))
		dynamotest.Load(t, st, namingProgram())
		dynamotest.ImportCrowd(t, st, 0, 1)
		if crowd > 1 {
			dynamotest.ImportCrowd(t, st, 1, crowd-1)
		}
		// The buyer opted in through crowd-0000 (another function).
		e := &env{optins: webhooks.OptIns(cold(st.Table))}
		if code, _, raw := e.send(t, e.optins, "webhook-optins",
			`{"id":"oi-pat","occurred_at":"2026-11-01T10:00:00Z","event":"summit-2026","contact":{"email":"pat@example.org"},"affiliate":"crowd-0000"}`); code != 200 {
			t.Fatalf("opt-in: %d %s", code, raw)
		}
		d := cold(st.Table)
		e = &env{orders: webhooks.Orders(d)}
		body := order(d.ClickKeys())
		before := m.Snapshot()
		code, _, raw := e.order(t, body)
		cost := m.Since(before)
		if code != 200 {
			t.Fatalf("order: %d %s", code, raw)
		}
		r := run{cost: cost, answer: raw, entries: map[string][]ledger.Entry{}}
		for _, aff := range []string{"jane", "bob", "kim", "crowd-0000"} {
			es, err := st.Entries(ctx, aff, time.Unix(0, 0), now.AddDate(1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			r.entries[aff] = es
		}
		return r
	}
	few, many := measure(1), measure(1000)
	t.Logf("cold order, 4 affiliates: %v, %.1f read units, %d bytes read; 1,004: %v, %.1f read units, %d bytes read",
		few.cost, few.cost.AWSReadUnits(), few.cost.ReadBytes, many.cost, many.cost.AWSReadUnits(), many.cost.ReadBytes)
	if few.cost.String() != many.cost.String() || few.cost.ReadBytes != many.cost.ReadBytes {
		t.Errorf("a cold order read %v (%d bytes) with 4 affiliates, %v (%d bytes) with 1,004", few.cost, few.cost.ReadBytes, many.cost, many.cost.ReadBytes)
	}
	if few.answer != many.answer || !reflect.DeepEqual(few.entries, many.entries) {
		t.Errorf("the order came out differently:\n4:     %s %+v\n1,004: %s %+v", few.answer, few.entries, many.answer, many.entries)
	}
	// What the order earned: bob's code refers it (the code wins over
	// jane's click), jane earns on her product, kim earns 10% of
	// her recruits' commissions, and the contact's affiliate nothing.
	got := map[string]int64{}
	for aff, es := range few.entries {
		for _, e := range es {
			got[aff+" "+e.Type+" "+e.SKU] += e.AmountCents
		}
	}
	want := map[string]int64{
		"bob referral SUM26-REC": 4850, "jane speaker SUM26-JANE-COURSE": 10000,
		"kim override SUM26-REC": 485, "kim override SUM26-JANE-COURSE": 1000,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("earned %v, want %v (answer %s)", got, want, few.answer)
	}
}
