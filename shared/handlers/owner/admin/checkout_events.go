package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// The checkout deliveries Tally could not apply (SPEC 10): the owner sees
// each, with what to do about it, and applies it again once the cause is
// fixed.

// CheckoutEventAnswer is one event in the JSON and CSV.
type CheckoutEventAnswer struct {
	Source  string `json:"source"`
	ID      string `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
	At      string `json:"at"`
}

var checkoutEventHeader = []string{"source", "id", "code", "message", "at"}

// CheckoutEventsPage is GET /admin/checkout-events as a page.
type CheckoutEventsPage struct {
	Events   []CheckoutEventRow
	Warnings []CheckoutWarningRow
	Done     string // applied, kept: after a retry
	DoneID   string
	Days     int
}

// CheckoutEventRow is one event on the page.
type CheckoutEventRow struct {
	Title, ID, Code, Label, Message, Advice string
	At, LastAt                              string
	Deliveries                              int64
	Retry                                   string // the retry form's action; "" when the body was not kept
}

// CheckoutWarningRow is a standing warning on the page and the overview.
type CheckoutWarningRow struct {
	Message, At string
}

// advice says, per code, what the code means and what the owner can do,
// in the owner's words.
var advice = map[string][2]string{
	"invalid_field": {"A field Tally cannot read",
		"The checkout sent a value Tally cannot use as it is (the message names the field): an amount with more decimals than its currency has, a missing id or date, a quantity out of range. Correct the order in the checkout if you can and apply it again; otherwise record it by hand through /webhooks/orders, or give the affiliate an adjustment."},
	"invalid_amount": {"An amount Tally cannot read exactly",
		"An amount in the delivery has more decimals than its currency has, or is not a plain number (the message names the field). Tally never rounds money it is sent. Correct the order in the checkout if you can and apply it again; otherwise record it by hand through /webhooks/orders, or give the affiliate an adjustment."},
	"invalid_json": {"Not the expected format",
		"The delivery is not the JSON Tally reads. In Shopify, set the webhook's format to JSON; in Stripe, check the endpoint listens to the events docs/integrations.md names. Then apply it again."},
	"currency_mismatch": {"Another currency",
		"The order is in another currency than the program's, and Tally counts all commissions in one currency. For Stripe, let the account settle in the program's currency; if the program's currency is wrong, change currency in the program file. Then apply it again."},
	"over_refund": {"Refunded more than was paid",
		"The checkout refunded more than the buyer paid for the order's products (shipping is not counted). Every commission of the order has been or will be taken back in full; nothing more can be taken. Check the order in the checkout; there is usually nothing to apply again."},
	"too_many_lines": {"Too many products in one order",
		"The order has more different products than Tally records in one order (40). Record it by hand in parts through /webhooks/orders, or give the affiliate an adjustment."},
	"id_conflict": {"Sent again with different content",
		"The checkout sent this order again with different products or amounts from what Tally recorded first. Tally keeps the first; if the change matters, give the affiliate an adjustment."},
	"order_not_found": {"A refund of an order Tally does not have",
		"A refund arrived for an order Tally has not recorded. Once the order is recorded (its own delivery, or by hand), apply the refund again."},
	"stripe_refused": {"Stripe refused a read",
		"Stripe refused to give Tally something it needs for this event (the message says what): usually the API key is from the other mode (test or live) or another account, or the object was deleted. Fix the key (TALLY_STRIPE_API_KEY), then apply it again."},
	"too_large": {"Too large to keep",
		"The delivery was over 5 MB, so Tally did not keep it and cannot apply it again. Record the order by hand through /webhooks/orders."},
}

func adviceFor(code string) (string, string) {
	if a, ok := advice[code]; ok {
		return a[0], a[1]
	}
	return code, "Read the message: fix the cause in the checkout or in the program file (a product's SKU, an affiliate), then apply it again."
}

// checkoutTitle names an event for its owner: "Shopify order 820982911946154508".
func checkoutTitle(e store.CheckoutEvent) string {
	src := map[string]string{"stripe": "Stripe", "shopify": "Shopify"}[e.Source]
	if src == "" {
		src = e.Source
	}
	rest := strings.TrimPrefix(e.ID, e.Source+":")
	if kind, id, ok := strings.Cut(rest, ":"); ok {
		return src + " " + kind + " " + id
	}
	return src + " event " + rest
}

func (r *request) when(t time.Time) string {
	return t.In(r.Program.Location()).Format("Jan 2, 2006 15:04")
}

// CheckoutEvents serves GET /admin/checkout-events: the checkout
// deliveries Tally could not apply, newest first, as a page, JSON or CSV.
func CheckoutEvents(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		events, warnings, err := r.st.CheckoutEvents(ctx, r.now)
		if err != nil {
			return apigw.Response{}, err
		}
		out := make([]CheckoutEventAnswer, 0, len(events))
		for _, e := range events {
			out = append(out, CheckoutEventAnswer{Source: e.Source, ID: e.ID, Code: e.Code, Message: e.Message, At: e.At.UTC().Format(time.RFC3339)})
		}
		switch r.Format {
		case web.CSV:
			rows := make([][]any, 0, len(out))
			for _, e := range out {
				rows = append(rows, []any{e.Source, e.ID, e.Code, e.Message, e.At})
			}
			return r.csv("tally-checkout-events.csv", checkoutEventHeader, rows), nil
		case web.JSON:
			return r.json(struct {
				Events []CheckoutEventAnswer `json:"events"`
			}{out}), nil
		}
		q := r.QueryStringParameters
		pg := CheckoutEventsPage{Done: q["done"], DoneID: q["id"], Days: store.CheckoutEventDays, Warnings: r.warnings(warnings)}
		for _, e := range events {
			label, adv := adviceFor(e.Code)
			row := CheckoutEventRow{Title: checkoutTitle(e), ID: e.ID, Code: e.Code, Label: label, Message: e.Message, Advice: adv,
				At: r.when(e.At), LastAt: r.when(e.LastAt), Deliveries: e.Deliveries}
			if e.Parts > 0 {
				row.Retry = "/admin/checkout-events/" + url.PathEscape(e.ID) + "/retry"
			}
			pg.Events = append(pg.Events, row)
		}
		return r.page("admin-checkout-events", "Checkout events", "checkout-events", pg)
	})
}

func (r *request) warnings(ws []store.CheckoutWarning) []CheckoutWarningRow {
	out := make([]CheckoutWarningRow, 0, len(ws))
	for _, w := range ws {
		out = append(out, CheckoutWarningRow{Message: w.Message, At: r.when(w.At)})
	}
	return out
}

// RetryCheckoutEvent serves POST /admin/checkout-events/{id}/retry over
// the checkouts configured (sources): the event is applied again from its
// kept body. JSON: 200 with the webhook's answer when applied, 422 with
// the new code when it still cannot be; a form goes back to the list,
// which says which.
func RetryCheckoutEvent(d *app.Deps, sources []webhooks.Source) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		id := r.PathParameters["id"]
		res, err := webhooks.Retry(ctx, r.st, r.now, id, sources, r.Log)
		if err != nil {
			return apigw.Response{}, err
		}
		if r.Form != nil {
			done := "applied"
			if !res.Applied {
				done = "kept"
			}
			return web.Redirect("/admin/checkout-events?" + url.Values{"done": {done}, "id": {id}}.Encode()), nil
		}
		if !res.Applied {
			return apigw.Response{}, fault.New(fault.Unprocessable, res.Code, "still not applied: %s", res.Message)
		}
		return apigw.JSON(http.StatusOK, res), nil
	})
}
