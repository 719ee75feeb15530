package devserver_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/sam"
)

const owner = "dev-owner-key"

// call sends a request with a key (and an Idempotency-Key when idem is set).
func (x *tally) call(method, path, key, idem, body string) (int, string) {
	x.t.Helper()
	req, _ := http.NewRequest(method, x.ts.URL+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := x.client.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// ok calls and decodes a 2xx answer into v.
func (x *tally) ok(want int, method, path, key, idem, body string, v any) {
	x.t.Helper()
	code, got := x.call(method, path, key, idem, body)
	if code != want {
		x.t.Fatalf("%s %s: %d %s, want %d", method, path, code, got, want)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(got), v); err != nil {
			x.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// order sends an order.paid for kim dated daysAgo before the clock, and
// returns the body sent.
func (x *tally) order(id string, daysAgo int, sku string, qty int, cents int64) string {
	x.t.Helper()
	at := x.clock().Add(-time.Duration(daysAgo) * 24 * time.Hour).Format(time.RFC3339)
	body := fmt.Sprintf(`{"id":%q,"type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"%s@example.org"},"affiliate":"kim","items":[{"sku":%q,"quantity":%d,"unit_price_cents":%d}]}`,
		id, at, id, sku, qty, cents)
	x.webhook("/webhooks/orders", body)
	return body
}

func (x *tally) refund(id, order, sku string, qty int) string {
	x.t.Helper()
	body := fmt.Sprintf(`{"id":%q,"type":"order.refunded","occurred_at":%q,"order_id":%q,"items":[{"sku":%q,"quantity":%d}]}`, id, x.at(), order, sku, qty)
	x.webhook("/webhooks/orders", body)
	return body
}

type balance struct {
	Affiliate      string
	HeldCents      int64 `json:"held_cents"`
	AvailableCents int64 `json:"available_cents"`
	InPayoutCents  int64 `json:"in_payout_cents"`
	PaidCents      int64 `json:"paid_cents"`
	NextRelease    *struct {
		Date        string
		AmountCents int64 `json:"amount_cents"`
	} `json:"next_release"`
	MinPayoutCents int64 `json:"min_payout_cents"`
	Payable        bool
	Reason         string
}

func (b balance) String() string {
	return fmt.Sprintf("held %d available %d in_payout %d paid %d payable %v (%s)", b.HeldCents, b.AvailableCents, b.InPayoutCents, b.PaidCents, b.Payable, b.Reason)
}

type payoutAnswer struct {
	ID         string
	Status     string
	AsOf       string `json:"as_of"`
	Currency   string
	TotalCents int64   `json:"total_cents"`
	PaidAt     *string `json:"paid_at"`
	Reference  *string
	Items      []struct {
		ID          string
		Affiliate   string
		AmountCents int64 `json:"amount_cents"`
		Entries     int
		Status      string
		EntryList   []struct {
			ID          string
			Type        string
			AmountCents int64  `json:"amount_cents"`
			AvailableOn string `json:"available_on"`
		} `json:"entry_list"`
	}
}

func (x *tally) balance() balance {
	x.t.Helper()
	var b balance
	x.json("/reports/balance", "dev-kim-key", &b)
	return b
}

// The worked example of SPEC section 9, through the dev server: kim on plan
// partner, hold 14 days, minimum 5000.
func TestPayoutsWorkedExample(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		x := startOn(t, on, nil)
		// 1. Orders 40 and 20 days ago are available; one 3 days ago is held.
		x.order("k1", 40, "GUT-REC", 1, 14700)
		x.order("k2", 20, "GUT-TRN", 1, 3333)
		x.order("k3", 3, "GUT-REC", 1, 14700)
		b := x.balance()
		release := x.clock().Add(-3*24*time.Hour + 14*24*time.Hour).Add(-2 * time.Minute) // k3's occurred_at, two ticks before
		if b.HeldCents != 5880 || b.AvailableCents != 6991 || b.InPayoutCents != 0 || b.PaidCents != 0 || !b.Payable || b.Reason != "" ||
			b.NextRelease == nil || b.NextRelease.AmountCents != 5880 || b.MinPayoutCents != 5000 {
			t.Fatalf("step 1: %v next %+v", b, b.NextRelease)
		}
		ny, _ := time.LoadLocation("America/New_York")
		if b.NextRelease.Date != release.In(ny).Format("2006-01-02") {
			t.Errorf("next release on %s, want %s", b.NextRelease.Date, release.In(ny).Format("2006-01-02"))
		}

		// 2. The held order is refunded in full: held nets to 0.
		x.refund("k3-refund", "k3", "GUT-REC", 1)
		if b = x.balance(); b.HeldCents != 0 || b.AvailableCents != 6991 || b.NextRelease != nil {
			t.Fatalf("step 2: %v next %+v", b, b.NextRelease)
		}

		// 3. A payout today: one item, kim 6991.
		var p payoutAnswer
		x.ok(201, "POST", "/admin/payouts", owner, "month-end-1", `{}`, &p)
		if p.Status != "draft" || p.TotalCents != 6991 || p.Currency != "USD" || len(p.Items) != 1 || p.Items[0].Affiliate != "kim" ||
			p.Items[0].AmountCents != 6991 || p.Items[0].Entries != 2 || p.Items[0].Status != "draft" || p.PaidAt != nil || p.Reference != nil {
			t.Fatalf("step 3 payout: %+v", p)
		}
		if b = x.balance(); b.InPayoutCents != 6991 || b.AvailableCents != 0 {
			t.Fatalf("step 3 draft: %v", b)
		}
		var again payoutAnswer
		x.ok(200, "POST", "/admin/payouts", owner, "month-end-1", `{}`, &again)
		if again.ID != p.ID || again.TotalCents != 6991 {
			t.Fatalf("the same key made another payout: %+v", again)
		}
		if code, body := x.call("POST", "/admin/payouts", owner, "month-end-1", fmt.Sprintf(`{"as_of":%q}`, x.at())); code != 409 {
			t.Errorf("same key, other body: %d %s", code, body)
		}
		code, csv := x.call("GET", "/admin/payouts/"+p.ID+"/export?format=paypal", owner, "", "")
		if want := "kim.payouts@example.com,69.91,USD," + p.Items[0].ID + ","; code != 200 || !strings.HasPrefix(csv, want) {
			t.Errorf("paypal export: %d %q, want it to start %q", code, csv, want)
		}
		var paid payoutAnswer
		x.ok(200, "POST", "/admin/payouts/"+p.ID+"/mark-paid", owner, "", `{"paid_at":"2026-11-20T15:00:00Z","reference":"PAYPAL-BATCH-1"}`, &paid)
		if paid.Status != "paid" || paid.PaidAt == nil || *paid.PaidAt != "2026-11-20T15:00:00Z" || paid.Reference == nil || paid.Items[0].Status != "paid" {
			t.Fatalf("mark paid: %+v", paid)
		}
		if b = x.balance(); b.PaidCents != 6991 || b.AvailableCents != 0 || b.InPayoutCents != 0 {
			t.Fatalf("step 3 paid: %v", b)
		}

		// 4. The 20-day-old order is refunded: available -1111, carried forward.
		x.refund("k2-refund", "k2", "GUT-TRN", 1)
		if b = x.balance(); b.AvailableCents != -1111 || b.PaidCents != 6991 || b.Payable || !strings.Contains(b.Reason, "$11.11") {
			t.Fatalf("step 4: %v", b)
		}

		// 5. A new order dated 20 days ago: 4769, under the minimum.
		x.order("k4", 20, "GUT-REC", 1, 14700)
		if b = x.balance(); b.AvailableCents != 4769 || b.Payable || !strings.Contains(b.Reason, "$50.00") {
			t.Fatalf("step 5: %v", b)
		}
		code, body := x.call("POST", "/admin/payouts", owner, "month-end-2", `{}`)
		if code != 422 || !strings.Contains(body, `"nothing_payable"`) {
			t.Fatalf("payout under the minimum: %d %s", code, body)
		}
		// Another order: 8102, and the same key (which made nothing) pays kim 8102.
		x.order("k5", 20, "GUT-TRN", 3, 3333)
		if b = x.balance(); b.AvailableCents != 8102 || !b.Payable {
			t.Fatalf("step 5 second order: %v", b)
		}
		var p2 payoutAnswer
		x.ok(201, "POST", "/admin/payouts", owner, "month-end-2", `{}`, &p2)
		if p2.TotalCents != 8102 || len(p2.Items) != 1 || p2.Items[0].AmountCents != 8102 || p2.Items[0].Entries != 3 {
			t.Fatalf("second payout: %+v", p2)
		}
		// The item's entries add up to it, and none of them was in the first payout.
		var full payoutAnswer
		x.ok(200, "GET", "/admin/payouts/"+p2.ID, owner, "", "", &full)
		var sum int64
		for _, e := range full.Items[0].EntryList {
			sum += e.AmountCents
		}
		if sum != 8102 || len(full.Items[0].EntryList) != 3 {
			t.Errorf("second payout's entries: %+v", full.Items[0].EntryList)
		}
		b = x.balance()
		if b.HeldCents+b.AvailableCents+b.InPayoutCents+b.PaidCents != 5880+1111+5880-5880-1111+5880+3333 || b.InPayoutCents != 8102 {
			t.Errorf("the states do not add up to the entries: %v", b)
		}

		// kim's payouts, newest first; the owner's list the same.
		var mine struct {
			Affiliate string
			Payouts   []struct {
				PayoutID    string `json:"payout_id"`
				Status      string
				AmountCents int64 `json:"amount_cents"`
				From, To    string
			}
		}
		x.json("/reports/payouts", "dev-kim-key", &mine)
		if mine.Affiliate != "kim" || len(mine.Payouts) != 2 || mine.Payouts[0].PayoutID != p2.ID || mine.Payouts[0].Status != "draft" ||
			mine.Payouts[1].Status != "paid" || mine.Payouts[1].AmountCents != 6991 || mine.Payouts[1].From == "" || mine.Payouts[1].To < mine.Payouts[1].From {
			t.Errorf("kim's payouts: %+v", mine)
		}
		var list struct{ Payouts []payoutAnswer }
		x.ok(200, "GET", "/admin/payouts", owner, "", "", &list)
		if len(list.Payouts) != 2 || list.Payouts[0].ID != p2.ID {
			t.Errorf("owner's list: %+v", list)
		}
		// jane has nothing: her payouts are empty, her balance says why.
		var jane balance
		x.json("/reports/balance", "dev-jane-key", &jane)
		if jane.Payable || jane.Reason == "" || jane.AvailableCents != 0 {
			t.Errorf("jane's balance: %v", jane)
		}
	})
}

// Canceling gives the entries back; a returned item does too; neither can
// happen to the other's state.
func TestPayoutCancelAndReturn(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		x := startOn(t, on, nil)
		x.order("k1", 40, "GUT-REC", 1, 14700)
		var p payoutAnswer
		x.ok(201, "POST", "/admin/payouts", owner, "a", `{}`, &p)
		if code, body := x.call("POST", "/admin/payouts/"+p.ID+"/items/kim/returned", owner, "", `{"reason":"account closed"}`); code != 409 {
			t.Errorf("return of a draft's item: %d %s", code, body)
		}
		x.ok(200, "POST", "/admin/payouts/"+p.ID+"/cancel", owner, "", ``, &p)
		x.ok(200, "POST", "/admin/payouts/"+p.ID+"/cancel", owner, "", ``, &p)
		if p.Status != "canceled" || p.Items[0].Status != "canceled" {
			t.Fatalf("cancel: %+v", p)
		}
		if code, _ := x.call("POST", "/admin/payouts/"+p.ID+"/mark-paid", owner, "", `{}`); code != 409 {
			t.Errorf("mark-paid on a canceled payout: %d", code)
		}
		if b := x.balance(); b.AvailableCents != 5880 || b.InPayoutCents != 0 {
			t.Fatalf("after cancel: %v", b)
		}
		var p2 payoutAnswer
		x.ok(201, "POST", "/admin/payouts", owner, "b", `{}`, &p2)
		x.ok(200, "POST", "/admin/payouts/"+p2.ID+"/mark-paid", owner, "", `{"reference":"first"}`, nil)
		x.ok(200, "POST", "/admin/payouts/"+p2.ID+"/mark-paid", owner, "", `{"reference":"second"}`, &p2)
		if p2.Reference == nil || *p2.Reference != "first" {
			t.Errorf("mark-paid again changed the reference: %+v", p2)
		}
		if code, _ := x.call("POST", "/admin/payouts/"+p2.ID+"/cancel", owner, "", ``); code != 409 {
			t.Errorf("cancel of a paid payout: %d", code)
		}
		if code, body := x.call("POST", "/admin/payouts/"+p2.ID+"/items/kim/returned", owner, "", `{}`); code != 400 {
			t.Errorf("return without a reason: %d %s", code, body)
		}
		if code, _ := x.call("POST", "/admin/payouts/"+p2.ID+"/items/jane/returned", owner, "", `{"reason":"x"}`); code != 404 {
			t.Errorf("return of an item that is not there: %d", code)
		}
		x.ok(200, "POST", "/admin/payouts/"+p2.ID+"/items/kim/returned", owner, "", `{"reason":"PayPal account closed"}`, &p2)
		x.ok(200, "POST", "/admin/payouts/"+p2.ID+"/items/kim/returned", owner, "", `{"reason":"PayPal account closed"}`, &p2)
		if p2.Status != "paid" || p2.Items[0].Status != "returned" {
			t.Fatalf("returned: %+v", p2)
		}
		if b := x.balance(); b.AvailableCents != 5880 || b.PaidCents != 0 {
			t.Fatalf("after return: %v", b)
		}
		var p3 payoutAnswer
		x.ok(201, "POST", "/admin/payouts", owner, "c", `{}`, &p3)
		if p3.TotalCents != 5880 {
			t.Errorf("the returned entries were not taken again: %+v", p3)
		}
		// An adjustment is available at once; replay answers the same; an unknown
		// affiliate is 422; the same id with another body is 409.
		x.ok(201, "POST", "/admin/adjustments", owner, "", `{"id":"bonus-1","affiliate":"kim","amount_cents":2500,"reason":"launch bonus"}`, nil)
		x.ok(200, "POST", "/admin/adjustments", owner, "", `{"id":"bonus-1","affiliate":"kim","amount_cents":2500,"reason":"launch bonus"}`, nil)
		if code, _ := x.call("POST", "/admin/adjustments", owner, "", `{"id":"bonus-1","affiliate":"kim","amount_cents":2600,"reason":"launch bonus"}`); code != 409 {
			t.Errorf("adjustment id reused: %d", code)
		}
		if code, body := x.call("POST", "/admin/adjustments", owner, "", `{"id":"bonus-2","affiliate":"nobody","amount_cents":2500,"reason":"x"}`); code != 422 || !strings.Contains(body, "unknown_affiliate") {
			t.Errorf("adjustment for an unknown affiliate: %d %s", code, body)
		}
		if b := x.balance(); b.AvailableCents != 2500 || b.InPayoutCents != 5880 {
			t.Errorf("after adjustment: %v", b)
		}
		if code, body := x.call("POST", "/admin/payouts", owner, "d", fmt.Sprintf(`{"as_of":%q}`, x.clock().Add(time.Hour).Format(time.RFC3339))); code != 422 || !strings.Contains(body, "invalid_as_of") {
			t.Errorf("as_of in the future: %d %s", code, body)
		}
		if code, body := x.call("POST", "/admin/payouts", owner, "", `{}`); code != 400 {
			t.Errorf("no Idempotency-Key: %d %s", code, body)
		}
	})
}

