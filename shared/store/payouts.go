package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/ledger"
	"github.com/tallyhq/tally/shared/payout"
)

// noClaim is an entry's claim once given back (never a removed attribute).
const noClaim = ""

// ErrConflict: a conditional write found the item already moved by someone
// else (an entry taken by another payout, a status changed).
var ErrConflict = errors.New("changed by another request")

// PutIdempotency records a key; ErrExists when it is already there.
func (s *Store) PutIdempotency(ctx context.Context, key string, v payout.Idempotency) error {
	return s.putNew(ctx, IdempotencyKey(key), v)
}

// GetIdempotency reads a key's record; nil when there is none.
func (s *Store) GetIdempotency(ctx context.Context, key string) (*payout.Idempotency, error) {
	var v payout.Idempotency
	ok, err := s.getAs(ctx, IdempotencyKey(key), &v)
	if !ok {
		return nil, err
	}
	return &v, nil
}

// DeleteIdempotency frees a key that made nothing, so it may be used again.
func (s *Store) DeleteIdempotency(ctx context.Context, key, payoutID string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.Table), Key: IdempotencyKey(key).av(),
		ConditionExpression:       aws.String("payout_id = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": attrS(payoutID)},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// PayableEntries are an affiliate's entries payable at or before t, by
// available_on: one Query on the Open index.
func (s *Store) PayableEntries(ctx context.Context, affiliate string, t time.Time) ([]ledger.Entry, error) {
	pk, lo, hi := OpenRange(affiliate, t)
	items, err := s.queryRange(ctx, indexOpen, pk, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query payable entries: %w", err)
	}
	return decodeEntries(items)
}

