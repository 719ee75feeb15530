package devserver_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/sqslocal"
	"github.com/tallyhq/tally/shared/adapters/queue"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app/building"
	"github.com/tallyhq/tally/shared/domain/ledger"
)

// building is a payout being built as the API answers it.
type buildingAnswer struct {
	payoutAnswer
	Progress *struct {
		AffiliatesDone int `json:"affiliates_done"`
	}
}

// SPEC 15's payout for a large program, through the route, the payout
// queue (GoAWS) and the worker Lambda runs, on DynamoDB Local: with 1,004
// affiliates and a request budget too short for a page, the request answers
// 202 building (listed and shown so, mark-paid and cancel 409); the worker
// goes on a page per message; the same request again mid-build continues
// it; the payout turns draft with exactly the items and total the balances
// said were payable, one payout, no entry in two items.
func TestALargePayoutIsBuiltInTheBackground(t *testing.T) {
	ctx := context.Background()
	sq := sqslocal.New(t)
	payoutQueue := sq.NewQueue(t, "payouts", 1800)
	x := startOpts(t, dynamotest.DynamoDBLocal, nil, func(o *devserver.Options) {
		o.SQS, o.PayoutQueueURL, o.PayoutBudget = sq, payoutQueue, time.Nanosecond
	})
	dynamotest.ImportCrowd(t, x.srv.Store, 0, 1000)
	x.srv.Deps.ProgramChanged()
	// A payout goes through the affiliates with a ledger: half of them
	// have one, of a dollar (under the minimum: paid by no payout).
	smallLedgers(t, x, 0, 1000, func(i int) bool { return i%2 == 1 })
	// Entries for some: payable, under the minimum (5000), payable after a
	// clawback-like correction, and one affiliate removed while owed.
	for i := 0; i < 1000; i += 25 {
		code := fmt.Sprintf("crowd-%04d", i)
		adj := func(n int, cents int64) {
			x.ok(201, "POST", "/admin/adjustments", owner, "", fmt.Sprintf(`{"id":"%s-%d","affiliate":%q,"amount_cents":%d,"reason":"launch"}`, code, n, code, cents), nil)
		}
		switch i / 25 % 3 {
		case 0:
			adj(1, 9000+int64(i))
		case 1:
			adj(1, 1200)
		case 2:
			adj(1, 8000)
			adj(2, -2500)
		}
	}
	if code, body := x.call("DELETE", "/admin/affiliates/crowd-0075", owner, "", ""); code != 204 {
		t.Fatalf("remove crowd-0075: %d %s", code, body)
	}
	x.tick()
	want, wantTotal := map[string]int64{}, int64(0)
	for _, b := range x.allBalances(t) {
		if b.Payable {
			want[b.Affiliate], wantTotal = b.AvailableCents, wantTotal+b.AvailableCents
		}
	}
	if len(want) != 27 || want["crowd-0075"] == 0 {
		t.Fatalf("payable before the payout: %d affiliates %v", len(want), want)
	}

	var m dynamometer.Meter
	metered := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	w := &building.Worker{Store: store.New(metered, x.srv.Store.Table), SQS: sq, QueueURL: payoutQueue, Rules: x.srv.Deps.Rules.Get,
		Log: x.srv.Deps.Log, Now: x.clock, Budget: time.Nanosecond}
	messages := 0
	// work takes the queue's next message and runs the worker on it as
	// Lambda would, then deletes it.
	work := func() bool {
		t.Helper()
		ms, err := queue.Receive(ctx, sq, payoutQueue, 1, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			return false
		}
		messages++
		lctx, cancel := context.WithTimeout(ctx, 300*time.Second) // the function's timeout
		defer cancel()
		res, err := w.HandleSQS(lctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m", Body: ms[0].Body, Attributes: map[string]string{"ApproximateReceiveCount": "1"}}}})
		if err != nil || len(res.BatchItemFailures) > 0 {
			t.Fatalf("worker: %v %v", err, res)
		}
		if err := queue.Delete(ctx, sq, payoutQueue, ms[0].Receipt); err != nil {
			t.Fatal(err)
		}
		return true
	}

	began := time.Now()
	var first, again buildingAnswer
	x.ok(202, "POST", "/admin/payouts", owner, "launch-month", `{}`, &first)
	if first.Status != "building" || first.ID == "" || first.Progress == nil || first.Progress.AffiliatesDone != 100 || len(first.Items) != 0 {
		t.Fatalf("a payout of 1,004 affiliates past its budget: %+v", first)
	}
	var shown buildingAnswer
	x.ok(200, "GET", "/admin/payouts/"+first.ID, owner, "", "", &shown)
	if shown.Status != "building" || shown.Progress == nil || shown.Progress.AffiliatesDone != 100 {
		t.Fatalf("GET of a payout being built: %+v", shown)
	}
	var list struct{ Payouts []buildingAnswer }
	x.ok(200, "GET", "/admin/payouts", owner, "", "", &list)
	if len(list.Payouts) != 1 || list.Payouts[0].ID != first.ID || list.Payouts[0].Status != "building" || list.Payouts[0].Progress == nil {
		t.Fatalf("the list while a payout is being built: %+v", list.Payouts)
	}
	for _, action := range []string{"mark-paid", "cancel"} {
		if code, body := x.call("POST", "/admin/payouts/"+first.ID+"/"+action, owner, "", `{}`); code != 409 {
			t.Fatalf("%s of a payout being built: %d %s", action, code, body)
		}
	}
	if code, body := x.call("GET", "/admin/payouts/"+first.ID+"/export?format=csv", owner, "", ""); code != 409 {
		t.Fatalf("export of a payout being built: %d %s", code, body)
	}

	// The worker takes a page, then the same request again takes one more
	// (and starts a new run: the older run's next message is dropped).
	if !work() {
		t.Fatal("nothing queued for the payout being built")
	}
	x.ok(202, "POST", "/admin/payouts", owner, "launch-month", `{}`, &again)
	if again.ID != first.ID || again.Progress == nil || again.Progress.AffiliatesDone != 300 {
		t.Fatalf("the same request mid-build: %+v, want %s at 300 affiliates", again, first.ID)
	}
	for work() {
	}
	took := time.Since(began)
	var made payoutAnswer
	x.ok(200, "GET", "/admin/payouts/"+first.ID, owner, "", "", &made)
	if made.Status != "draft" || made.TotalCents != wantTotal || len(made.Items) != len(want) {
		t.Fatalf("the payout built: %s %d cents, %d items; want draft, %d cents, %d items", made.Status, made.TotalCents, len(made.Items), wantTotal, len(want))
	}
	seen := map[string]bool{}
	for _, it := range made.Items {
		if want[it.Affiliate] != it.AmountCents || it.Entries != len(it.EntryList) {
			t.Errorf("item of %s: %d cents, %d entries listed %d; want %d cents", it.Affiliate, it.AmountCents, it.Entries, len(it.EntryList), want[it.Affiliate])
		}
		for _, e := range it.EntryList {
			if seen[e.ID] {
				t.Errorf("entry %s in two items", e.ID)
			}
			seen[e.ID] = true
		}
	}
	var replay payoutAnswer
	x.ok(200, "POST", "/admin/payouts", owner, "launch-month", `{}`, &replay)
	if replay.ID != first.ID || replay.Status != "draft" || replay.TotalCents != wantTotal {
		t.Fatalf("the same request once made: %+v", replay)
	}
	list.Payouts = nil
	x.ok(200, "GET", "/admin/payouts", owner, "", "", &list)
	if len(list.Payouts) != 1 || list.Payouts[0].Status != "draft" || list.Payouts[0].Progress != nil {
		t.Fatalf("the list once made: %+v", list.Payouts)
	}
	var inPayout int64
	for _, b := range x.allBalances(t) {
		inPayout += b.InPayoutCents
		if b.Payable {
			t.Errorf("%s still payable after the payout: %s", b.Affiliate, b)
		}
	}
	if inPayout != wantTotal {
		t.Errorf("in payouts %d cents, the payout's total %d", inPayout, wantTotal)
	}
	c := m.Snapshot()
	t.Logf("1,004 affiliates, over 500 with a ledger: 2 requests answered 202, %d worker messages (each a page of up to 100 affiliates with a ledger, but one of an older run, dropped), worker %v, %.1f read units, %.1f write units; built in %s",
		messages, c, c.AWSReadUnits(), c.AWSWriteUnits(), took.Round(time.Millisecond))
}

// allBalances are the balances of every page of /admin/balances (100
// affiliates a page), in order.
func (x *tally) allBalances(t *testing.T) []balance {
	t.Helper()
	var all []balance
	for path := "/admin/balances"; path != ""; {
		var page struct {
			Balances []balance
			Next     *string
		}
		x.ok(200, "GET", path, owner, "", "", &page)
		all, path = append(all, page.Balances...), ""
		if page.Next != nil {
			path = "/admin/balances?page=" + url.QueryEscape(*page.Next)
		}
	}
	return all
}

// smallLedgers gives the crowd's affiliates from..from+n that pick picks a
// ledger of one dollar entry, dated 40 days ago (past its hold, under the
// payout minimum), written as an import writes it.
func smallLedgers(t *testing.T, x *tally, from, n int, pick func(int) bool) {
	t.Helper()
	at := x.clock().AddDate(0, 0, -40)
	var b store.Batch
	for i := from; i < from+n; i++ {
		if pick(i) {
			code := fmt.Sprintf("crowd-%04d", i)
			b.Entries = append(b.Entries, ledger.Entry{ID: "a:small-" + code, Affiliate: code, At: at, Type: ledger.TypeAdjustment, AmountCents: 100, AvailableOn: at})
		}
	}
	if err := x.srv.Store.Import(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}
