package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
)

// A redelivery of an unapplied event updates its one item (never a
// second); bodies too large for an item are kept in parts and read back
// whole; the list is newest first and leaves out what has expired; an
// applied event goes with its body.
func TestUnappliedCheckoutEventsAreKeptOnce(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		ctx := context.Background()
		st := dynamotest.NewStoreOn(t, on)
		t0 := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
		order := []byte(`{"id":820982911946154508,"total_price":"97.001"}`)
		ev := store.CheckoutEvent{Source: "shopify", ID: "shopify:order:820982911946154508", Topic: "orders/paid", Code: "invalid_field", Message: "price: 97.001"}
		for i := 0; i < 3; i++ { // Shopify delivers it three times
			if _, err := st.KeepCheckoutEvent(ctx, ev, order, true, t0.Add(time.Duration(i)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		// A body of 1.5 MB that gzip cannot shrink: several parts.
		noise := make([]byte, 1100<<10)
		_, _ = rand.Read(noise)
		big := []byte(`{"id":"evt_big","data":"` + base64.StdEncoding.EncodeToString(noise) + `"}`)
		bigEv := store.CheckoutEvent{Source: "stripe", ID: "stripe:evt_big", Code: "stripe_refused", Message: "no such session"}
		if kept, err := st.KeepCheckoutEvent(ctx, bigEv, big, true, t0.Add(2*time.Hour)); err != nil || kept.Parts < 4 {
			t.Fatalf("%d parts, %v", kept.Parts, err)
		}
		old := store.CheckoutEvent{Source: "stripe", ID: "stripe:evt_old", Code: "stripe_refused", Message: "gone"}
		if _, err := st.KeepCheckoutEvent(ctx, old, []byte(`{}`), true, t0.AddDate(0, 0, -store.CheckoutEventDays-1)); err != nil {
			t.Fatal(err)
		}

		events, _, err := st.CheckoutEvents(ctx, t0.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 || events[0].ID != "stripe:evt_big" || events[1].ID != ev.ID {
			t.Fatalf("events %+v, want the big one then the order, not the expired one", events)
		}
		if e := events[1]; e.Deliveries != 3 || !e.At.Equal(t0) || !e.LastAt.Equal(t0.Add(2*time.Hour)) || e.Topic != "orders/paid" {
			t.Errorf("redelivered event %+v: want 3 deliveries, first at %v, last 2 h later", e, t0)
		}
		got, body, err := st.GetCheckoutEvent(ctx, "stripe:evt_big", t0)
		if err != nil || got == nil || !bytes.Equal(body, big) {
			t.Fatalf("big body read back: %v, %d of %d bytes", err, len(body), len(big))
		}
		if got, _, err := st.GetCheckoutEvent(ctx, "stripe:evt_old", t0); err != nil || got != nil {
			t.Errorf("expired event read: %+v %v", got, err)
		}

		// A retry that fails again: new code and message, same body and expiry.
		e1, _, _ := st.GetCheckoutEvent(ctx, ev.ID, t0)
		e1.Code, e1.Message = "currency_mismatch", "EUR"
		if _, err := st.KeepCheckoutEvent(ctx, *e1, nil, false, t0.Add(5*time.Hour)); err != nil {
			t.Fatal(err)
		}
		e2, body, err := st.GetCheckoutEvent(ctx, ev.ID, t0)
		if err != nil || e2.Code != "currency_mismatch" || e2.Deliveries != 3 || e2.TTL != e1.TTL || !bytes.Equal(body, order) {
			t.Errorf("after a failed retry: %+v %q %v", e2, body, err)
		}

		if err := st.DeleteCheckoutEvent(ctx, *got); err != nil {
			t.Fatal(err)
		}
		if e, _, err := st.GetCheckoutEvent(ctx, "stripe:evt_big", t0); err != nil || e != nil {
			t.Errorf("deleted event still there: %+v %v", e, err)
		}
		for i := 0; i < got.Parts; i++ {
			if it, err := st.RawItem(ctx, store.CheckoutBodyKey("stripe:evt_big", i)); err != nil || it != nil {
				t.Errorf("body part %d left behind (%v)", i, err)
			}
		}
	})
}
