package paying_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"pgregory.net/rapid"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/payout"
)

// Random sequences of orders, refunds, adjustments, the clock moving, and
// payouts created (new keys and replayed ones, creates whose last write
// fails, and one key sent twice at once), paid, canceled and returned. After every step: the four states add up to the sum of the
// entries; no entry is in two live items; every item pays exactly the
// entries it took; paid and in_payout are what the payouts say; and no
// entry's money fields ever changed.
func TestPayoutProperties(t *testing.T) {
	if f := flag.Lookup("rapid.checks"); f != nil && f.Value.String() == "100" {
		_ = flag.Set("rapid.checks", "25") // each check is a fresh table on DynamoDB Local
	}
	var f faults
	db := dynamodb.New(dynamotest.Client(t).Options(), f.option())
	p := demo.Program()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	affs := []string{"kim", "jane"}
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		n++
		table := fmt.Sprintf("%s-prop-%d-%d", t.Name(), time.Now().UnixNano(), n)
		if err := dynamotest.CreateTable(ctx, db, table); err != nil {
			rt.Fatal(err)
		}
		defer db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
		st := store.New(db, table)
		if _, err := st.SaveProgram(ctx, p, today); err != nil {
			rt.Fatal(err)
		}
		now := today
		e := &env{t: rt, st: st, p: p, svc: &paying.Service{Store: st, Log: log, Now: func() time.Time { return now }}}
		written := map[string]ledger.Entry{} // affiliate/id -> as written
		var commissions []ledger.Entry
		clawed := map[string]int64{}
		var keys []string
		pending := map[string]bool{} // keys whose create stopped before its last write
		seq := 0

		payoutsOf := func(status string) []payout.Payout {
			ps, err := st.ListPayouts(ctx)
			if err != nil {
				rt.Fatal(err)
			}
			return slices.DeleteFunc(ps, func(p payout.Payout) bool { return p.Status != status })
		}

		rt.Repeat(map[string]func(*rapid.T){
			"order": func(rt *rapid.T) {
				seq++
				aff := rapid.SampledFrom(affs).Draw(rt, "affiliate")
				at := now.Add(-time.Duration(rapid.IntRange(0, 30*24).Draw(rt, "hours ago")) * time.Hour)
				en := ledger.Entry{ID: fmt.Sprintf("o:%d:SKU:referral", seq), Affiliate: aff, At: at, Type: ledger.TypeReferral, Rule: ledger.RuleKindRate,
					OrderID: fmt.Sprint(seq), SKU: "SKU", Quantity: 1, AmountCents: int64(rapid.IntRange(1, 9000).Draw(rt, "cents")),
					AvailableOn: at.Add(14 * 24 * time.Hour), Via: ledger.ViaAffiliate}
				e.write(en)
				written[aff+"/"+en.ID] = en
				commissions = append(commissions, en)
			},
			"refund": func(rt *rapid.T) {
				open := slices.DeleteFunc(slices.Clone(commissions), func(c ledger.Entry) bool { return clawed[c.ID] >= c.AmountCents })
				if len(open) == 0 {
					rt.Skip("nothing to refund")
				}
				c := rapid.SampledFrom(open).Draw(rt, "order")
				amount := int64(rapid.IntRange(1, int(c.AmountCents-clawed[c.ID])).Draw(rt, "clawback"))
				seq++
				en := ledger.Entry{ID: fmt.Sprintf("r:%d:%s", seq, c.ID), Affiliate: c.Affiliate, At: now, Type: ledger.TypeClawback, Rule: c.Rule,
					OrderID: c.OrderID, OrderAt: c.At, SKU: c.SKU, Quantity: 1, AmountCents: -amount, AvailableOn: later(now, c.AvailableOn)}
				e.write(en)
				written[en.Affiliate+"/"+en.ID] = en
				clawed[c.ID] += amount
			},
			"adjust": func(rt *rapid.T) {
				seq++
				aff := rapid.SampledFrom(affs).Draw(rt, "affiliate")
				cents := int64(rapid.IntRange(-3000, 3000).Filter(func(v int) bool { return v != 0 }).Draw(rt, "cents"))
				en := ledger.Entry{ID: fmt.Sprintf("a:adj-%d", seq), Affiliate: aff, At: now, Type: ledger.TypeAdjustment, Rule: ledger.RuleAdjustment,
					AmountCents: cents, Reason: "test", AvailableOn: now}
				if err := st.PutAdjustment(ctx, fmt.Sprintf("adj-%d", seq), store.Adjustment{Hash: "h"}, en); err != nil {
					rt.Fatal(err)
				}
				written[aff+"/"+en.ID] = en
			},
			"wait": func(rt *rapid.T) {
				now = now.Add(time.Duration(rapid.IntRange(1, 10*24).Draw(rt, "hours")) * time.Hour)
			},
			"create": func(rt *rapid.T) {
				key := fmt.Sprintf("key-%d", len(keys))
				if len(keys) > 0 && rapid.Bool().Draw(rt, "replay a key") {
					key = rapid.SampledFrom(keys).Draw(rt, "key")
				}
				got, _, err := e.svc.Create(ctx, p, key, "h", now)
				switch {
				case isCode(err, "nothing_payable"):
				case err != nil:
					rt.Fatalf("create: %v", err)
				default:
					if !slices.Contains(keys, key) {
						keys = append(keys, key)
					}
					if got.Status == payout.StatusDraft && got.TotalCents <= 0 {
						rt.Fatalf("a draft that pays %d", got.TotalCents)
					}
				}
			},
			"create, last write fails": func(rt *rapid.T) {
				key := fmt.Sprintf("key-%d", len(keys))
				f.set("stop", payoutRecord)
				_, _, err := e.svc.Create(ctx, p, key, "h", now)
				f.set("stop", nil)
				switch {
				case isCode(err, "nothing_payable"):
				case err == nil || !strings.Contains(err.Error(), "injected failure"):
					rt.Fatalf("create with its last write failing: %v", err)
				default:
					keys = append(keys, key) // replayed later by "create"
					pending[key] = true
				}
			},
			"create twice at once": func(rt *rapid.T) {
				key := fmt.Sprintf("key-%d", len(keys))
				if len(keys) > 0 && rapid.Bool().Draw(rt, "replay a key") {
					key = rapid.SampledFrom(keys).Draw(rt, "key")
				}
				var got [2]string
				var wg sync.WaitGroup
				for i := range got {
					wg.Go(func() {
						pd, _, err := e.svc.Create(ctx, p, key, "h", now)
						switch {
						case isCode(err, "nothing_payable"):
							got[i] = "nothing"
						case err != nil:
							got[i] = err.Error()
						default:
							got[i] = pd.ID
						}
					})
				}
				wg.Wait()
				if got[0] != got[1] {
					rt.Fatalf("one key at once answered %q and %q", got[0], got[1])
				}
				if got[0] != "nothing" && !slices.Contains(keys, key) {
					keys = append(keys, key)
				}
			},
			"pay": func(rt *rapid.T) {
				ds := payoutsOf(payout.StatusDraft)
				if len(ds) == 0 {
					rt.Skip("no draft")
				}
				if _, err := e.svc.MarkPaid(ctx, rapid.SampledFrom(ds).Draw(rt, "payout").ID, now, "ref"); err != nil {
					rt.Fatal(err)
				}
			},
			"cancel": func(rt *rapid.T) {
				ds := payoutsOf(payout.StatusDraft)
				if len(ds) == 0 {
					rt.Skip("no draft")
				}
				if _, err := e.svc.Cancel(ctx, rapid.SampledFrom(ds).Draw(rt, "payout").ID); err != nil {
					rt.Fatal(err)
				}
			},
			"return": func(rt *rapid.T) {
				ps := payoutsOf(payout.StatusPaid)
				if len(ps) == 0 {
					rt.Skip("nothing paid")
				}
				pd := rapid.SampledFrom(ps).Draw(rt, "payout")
				it := rapid.SampledFrom(e.items(pd.ID)).Draw(rt, "item")
				if _, err := e.svc.Return(ctx, pd.ID, it.Affiliate, "bounced"); err != nil {
					rt.Fatal(err)
				}
			},
			"": func(rt *rapid.T) {
				e.audit()
				for _, aff := range affs {
					es, err := st.AllEntries(ctx, aff)
					if err != nil {
						rt.Fatal(err)
					}
					var sum int64
					for _, got := range es {
						want, ok := written[aff+"/"+got.ID]
						if !ok || got.AmountCents != want.AmountCents || !got.AvailableOn.Equal(want.AvailableOn) || !got.At.Equal(want.At) ||
							got.Type != want.Type || got.RateBP != want.RateBP || got.BasisCents != want.BasisCents {
							rt.Fatalf("entry %s changed: %+v, written %+v", got.ID, got, want)
						}
						sum += got.AmountCents
					}
					if len(es) != count(written, aff) {
						rt.Fatalf("%s has %d entries, %d written", aff, len(es), count(written, aff))
					}
					b := e.balance(aff)
					if b.HeldCents+b.AvailableCents+b.InPayoutCents+b.PaidCents != sum {
						rt.Fatalf("%s: %+v does not add up to %d", aff, b, sum)
					}
					paid, drafted := itemsOf(rt, st, aff)
					drafted += creating(rt, st, aff, pending, now)
					if b.PaidCents != paid || b.InPayoutCents != drafted {
						rt.Fatalf("%s: balance says paid %d in_payout %d, payouts say %d and %d", aff, b.PaidCents, b.InPayoutCents, paid, drafted)
					}
				}
			},
		})
	})
}

