package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/payout"
)

// noClaim is an entry's claim once given back (never a removed attribute).
const noClaim = ""

// PayoutsAndItems reads, in one BatchGetItem, payouts and the affiliate's
// items in them, by payout id; absent ones are left out.
func (s *Store) PayoutsAndItems(ctx context.Context, affiliate string, ids []string) (map[string]*payout.Payout, map[string]*payout.Item, error) {
	keys := make([]Key, 0, 2*len(ids))
	for _, id := range ids {
		keys = append(keys, PayoutKey(id), payoutItemKey(id, affiliate))
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
		if it, ok := got[payoutItemKey(id, affiliate)]; ok {
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
	ik := payoutItemKey(it.PayoutID, it.Affiliate)
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
			Key:                       entryKeyOf(it.Affiliate, sk).av(),
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
		TableName: aws.String(s.Table), Key: entryKeyOf(affiliate, sk).av(),
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
		TableName: aws.String(s.Table), Key: payoutItemKey(payoutID, affiliate).av(),
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
		TableName: aws.String(s.Table), Key: payoutItemKey(payoutID, affiliate).av(),
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
		TableName: aws.String(s.Table), Key: payoutItemKey(payoutID, affiliate).av(),
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
	return s.putNew(ctx, payoutItemKey(payoutID, affiliate), none{payoutID, affiliate, payout.ItemNone, now.Add(24 * time.Hour).Unix()})
}

func payoutItemItem(it payout.Item) (map[string]types.AttributeValue, error) {
	attrs, err := marshal(it)
	if err != nil {
		return nil, err
	}
	by := affiliatePayoutItemKey(it.Affiliate, it.PayoutID)
	attrs[attrGSI1PK], attrs[attrGSI1SK] = attrS(by.PK), attrS(by.SK)
	return payoutItemKey(it.PayoutID, it.Affiliate).item(attrs), nil
}

// PayoutItem reads one item; nil when absent.
func (s *Store) PayoutItem(ctx context.Context, payoutID, affiliate string) (*payout.Item, error) {
	var it payout.Item
	ok, err := s.getAs(ctx, payoutItemKey(payoutID, affiliate), &it)
	if !ok {
		return nil, err
	}
	return &it, nil
}

// PayoutItems are a payout's items, by affiliate code.
func (s *Store) PayoutItems(ctx context.Context, payoutID string) ([]payout.Item, error) {
	pk, lo, hi := payoutItemRange(payoutID)
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
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(affiliatePayoutItemKey(affiliate, "").PK), ":p": attrS(payoutItemPrefix)},
		ScanIndexForward:          aws.Bool(false),
	})
	if err != nil {
		return nil, err
	}
	return decodeAll[payout.Item](items)
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
		{Update: &types.Update{TableName: aws.String(s.Table), Key: payoutItemKey(payoutID, affiliate).av(),
			UpdateExpression:         aws.String("SET returned_at = :at, returned_reason = :r"),
			ConditionExpression:      aws.String("#s = :ready AND attribute_not_exists(returned_at)"),
			ExpressionAttributeNames: map[string]string{"#s": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":ready": attrS(payout.ItemReady),
				":at": attrS(at.UTC().Format(time.RFC3339Nano)), ":r": attrS(reason)}}},
	}})
	return txnErr(err)
}
