package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/ledger"
)

// entryItem is the item of a ledger entry: under its affiliate by date, in
// the Open index until paid, and (clawbacks) in the ByOrder index by the date
// of the order it reverses.
func entryItem(e ledger.Entry) (map[string]types.AttributeValue, error) {
	attrs, err := entryAttrs(e, e.Type == ledger.TypeClawback)
	if err != nil {
		return nil, err
	}
	open := openEntryKey(e.Affiliate, e.AvailableOn, e.ID)
	attrs[attrGSI2PK], attrs[attrGSI2SK] = attrS(open.PK), attrS(open.SK)
	return EntryKey(e.Affiliate, e.At, e.ID).item(attrs), nil
}

// entryAttrs are an entry's attributes, with its ByOrder key when byOrder.
func entryAttrs(e ledger.Entry, byOrder bool) (map[string]types.AttributeValue, error) {
	attrs, err := marshal(e)
	if err != nil {
		return nil, fmt.Errorf("marshal entry %s: %w", e.ID, err)
	}
	if byOrder {
		by := clawbackByOrderKey(e.Affiliate, e.OrderAt, e.ID)
		attrs[attrGSI1PK], attrs[attrGSI1SK] = attrS(by.PK), attrS(by.SK)
	}
	return attrs, nil
}

// Entries are an affiliate's ledger entries dated in [start, end), oldest
// first: one Query on the affiliate's partition.
func (s *Store) Entries(ctx context.Context, affiliate string, start, end time.Time) ([]ledger.Entry, error) {
	pk, lo, hi := entryRange(affiliate, start, end)
	items, err := s.queryRange(ctx, "", pk, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query entries: %w", err)
	}
	return decodeEntries(items)
}

// unclawedItem is a refund's record of a commission whose clawback rounds
// to 0 (an entry of amount 0): not in the ledger, nor the Open index, only
// in ByOrder beside the clawbacks, so products sold counts every refunded
// unit against its order.
func unclawedItem(e ledger.Entry) (map[string]types.AttributeValue, error) {
	attrs, err := entryAttrs(e, true)
	if err != nil {
		return nil, err
	}
	return unclawedKey(e.ID).item(attrs), nil
}

// RefundsOfOrders are an affiliate's refunds of orders dated in [start,
// end), whenever the refunds happened: for each refunded commission, its
// clawback, or its record when the clawback rounded to 0. One Query on
// ByOrder.
func (s *Store) RefundsOfOrders(ctx context.Context, affiliate string, start, end time.Time) ([]ledger.Entry, error) {
	pk, lo, hi := clawbackByOrderRange(affiliate, start, end)
	items, err := s.queryRange(ctx, indexByOrder, pk, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query refunds: %w", err)
	}
	return decodeEntries(items)
}

func decodeEntries(items []map[string]types.AttributeValue) ([]ledger.Entry, error) {
	es := make([]ledger.Entry, 0, len(items))
	for _, it := range items {
		var e ledger.Entry
		if err := unmarshal(it, &e); err != nil {
			return nil, fmt.Errorf("decode entry: %w", err)
		}
		es = append(es, e)
	}
	return es, nil
}

// PayableEntries are an affiliate's entries payable at or before t, by
// available_on: one Query on the Open index.
func (s *Store) PayableEntries(ctx context.Context, affiliate string, t time.Time) ([]ledger.Entry, error) {
	pk, lo, hi := openRange(affiliate, t)
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

// EntrySK names an entry as claims and payout items refer to it.
func (s *Store) EntrySK(e ledger.Entry) string { return EntrySK(e) }

// EntriesByKey reads an affiliate's entries by sort key (BatchGetItem, 100
// keys a request), in the order given.
func (s *Store) EntriesByKey(ctx context.Context, affiliate string, sks []string) ([]ledger.Entry, error) {
	keys := make([]Key, len(sks))
	for i, sk := range sks {
		keys[i] = entryKeyOf(affiliate, sk)
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
