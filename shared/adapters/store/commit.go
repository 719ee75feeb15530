package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/attribution"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/ledger"
)

// Write is everything one webhook records, written as one transaction so
// nothing is ever half-written.
type Write struct {
	Record Key
	Txn    Txn
	// Replaces, when set, is the version of the record's KindPending item
	// (an order's refunds that came first) the record replaces; nil: the
	// record must not exist.
	Replaces *int64
	Entries  []ledger.Entry
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
	// Subscription, when set, records who referred a subscription, decided
	// at the invoice this write records; it must not exist yet.
	SubscriptionID string
	Subscription   *Subscription
}

// Errors of Commit.
var (
	// ErrExists: the record already exists (a replay or a concurrent
	// duplicate got there first).
	ErrExists = fault.ErrExists
	// ErrRetry: something read for this write moved (a contact or the order
	// changed), or DynamoDB saw a conflicting transaction: read and try again.
	ErrRetry = fault.ErrRetry
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
	return n
}

// Commit writes it all or nothing.
func (s *Store) Commit(ctx context.Context, w Write) error {
	if w.Items() > MaxWriteItems {
		return fmt.Errorf("webhook needs %d writes, more than a transaction holds", w.Items())
	}
	w.Txn.Version = 1 // so a later versioned update (a refund) can check it
	if err := s.markPayees(ctx, entryAffiliates(w.Entries)...); err != nil {
		return err
	}
	rec, err := marshal(w.Txn)
	if err != nil {
		return err
	}
	notExists := aws.String("attribute_not_exists(PK)")
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(s.Table), Item: w.Record.item(rec), ConditionExpression: notExists}}}
	if w.Replaces != nil {
		items[0].Put.ConditionExpression = aws.String("kind = :pending AND version = :v")
		items[0].Put.ExpressionAttributeValues = map[string]types.AttributeValue{":pending": attrS(KindPending), ":v": attrN(*w.Replaces)}
	}
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
		for _, u := range s.statUpdates(a, rand.IntN(StatShards)) {
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
		items = append(items, versioned(s.Table, contactKey(w.ContactEmail).item(item), w.ContactVersion))
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
	subAt := -1
	if w.Subscription != nil {
		item, err := marshal(*w.Subscription)
		if err != nil {
			return err
		}
		subAt = len(items)
		items = append(items, versioned(s.Table, subscriptionKey(w.SubscriptionID).item(item), 0))
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
