package paying_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/domain/program"
)

var today = time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)

// tb is what the helpers need of a test: testing.TB or rapid's T.
type tb interface {
	Helper()
	Errorf(string, ...any)
	Fatalf(string, ...any)
	Fatal(...any)
}

type env struct {
	t     tb
	st    *store.Store
	svc   *paying.Service
	p     *program.Program
	meter *dynamometer.Meter
}

// newEnv is a fresh table on a store with the demo program plus extra
// affiliates a001..aNNN (hold 14 days, minimum 5000).
func newEnv(t testing.TB, on dynamotest.Store, extra int, opts ...func(*dynamodb.Options)) *env {
	t.Helper()
	var m dynamometer.Meter
	db := dynamodb.New(on.Client(t).Options(), append(opts, m.Option())...)
	st := store.New(db, dynamotest.NewTable(t, db))
	src := string(demo.YAML)
	if extra > 0 {
		var b strings.Builder
		for i := 1; i <= extra; i++ {
			fmt.Fprintf(&b, "  - {code: %s, name: Affiliate %d, email: %s@example.com, plan: standard, events: [summit-2026]}\n", code(i), i, code(i))
		}
		src = strings.Replace(src, "payouts:\n", b.String()+"payouts:\n", 1)
	}
	p, err := program.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p = dynamotest.Load(t, st, p)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return &env{t: t, st: st, p: p, meter: &m, svc: &paying.Service{Store: st, Log: log, Now: func() time.Time { return today }}}
}

func code(i int) string { return fmt.Sprintf("a%03d", i) }

// put writes n commission entries of cents each for an affiliate, available
// at availableOn.
func (e *env) put(aff string, n int, cents int64, availableOn time.Time) []ledger.Entry {
	e.t.Helper()
	var es []ledger.Entry
	for i := range n {
		at := availableOn.Add(-14*24*time.Hour + time.Duration(i)*time.Second)
		es = append(es, ledger.Entry{ID: fmt.Sprintf("o:%s-%d-%d:SUM26-REC:referral", aff, availableOn.Unix(), i), Affiliate: aff, At: at, Type: ledger.TypeReferral,
			Rule: ledger.RuleKindRate, OrderID: fmt.Sprintf("%s-%d", aff, i), SKU: "SUM26-REC", Event: "summit-2026", Quantity: 1,
			BasisCents: 2 * cents, RateBP: 5000, AmountCents: cents, Via: ledger.ViaAffiliate, AvailableOn: availableOn})
	}
	e.write(es...)
	return es
}

// write puts entries into the table as the webhooks do, in batches.
func (e *env) write(es ...ledger.Entry) {
	e.t.Helper()
	if err := e.st.Import(context.Background(), store.Batch{Entries: es}); err != nil {
		e.t.Fatal(err)
	}
}

