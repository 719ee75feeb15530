package store

import (
	"context"
	"errors"
	"time"
)

// PendingRefund is a checkout's refund of an order not recorded yet (SPEC
// 10): kept under the order's id and applied, in the order of when the
// refunds happened, when the order arrives.
type PendingRefund struct {
	OrderID  string    `json:"order_id"`
	RefundID string    `json:"refund_id"`
	At       time.Time `json:"at"`
	Hash     string    `json:"hash"`
	Refund   string    `json:"refund"` // the refund as the rules take it (JSON)
	Received time.Time `json:"received"`
}

// Key is where the pending refund is kept.
func (p PendingRefund) Key() Key { return pendingRefundKey(p.OrderID, p.At, p.RefundID) }

// PutPendingRefund keeps a pending refund; false when it was kept already
// (a redelivery).
func (s *Store) PutPendingRefund(ctx context.Context, p PendingRefund) (bool, error) {
	err := s.putNew(ctx, p.Key(), p)
	if errors.Is(err, ErrExists) {
		return false, nil
	}
	return err == nil, err
}

// PendingRefunds are an order's pending refunds, oldest first: one Query.
func (s *Store) PendingRefunds(ctx context.Context, orderID string) ([]PendingRefund, error) {
	pk, lo, hi := pendingRefundRange(orderID)
	items, err := s.queryRange(ctx, "", pk, lo, hi)
	if err != nil {
		return nil, err
	}
	return decodeAll[PendingRefund](items)
}