// The role matrix, enumerated from template.yaml: every /admin/* route takes
// only the owner's key; every /reports/* route refuses it.
func TestRoleMatrix(t *testing.T) {
	x := start(t)
	x.order("k1", 40, "GUT-REC", 1, 14700)
	var p payoutAnswer
	x.ok(201, "POST", "/admin/payouts", owner, "matrix", `{}`, &p)
	tpl, err := sam.LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	fill := strings.NewReplacer("{id}", p.ID, "{affiliate}", "kim", "{code}", "kim")
	job := importJob(t, x)
	admin, reports := 0, 0
	for _, r := range tpl.Routes() {
		path := fill.Replace(r.Path)
		if r.Path == "/admin/affiliates/import/{id}" {
			path = "/admin/affiliates/import/" + job
		}
		switch {
		case r.Path == "/admin" || strings.HasPrefix(r.Path, "/admin/"):
			admin++
			if r.Authorizer == "" {
				t.Errorf("%s %s has no authorizer", r.Method, r.Path)
			}
			for key, want := range map[string]int{"": 401, "not-a-key": 401, "dev-kim-key": 403, "dev-jane-key": 403} {
				code, body := x.call(r.Method, path, key, "matrix-"+key, `{}`)
				if code != want || !strings.Contains(body, `"error"`) {
					t.Errorf("%s %s with key %q: %d %s, want %d", r.Method, r.Path, key, code, body, want)
				}
			}
			code, body := x.call(r.Method, path, owner, "matrix", `{"reason":"r","id":"m","affiliate":"kim","amount_cents":1}`)
			if code == 401 || code == 403 || code >= 500 {
				t.Errorf("%s %s with the owner key: %d %s", r.Method, r.Path, code, body)
			}
		case strings.HasPrefix(r.Path, "/reports/"):
			reports++
			if code, body := x.call(r.Method, path, owner, "", ""); code != 403 {
				t.Errorf("%s %s with the owner key: %d %s, want 403", r.Method, r.Path, code, body)
			}
		}
	}
	if admin < 10 || reports < 7 {
		t.Fatalf("only %d admin and %d report routes in template.yaml", admin, reports)
	}
}

