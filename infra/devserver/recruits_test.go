package devserver_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
)

// recruitProgram is the demo program with bob recruited by jane, whose
// plan (standard) pays 10% of what her recruits earn.
func recruitProgram() []byte {
	src := strings.Replace(string(demo.YAML), "    speaker_rate_bp: 5000\n  - id: partner", "    speaker_rate_bp: 5000\n    override_bp: 1000\n  - id: partner", 1)
	return []byte(strings.Replace(src, "    plan: standard\n    events: [summit-2026]\n    api_key: dev-bob-key", "    plan: standard\n    events: [summit-2026]\n    api_key: dev-bob-key\n    recruited_by: jane", 1))
}

type ledgerAnswer struct {
	Totals  map[string]int64
	Entries []map[string]any
}

func entryBy(es []map[string]any, id string) map[string]any {
	for _, e := range es {
		if e["id"] == id {
			return e
		}
	}
	return nil
}

// SPEC 6's worked example with bob recruited by jane at 10%, then an order
// bob earns on and a partial refund of it: each entry, its clawback, the
// recruits report, the mail, and payouts that pay the overrides once.
func TestRecruitOverridesWorkedExample(t *testing.T) {
	x := startOpts(t, dynamotest.DynamoDBLocal, recruitProgram(), func(o *devserver.Options) {
		o.DynamoDBEndpoint, o.Table, o.Notify = "", "", true // the embedded store's stream drives the mail
	})
	if b, _ := x.srv.Program.Affiliate("bob"); b.RecruitedBy != "jane" {
		t.Fatalf("setup: bob recruited by %q", b.RecruitedBy)
	}
	// SPEC 6 steps 1-4: bob earns nothing there, so jane gets no override.
	patClick := x.click("/go/summit-2026/bob")
	x.webhook("/webhooks/optins", fmt.Sprintf(`{"id":"optin-pat","occurred_at":%q,"event":"summit-2026","contact":{"email":"pat@example.org","name":"Pat"},"click":%q}`, x.at(), patClick))
	o := x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"order-pat","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"pat@example.org"},"items":[{"sku":"RET26-REC","quantity":1,"unit_price_cents":9700},{"sku":"SUM26-JANE-COURSE","quantity":1,"unit_price_cents":20000}]}`, x.at()))
	if fmt.Sprint(o["commissions"]) != "[map[affiliate:jane amount_cents:10000 sku:SUM26-JANE-COURSE type:speaker]]" {
		t.Fatalf("Pat's order: %v", o)
	}
	l, _ := x.srv.Program.LinkFor("summit-2026", "jane")
	samClick := x.click("/s/" + l.Code)
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"order-sam","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"sam@example.org"},"click":%q,"items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700},{"sku":"RET26-TRN","quantity":1,"unit_price_cents":4700}]}`, x.at(), samClick))
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"refund-sam","type":"order.refunded","occurred_at":%q,"order_id":"order-sam","items":[{"sku":"RET26-TRN","quantity":1}]}`, x.at()))
	var jl ledgerAnswer
	x.json("/reports/ledger?month=2026-11", "dev-jane-key", &jl)
	if jl.Totals["earned_cents"] != 17200 || jl.Totals["net_cents"] != 14850 || len(jl.Entries) != 4 {
		t.Fatalf("jane after SPEC 6: %+v", jl.Totals)
	}

	// 5. Lee clicks bob's link and buys two recordings and bob's book:
	// bob earns 9700 (referral) and 1500 (speaker); jane 970 and 150.
	leeClick := x.click("/go/summit-2026/bob")
	o = x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"order-lee","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"lee@example.org"},"click":%q,"items":[{"sku":"SUM26-REC","quantity":2,"unit_price_cents":9700},{"sku":"SUM26-BOB-BOOK","quantity":1,"unit_price_cents":3000}]}`, x.at(), leeClick))
	want := "[map[affiliate:bob amount_cents:9700 sku:SUM26-REC type:referral] map[affiliate:bob amount_cents:1500 sku:SUM26-BOB-BOOK type:speaker] map[affiliate:jane amount_cents:970 sku:SUM26-REC type:override] map[affiliate:jane amount_cents:150 sku:SUM26-BOB-BOOK type:override]]"
	if fmt.Sprint(o["commissions"]) != want {
		t.Fatalf("Lee's order: %v\nwant %s", o["commissions"], want)
	}
	// 6. One of the two recordings is refunded: bob loses 4850, jane 485.
	r := x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"refund-lee","type":"order.refunded","occurred_at":%q,"order_id":"order-lee","items":[{"sku":"SUM26-REC","quantity":1}]}`, x.at()))
	if want := "[map[affiliate:bob amount_cents:-4850 sku:SUM26-REC type:clawback] map[affiliate:jane amount_cents:-485 sku:SUM26-REC type:clawback]]"; fmt.Sprint(r["clawbacks"]) != want {
		t.Fatalf("Lee's refund: %v\nwant %s", r["clawbacks"], want)
	}

	x.json("/reports/ledger?month=2026-11", "dev-jane-key", &jl)
	if jl.Totals["earned_cents"] != 17200+970+150 || jl.Totals["clawbacks_cents"] != -2350-485 || jl.Totals["net_cents"] != 14850+970+150-485 || len(jl.Entries) != 7 {
		t.Errorf("jane's ledger: %+v (%d entries)", jl.Totals, len(jl.Entries))
	}
	ov := entryBy(jl.Entries, "o:order-lee:SUM26-REC:referral:override")
	if ov == nil || ov["type"] != "override" || ov["rule"] != "override_bp" || ov["of"] != "o:order-lee:SUM26-REC:referral" ||
		ov["basis_cents"] != 9700.0 || ov["rate_bp"] != 1000.0 || ov["amount_cents"] != 970.0 || ov["sku"] != "SUM26-REC" || ov["event"] != "summit-2026" {
		t.Errorf("jane's override: %v", ov)
	}
	var bl ledgerAnswer
	x.json("/reports/ledger?month=2026-11", "dev-bob-key", &bl)
	if bob := entryBy(bl.Entries, "o:order-lee:SUM26-REC:referral"); bob == nil || ov == nil || bob["available_on"] != ov["available_on"] {
		t.Errorf("the override is not available when the commission it follows is: %v / %v", bob, ov)
	}
	if bl.Totals["net_cents"] != 9700+1500-4850 {
		t.Errorf("bob's ledger: %+v", bl.Totals)
	}
	cb := entryBy(jl.Entries, "r:refund-lee:SUM26-REC:referral:override")
	if cb == nil || cb["type"] != "clawback" || cb["amount_cents"] != -485.0 {
		t.Errorf("jane's override clawback: %v", cb)
	}
	// The page explains it in plain words.
	if code, _, page := x.report("/reports/ledger?month=2026-11", "dev-jane-key", "text/html"); code != 200 ||
		!strings.Contains(page, "10% of Bob Stone&#39;s commission on Summit 2026 Recordings") {
		t.Errorf("jane's ledger page does not explain the override (%d)", code)
	}
	// The owner's page of jane too, though it holds no other affiliate:
	// bob's name is read with jane's recruits.
	if code, _, page := x.report("/admin/affiliates/jane?month=2026-11", owner, "text/html"); code != 200 ||
		!strings.Contains(page, "10% of Bob Stone&#39;s commission on Summit 2026 Recordings") {
		t.Errorf("the owner's page of jane does not explain the override (%d)", code)
	}
	// jane's products sold has no row for what bob sold.
	var jp struct{ Products []map[string]any }
	x.json("/reports/products-sold?month=2026-11", "dev-jane-key", &jp)
	for _, p := range jp.Products {
		if p["role"] == "override" || p["sku"] == "SUM26-BOB-BOOK" {
			t.Errorf("jane's products sold shows her recruit's sale: %v", p)
		}
	}

	// jane's recruits: bob, with 970 + 150 − 485 this month; never his buyers.
	var rec struct {
		Affiliate   string
		RecruitLink string `json:"recruit_link"`
		Recruits    []map[string]any
	}
	x.json("/reports/recruits?month=2026-11", "dev-jane-key", &rec)
	if rec.Affiliate != "jane" || len(rec.Recruits) != 1 || rec.Recruits[0]["code"] != "bob" || rec.Recruits[0]["name"] != "Bob Stone" ||
		rec.Recruits[0]["overrides_cents"] != 635.0 || rec.RecruitLink != x.ts.URL+"/join?ref=jane" {
		t.Errorf("jane's recruits: %+v", rec)
	}
	_, _, raw := x.report("/reports/recruits?month=2026-11", "dev-jane-key", "application/json")
	if strings.Contains(raw, "lee@example.org") || strings.Contains(raw, "order-lee") {
		t.Errorf("the recruits report shows a recruit's buyer: %s", raw)
	}
	x.json("/reports/recruits?month=2026-10", "dev-jane-key", &rec)
	if len(rec.Recruits) != 1 || rec.Recruits[0]["overrides_cents"] != 0.0 {
		t.Errorf("jane's recruits in October: %+v", rec)
	}
	if code, _, csv := x.report("/reports/recruits?month=2026-11&format=csv", "dev-jane-key", ""); code != 200 || !strings.HasPrefix(csv, "code,name,joined,overrides_cents\nbob,Bob Stone,,635") {
		t.Errorf("recruits CSV: %d %q", code, csv)
	}

	// The override is mailed like a commission.
	waitFor(t, 10*time.Second, func() bool {
		return strings.Contains(strings.Join(x.mail.lines("jane@example.com"), "\n"), "New commission: $9.70")
	})

	// Payouts take each override once.
	x.setClock(x.clock().Add(15 * 24 * time.Hour))
	var p payoutAnswer
	x.ok(201, "POST", "/admin/payouts", owner, "recruits-1", `{}`, &p)
	janeItem := -1
	for i, it := range p.Items {
		if it.Affiliate == "jane" {
			janeItem = i
		}
	}
	if janeItem < 0 || p.Items[janeItem].AmountCents != 14850+970+150-485 {
		t.Fatalf("payout: %+v", p)
	}
	var full payoutAnswer
	x.ok(200, "GET", "/admin/payouts/"+p.ID, owner, "", "", &full)
	seen := map[string]int{}
	for _, it := range full.Items {
		for _, e := range it.EntryList {
			seen[e.ID]++
		}
	}
	for _, id := range []string{"o:order-lee:SUM26-REC:referral:override", "o:order-lee:SUM26-BOB-BOOK:speaker:override", "r:refund-lee:SUM26-REC:referral:override"} {
		if seen[id] != 1 {
			t.Errorf("%s is in the payout %d times, want once", id, seen[id])
		}
	}
	code, body := x.call("POST", "/admin/payouts", owner, "recruits-2", `{}`)
	if code != 422 || !strings.Contains(body, "nothing_payable") {
		t.Errorf("a second payout: %d %s, want nothing payable", code, body)
	}
}

// An inactive recruiter earns no override on what their recruit earns.
func TestInactiveRecruiterEarnsNoOverride(t *testing.T) {
	src := strings.Replace(string(recruitProgram()), "    api_key: dev-jane-key\n", "    api_key: dev-jane-key\n    active: false\n", 1)
	x := startWith(t, []byte(src))
	o := x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"order-1","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"lee@example.org"},"affiliate":"bob","items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, x.at()))
	if want := "[map[affiliate:bob amount_cents:4850 sku:SUM26-REC type:referral]]"; fmt.Sprint(o["commissions"]) != want {
		t.Errorf("commissions %v, want %s", o["commissions"], want)
	}
}