// AllEntries are every entry of an affiliate, oldest first.
func (s *Store) AllEntries(ctx context.Context, affiliate string) ([]ledger.Entry, error) {
	return s.Entries(ctx, affiliate, time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
}

// EntrySK is the sort key of an entry in its affiliate's partition.
func EntrySK(e ledger.Entry) string { return EntryKey(e.Affiliate, e.At, e.ID).SK }

// EntriesByKey reads an affiliate's entries by sort key (BatchGetItem, 100
// keys a request), in the order given.
func (s *Store) EntriesByKey(ctx context.Context, affiliate string, sks []string) ([]ledger.Entry, error) {
	keys := make([]Key, len(sks))
	for i, sk := range sks {
		keys[i] = EntryKeyOf(affiliate, sk)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	es := make([]ledger.Entry, 0, len(sks))
	for _, k := range keys {
		it, ok := items[k]
		if !ok {
			return nil, fmt.Errorf("entry %s %s is missing", k.PK, k.SK)
		}
		var e ledger.Entry
		if err := unmarshal(it, &e); err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, nil
}

// Payouts reads payout records by id; absent ones are left out.
func (s *Store) Payouts(ctx context.Context, ids []string) (map[string]*payout.Payout, error) {
	keys := make([]Key, len(ids))
	for i, id := range ids {
		keys[i] = PayoutKey(id)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*payout.Payout, len(items))
	for k, it := range items {
		var p payout.Payout
		if err := unmarshal(it, &p); err != nil {
			return nil, err
		}
		out[k.SK] = &p
	}
	return out, nil
}

// PayoutsAndItems reads, in one BatchGetItem, payouts and the affiliate's
// items in them, by payout id; absent ones are left out.
func (s *Store) PayoutsAndItems(ctx context.Context, affiliate string, ids []string) (map[string]*payout.Payout, map[string]*payout.Item, error) {
	keys := make([]Key, 0, 2*len(ids))
	for _, id := range ids {
		keys = append(keys, PayoutKey(id), PayoutItemKey(id, affiliate))
	}
	got, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, nil, err
	}
	pays, items := map[string]*payout.Payout{}, map[string]*payout.Item{}
	for _, id := range ids {
		if it, ok := got[PayoutKey(id)]; ok {
			var p payout.Payout
			if err := unmarshal(it, &p); err != nil {
				return nil, nil, err
			}
			pays[id] = &p
		}
		if it, ok := got[PayoutItemKey(id, affiliate)]; ok {
			var pi payout.Item
			if err := unmarshal(it, &pi); err != nil {
				return nil, nil, err
			}
			items[id] = &pi
		}
	}
	return pays, items, nil
}

// ClaimBatch takes entries for a payout item in one transaction: each entry
// must be unclaimed or already this item's. With first, the item's record is
// created in the same transaction; with last, it is marked ready. ErrConflict
// when another payout holds one of the entries (nothing of this batch is
// written).
func (s *Store) ClaimBatch(ctx context.Context, it payout.Item, sks []string, first, last bool) error {
	if len(sks)+2 > MaxWriteItems {
		return fmt.Errorf("claim batch of %d entries is more than a transaction holds", len(sks))
	}
	var acts []types.TransactWriteItem
	ik := PayoutItemKey(it.PayoutID, it.Affiliate)
	if first {
		rec := it
		rec.State = payout.ItemClaiming
		if last {
			rec.State = payout.ItemReady
		}
		item, err := payoutItemItem(rec)
		if err != nil {
			return err
		}
		acts = append(acts, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.Table), Item: item,
			ConditionExpression: aws.String("attribute_not_exists(PK)")}})
	} else if last {
		acts = append(acts, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.Table), Key: ik.av(),
			UpdateExpression: aws.String("SET #s = :ready"), ConditionExpression: aws.String(itemTaking),
			ExpressionAttributeNames:  map[string]string{"#s": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":ready": attrS(payout.ItemReady), ":claiming": attrS(payout.ItemClaiming)}}})
	} else {
		// A dropped item claims nothing more.
		acts = append(acts, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.Table), Key: ik.av(),
			ConditionExpression:       aws.String(itemTaking),
			ExpressionAttributeNames:  map[string]string{"#s": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":ready": attrS(payout.ItemReady), ":claiming": attrS(payout.ItemClaiming)}}})
	}
	for _, sk := range sks {
		acts = append(acts, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.Table),
			Key:                       EntryKeyOf(it.Affiliate, sk).av(),
			UpdateExpression:          aws.String("SET claim = :c"),
			ConditionExpression:       aws.String("attribute_exists(PK) AND (attribute_not_exists(claim) OR claim IN (:none, :c))"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": attrS(it.Claim()), ":none": attrS(noClaim)}}})
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: acts})
	return txnErr(err)
}

// Unclaim gives an entry back if this claim still holds it; it is a no-op
// when it does not (already given back), so it can be repeated. A claim
// given back is the empty string, not a removed attribute: the embedded
// store ignores REMOVE (infra/embedded), and an entry must be payable again
// on both stores.
func (s *Store) Unclaim(ctx context.Context, affiliate, sk, claim string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: EntryKeyOf(affiliate, sk).av(),
		UpdateExpression:          aws.String("SET claim = :none"),
		ConditionExpression:       aws.String("claim = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": attrS(claim), ":none": attrS(noClaim)},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// itemTaking is the condition that an item still takes its entries.
const itemTaking = "#s IN (:claiming, :ready)"

// DropItem marks an item that lost a race for its entries as paying
// nothing. It is dropped before its entries are given back, so no request
// can claim for it again meanwhile.
func (s *Store) DropItem(ctx context.Context, payoutID, affiliate string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: PayoutItemKey(payoutID, affiliate).av(),
		UpdateExpression:          aws.String("SET #s = :d"),
		ExpressionAttributeNames:  map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": attrS(payout.ItemDropped)},
	})
	return err
}