// audit checks the invariants over every payout in the table: no entry is
// in two live items, every ready item's amount is the sum of the entries it
// lists, each listed entry carries the item's claim, and each payout's total
// is the sum of its items. It returns the live claims by entry key.
func (e *env) audit(affs ...string) map[string]string {
	e.t.Helper()
	ctx := context.Background()
	ps, err := e.st.ListPayouts(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	owner := map[string]string{}
	for _, p := range ps {
		items, err := e.st.PayoutItems(ctx, p.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		var total int64
		for _, it := range items {
			if it.State != payout.ItemReady {
				continue
			}
			total += it.AmountCents
			es, err := e.st.EntriesByKey(ctx, it.Affiliate, it.Entries)
			if err != nil {
				e.t.Fatal(err)
			}
			var sum int64
			for _, en := range es {
				sum += en.AmountCents
				if en.Claim != it.Claim() && p.Status != payout.StatusCanceled && it.ReturnedAt == nil {
					e.t.Errorf("entry %s listed by %s carries claim %q", en.ID, it.Claim(), en.Claim)
				}
				if p.Status == payout.StatusCanceled || it.ReturnedAt != nil {
					continue
				}
				k := it.Affiliate + "/" + en.ID
				if prev, ok := owner[k]; ok {
					e.t.Errorf("entry %s is in %s and in %s", k, prev, it.Claim())
				}
				owner[k] = it.Claim()
			}
			if sum != it.AmountCents {
				e.t.Errorf("item %s pays %d, its entries add up to %d", it.ID, it.AmountCents, sum)
			}
		}
		if total != p.TotalCents {
			e.t.Errorf("payout %s total %d, items add up to %d", p.ID, p.TotalCents, total)
		}
	}
	return owner
}

func (e *env) balance(aff string) paying.BalanceAnswer {
	e.t.Helper()
	a, ok := e.p.Affiliate(aff)
	if !ok {
		e.t.Fatalf("no affiliate %s", aff)
	}
	b, err := paying.Balance(context.Background(), e.st, e.p, a, e.svc.Now(), e.svc.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// items are the items of a payout that pay.
func (e *env) items(id string) []payout.Item {
	e.t.Helper()
	its, err := e.st.PayoutItems(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []payout.Item
	for _, it := range its {
		if it.State == payout.ItemReady {
			out = append(out, it)
		}
	}
	return out
}

func (e *env) create(key string) (*payout.Payout, error) {
	p, _, err := e.svc.Create(context.Background(), e.p, key, "h", today)
	return p, err
}

// Twenty payouts created at once with different keys take every entry
// exactly once, including an affiliate whose entries span three
// transactions.
func TestConcurrentPayoutsTakeEachEntryOnce(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		e := newEnv(t, on, 0)
		past := today.Add(-time.Hour)
		e.put("kim", 250, 700, past)
		e.put("jane", 30, 4850, past)
		e.put("bob", 1, 100, past) // under the minimum: never taken
		var wg sync.WaitGroup
		var made, nothing atomic.Int32
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.create(fmt.Sprintf("key-%d", i))
				var ae *fault.Error
				switch {
				case err == nil:
					made.Add(1)
				case errors.As(err, &ae) && ae.Code == "nothing_payable":
					nothing.Add(1)
				default:
					t.Errorf("create: %v", err)
				}
			}()
		}
		wg.Wait()
		owner := e.audit()
		if len(owner) != 280 {
			t.Errorf("%d entries taken, want 280 (250 kim + 30 jane)", len(owner))
		}
		for _, aff := range []string{"kim", "jane"} {
			if b := e.balance(aff); b.AvailableCents != 0 || b.InPayoutCents == 0 {
				t.Errorf("%s: %+v", aff, b)
			}
		}
		if b := e.balance("bob"); b.AvailableCents != 100 || b.Payable {
			t.Errorf("bob: %+v", b)
		}
		if made.Load() == 0 || made.Load()+nothing.Load() != 20 {
			t.Errorf("%d payouts made, %d found nothing", made.Load(), nothing.Load())
		}
		t.Logf("%d payouts made, %d found nothing payable", made.Load(), nothing.Load())
	})
}

// The same key, at once and later (past the 10 minutes DynamoDB keeps its
// own client tokens), makes one payout.
func TestSameKeyMakesOnePayout(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		e := newEnv(t, on, 0)
		e.put("kim", 3, 2000, today.Add(-time.Hour))
		ids := make([]string, 10)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := e.create("month-end")
				if err != nil {
					t.Errorf("create: %v", err)
					return
				}
				ids[i] = p.ID
			}()
		}
		wg.Wait()
		later := *e.svc
		later.Now = func() time.Time { return today.Add(11 * time.Minute) }
		p, created, err := later.Create(context.Background(), e.p, "month-end", "h", today)
		if err != nil || created || p.ID != ids[0] {
			t.Fatalf("replay 11 minutes later: %v %v %v", p, created, err)
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("one key made payouts %v", ids)
			}
		}
		if ps, _ := e.st.ListPayouts(context.Background()); len(ps) != 1 || ps[0].TotalCents != 6000 {
			t.Fatalf("payouts: %+v", ps)
		}
		if _, _, err := e.svc.Create(context.Background(), e.p, "month-end", "other", today); !isCode(err, "id_conflict") {
			t.Errorf("same key, other body: %v", err)
		}
		e.audit()
	})
}

func isCode(err error, code string) bool {
	var ae *fault.Error
	return errors.As(err, &ae) && ae.Code == code
}

// failNth makes the nth TransactWriteItems call fail before it is sent, as
// a crash or a network failure between two transactions would.
func failNth(n int32) func(*dynamodb.Options) {
	var calls atomic.Int32
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("fail-nth",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					if middleware.GetOperationName(ctx) == "TransactWriteItems" && calls.Add(1) == n {
						return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("injected failure")
					}
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		})
	}
}