// creating adds up what an affiliate's items of payouts still being made
// hold: creates that stopped before their last write, not yet abandoned.
func creating(t tb, st *store.Store, aff string, pending map[string]bool, now time.Time) (held int64) {
	ctx := context.Background()
	for key := range pending {
		idem, err := st.GetIdempotency(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if idem == nil {
			delete(pending, key)
			continue
		}
		if rec, err := st.GetPayout(ctx, idem.PayoutID); err != nil || rec != nil {
			if err != nil {
				t.Fatal(err)
			}
			delete(pending, key)
			continue
		}
		it, err := st.PayoutItem(ctx, idem.PayoutID, aff)
		if err != nil {
			t.Fatal(err)
		}
		if it != nil && it.State == payout.ItemReady && now.Sub(it.ClaimedAt) <= 15*time.Minute {
			held += it.AmountCents
		}
	}
	return held
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func count(m map[string]ledger.Entry, aff string) int {
	n := 0
	for _, e := range m {
		if e.Affiliate == aff {
			n++
		}
	}
	return n
}

// itemsOf adds up what an affiliate's live items pay: in paid payouts, and
// in drafts.
func itemsOf(t tb, st *store.Store, aff string) (paid, drafted int64) {
	ctx := context.Background()
	ps, err := st.ListPayouts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		it, err := st.PayoutItem(ctx, p.ID, aff)
		if err != nil {
			t.Fatal(err)
		}
		if it == nil || it.State != payout.ItemReady || it.ReturnedAt != nil {
			continue
		}
		switch p.Status {
		case payout.StatusPaid:
			paid += it.AmountCents
		case payout.StatusDraft:
			drafted += it.AmountCents
		}
	}
	return paid, drafted
}