// DropAbandoned drops another payout's item that was last taken at seen
// (abandoned); ErrConflict when a request took it again since (renewed) or
// it is no longer taking entries.
func (s *Store) DropAbandoned(ctx context.Context, payoutID, affiliate string, seen time.Time) error {
	vals := map[string]types.AttributeValue{":d": attrS(payout.ItemDropped), ":ready": attrS(payout.ItemReady), ":claiming": attrS(payout.ItemClaiming)}
	cond := itemTaking + " AND attribute_not_exists(claimed_at)" // items made before claimed_at was kept
	if !seen.IsZero() {
		cond = itemTaking + " AND claimed_at = :seen"
		vals[":seen"] = attrS(seen.UTC().Format(time.RFC3339Nano))
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: PayoutItemKey(payoutID, affiliate).av(),
		UpdateExpression:          aws.String("SET #s = :d"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#s": "state"},
		ExpressionAttributeValues: vals,
	})
	if isConditionFailed(err) {
		return ErrConflict
	}
	return err
}

// RenewItem records that a repeated request takes an item again at now, so
// no other payout counts it abandoned while the request runs; ErrConflict
// when the item was dropped.
func (s *Store) RenewItem(ctx context.Context, payoutID, affiliate string, now time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: PayoutItemKey(payoutID, affiliate).av(),
		UpdateExpression:         aws.String("SET claimed_at = :now"),
		ConditionExpression:      aws.String(itemTaking),
		ExpressionAttributeNames: map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":ready": attrS(payout.ItemReady), ":claiming": attrS(payout.ItemClaiming),
			":now": attrS(now.UTC().Format(time.RFC3339Nano))},
	})
	if isConditionFailed(err) {
		return ErrConflict
	}
	return err
}

// PutNoItem records that a payout takes nothing from an affiliate;
// ErrExists when the affiliate's item was already written (by a concurrent
// request with the same key). It expires after a day: a payout's requests
// are long over by then.
func (s *Store) PutNoItem(ctx context.Context, payoutID, affiliate string, now time.Time) error {
	type none struct {
		PayoutID  string `json:"payout_id"`
		Affiliate string `json:"affiliate"`
		State     string `json:"state"`
		TTL       int64  `json:"ttl"`
	}
	return s.putNew(ctx, PayoutItemKey(payoutID, affiliate), none{payoutID, affiliate, payout.ItemNone, now.Add(24 * time.Hour).Unix()})
}

func payoutItemItem(it payout.Item) (map[string]types.AttributeValue, error) {
	attrs, err := marshal(it)
	if err != nil {
		return nil, err
	}
	by := AffiliatePayoutItemKey(it.Affiliate, it.PayoutID)
	attrs[attrGSI1PK], attrs[attrGSI1SK] = attrS(by.PK), attrS(by.SK)
	return PayoutItemKey(it.PayoutID, it.Affiliate).item(attrs), nil
}

// PayoutItem reads one item; nil when absent.
func (s *Store) PayoutItem(ctx context.Context, payoutID, affiliate string) (*payout.Item, error) {
	var it payout.Item
	ok, err := s.getAs(ctx, PayoutItemKey(payoutID, affiliate), &it)
	if !ok {
		return nil, err
	}
	return &it, nil
}

// PayoutItems are a payout's items, by affiliate code.
func (s *Store) PayoutItems(ctx context.Context, payoutID string) ([]payout.Item, error) {
	pk, lo, hi := PayoutItemRange(payoutID)
	items, err := s.queryRange(ctx, "", pk, lo, hi)
	if err != nil {
		return nil, err
	}
	return decodeAll[payout.Item](items)
}

// AffiliatePayoutItems are an affiliate's payout items, newest first: one
// Query on the ByOrder index.
func (s *Store) AffiliatePayoutItems(ctx context.Context, affiliate string) ([]payout.Item, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(indexByOrder),
		KeyConditionExpression:    aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(AffiliatePayoutItemKey(affiliate, "").PK), ":p": attrS(payoutItemPrefix)},
		ScanIndexForward:          aws.Bool(false),
	})
	if err != nil {
		return nil, err
	}
	return decodeAll[payout.Item](items)
}

// PutPayout writes a payout's record once; ErrExists when it is there.
func (s *Store) PutPayout(ctx context.Context, p payout.Payout) error {
	return s.putNew(ctx, PayoutKey(p.ID), p)
}

