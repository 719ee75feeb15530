package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/attribution"
	"github.com/tallyhq/tally/shared/commission"
	"github.com/tallyhq/tally/shared/ledger"
)

// Txn is the record of a processed webhook (an order, a refund or an
// opt-in), keyed by the body's id: what was sent (a hash of its canonical
// JSON), the answer to replay, and for an order its lines, what each
// affiliate earned on them and how much of each is refunded.
type Txn struct {
	Kind       string                `json:"kind"` // order, refund, optin
	Hash       string                `json:"hash"`
	Response   string                `json:"response"`
	OccurredAt time.Time             `json:"occurred_at"`
	Version    int64                 `json:"version"`
	Lines      []commission.SoldLine `json:"lines,omitempty"`
	OrderID    string                `json:"order_id,omitempty"` // a refund's order
	// PaidCents is what a checkout's buyer paid for the lines, tax included
	// (0: the sum of the lines), and RefundedCents the money refunded so far
	// by every kind of refund (SPEC 10); RefundRule the version of the refund
	// rule the record follows (0: refunds of money counted apart).
	PaidCents     int64 `json:"paid_cents,omitempty"`
	RefundedCents int64 `json:"refunded_cents,omitempty"`
	RefundRule    int   `json:"refund_rule,omitempty"`
	// SourceLines maps each of a checkout order's own line ids to the SKU
	// of the line it was merged into, for refunds that name line ids.
	SourceLines map[string]string `json:"source_lines,omitempty"`
	// A checkout order shown to its buyer in another currency than the
	// shop's (Shopify's presentment currency): its total in that currency
	// and in the shop's, the order's own rate for refunds in the buyer's.
	PresentmentCurrency string `json:"presentment_currency,omitempty"`
	PresentmentTotal    int64  `json:"presentment_total,omitempty"`
	ShopTotal           int64  `json:"shop_total,omitempty"`
}

// GetTxn reads a webhook record (consistent); nil when there is none.
func (s *Store) GetTxn(ctx context.Context, k Key) (*Txn, error) {
	item, err := s.get(ctx, k)
	if err != nil || item == nil {
		return nil, err
	}
	var t Txn
	if err := unmarshal(item, &t); err != nil {
		return nil, fmt.Errorf("decode %s: %w", k.PK, err)
	}
	return &t, nil
}

