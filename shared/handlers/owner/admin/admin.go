// Package admin serves the business owner's routes (/admin/*, SPEC section
// 9): payouts, adjustments and balances. Every route takes only an owner
// key; each handler decodes, calls package paying, and answers.
package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/app/building"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/jsonbody"
)

// request is what every admin handler works with: the request the owner
// gate let through, and the payout service.
type request struct {
	*web.Request
	svc *paying.Service
	st  *store.Store
	now time.Time
}

// serveRules serves an owner's route whose cold start reads the rules
// only (SPEC 15): every owner route reads the affiliates it shows or names
// by key, or a page of them at a time, never the whole program.
func serveRules(d *app.Deps, f func(ctx context.Context, r *request) (apigw.Response, error)) apigw.Handler {
	return serveOn(web.Site{Programs: d.Rules, Log: d.Log}, d, f)
}

// serveUploads is serveRules for a route whose form uploads a file (the
// import: it reads the affiliates its file names by key).
func serveUploads(d *app.Deps, f func(ctx context.Context, r *request) (apigw.Response, error)) apigw.Handler {
	return serveOn(web.Site{Programs: d.Rules, Log: d.Log, Uploads: true}, d, f)
}

func serveOn(site web.Site, d *app.Deps, f func(ctx context.Context, r *request) (apigw.Response, error)) apigw.Handler {
	svc := &paying.Service{Store: d.Store, Log: d.Log, Now: d.Now}
	return site.Owner(func(ctx context.Context, w *web.Request) (apigw.Response, error) {
		r := &request{Request: w, svc: svc, st: d.Store, now: d.Now()}
		resp, err := f(ctx, r)
		if err != nil && r.Format == web.Page {
			return web.Problem(w, err), nil
		}
		return resp, err
	})
}

// decode reads the JSON body (empty counts as {}) into v, refusing unknown
// fields, and returns the hash of its canonical form. A browser form's
// fields are read instead, those named in fields (form name to JSON name),
// as the JSON body they stand for.
func (r *request) decode(v any, fields map[string]string) (string, error) {
	body, err := apigw.Body(r.HTTP())
	if err != nil {
		return "", err
	}
	if r.Form != nil {
		m := map[string]any{}
		for name, field := range fields {
			if val := r.Form.Get(name); val != "" {
				m[field] = val
				if n, err := strconv.ParseInt(val, 10, 64); err == nil && field == "amount_cents" {
					m[field] = n
				}
			}
		}
		body, _ = json.Marshal(m)
	}
	return jsonbody.Into(body, 64<<10, v)
}

// instant parses an optional RFC 3339 field; def when empty.
func instant(field, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fault.Fields(map[string]string{field: "must be an RFC 3339 instant, like 2026-11-30T23:59:59Z"})
	}
	return t, nil
}

// answer is a payout's JSON, or, after a form, the payout's page.
func (r *request) answer(ctx context.Context, p *payout.Payout, status int, done string) (apigw.Response, error) {
	if r.Form != nil {
		return web.Redirect("/admin/payouts/" + url.PathEscape(p.ID) + "?done=" + done), nil
	}
	a, _, err := paying.Load(ctx, r.st, p)
	if err != nil {
		return apigw.Response{}, err
	}
	return apigw.JSON(status, a), nil
}

