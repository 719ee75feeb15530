package notify

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/ledger"
)

// entryRecord is the change a new ledger entry makes (the store's own
// tests pin that a stream record of one decodes to this).
func entryRecord(t *testing.T, e ledger.Entry) store.Change {
	t.Helper()
	return store.Change{Op: "INSERT", At: time.Unix(1700000000, 0).UTC(), Key: store.EntryKey(e.Affiliate, e.At, e.ID), Entry: &e}
}

func TestFromRecord(t *testing.T) {
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	commission := ledger.Entry{ID: ledger.CommissionID("o1", "SUM26-REC", "referral"), Affiliate: "jane", At: at, Type: "referral", Rule: "kind_rate", AmountCents: 4850, AvailableOn: at}
	clawback := ledger.Entry{ID: ledger.ClawbackID("r1", "SUM26-REC", "referral"), Affiliate: "jane", At: at, Type: "clawback", Rule: "clawback", AmountCents: -4850, AvailableOn: at, OrderAt: at}
	override := ledger.Entry{ID: ledger.OverrideID(commission.ID), Affiliate: "kim", At: at, Type: "override", Rule: "override_bp", Of: commission.ID, Recruit: "jane", BasisCents: 4850, RateBP: 1000, AmountCents: 485, AvailableOn: at}
	adjustment := ledger.Entry{ID: "a:x", Affiliate: "jane", At: at, Type: "adjustment", Rule: "adjustment", AmountCents: 100, AvailableOn: at}
	txn := func(k store.Key, kind, resp string) store.Change {
		return store.Change{Op: "INSERT", Key: k, Txn: &store.Txn{Kind: kind, Response: resp}}
	}
	optIn := func(k store.Key, resp string) store.Change {
		return store.Change{Op: "INSERT", Key: k, OptIn: &store.Txn{Kind: "optin", Response: resp}}
	}
	payout := func(event, old, new string) store.Change {
		return store.Change{Op: event, Key: store.PayoutKey("po_1"), Payout: &store.PayoutStatus{ID: "po_1", Old: old, New: new}}
	}
	claimed := entryRecord(t, commission)
	claimed.Op = "MODIFY"
	for _, c := range []struct {
		name string
		r    store.Change
		want string // event type, "" for none
	}{
		{"new commission", entryRecord(t, commission), CommissionCreated},
		{"new clawback", entryRecord(t, clawback), CommissionClawedBack},
		{"a recruiter's override is sent like a commission", entryRecord(t, override), CommissionCreated},
		{"adjustment", entryRecord(t, adjustment), ""},
		{"entry claimed by a payout", claimed, ""},
		{"paid order", txn(store.TxnKey("o1"), "order", `{"order_id":"o1"}`), OrderRecorded},
		{"refund", txn(store.TxnKey("r1"), "refund", `{"refund_id":"r1"}`), ""},
		{"refunds kept before their order", txn(store.TxnKey("o3"), store.KindPending, ""), ""},
		{"order recorded over its pending refunds", store.Change{Op: "MODIFY", Key: store.TxnKey("o3"), WasPending: true, Txn: &store.Txn{Kind: "order", Response: `{"order_id":"o3"}`}}, OrderRecorded},
		{"order refunded", store.Change{Op: "MODIFY", Key: store.TxnKey("o1"), Txn: &store.Txn{Kind: "order", Response: `{"order_id":"o1"}`}}, ""},
		{"opt-in", optIn(store.OptInKey("i1"), `{"optin_id":"i1"}`), OptInRecorded},
		{"payout created", payout("INSERT", "", "draft"), ""},
		{"payout marked paid", payout("MODIFY", "draft", "paid"), PayoutPaid},
		{"paid payout touched again", payout("MODIFY", "paid", "paid"), ""},
		{"payout canceled", payout("MODIFY", "draft", "canceled"), ""},
		{"hit counter", store.Change{Op: "MODIFY", Key: store.StatKey("jane", "2026-11-03", "e", 1)}, ""},
		{"unreadable item", store.Change{Op: "INSERT", Key: store.TxnKey("o2"), Err: errors.New("bad image")}, "error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs, err := FromChange(c.r)
			if c.want == "error" {
				if err == nil || len(evs) != 0 {
					t.Fatalf("got %+v, %v; want an error", evs, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if len(evs) != 0 {
					t.Fatalf("got %+v, want none", evs)
				}
				return
			}
			if len(evs) != 1 || evs[0].Type != c.want {
				t.Fatalf("got %+v, want one %s", evs, c.want)
			}
			again, _ := FromChange(c.r)
			if again[0].ID != evs[0].ID || len(evs[0].ID) != 36 || evs[0].ID != EventID(c.want, c.r.Key) {
				t.Errorf("id %q then %q: want one stable msg_ id", evs[0].ID, again[0].ID)
			}
		})
	}
}

func TestEntryEventCarriesTheEntry(t *testing.T) {
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	e := ledger.Entry{ID: "o:o1:SKU:referral", Affiliate: "jane", At: at, Type: "referral", Rule: "kind_rate", Via: "click", LinkEvent: "summit", SKU: "SKU", BasisCents: 9700, RateBP: 5000, AmountCents: 4850, AvailableOn: at.Add(720 * time.Hour)}
	evs, err := FromChange(entryRecord(t, e))
	if err != nil {
		t.Fatal(err)
	}
	body, err := Body(evs[0], evs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Type      string       `json:"type"`
		Timestamp string       `json:"timestamp"`
		Data      ledger.Entry `json:"data"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != CommissionCreated || got.Timestamp != "2023-11-14T22:13:20Z" || got.Data.Affiliate != "jane" || got.Data.AmountCents != 4850 || got.Data.Via != "click" {
		t.Errorf("body %s", body)
	}
	// Two entries of one order have two ids; the same key under another
	// type (never happens) would too.
	other := e
	other.ID = "o:o1:SKU:speaker"
	evs2, _ := FromChange(entryRecord(t, other))
	if evs2[0].ID == evs[0].ID {
		t.Error("two entries share an event id")
	}
}