// An affiliate with 250 entries needs three transactions. A failure after
// the first leaves the item half-claimed; no other payout takes those
// entries, and repeating the request completes it: all 250, exactly once.
func TestFailureMidClaimIsCompletedOnRetry(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		e := newEnv(t, on, 0, failNth(2))
		es := e.put("kim", 250, 700, today.Add(-time.Hour))
		if _, err := e.create("month-end"); err == nil || !strings.Contains(err.Error(), "injected failure") {
			t.Fatalf("create with a failing second transaction: %v", err)
		}
		// The claimed entries count as in the unfinished payout, the rest as available.
		if b := e.balance("kim"); b.InPayoutCents+b.AvailableCents != 250*700 {
			t.Fatalf("half-claimed balance: %+v", b)
		}
		p, err := e.create("month-end")
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		if its := e.items(p.ID); p.TotalCents != 250*700 || len(its) != 1 || len(its[0].Entries) != len(es) {
			t.Fatalf("after retry: %+v", p)
		}
		if owner := e.audit(); len(owner) != 250 {
			t.Fatalf("%d entries taken, want 250", len(owner))
		}
		if b := e.balance("kim"); b.InPayoutCents != 250*700 || b.AvailableCents != 0 {
			t.Fatalf("balance: %+v", b)
		}
	})
}

// Boundaries of payable: exactly the minimum, one cent under, an entry
// exactly at its available_on, and one a second later.
func TestPayableBoundaries(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		e := newEnv(t, on, 2)
		e.put(code(1), 1, 5000, today)                   // exactly the minimum, available exactly now
		e.put(code(2), 1, 4999, today)                   // one cent under
		e.put("kim", 1, 9000, today.Add(time.Second))    // held one more second
		e.put("jane", 1, 6000, today.Add(-time.Second))  // available
		e.put("jane", 1, -1000, today.Add(-time.Minute)) // a clawback nets it down
		p, err := e.create("k")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, it := range e.items(p.ID) {
			got[it.Affiliate] = it.AmountCents
		}
		if fmt.Sprint(got) != "map[a001:5000 jane:5000]" || p.TotalCents != 10000 {
			t.Errorf("items %v total %d", got, p.TotalCents)
		}
		if b := e.balance(code(2)); b.Payable || !strings.Contains(b.Reason, "$49.99") || !strings.Contains(b.Reason, "$50.00") {
			t.Errorf("one cent under: %+v", b)
		}
		if b := e.balance("kim"); b.HeldCents != 9000 || b.NextRelease == nil || b.NextRelease.AmountCents != 9000 {
			t.Errorf("held a second more: %+v", b)
		}
		e.audit()
	})
}

// Creating a payout for 100 affiliates with 20 entries each, and reading a
// balance: requests and capacity, at AWS's rates.
func TestPayoutCost(t *testing.T) {
	e := newEnv(t, dynamotest.DynamoDBLocal, 100)
	for i := 1; i <= 100; i++ {
		e.put(code(i), 20, 500, today.Add(-time.Hour))
	}
	before := e.meter.Snapshot()
	p, err := e.create("cost")
	if err != nil {
		t.Fatal(err)
	}
	c := e.meter.Since(before)
	if its := e.items(p.ID); len(its) != 100 || p.TotalCents != 100*20*500 {
		t.Fatalf("payout: %d items, %d", len(its), p.TotalCents)
	}
	if c.Has("Scan") || c.Requests["TransactWriteItems"] != 100 {
		t.Errorf("payout requests: %v", c)
	}
	t.Logf("payout of 100 affiliates x 20 entries: %d requests (%v), %.1f read units, %.1f write units", c.Total(), c, c.AWSReadUnits(), c.AWSWriteUnits())

	before = e.meter.Snapshot()
	e.balance(code(1))
	c = e.meter.Since(before)
	if c.Total() != 2 || c.Has("Scan") {
		t.Errorf("balance requests: %v", c)
	}
	t.Logf("balance of an affiliate with 20 entries in a payout: %d requests (%v), %.1f read units", c.Total(), c, c.AWSReadUnits())
}