// CreatePayout serves POST /admin/payouts. Its cold start reads the rules
// only, and the affiliates a page at a time (SPEC 15); a payout not made
// within the request's time budget answers 202 with status building, and
// the payout queue's worker goes on with it (package building).
func CreatePayout(d *app.Deps) apigw.Handler {
	sqs, queueURL, budget := d.AWSSQS(), d.PayoutQueueURL(), d.PayoutBudget()
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		key := strings.TrimSpace(r.Header("Idempotency-Key"))
		if r.Form != nil { // the key the page made when it was drawn
			key = r.Form.Get("idempotency_key")
		}
		if key == "" || len(key) > 255 {
			return apigw.Response{}, fault.Fields(map[string]string{"Idempotency-Key": "header required: a unique value of up to 255 characters per payout"})
		}
		var body struct {
			AsOf string `json:"as_of"`
		}
		hash, err := r.decode(&body, nil)
		if err != nil {
			return apigw.Response{}, err
		}
		asOf, err := instant("as_of", body.AsOf, r.now)
		if err != nil {
			return apigw.Response{}, err
		}
		if asOf.After(r.now) {
			return apigw.Response{}, fault.New(fault.Unprocessable, "invalid_as_of", "as_of %s is in the future", body.AsOf)
		}
		began := time.Now()
		res, err := r.svc.Start(ctx, r.Program, key, hash, asOf, func() bool { return time.Since(began) >= budget })
		if err != nil {
			return apigw.Response{}, err
		}
		if b := res.Build; b != nil {
			if err := building.Queue(ctx, sqs, queueURL, *b); err != nil {
				return apigw.Response{}, err
			}
			r.Log.Info("payout building in the background", "payout", b.ID, "affiliates_done", b.Affiliates, "run", b.Run)
			if r.Form != nil {
				return web.Redirect("/admin/payouts/" + url.PathEscape(b.ID)), nil
			}
			return apigw.JSON(http.StatusAccepted, paying.BuildingAnswer(*b)), nil
		}
		status := http.StatusOK
		if res.Created {
			status = http.StatusCreated
			r.Log.Info("payout created", "payout", res.Payout.ID, "total_cents", res.Payout.TotalCents)
		}
		return r.answer(ctx, res.Payout, status, "created")
	})
}

// ListPayouts serves GET /admin/payouts, newest first.
func ListPayouts(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		ps, err := r.st.ListPayouts(ctx)
		if err != nil {
			return apigw.Response{}, err
		}
		out := struct {
			Payouts []paying.Shown `json:"payouts"`
		}{[]paying.Shown{}}
		if out.Payouts, err = buildingOnes(ctx, r, ps); err != nil {
			return apigw.Response{}, err
		}
		for i := range ps {
			a, _, err := paying.Load(ctx, r.st, &ps[i])
			if err != nil {
				return apigw.Response{}, err
			}
			out.Payouts = append(out.Payouts, paying.Shown{Answer: a})
		}
		if r.Format == "html" {
			return payoutsPage(ctx, r, out.Payouts)
		}
		return apigw.JSON(http.StatusOK, out), nil
	})
}

// GetPayout serves GET /admin/payouts/{id}: the payout, its items and the
// entries each took.
func GetPayout(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		p, b, err := payoutOrBuild(ctx, r)
		if err != nil {
			return apigw.Response{}, err
		}
		if b != nil {
			if r.Format == "html" {
				return buildingPage(r, *b)
			}
			return apigw.JSON(http.StatusOK, paying.BuildingAnswer(*b)), nil
		}
		a, items, err := paying.Load(ctx, r.st, p)
		if err != nil {
			return apigw.Response{}, err
		}
		byAff := map[string]payout.Item{}
		for _, it := range items {
			byAff[it.Affiliate] = it
		}
		for i := range a.Items {
			it := byAff[a.Items[i].Affiliate]
			es, err := r.st.EntriesByKey(ctx, it.Affiliate, it.Entries)
			if err != nil {
				return apigw.Response{}, err
			}
			a.Items[i].EntryList = entryRows(es)
		}
		if r.Format == "html" {
			return payoutPage(ctx, r, a, items)
		}
		return apigw.JSON(http.StatusOK, a), nil
	})
}

// EntryRow is a ledger entry as the owner's views list it.
type EntryRow struct {
	ID          string `json:"id"`
	At          string `json:"at"`
	Type        string `json:"type"`
	OrderID     string `json:"order_id,omitempty"`
	SKU         string `json:"sku,omitempty"`
	AmountCents int64  `json:"amount_cents"`
	AvailableOn string `json:"available_on"`
	Reason      string `json:"reason,omitempty"`
}

func entryRows(es []ledger.Entry) []EntryRow {
	rows := make([]EntryRow, 0, len(es))
	for _, e := range es {
		rows = append(rows, EntryRow{ID: e.ID, At: e.At.UTC().Format(time.RFC3339), Type: e.Type, OrderID: e.OrderID, SKU: e.SKU,
			AmountCents: e.AmountCents, AvailableOn: e.AvailableOn.UTC().Format(time.RFC3339), Reason: e.Reason})
	}
	return rows
}