// GetContact reads a person's attribution (consistent); nil when none.
func (s *Store) GetContact(ctx context.Context, email string) (*attribution.Contact, error) {
	item, err := s.get(ctx, ContactKey(email))
	if err != nil || item == nil {
		return nil, err
	}
	var c attribution.Contact
	if err := unmarshal(item, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Write is everything one webhook records, written as one transaction so
// nothing is ever half-written.
type Write struct {
	Record  Key
	Txn     Txn
	Entries []ledger.Entry
	// Unclawed are a refund's records of commissions whose clawback rounds
	// to 0: only the ByOrder index holds them, for products sold.
	Unclawed []ledger.Entry
	// Stats are what it adds to the counters of the click that referred
	// it, each on a random shard.
	Stats []StatAdd
	// Contact, when set, replaces the person's attribution if its version is
	// still ContactVersion (0: the contact must not exist yet).
	ContactEmail   string
	Contact        *attribution.Contact
	ContactVersion int64
	// Order, when set, is the refunded order's record with its new refunded
	// quantities, written if its version is still OrderVersion.
	OrderKey     Key
	Order        *Txn
	OrderVersion int64
	// Delete are items the write removes: a pending refund it applies.
	Delete []Key
	// Subscription, when set, records who referred a subscription, decided
	// at the invoice this write records; it must not exist yet.
	SubscriptionID string
	Subscription   *Subscription
}

// Errors of Commit.
var (
	// ErrExists: the record already exists (a replay or a concurrent
	// duplicate got there first).
	ErrExists = errors.New("webhook already recorded")
	// ErrRetry: something read for this write moved (a contact or the order
	// changed), or DynamoDB saw a conflicting transaction: read and try again.
	ErrRetry = errors.New("concurrent change; retry")
	// ErrSubscriptionExists: another invoice recorded the subscription's
	// referrer first: read it and decide again.
	ErrSubscriptionExists = errors.New("subscription already recorded")
)

// MaxWriteItems is what one transaction may hold.
const MaxWriteItems = 100

// Items counts the transaction's actions.
func (w Write) Items() int {
	n := 1 + len(w.Entries) + len(w.Unclawed)
	for _, a := range w.Stats {
		n += a.updates()
	}
	if w.Contact != nil {
		n++
	}
	if w.Order != nil {
		n++
	}
	if w.Subscription != nil {
		n++
	}
	return n + len(w.Delete)
}

// Commit writes it all or nothing.
func (s *Store) Commit(ctx context.Context, w Write) error {
	if w.Items() > MaxWriteItems {
		return fmt.Errorf("webhook needs %d writes, more than a transaction holds", w.Items())
	}
	w.Txn.Version = 1 // so a later versioned update (a refund) can check it
	rec, err := marshal(w.Txn)
	if err != nil {
		return err
	}
	notExists := aws.String("attribute_not_exists(PK)")
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(s.Table), Item: w.Record.item(rec), ConditionExpression: notExists}}}
	for _, e := range w.Entries {
		item, err := entryItem(e)
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.Table), Item: item, ConditionExpression: notExists}})
	}
	for _, e := range w.Unclawed {
		item, err := unclawedItem(e)
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.Table), Item: item, ConditionExpression: notExists}})
	}
	for _, a := range w.Stats {
		for _, u := range s.statUpdates(a.Affiliate, a.Date, a.Event, a.Sub, rand.IntN(StatShards), a.Delta) {
			items = append(items, types.TransactWriteItem{Update: u})
		}
	}
	if w.Contact != nil {
		c := *w.Contact
		c.Version = w.ContactVersion + 1
		item, err := marshal(c)
		if err != nil {
			return err
		}
		items = append(items, versioned(s.Table, ContactKey(w.ContactEmail).item(item), w.ContactVersion))
	}
	if w.Order != nil {
		o := *w.Order
		o.Version = w.OrderVersion + 1
		item, err := marshal(o)
		if err != nil {
			return err
		}
		items = append(items, versioned(s.Table, w.OrderKey.item(item), w.OrderVersion))
	}
	for _, k := range w.Delete {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.Table), Key: k.av()}})
	}
	subAt := -1
	if w.Subscription != nil {
		item, err := marshal(*w.Subscription)
		if err != nil {
			return err
		}
		subAt = len(items)
		items = append(items, versioned(s.Table, SubscriptionKey(w.SubscriptionID).item(item), 0))
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	reasons := canceledReasons(err)
	if reasons == nil {
		var tc *types.TransactionConflictException
		if errors.As(err, &tc) {
			return ErrRetry
		}
		return err
	}
	if len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
		return ErrExists
	}
	if subAt >= 0 && subAt < len(reasons) && aws.ToString(reasons[subAt].Code) == "ConditionalCheckFailed" {
		return ErrSubscriptionExists
	}
	for _, r := range reasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed", "TransactionConflict":
			return ErrRetry
		}
	}
	return err
}

// versioned puts an item if its version is still the one read (0: new).
func versioned(table string, item map[string]types.AttributeValue, version int64) types.TransactWriteItem {
	p := &types.Put{TableName: aws.String(table), Item: item}
	if version == 0 {
		p.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		p.ConditionExpression = aws.String("version = :v")
		p.ExpressionAttributeValues = map[string]types.AttributeValue{":v": attrN(version)}
	}
	return types.TransactWriteItem{Put: p}
}

// Subscription is who referred a checkout's subscription, decided once at
// the first invoice Tally recorded of it and read by every later invoice,
// so a renewal never depends on the contact's attribution as it is now.
type Subscription struct {
	Affiliate    string    `json:"affiliate"` // "" when nobody referred it
	LinkEvent    string    `json:"link_event,omitempty"`
	Via          string    `json:"via,omitempty"`
	Sub          string    `json:"sub,omitempty"`
	Start        time.Time `json:"start"`         // recurring_months count from here
	FirstInvoice string    `json:"first_invoice"` // the order that decided it
	Version      int64     `json:"version"`
}

// GetSubscription reads a subscription's referrer (consistent); nil when
// no invoice of it was recorded yet.
func (s *Store) GetSubscription(ctx context.Context, id string) (*Subscription, error) {
	item, err := s.get(ctx, SubscriptionKey(id))
	if err != nil || item == nil {
		return nil, err
	}
	var sub Subscription
	if err := unmarshal(item, &sub); err != nil {
		return nil, fmt.Errorf("decode subscription %s: %w", id, err)
	}
	return &sub, nil
}