// A late order whose hold is already over goes into the next payout; an
// order or refund replayed after a payout adds nothing.
func TestLateOrdersAndReplaysAfterAPayout(t *testing.T) {
	x := start(t)
	order := x.order("k1", 40, "GUT-REC", 1, 14700)
	x.order("k2", 30, "GUT-REC", 1, 14700)
	refund := x.refund("k2-refund", "k2", "GUT-REC", 1)
	var p payoutAnswer
	x.ok(201, "POST", "/admin/payouts", owner, "one", `{}`, &p)
	x.ok(200, "POST", "/admin/payouts/"+p.ID+"/mark-paid", owner, "", `{"reference":"r1"}`, nil)
	before := x.balance()

	// The same order and refund again (as a provider retries): nothing moves.
	x.webhook("/webhooks/orders", order)
	x.webhook("/webhooks/orders", refund)
	if b := x.balance(); b != before {
		t.Fatalf("replays moved the balance: %v, was %v", b, before)
	}
	// An order from 30 days ago arriving now is payable at once, and the next
	// payout takes it (and only it).
	x.order("late", 30, "GUT-REC", 1, 14700)
	if b := x.balance(); b.AvailableCents != 5880 || b.HeldCents != 0 {
		t.Fatalf("late order: %v", b)
	}
	var p2 payoutAnswer
	x.ok(201, "POST", "/admin/payouts", owner, "two", `{}`, &p2)
	if p2.TotalCents != 5880 || p2.Items[0].Entries != 1 {
		t.Fatalf("next payout: %+v", p2)
	}
}