// GetPayout reads a payout; nil when absent.
func (s *Store) GetPayout(ctx context.Context, id string) (*payout.Payout, error) {
	var p payout.Payout
	ok, err := s.getAs(ctx, PayoutKey(id), &p)
	if !ok {
		return nil, err
	}
	return &p, nil
}

// ListPayouts are all payouts, newest first.
func (s *Store) ListPayouts(ctx context.Context) ([]payout.Payout, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(payoutsPK)},
		ScanIndexForward:          aws.Bool(false),
	})
	if err != nil {
		return nil, err
	}
	return decodeAll[payout.Payout](items)
}

// MarkPaid moves a draft to paid; ErrConflict when it is not a draft.
func (s *Store) MarkPaid(ctx context.Context, id string, paidAt time.Time, reference string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: PayoutKey(id).av(),
		UpdateExpression:         aws.String("SET #s = :paid, paid_at = :at, #r = :ref"),
		ConditionExpression:      aws.String("#s = :draft"),
		ExpressionAttributeNames: map[string]string{"#s": "status", "#r": "reference"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":paid": attrS(payout.StatusPaid), ":draft": attrS(payout.StatusDraft),
			":at": attrS(paidAt.UTC().Format(time.RFC3339Nano)), ":ref": attrS(reference)},
	})
	if isConditionFailed(err) {
		return ErrConflict
	}
	return err
}

// CancelPayout moves a draft to canceled; ErrConflict when it is not a draft.
func (s *Store) CancelPayout(ctx context.Context, id string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: PayoutKey(id).av(),
		UpdateExpression:          aws.String("SET #s = :c"),
		ConditionExpression:       aws.String("#s = :draft"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": attrS(payout.StatusCanceled), ":draft": attrS(payout.StatusDraft)},
	})
	if isConditionFailed(err) {
		return ErrConflict
	}
	return err
}

// ReturnItem marks an item of a paid payout returned, in one transaction
// that checks the payout is paid; ErrConflict when it is not, or the item is
// already returned.
func (s *Store) ReturnItem(ctx context.Context, payoutID, affiliate string, at time.Time, reason string) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.Table), Key: PayoutKey(payoutID).av(),
			ConditionExpression:       aws.String("#s = :paid"),
			ExpressionAttributeNames:  map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":paid": attrS(payout.StatusPaid)}}},
		{Update: &types.Update{TableName: aws.String(s.Table), Key: PayoutItemKey(payoutID, affiliate).av(),
			UpdateExpression:         aws.String("SET returned_at = :at, returned_reason = :r"),
			ConditionExpression:      aws.String("#s = :ready AND attribute_not_exists(returned_at)"),
			ExpressionAttributeNames: map[string]string{"#s": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":ready": attrS(payout.ItemReady),
				":at": attrS(at.UTC().Format(time.RFC3339Nano)), ":r": attrS(reason)}}},
	}})
	return txnErr(err)
}

// Adjustment is the record of an owner's adjustment, for replays.
type Adjustment struct {
	Hash     string `json:"hash"`
	Response string `json:"response"`
}

// GetAdjustment reads an adjustment's record; nil when absent.
func (s *Store) GetAdjustment(ctx context.Context, id string) (*Adjustment, error) {
	var a Adjustment
	ok, err := s.getAs(ctx, AdjustmentKey(id), &a)
	if !ok {
		return nil, err
	}
	return &a, nil
}

// PutAdjustment writes an adjustment's record and its entry together;
// ErrExists when the id is taken.
func (s *Store) PutAdjustment(ctx context.Context, id string, a Adjustment, e ledger.Entry) error {
	rec, err := marshal(a)
	if err != nil {
		return err
	}
	entry, err := entryItem(e)
	if err != nil {
		return err
	}
	notExists := aws.String("attribute_not_exists(PK)")
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.Table), Item: AdjustmentKey(id).item(rec), ConditionExpression: notExists}},
		{Put: &types.Put{TableName: aws.String(s.Table), Item: entry, ConditionExpression: notExists}},
	}})
	if errors.Is(txnErr(err), ErrConflict) {
		return ErrExists
	}
	return txnErr(err)
}
