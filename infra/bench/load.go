package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
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
	Affiliates     int     `json:"affiliates"` // whose links are clicked and who are paid, in turn
	ClickClients   int     `json:"click_clients"`
	OrderClients   int     `json:"order_clients"`
	Clicks         int     `json:"clicks_sent"`
	Orders         int     `json:"orders_sent"`
	Seconds        float64 `json:"seconds"`
	ClicksPerSec   float64 `json:"clicks_per_second"`
	OrdersPerSec   float64 `json:"orders_per_second"`
	Errors         int     `json:"errors"`        // non-302 clicks, transport errors, orders still not 200 after a sender's retries
	OrderRetries   int     `json:"order_retries"` // deliveries sent again after a 5xx or no answer, as Stripe and Shopify do
	LoggedErrors   int64   `json:"logged_errors"` // error lines the dev server logged (e.g. a hit not counted)
	HitsCounted    int64   `json:"hits_counted"`
	EntriesWritten int     `json:"entries_written"`
	CommissionSum  int64   `json:"commission_cents"`
	CommissionWant int64   `json:"commission_cents_expected"`
	Click          Latency `json:"click_latency"`       // each click's redirect, as the visitor waits for it
	ClickWrite     Latency `json:"click_write_latency"` // each click's UpdateItem, as DynamoDB answered it (bench runs: through the wire)
}

// Latency is a distribution of request times.
type Latency struct {
	N       int     `json:"n"`
	P50ms   float64 `json:"p50_ms"`
	P90ms   float64 `json:"p90_ms"`
	P99ms   float64 `json:"p99_ms"`
	MaxMS   float64 `json:"max_ms"`
	Over800 int     `json:"over_800ms"` // over the click's former bound
	Cut     int     `json:"cut"`        // the client gave up before the answer
}

