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
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/payout"
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

// FromChange is the events a change of the table means: none for most
// changes. New ledger entries (not adjustments), paid orders, opt-ins, and
// a payout going from any status to paid.
func FromChange(c store.Change) ([]Event, error) {
	if c.Err != nil {
		return nil, c.Err
	}
	switch {
	case c.Op == "INSERT" && c.Entry != nil:
		e := *c.Entry
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
		return []Event{{ID: EventID(typ, c.Key), Type: typ, Timestamp: c.At, Entry: &e, Data: data}}, nil
	case c.Txn != nil && (c.Op == "INSERT" || c.Op == "MODIFY" && c.WasPending):
		// An order whose refunds came first replaces their record.
		if c.Txn.Kind != "order" {
			return nil, nil // a refund shows as its clawbacks
		}
		return []Event{{ID: EventID(OrderRecorded, c.Key), Type: OrderRecorded, Timestamp: c.At, Data: json.RawMessage(c.Txn.Response)}}, nil
	case c.Op == "INSERT" && c.OptIn != nil:
		return []Event{{ID: EventID(OptInRecorded, c.Key), Type: OptInRecorded, Timestamp: c.At, Data: json.RawMessage(c.OptIn.Response)}}, nil
	case c.Payout != nil && c.Op != "REMOVE":
		if c.Payout.New != payout.StatusPaid || c.Payout.Old == payout.StatusPaid {
			return nil, nil
		}
		return []Event{{ID: EventID(PayoutPaid, c.Key), Type: PayoutPaid, Timestamp: c.At, PayoutID: c.Payout.ID}}, nil
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