// Exports: the same payout always gives the same bytes, whatever happens to
// it or the program after; amounts have two decimals; text that a
// spreadsheet would run as a formula is escaped.
func TestPayoutExports(t *testing.T) {
	x := startWith(t, []byte(strings.Replace(string(demo.YAML), "name: Kim Lee", `name: '=HYPERLINK("http://evil.example")'`, 1)))
	x.order("k1", 40, "GUT-REC", 1, 14700)
	x.order("k2", 20, "GUT-TRN", 1, 3333)
	var p payoutAnswer
	x.ok(201, "POST", "/admin/payouts", owner, "one", `{}`, &p)
	get := func(format string) string {
		t.Helper()
		code, body := x.call("GET", "/admin/payouts/"+p.ID+"/export?format="+format, owner, "", "")
		if code != 200 {
			t.Fatalf("%s: %d %s", format, code, body)
		}
		return body
	}
	paypal, csv := get("paypal"), get("csv")
	wantPayPal := "kim.payouts@example.com,69.91,USD," + p.Items[0].ID + ",Commissions 2026-10-11 to 2026-10-31\n"
	if paypal != wantPayPal {
		t.Errorf("paypal:\n%q\nwant\n%q", paypal, wantPayPal)
	}
	lines := strings.Split(strings.TrimRight(csv, "\n"), "\n")
	if len(lines) != 2 || lines[0] != "item_id,affiliate,name,email,amount,currency,entries,from,to" ||
		!strings.Contains(lines[1], `,kim,"'=HYPERLINK(""http://evil.example"")",kim.payouts@example.com,69.91,USD,2,2026-10-11,2026-10-31`) {
		t.Errorf("csv:\n%s", csv)
	}
	x.ok(200, "POST", "/admin/payouts/"+p.ID+"/mark-paid", owner, "", `{}`, nil)
	x.order("k3", 20, "GUT-TRN", 1, 3333)
	if get("paypal") != paypal || get("csv") != csv {
		t.Error("the export changed after the payout was paid")
	}
	if code, _ := x.call("GET", "/admin/payouts/"+p.ID+"/export?format=xlsx", owner, "", ""); code != 400 {
		t.Errorf("unknown format: %d", code)
	}
}
