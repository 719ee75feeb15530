// Package notify turns the table's stream into what Tally tells people
// (SPEC section 12): events for the business's endpoints (commission.created,
// commission.clawed_back, payout.paid, order.recorded, optin.recorded) and
// mail for affiliates. Everything here runs after the money is recorded,
// from the stream, never inside a webhook's transaction.
package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/ledger"
	"github.com/tallyhq/tally/shared/store"
)

// Event types.
const (
	CommissionCreated    = "commission.created"
	CommissionClawedBack = "commission.clawed_back"
	PayoutPaid           = "payout.paid"
	OrderRecorded        = "order.recorded"
	OptInRecorded        = "optin.recorded"
)

// Types lists every event type, as webhooks_out may name them.
var Types = []string{CommissionCreated, CommissionClawedBack, PayoutPaid, OrderRecorded, OptInRecorded}

// Record is one change of the table, as a stream shows it: the same shape
// whether it comes from a Lambda event or from polling a stream.
type Record struct {
	EventName string // INSERT, MODIFY, REMOVE
	Sequence  string
	At        time.Time // ApproximateCreationDateTime
	Keys      map[string]types.AttributeValue
	New, Old  map[string]types.AttributeValue
}

// Event is something to tell: its id is the webhook-id of every delivery,
// at every endpoint.
type Event struct {
	ID        string
	Type      string
	Timestamp time.Time
	// Entry is the ledger entry of a commission or clawback.
	Entry *ledger.Entry
	// PayoutID names the payout of payout.paid; its data (the payout with
	// its items) is read when the event is sent out.
	PayoutID string
	// Data is the event's data when the record holds all of it: the entry
	// with its affiliate, or the answer to the order or opt-in webhook.
	Data json.RawMessage
}

// EventID is the stable id of the event a table item gives rise to: derived
// from the event type and the item's key, so a record read twice (a retried
// batch, a restarted consumer) gives the same id, and receivers deduplicate.
func EventID(typ string, k store.Key) string {
	sum := sha256.Sum256([]byte(typ + "\x00" + k.PK + "\x00" + k.SK))
	return "msg_" + hex.EncodeToString(sum[:16])
}

// FromRecord is the events a stream record means: none for most changes.
// New ledger entries (not adjustments), paid orders, opt-ins, and a payout
// going from any status to paid.
func FromRecord(r Record) ([]Event, error) {
	k := store.Key{PK: str(r.Keys, store.AttrPK), SK: str(r.Keys, store.AttrSK)}
	switch {
	case r.EventName == "INSERT" && strings.HasPrefix(k.PK, "AFF#") && strings.HasPrefix(k.SK, "ENTRY#"):
		var e ledger.Entry
		if err := unmarshal(r.New, &e); err != nil {
			return nil, fmt.Errorf("entry %s: %w", k.SK, err)
		}
		typ := CommissionCreated
		switch e.Type {
		case ledger.TypeClawback:
			typ = CommissionClawedBack
		case ledger.TypeAdjustment:
			return nil, nil
		}
		e.Claim = "" // a new entry has none; never part of the payload
		data, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		return []Event{{ID: EventID(typ, k), Type: typ, Timestamp: r.At, Entry: &e, Data: data}}, nil
	case r.EventName == "INSERT" && strings.HasPrefix(k.PK, "TXN#"):
		var t store.Txn
		if err := unmarshal(r.New, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", k.PK, err)
		}
		if t.Kind != "order" {
			return nil, nil // a refund shows as its clawbacks
		}
		return []Event{{ID: EventID(OrderRecorded, k), Type: OrderRecorded, Timestamp: r.At, Data: json.RawMessage(t.Response)}}, nil
	case r.EventName == "INSERT" && strings.HasPrefix(k.PK, "OPTIN#"):
		var t store.Txn
		if err := unmarshal(r.New, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", k.PK, err)
		}
		return []Event{{ID: EventID(OptInRecorded, k), Type: OptInRecorded, Timestamp: r.At, Data: json.RawMessage(t.Response)}}, nil
	case k.PK == store.PayoutsPK && r.EventName != "REMOVE":
		if str(r.New, "status") != "paid" || str(r.Old, "status") == "paid" {
			return nil, nil
		}
		return []Event{{ID: EventID(PayoutPaid, k), Type: PayoutPaid, Timestamp: r.At, PayoutID: k.SK}}, nil
	}
	return nil, nil
}

// Body is what an endpoint receives: {"type", "timestamp", "data"}.
func Body(e Event, data json.RawMessage) ([]byte, error) {
	return json.Marshal(struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{e.Type, e.Timestamp.UTC().Format(time.RFC3339), data})
}

func str(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func unmarshal(item map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(item, v, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
}
