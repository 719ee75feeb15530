package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/shared/domain/ledger"
)

// Load is N clients clicking one link and M sending orders at once,
// through the dev server over DynamoDB Local, with the totals checked.
type Load struct {
	ClickClients   int     `json:"click_clients"`
	OrderClients   int     `json:"order_clients"`
	Clicks         int     `json:"clicks_sent"`
	Orders         int     `json:"orders_sent"`
	Seconds        float64 `json:"seconds"`
	ClicksPerSec   float64 `json:"clicks_per_second"`
	OrdersPerSec   float64 `json:"orders_per_second"`
	Errors         int     `json:"errors"`        // non-302 clicks, non-200 orders, transport errors
	LoggedErrors   int64   `json:"logged_errors"` // error lines the dev server logged (e.g. a hit not counted)
	HitsCounted    int64   `json:"hits_counted"`
	EntriesWritten int     `json:"entries_written"`
	CommissionSum  int64   `json:"commission_cents"`
	CommissionWant int64   `json:"commission_cents_expected"`
}

// loadAffiliate clicks bob's summit link; the orders name jane, each one
// SUM26-REC at 97.00, which earns her 48.50.
const (
	loadClickPath = "/go/summit-2026/bob"
	loadOrderCut  = 4850
)

func load(ctx context.Context, srv *devserver.Server, logged *atomic.Int64, clickClients, clicksEach, orderClients, ordersEach int) (Load, error) {
	base, stop, err := serve(srv.Handler())
	if err != nil {
		return Load{}, err
	}
	defer stop()
	day := now.Format("2006-01-02")
	hitsBefore, err := hits(ctx, srv, "bob", day)
	if err != nil {
		return Load{}, err
	}
	entriesBefore, err := srv.Store.Entries(ctx, "jane", month.AddDate(0, -1, 0), month.AddDate(0, 2, 0))
	if err != nil {
		return Load{}, err
	}
	loggedBefore := logged.Load()
	c := newClient(clickClients + orderClients)
	run := nonce()
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range clickClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range clicksEach {
				if get(c, base+loadClickPath) != nil {
					errs.Add(1)
				}
			}
		}()
	}
	for w := range orderClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ordersEach {
				id := fmt.Sprintf("load-%s-%d-%d", run, w, i)
				body := fmt.Sprintf(`{"id":%q,"type":"order.paid","occurred_at":"2026-11-20T11:00:00Z","currency":"USD","contact":{"email":"%s@example.org"},"affiliate":"jane","items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, id, id)
				if post(c, base+"/webhooks/orders", body, srv.WebhookSecret) != nil {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	l := Load{ClickClients: clickClients, OrderClients: orderClients, Clicks: clickClients * clicksEach, Orders: orderClients * ordersEach,
		Seconds: took.Seconds(), Errors: int(errs.Load()), LoggedErrors: logged.Load() - loggedBefore}
	l.ClicksPerSec, l.OrdersPerSec = float64(l.Clicks)/took.Seconds(), float64(l.Orders)/took.Seconds()
	hitsAfter, err := hits(ctx, srv, "bob", day)
	if err != nil {
		return l, err
	}
	entriesAfter, err := srv.Store.Entries(ctx, "jane", month.AddDate(0, -1, 0), month.AddDate(0, 2, 0))
	if err != nil {
		return l, err
	}
	l.HitsCounted = hitsAfter - hitsBefore
	l.EntriesWritten = len(entriesAfter) - len(entriesBefore)
	l.CommissionSum = ledger.Sum(entriesAfter) - ledger.Sum(entriesBefore)
	l.CommissionWant = int64(l.Orders) * loadOrderCut
	return l, nil
}

func hits(ctx context.Context, srv *devserver.Server, aff, day string) (int64, error) {
	stats, err := srv.Store.Stats(ctx, aff, day, day)
	var n int64
	for _, s := range stats {
		if s.Event == "summit-2026" {
			n += s.Hits
		}
	}
	return n, err
}

// post sends a signed webhook and wants a 200.
func post(c *http.Client, url, body, secret string) error {
	id, ts, sig, err := sign(body, secret)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", sig)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