func latency(ts []timing) Latency {
	ds := make([]time.Duration, len(ts))
	l := Latency{N: len(ts)}
	for i, t := range ts {
		ds[i] = t.d
		if t.d > 800*time.Millisecond {
			l.Over800++
		}
		if t.cut {
			l.Cut++
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	if len(ds) > 0 {
		l.P50ms, l.P90ms, l.P99ms, l.MaxMS = ms(pct(ds, 50)), ms(pct(ds, 90)), ms(pct(ds, 99)), ms(ds[len(ds)-1])
	}
	return l
}

// Each order is one SUM26-REC at 97.00 naming its affiliate, which earns
// them 48.50 on the standard plan.
const loadOrderCut = 4850

// audience is who the load's clicks and orders go to: one link and one
// affiliate (the demo's bob and jane), or a launch's thousands.
type audience struct{ clickers, earners []string }

// demoCrowd clicks bob's summit link; the orders name jane.
var demoCrowd = audience{clickers: []string{"bob"}, earners: []string{"jane"}}

func load(ctx context.Context, srv *devserver.Server, w *wire, logged *atomic.Int64, who audience, clickClients, clicksEach, orderClients, ordersEach int) (Load, []timing, []timing, error) {
	base, stop, err := serve(srv.Handler())
	if err != nil {
		return Load{}, nil, nil, err
	}
	defer stop()
	day := now.Format("2006-01-02")
	hitsBefore, err := hits(ctx, srv, who.clickers, day)
	if err != nil {
		return Load{}, nil, nil, err
	}
	entriesBefore, err := earned(ctx, srv, who.earners)
	if err != nil {
		return Load{}, nil, nil, err
	}
	loggedBefore := logged.Load()
	c := newClient(clickClients + orderClients)
	run := nonce()
	var errs, retries atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var clickTimes []timing
	w.time()
	start := time.Now()
	for k := range clickClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range clicksEach {
				// Spread over every clicker, each client starting elsewhere.
				code := who.clickers[(k*clicksEach+i)%len(who.clickers)]
				t := time.Now()
				if get(c, base+"/go/summit-2026/"+code) != nil {
					errs.Add(1)
				}
				mu.Lock()
				clickTimes = append(clickTimes, timing{d: time.Since(t)})
				mu.Unlock()
			}
		}()
	}
	for w := range orderClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ordersEach {
				id := fmt.Sprintf("load-%s-%d-%d", run, w, i)
				aff := who.earners[(w*ordersEach+i)%len(who.earners)]
				body := fmt.Sprintf(`{"id":%q,"type":"order.paid","occurred_at":"2026-11-20T11:00:00Z","currency":"USD","contact":{"email":"%s@example.org"},"affiliate":%q,"items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, id, id, aff)
				n, err := send(c, base+"/webhooks/orders", body, srv.WebhookSecret)
				retries.Add(int64(n))
				if err != nil {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	l := Load{ClickClients: clickClients, OrderClients: orderClients, Clicks: clickClients * clicksEach, Orders: orderClients * ordersEach,
		Seconds: took.Seconds(), Errors: int(errs.Load()), OrderRetries: int(retries.Load()), LoggedErrors: logged.Load() - loggedBefore,
		Click: latency(clickTimes)}
	writes := w.timings("UpdateItem")
	l.ClickWrite = latency(writes)
	l.ClicksPerSec, l.OrdersPerSec = float64(l.Clicks)/took.Seconds(), float64(l.Orders)/took.Seconds()
	hitsAfter, err := hits(ctx, srv, who.clickers, day)
	if err != nil {
		return l, writes, clickTimes, err
	}
	entriesAfter, err := earned(ctx, srv, who.earners)
	if err != nil {
		return l, writes, clickTimes, err
	}
	l.Affiliates = len(who.clickers)
	l.HitsCounted = hitsAfter - hitsBefore
	l.EntriesWritten = len(entriesAfter) - len(entriesBefore)
	l.CommissionSum = ledger.Sum(entriesAfter) - ledger.Sum(entriesBefore)
	l.CommissionWant = int64(l.Orders) * loadOrderCut
	return l, writes, clickTimes, nil
}

// hits are the summit clicks counted today for these affiliates.
func hits(ctx context.Context, srv *devserver.Server, affs []string, day string) (int64, error) {
	var n int64
	for _, aff := range affs {
		stats, err := srv.Store.Stats(ctx, aff, day, day)
		if err != nil {
			return n, err
		}
		for _, s := range stats {
			if s.Event == "summit-2026" {
				n += s.Hits
			}
		}
	}
	return n, nil
}

// earned are these affiliates' ledger entries around the load's month.
func earned(ctx context.Context, srv *devserver.Server, affs []string) ([]ledger.Entry, error) {
	var all []ledger.Entry
	for _, aff := range affs {
		es, err := srv.Store.Entries(ctx, aff, month.AddDate(0, -1, 0), month.AddDate(0, 2, 0))
		if err != nil {
			return nil, err
		}
		all = append(all, es...)
	}
	return all, nil
}

// launchCrowd adds n affiliates on the standard plan enrolled in the
// summit, as an import does (a launch recruits them in days), and clicks
// and pays them all: each click and order a different affiliate in turn.
func launchCrowd(ctx context.Context, srv *devserver.Server, n int) (audience, error) {
	var who audience
	const chunk = 1000 // the most rows one import request writes
	for from := 0; from < n; from += chunk {
		var b strings.Builder
		b.WriteString("code,name,email,plan,events\n")
		for i := from; i < min(from+chunk, n); i++ {
			code := fmt.Sprintf("launch-%05d", i)
			fmt.Fprintf(&b, "%s,Launch Affiliate %d,%s@example.org,standard,summit-2026\n", code, i, code)
			who.clickers = append(who.clickers, code)
		}
		if _, err := srv.Store.ImportCSV(ctx, []byte(b.String()), now); err != nil {
			return audience{}, fmt.Errorf("import the launch's affiliates: %w", err)
		}
	}
	who.earners = who.clickers
	// A launch imports its affiliates before it opens: deployed, every
	// function sees them within its cache period; the dev server's
	// functions are told at once instead of waiting for it.
	srv.Deps.ProgramChanged()
	return who, nil
}

// senderWaits are the pauses before a delivery is sent again after a 5xx
// or no answer: Stripe and Shopify retry such deliveries (over hours and
// days; here within seconds). The body, and so its id, is the same, so a
// delivery the first attempt recorded is a replay.
var senderWaits = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// send posts a webhook as a sender does: again after a 5xx or a
// transport error, until a 200 or its retries run out. It says how many
// times it sent it again.
func send(c *http.Client, url, body, secret string) (int, error) {
	err := post(c, url, body, secret)
	n := 0
	for ; err != nil && retryable(err) && n < len(senderWaits); n++ {
		time.Sleep(senderWaits[n])
		err = post(c, url, body, secret)
	}
	return n, err
}

// statusError is an answer other than 200.
type statusError int

func (e statusError) Error() string { return fmt.Sprintf("status %d", int(e)) }

// retryable: a 5xx or no answer at all; a 4xx is final.
func retryable(err error) bool {
	var s statusError
	return !errors.As(err, &s) || s >= 500
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
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return statusError(resp.StatusCode)
	}
	return nil
}
