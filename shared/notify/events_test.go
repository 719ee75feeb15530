package notify

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/ledger"
	"github.com/tallyhq/tally/shared/store"
)

func entryRecord(t *testing.T, e ledger.Entry) Record {
	t.Helper()
	item, err := store.EntryItem(e)
	if err != nil {
		t.Fatal(err)
	}
	return Record{EventName: "INSERT", At: time.Unix(1700000000, 0).UTC(), Keys: keysOf(item), New: item}
}

func keysOf(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{store.AttrPK: item[store.AttrPK], store.AttrSK: item[store.AttrSK]}
}

func TestFromRecord(t *testing.T) {
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	commission := ledger.Entry{ID: ledger.CommissionID("o1", "SUM26-REC", "referral"), Affiliate: "jane", At: at, Type: "referral", Rule: "kind_rate", AmountCents: 4850, AvailableOn: at}
	clawback := ledger.Entry{ID: ledger.ClawbackID("r1", "SUM26-REC", "referral"), Affiliate: "jane", At: at, Type: "clawback", Rule: "clawback", AmountCents: -4850, AvailableOn: at, OrderAt: at}
	adjustment := ledger.Entry{ID: "a:x", Affiliate: "jane", At: at, Type: "adjustment", Rule: "adjustment", AmountCents: 100, AvailableOn: at}
	txn := func(k store.Key, kind, resp string) Record {
		item := k.Item(map[string]types.AttributeValue{"kind": store.S(kind), "response": store.S(resp)})
		return Record{EventName: "INSERT", Keys: keysOf(item), New: item}
	}
	payout := func(event, old, new string) Record {
		k := store.PayoutKey("po_1")
		r := Record{EventName: event, Keys: k.AV()}
		if old != "" {
			r.Old = k.Item(map[string]types.AttributeValue{"status": store.S(old)})
		}
		if new != "" {
			r.New = k.Item(map[string]types.AttributeValue{"status": store.S(new)})
		}
		return r
	}
	claimed := entryRecord(t, commission)
	claimed.EventName = "MODIFY"
	for _, c := range []struct {
		name string
		r    Record
		want string // event type, "" for none
	}{
		{"new commission", entryRecord(t, commission), CommissionCreated},
		{"new clawback", entryRecord(t, clawback), CommissionClawedBack},
		{"adjustment", entryRecord(t, adjustment), ""},
		{"entry claimed by a payout", claimed, ""},
		{"paid order", txn(store.TxnKey("o1"), "order", `{"order_id":"o1"}`), OrderRecorded},
		{"refund", txn(store.TxnKey("r1"), "refund", `{"refund_id":"r1"}`), ""},
		{"opt-in", txn(store.OptInKey("i1"), "optin", `{"optin_id":"i1"}`), OptInRecorded},
		{"payout created", payout("INSERT", "", "draft"), ""},
		{"payout marked paid", payout("MODIFY", "draft", "paid"), PayoutPaid},
		{"paid payout touched again", payout("MODIFY", "paid", "paid"), ""},
		{"payout canceled", payout("MODIFY", "draft", "canceled"), ""},
		{"hit counter", Record{EventName: "MODIFY", Keys: store.StatKey("jane", "2026-11-03", "e", 1).AV()}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs, err := FromRecord(c.r)
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
			again, _ := FromRecord(c.r)
			if again[0].ID != evs[0].ID || len(evs[0].ID) != 36 {
				t.Errorf("id %q then %q: want one stable msg_ id", evs[0].ID, again[0].ID)
			}
		})
	}
}

func TestEntryEventCarriesTheEntry(t *testing.T) {
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	e := ledger.Entry{ID: "o:o1:SKU:referral", Affiliate: "jane", At: at, Type: "referral", Rule: "kind_rate", Via: "click", LinkEvent: "summit", SKU: "SKU", BasisCents: 9700, RateBP: 5000, AmountCents: 4850, AvailableOn: at.Add(720 * time.Hour)}
	evs, err := FromRecord(entryRecord(t, e))
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
	evs2, _ := FromRecord(entryRecord(t, other))
	if evs2[0].ID == evs[0].ID {
		t.Error("two entries share an event id")
	}
}

func TestFromLambdaMatchesTheItem(t *testing.T) {
	raw := `{"eventName":"MODIFY","dynamodb":{"ApproximateCreationDateTime":1700000000,"SequenceNumber":"42",
	"Keys":{"PK":{"S":"PAYOUTS"},"SK":{"S":"po_1"}},
	"NewImage":{"PK":{"S":"PAYOUTS"},"SK":{"S":"po_1"},"status":{"S":"paid"},"total_cents":{"N":"6991"},"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true}]}}}},
	"OldImage":{"PK":{"S":"PAYOUTS"},"SK":{"S":"po_1"},"status":{"S":"draft"}}}}`
	var lr events.DynamoDBEventRecord
	if err := json.Unmarshal([]byte(raw), &lr); err != nil {
		t.Fatal(err)
	}
	r, err := FromLambda(lr)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := FromRecord(r)
	if err != nil || len(evs) != 1 || evs[0].PayoutID != "po_1" || evs[0].ID != EventID(PayoutPaid, store.PayoutKey("po_1")) || r.Sequence != "42" {
		t.Fatalf("%+v %v", evs, err)
	}
}