// payoutOf is the payout the path names: 404 when there is none, 409 while
// it is being built.
func payoutOf(ctx context.Context, r *request) (*payout.Payout, error) {
	p, b, err := payoutOrBuild(ctx, r)
	if err == nil && b != nil {
		err = paying.Building(b.ID)
	}
	return p, err
}

// payoutOrBuild is the payout the path names, or its build while it has
// no record yet; 404 when neither is there.
func payoutOrBuild(ctx context.Context, r *request) (*payout.Payout, *payout.Build, error) {
	id := r.PathParameters["id"]
	p, err := r.st.GetPayout(ctx, id)
	if err != nil || p != nil {
		return p, nil, err
	}
	b, err := r.st.GetBuild(ctx, id)
	if err != nil || b != nil {
		return nil, b, err
	}
	return nil, nil, fault.New(fault.NotFound, "payout_not_found", "no payout %q", id)
}

// MarkPaid serves POST /admin/payouts/{id}/mark-paid.
func MarkPaid(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		var body struct {
			PaidAt    string `json:"paid_at"`
			Reference string `json:"reference"`
		}
		if _, err := r.decode(&body, map[string]string{"reference": "reference"}); err != nil {
			return apigw.Response{}, err
		}
		paidAt, err := instant("paid_at", body.PaidAt, r.now)
		if err != nil {
			return apigw.Response{}, err
		}
		p, err := r.svc.MarkPaid(ctx, r.PathParameters["id"], paidAt, body.Reference)
		if err != nil {
			return apigw.Response{}, err
		}
		return r.answer(ctx, p, http.StatusOK, "paid")
	})
}

// Cancel serves POST /admin/payouts/{id}/cancel.
func Cancel(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		p, err := r.svc.Cancel(ctx, r.PathParameters["id"])
		if err != nil {
			return apigw.Response{}, err
		}
		return r.answer(ctx, p, http.StatusOK, "canceled")
	})
}

// ItemReturned serves POST /admin/payouts/{id}/items/{affiliate}/returned.
func ItemReturned(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		var body struct {
			Reason string `json:"reason"`
		}
		if _, err := r.decode(&body, map[string]string{"reason": "reason"}); err != nil {
			return apigw.Response{}, err
		}
		if strings.TrimSpace(body.Reason) == "" {
			return apigw.Response{}, fault.Fields(map[string]string{"reason": "required: why the provider sent the money back"})
		}
		p, err := r.svc.Return(ctx, r.PathParameters["id"], r.PathParameters["affiliate"], body.Reason)
		if err != nil {
			return apigw.Response{}, err
		}
		return r.answer(ctx, p, http.StatusOK, "returned")
	})
}

// Export serves GET /admin/payouts/{id}/export?format=paypal|csv.
func Export(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		format := r.QueryStringParameters["format"]
		if format == "" {
			format = "csv"
		}
		if format != "csv" && format != "paypal" {
			return apigw.Response{}, fault.Fields(map[string]string{"format": "must be paypal or csv"})
		}
		p, err := payoutOf(ctx, r)
		if err != nil {
			return apigw.Response{}, err
		}
		items, err := r.st.PayoutItems(ctx, p.ID)
		if err != nil {
			return apigw.Response{}, err
		}
		var xs []payout.ExportItem
		for _, it := range items {
			if it.State == payout.ItemReady {
				xs = append(xs, payout.ExportItem{ID: it.ID, Affiliate: it.Affiliate, Name: it.Name, Email: it.Email,
					AmountCents: it.AmountCents, Entries: len(it.Entries), From: it.From, To: it.To})
			}
		}
		body, name := payout.CSV(xs, p.Currency), "tally-payout-"+p.ID+".csv"
		if format == "paypal" {
			body, name = payout.PayPal(xs, p.Currency), "tally-payout-"+p.ID+"-paypal.csv"
		}
		return apigw.CSV(name, body), nil
	})
}

var adjustmentID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

