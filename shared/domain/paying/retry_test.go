package paying_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/domain/payout"
)

// faults makes chosen requests fail before they are sent, as a crash or a
// network failure at that point would. A rule is on until turned off.
type faults struct {
	mu    sync.Mutex
	rules map[string]func(op string, in any) bool
}

func (f *faults) set(name string, rule func(op string, in any) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rules == nil {
		f.rules = map[string]func(string, any) bool{}
	}
	if rule == nil {
		delete(f.rules, name)
		return
	}
	f.rules[name] = rule
}

func (f *faults) option() func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("faults",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					f.mu.Lock()
					rules := maps.Clone(f.rules)
					f.mu.Unlock()
					var hit string
					for name, rule := range rules {
						if rule(middleware.GetOperationName(ctx), in.Parameters) {
							hit = name
						}
					}
					if hit != "" {
						return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("injected failure: " + hit)
					}
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		})
	}
}

// payoutRecord matches the write of a payout's record: the last write of a
// create (the one put that holds a total).
func payoutRecord(op string, in any) bool {
	p, ok := in.(*dynamodb.PutItemInput)
	return ok && op == "PutItem" && p.Item["total_cents"] != nil
}

// claimOf matches a claim transaction over an affiliate's entries, after a
// pause that lets the other affiliates' items be made first.
func claimOf(affiliate string) func(op string, in any) bool {
	return func(op string, in any) bool {
		t, ok := in.(*dynamodb.TransactWriteItemsInput)
		if !ok {
			return false
		}
		for _, a := range t.TransactItems {
			if a.Update != nil && strings.HasSuffix(attr(a.Update.ExpressionAttributeValues, ":c"), "/"+affiliate) { // an entry's claim
				time.Sleep(300 * time.Millisecond)
				return true
			}
		}
		return false
	}
}

func attr(item map[string]types.AttributeValue, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func (e *env) at(d time.Duration) { e.svc.Now = func() time.Time { return today.Add(d) } }

// Issue 13, defect 2: a create stops after kim's item is ready but before
// the payout's record is written (its last write fails, or another
// affiliate's claim fails). Once it is abandoned, another payout takes
// kim's entries. The first key, repeated, must then find that it no longer
// holds them and pay nothing for kim, not write a second payout over the
// same entries.
func TestRetryOfAStoppedCreateCompletesOnlyWhatItHolds(t *testing.T) {
	for _, stop := range []struct {
		name string
		rule func(string, any) bool
	}{{"last write fails", payoutRecord}, {"another affiliate's claim fails", claimOf("jane")}} {
		t.Run(stop.name, func(t *testing.T) {
			dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
				var f faults
				e := newEnv(t, on, 0, f.option())
				e.put("kim", 3, 2000, today.Add(-time.Hour))
				e.put("jane", 2, 3000, today.Add(-time.Hour))
				f.set("stop", stop.rule)
				if _, err := e.create("A"); err == nil || !strings.Contains(err.Error(), "injected failure") {
					t.Fatalf("A with %s: %v", stop.name, err)
				}
				f.set("stop", nil)
				if its, _ := e.st.PayoutItems(context.Background(), idOf(t, e, "A")); !hasReady(its, "kim") {
					t.Fatalf("kim's item of A is not ready: %+v", its)
				}
				e.at(16 * time.Minute) // A is long over
				b, err := e.create("B")
				if err != nil || b.TotalCents != 6000+6000 {
					t.Fatalf("B: %+v %v", b, err)
				}
				if a, err := e.create("A"); !isCode(err, "nothing_payable") {
					t.Fatalf("A repeated after B took its entries: %+v %v", a, err)
				}
				if owner := e.audit(); len(owner) != 5 {
					t.Fatalf("%d entries taken, want 5", len(owner))
				}
			})
		})
	}
}

// Issue 13, defect 2: a key repeated long after its first request makes
// fresh claims. They must count from when they were made, not from the time
// in the payout's id, or another payout takes them at once as abandoned
// while the repeat still holds them.
func TestRetriedKeysClaimsAreFresh(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		var f faults
		e := newEnv(t, on, 0, f.option())
		e.put("kim", 250, 700, today.Add(-time.Hour))
		f.set("stop", payoutRecord)
		if _, err := e.create("A"); err == nil {
			t.Fatal("A did not stop")
		}
		e.at(20 * time.Minute) // A's first request is long over; A is repeated and stops again
		if _, err := e.create("A"); err == nil {
			t.Fatal("A repeated did not stop")
		}
		f.set("stop", nil)
		e.at(21 * time.Minute) // the repeat may still be running: its claims hold
		if p, err := e.create("B"); !isCode(err, "nothing_payable") {
			t.Fatalf("B took entries A's repeat holds: %+v %v", p, err)
		}
		a, err := e.create("A")
		if err != nil || a.TotalCents != 250*700 {
			t.Fatalf("A completed: %+v %v", a, err)
		}
		if owner := e.audit(); len(owner) != 250 {
			t.Fatalf("%d entries taken, want 250", len(owner))
		}
	})
}

// Issue 13, defect 3: the same Idempotency-Key, sent several times at once,
// for an affiliate whose entries take three claim transactions: every
// request answers the same payout, whose total is its items; none answers
// nothing_payable (which frees the key for a second payout).
func TestSameKeyAtOnceWithManyEntries(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		for round := range 3 {
			e := newEnv(t, on, 0)
			e.put("kim", 250, 700, today.Add(-time.Hour))
			e.put("jane", 2, 3000, today.Add(-time.Hour))
			ids := make([]string, 8)
			var wg sync.WaitGroup
			for i := range ids {
				wg.Go(func() {
					p, err := e.create("month-end")
					if err != nil {
						t.Errorf("round %d: create: %v", round, err)
						return
					}
					ids[i] = fmt.Sprintf("%s %d", p.ID, p.TotalCents)
				})
			}
			wg.Wait()
			for _, id := range ids {
				if id != ids[0] {
					t.Fatalf("round %d: one key answered %v", round, ids)
				}
			}
			again, err := e.create("month-end")
			if err != nil || fmt.Sprintf("%s %d", again.ID, again.TotalCents) != ids[0] || again.TotalCents != 250*700+6000 {
				t.Fatalf("round %d: the key later: %+v %v, first %s", round, again, err, ids[0])
			}
			if ps, _ := e.st.ListPayouts(context.Background()); len(ps) != 1 {
				t.Fatalf("round %d: %d payouts", round, len(ps))
			}
			e.audit()
		}
	})
}

func idOf(t *testing.T, e *env, key string) string {
	t.Helper()
	idem, err := e.st.GetIdempotency(context.Background(), key)
	if err != nil || idem == nil {
		t.Fatalf("key %s: %+v %v", key, idem, err)
	}
	return idem.PayoutID
}

func hasReady(its []payout.Item, affiliate string) bool {
	for _, it := range its {
		if it.Affiliate == affiliate && it.State == payout.ItemReady {
			return true
		}
	}
	return false
}