// A payout that failed half-way holds its entries while its request may
// still be running: another payout leaves that affiliate alone rather than
// split their entries. Once the request is long over, the entries are given
// back and the next payout takes them all; the old key, repeated, then
// finds nothing left to take.
func TestAbandonedPayoutGivesItsEntriesBack(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		e := newEnv(t, on, 0, failNth(2))
		e.put("kim", 250, 700, today.Add(-time.Hour))
		if _, err := e.create("A"); err == nil {
			t.Fatal("the injected failure did not stop the payout")
		}
		if _, err := e.create("B"); !isCode(err, "nothing_payable") {
			t.Fatalf("a payout while another is being made for kim: %v", err)
		}
		if b := e.balance("kim"); b.InPayoutCents != 98*700 || b.AvailableCents != 152*700 {
			t.Fatalf("while A may still run: %+v", b)
		}
		e.svc.Now = func() time.Time { return today.Add(16 * time.Minute) }
		if b := e.balance("kim"); b.InPayoutCents != 0 || b.AvailableCents != 250*700 {
			t.Fatalf("after A is abandoned: %+v", b)
		}
		p, err := e.create("B")
		if err != nil || p.TotalCents != 250*700 || len(e.items(p.ID)[0].Entries) != 250 {
			t.Fatalf("B: %+v %v", p, err)
		}
		if _, err := e.create("A"); !isCode(err, "nothing_payable") {
			t.Fatalf("A repeated: %v", err)
		}
		if owner := e.audit(); len(owner) != 250 {
			t.Fatalf("%d entries taken, want 250", len(owner))
		}
	})
}

// An affiliate removed from the program file is kept as a former one: what
// they are owed still shows in the owner's balances and is paid by the next
// payout, with the name and email they had; they no longer count as an
// affiliate anywhere else. Reloading keeps them; adding them back restores them.
func TestRemovedAffiliateIsStillPaid(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		e := newEnv(t, on, 1)
		e.put(code(1), 2, 3000, today.Add(-time.Hour))
		without, err := program.Parse(demo.YAML)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // removed, then the same file again
			e.p = dynamotest.Load(t, e.st, without)
		}
		if _, ok := e.p.Affiliate(code(1)); ok || len(e.p.Former) != 1 || e.p.Former[0].IsActive() {
			t.Fatalf("a001 after removal: former %+v", e.p.Former)
		}
		if a, former, ok := e.p.Payee(code(1)); !ok || !former || a.Name != "Affiliate 1" || a.Email != "a001@example.com" {
			t.Fatalf("a001 as a payee after removal: %+v former %v", a, former)
		}
		if _, _, ok := e.p.Payee("nobody"); ok {
			t.Fatal("an unknown code is a payee")
		}
		bs, err := paying.Balances(context.Background(), e.st, e.p, today, today)
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, b := range bs {
			listed = append(listed, fmt.Sprintf("%s:%d", b.Affiliate, b.AvailableCents))
		}
		if !slices.Contains(listed, "a001:6000") {
			t.Fatalf("balances %v lack the removed affiliate's 6000", listed)
		}
		p, err := e.create("after-removal")
		if err != nil {
			t.Fatal(err)
		}
		its := e.items(p.ID)
		if p.TotalCents != 6000 || len(its) != 1 || its[0].Affiliate != code(1) || its[0].Name != "Affiliate 1" || its[0].Email != "a001@example.com" {
			t.Fatalf("payout %+v items %+v", p, its)
		}
		if _, err := e.svc.MarkPaid(context.Background(), p.ID, today, "ref"); err != nil {
			t.Fatal(err)
		}
		bs, _ = paying.Balances(context.Background(), e.st, e.p, today, today)
		for _, b := range bs {
			if b.Affiliate == code(1) {
				t.Errorf("a former affiliate owed nothing more is still listed: %+v", b)
			}
		}
		e.audit()
		back, _ := program.Parse([]byte(strings.Replace(string(demo.YAML), "payouts:\n",
			"  - {code: a001, name: Affiliate 1, email: a001@example.com, plan: standard, events: [summit-2026]}\npayouts:\n", 1)))
		if e.p = dynamotest.Load(t, e.st, back); len(e.p.Former) != 0 {
			t.Fatalf("added back, still former: %+v", e.p.Former)
		}
		if a, ok := e.p.Affiliate(code(1)); !ok || !a.IsActive() {
			t.Fatalf("added back: %+v", a)
		}
		if _, former, ok := e.p.Payee(code(1)); !ok || former {
			t.Fatalf("added back, still a former payee")
		}
	})
}