// Adjustment serves POST /admin/adjustments: a one-off entry, available at
// once, idempotent by id.
func Adjustment(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		var body struct {
			ID          string `json:"id"`
			Affiliate   string `json:"affiliate"`
			AmountCents *int64 `json:"amount_cents"`
			Reason      string `json:"reason"`
		}
		if r.Form != nil { // people type amounts in the currency's major units
			if amt := r.Form.Get("amount"); amt != "" {
				c, err := money.Parse(amt, r.Program.Currency)
				if err != nil {
					return apigw.Response{}, fault.Fields(map[string]string{"amount": fmt.Sprintf("%q is not an amount in %s, like 25.00 or -10", amt, r.Program.Currency)})
				}
				r.Form.Set("amount_cents", strconv.FormatInt(c, 10))
			}
		}
		hash, err := r.decode(&body, map[string]string{"id": "id", "affiliate": "affiliate", "amount_cents": "amount_cents", "reason": "reason"})
		if err != nil {
			return apigw.Response{}, err
		}
		f := map[string]string{}
		if !adjustmentID.MatchString(body.ID) {
			f["id"] = "required: 1 to 100 letters, digits or . _ : -"
		}
		if body.Affiliate == "" {
			f["affiliate"] = "required"
		}
		if body.AmountCents == nil || *body.AmountCents == 0 || *body.AmountCents > 1e12 || *body.AmountCents < -1e12 {
			f["amount_cents"] = "required: a non-zero whole number of cents"
		}
		if strings.TrimSpace(body.Reason) == "" {
			f["reason"] = "required: the affiliate reads it in their ledger"
		}
		if len(f) > 0 {
			return apigw.Response{}, fault.Fields(f)
		}
		// A former affiliate may still be owed, so may still be corrected;
		// read by key, as the page the form is on did.
		if a, _, err := r.st.GetAffiliate(ctx, body.Affiliate); err != nil || a == nil {
			if err != nil {
				return apigw.Response{}, err
			}
			return apigw.Response{}, fault.New(fault.Unprocessable, "unknown_affiliate", "no affiliate %q in the program", body.Affiliate)
		}
		if prev, err := r.st.GetAdjustment(ctx, body.ID); err != nil || prev != nil {
			return r.replay(prev, hash, err, body.Affiliate)
		}
		e := ledger.Entry{ID: "a:" + body.ID, Affiliate: body.Affiliate, At: r.now.UTC(), Type: ledger.TypeAdjustment,
			Rule: ledger.RuleAdjustment, AmountCents: *body.AmountCents, Reason: body.Reason, AvailableOn: r.now.UTC()}
		resp := map[string]any{"adjustment_id": body.ID, "entry_id": e.ID, "affiliate": e.Affiliate, "amount_cents": e.AmountCents,
			"reason": e.Reason, "at": e.At.Format(time.RFC3339), "available_on": e.AvailableOn.Format(time.RFC3339)}
		b, _ := json.Marshal(resp)
		switch err := r.st.PutAdjustment(ctx, body.ID, store.Adjustment{Hash: hash, Response: string(b)}, e); {
		case err == store.ErrExists: // a concurrent duplicate got there first
			prev, err := r.st.GetAdjustment(ctx, body.ID)
			return r.replay(prev, hash, err, body.Affiliate)
		case err != nil:
			return apigw.Response{}, err
		}
		if r.Form != nil {
			return web.Redirect("/admin/affiliates/" + url.PathEscape(body.Affiliate) + "?done=adjusted"), nil
		}
		return apigw.RawJSON(http.StatusCreated, string(b)), nil
	})
}

func (r *request) replay(prev *store.Adjustment, hash string, err error, affiliate string) (apigw.Response, error) {
	if err != nil {
		return apigw.Response{}, err
	}
	if prev == nil {
		return apigw.Response{}, fmt.Errorf("adjustment record vanished")
	}
	if prev.Hash != hash {
		return apigw.Response{}, fault.New(fault.Conflict, "id_conflict", "an adjustment with this id and another body exists")
	}
	if r.Form != nil { // the same form sent twice: one adjustment
		return web.Redirect("/admin/affiliates/" + url.PathEscape(affiliate) + "?done=adjusted"), nil
	}
	return apigw.RawJSON(http.StatusOK, prev.Response), nil
}

func parseInstant(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }
