package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// A stream record is decoded by what its item is, from the items the store
// itself writes: a ledger entry, an order's or a refund's record, an
// opt-in's, a payout's; any other item (counters, contacts, payout items)
// decodes to nothing.
func TestChangeIsTheItemTheStoreWrote(t *testing.T) {
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	e := ledger.Entry{ID: ledger.CommissionID("o1", "SUM26-REC", "referral"), Affiliate: "jane", At: at, Type: "referral", Rule: "kind_rate", AmountCents: 4850, AvailableOn: at}
	entry, err := entryItem(e)
	if err != nil {
		t.Fatal(err)
	}
	record := func(k Key, t Txn) map[string]types.AttributeValue {
		attrs, err := marshal(t)
		if err != nil {
			panic(err)
		}
		return k.item(attrs)
	}
	payout := func(status string) map[string]types.AttributeValue {
		return PayoutKey("po_1").item(map[string]types.AttributeValue{"status": attrS(status)})
	}
	keys := func(item map[string]types.AttributeValue) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{attrPK: item[attrPK], attrSK: item[attrSK]}
	}
	order := record(TxnKey("o1"), Txn{Kind: "order", Response: `{"order_id":"o1"}`})
	optIn := record(OptInKey("i1"), Txn{Kind: "optin", Response: `{"optin_id":"i1"}`})
	pending := record(TxnKey("o1"), Txn{Kind: KindPending, Version: 1})
	stat := StatKey("jane", "2026-11-03", "e", 1).item(map[string]types.AttributeValue{"hits": attrN(1)})
	subs := subsKey("jane", "2026-11-03", "e").item(map[string]types.AttributeValue{"h:x": attrN(1)})
	aff := func(name string) map[string]types.AttributeValue {
		return affiliateKey("jane").item(map[string]types.AttributeValue{"name": attrS(name), "code": attrS("jane"), "email": attrS("jane@example.com"), "entity": attrS("former")})
	}
	for _, c := range []struct {
		name          string
		op            string
		keys, nw, old map[string]types.AttributeValue
		want          Change
	}{
		{"new entry", "INSERT", keys(entry), entry, nil, Change{Entry: &e}},
		{"entry claimed", "MODIFY", keys(entry), entry, entry, Change{Entry: &e}},
		{"entry removed", "REMOVE", keys(entry), nil, entry, Change{}},
		{"order", "INSERT", keys(order), order, nil, Change{Txn: &Txn{Kind: "order", Response: `{"order_id":"o1"}`}}},
		{"order over its pending refunds", "MODIFY", keys(order), order, pending, Change{WasPending: true, Txn: &Txn{Kind: "order", Response: `{"order_id":"o1"}`}}},
		{"order refunded", "MODIFY", keys(order), order, order, Change{Txn: &Txn{Kind: "order", Response: `{"order_id":"o1"}`}}},
		{"opt-in", "INSERT", keys(optIn), optIn, nil, Change{OptIn: &Txn{Kind: "optin", Response: `{"optin_id":"i1"}`}}},
		{"payout paid", "MODIFY", PayoutKey("po_1").av(), payout("paid"), payout("draft"), Change{Payout: &PayoutStatus{ID: "po_1", Old: "draft", New: "paid"}}},
		{"payout created", "INSERT", PayoutKey("po_1").av(), payout("draft"), nil, Change{Payout: &PayoutStatus{ID: "po_1", New: "draft"}}},
		{"hit counter", "MODIFY", keys(stat), stat, stat, Change{Stat: &StatChange{Affiliate: "jane", Date: "2026-11-03", Event: "e", Old: StatDelta{Hits: 1}, New: StatDelta{Hits: 1}}}},
		{"first hit", "INSERT", keys(stat), stat, nil, Change{Stat: &StatChange{Affiliate: "jane", Date: "2026-11-03", Event: "e", New: StatDelta{Hits: 1}}}},
		{"tags of a day", "MODIFY", keys(subs), subs, nil, Change{}},
		{"affiliate renamed", "MODIFY", keys(aff("Jane D")), aff("Jane D"), aff("Jane"), Change{Affiliate: &AffiliateChange{Code: "jane", Old: "Jane", New: "Jane D",
			Image: &program.Affiliate{Code: "jane", Name: "Jane D", Email: "jane@example.com"}, Former: true}}},
		{"payout item", "INSERT", payoutItemKey("po_1", "jane").av(), payoutItemKey("po_1", "jane").item(nil), nil, Change{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := decodeChange(c.op, "7", at, c.keys, c.nw, c.old)
			want := c.want
			want.Op, want.Sequence, want.At, want.Key = c.op, "7", at, Key{str(c.keys[attrPK]), str(c.keys[attrSK])}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
	bad := TxnKey("o2").item(map[string]types.AttributeValue{"version": attrS("not a number")})
	if got := decodeChange("INSERT", "8", at, keys(bad), bad, nil); got.Err == nil || got.Txn != nil {
		t.Errorf("an unreadable record: %+v", got)
	}
}

func TestChangeFromLambdaMatchesTheItem(t *testing.T) {
	raw := `{"eventName":"MODIFY","dynamodb":{"ApproximateCreationDateTime":1700000000,"SequenceNumber":"42",
	"Keys":{"PK":{"S":"PAYOUTS"},"SK":{"S":"po_1"}},
	"NewImage":{"PK":{"S":"PAYOUTS"},"SK":{"S":"po_1"},"status":{"S":"paid"},"total_cents":{"N":"6991"},"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true}]}}}},
	"OldImage":{"PK":{"S":"PAYOUTS"},"SK":{"S":"po_1"},"status":{"S":"draft"}}}}`
	var lr events.DynamoDBEventRecord
	if err := json.Unmarshal([]byte(raw), &lr); err != nil {
		t.Fatal(err)
	}
	c, err := ChangeFromLambda(lr)
	if err != nil {
		t.Fatal(err)
	}
	want := Change{Op: "MODIFY", Sequence: "42", At: time.Unix(1700000000, 0).UTC(), Key: PayoutKey("po_1"), Payout: &PayoutStatus{ID: "po_1", Old: "draft", New: "paid"}}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v, want %+v", c, want)
	}
}
