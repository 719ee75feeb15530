package paying_test

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/dynamotest"
)

// A payout being built takes its pages for longer than a request runs:
// an item it claimed more than 15 minutes ago, while its build still goes
// on, is not abandoned, so another payout made meanwhile leaves its
// entries to it; the build then pays them.
func TestAPayoutStillBeingBuiltKeepsItsEarlyItems(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		ctx := context.Background()
		e := newEnv(t, on, 0)
		e.svc.PageSize = 1 // bob, jane, kim: a page each (each has a ledger)
		e.put("bob", 3, 7000, today.Add(-time.Hour))
		e.put("jane", 1, 100, today.Add(30*24*time.Hour))
		e.put("kim", 1, 100, today.Add(30*24*time.Hour))
		always := func() bool { return true }
		a, err := e.svc.Start(ctx, e.p, "A", "h", today, always)
		if err != nil || a.Build == nil || a.Build.Affiliates != 1 {
			t.Fatalf("A after its first page: %+v %v", a, err)
		}
		e.svc.Now = func() time.Time { return today.Add(16 * time.Minute) }
		if a, err = e.svc.Continue(ctx, e.p, a.Build.ID, a.Build.Run, always); err != nil || a.Build == nil || a.Build.Affiliates != 2 {
			t.Fatalf("A after its second page: %+v %v", a, err)
		}
		if _, err := e.create("B"); !isCode(err, "nothing_payable") {
			t.Fatalf("a payout while A is still being built with bob's entries: %v", err)
		}
		done, err := e.svc.Continue(ctx, e.p, a.Build.ID, a.Build.Run, nil)
		if err != nil || done.Payout == nil || !done.Created || done.Payout.TotalCents != 3*7000 {
			t.Fatalf("A finished: %+v %v", done, err)
		}
		if owner := e.audit(); len(owner) != 3 {
			t.Fatalf("%d entries taken, want 3", len(owner))
		}
	})
}
