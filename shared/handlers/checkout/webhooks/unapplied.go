package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/web/apierr"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// A checkout (Stripe, Shopify) retries every answer but a 2xx for days,
// then disables the endpoint, so its webhooks answer 5xx only for what a
// retry can fix; a delivery that is authentic but cannot be applied as sent
// answers 200 {"unapplied": code} and is kept for the owner, who can apply
// it again once the cause is fixed (SPEC 10).

// MaxCheckoutBody is the largest body a checkout's webhook takes.
const MaxCheckoutBody = 5 << 20

// CodeStripeKey is the code of a Stripe API answer of 401 or 403: a key
// setting the owner can fix while Stripe still retries, so it is a 5xx,
// and a warning on /admin.
const CodeStripeKey = "stripe_key_refused"

// Source is one checkout's webhook: how a delivery is checked, named and
// applied.
type Source struct {
	Name string // stripe, shopify
	// Topic is what a delivery is about when its body does not say
	// (Shopify's X-Shopify-Topic); nil when the body says.
	Topic func(req apigw.Request) string
	// Verify checks the checkout's own signature of the raw body.
	Verify func(req apigw.Request, body []byte) error
	// ID is the id an unapplied delivery is kept under: the same for every
	// delivery of one object (KeptID).
	ID func(topic string, body []byte) string
	// Apply translates and records a delivery. An apierr of a 4xx status
	// means it cannot be applied as sent; any other error, that a retry may
	// apply it.
	Apply func(ctx context.Context, topic string, body []byte, log *slog.Logger) (any, error)
}

// Unapplied is the answer to a delivery kept as an unapplied event.
type Unapplied struct {
	Unapplied string `json:"unapplied"`
	ID        string `json:"id"`
	Message   string `json:"message"`
}

// Statused is an answer with a 2xx status of its own (200 otherwise).
type Statused interface{ Status() int }

var keptIDChars = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// KeptID is prefix and the body's top-level "id" (Stripe's event id,
// Shopify's order or refund id), or, when the body has none that is fit
// for a URL, "body-" and the start of the body's SHA-256: either way, a
// redelivery of the same object is the same id.
func KeptID(prefix string, body []byte) string {
	var top struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(body, &top) == nil {
		var s string
		var n json.Number
		if json.Unmarshal(top.ID, &s) == nil && keptIDChars.MatchString(s) {
			return prefix + s
		}
		if json.Unmarshal(top.ID, &n) == nil && keptIDChars.MatchString(n.String()) {
			return prefix + n.String()
		}
	}
	sum := sha256.Sum256(body)
	return prefix + "body-" + hex.EncodeToString(sum[:12])
}

// cannotApply is the error's 4xx kind when the delivery cannot be applied
// as sent; nil when a retry may apply it (a table call, Stripe down, a key).
func cannotApply(err error) *apierr.Error {
	var e *apierr.Error
	if errors.As(err, &e) && e.Status >= 400 && e.Status < 500 {
		return e
	}
	return nil
}

// message is an error in one line: its fields, each with what is wrong,
// so the owner sees which amount or field it was.
func message(e *apierr.Error) string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	var fs []string
	for f, m := range e.Fields {
		fs = append(fs, f+": "+m)
	}
	sort.Strings(fs)
	return strings.Join(fs, "; ")
}

// Serve is a checkout webhook's outer part: the signature check (a bad one
// is 401, nothing read or written), the size limit, then Apply, whose
// answer is JSON; what cannot be applied is kept and answered 200.
func (c *Checkout) Serve(ctx context.Context, req apigw.Request, src Source) apigw.Response {
	log := apigw.Logger(ctx, c.r.log, req).With("checkout", src.Name)
	body, err := apigw.Body(req)
	if err != nil {
		return apigw.Error(log, err)
	}
	if err := src.Verify(req, body); err != nil {
		log.Warn("webhook refused", "err", err.Error())
		return apigw.Error(log, apierr.New(http.StatusUnauthorized, "bad_signature", "missing or wrong signature, or a stale timestamp"))
	}
	topic := ""
	if src.Topic != nil {
		topic = src.Topic(req)
	}
	id := src.ID(topic, body)
	log = log.With("checkout_event", id)
	if len(body) > MaxCheckoutBody {
		return c.keep(ctx, log, src, topic, id, nil, apierr.New(http.StatusRequestEntityTooLarge, "too_large",
			"the body is %d bytes, over the %d MB a checkout's webhook takes: record the order through /webhooks/orders", len(body), MaxCheckoutBody>>20))
	}
	out, err := src.Apply(ctx, topic, body, log)
	if pa, ok := out.(PartlyApplied); ok && err == nil {
		// Applied up to what was paid; the rest is listed for the owner.
		// Not listing it loses no money, so it is logged, not retried.
		ev := store.CheckoutEvent{Source: src.Name, ID: id, Topic: topic, Code: "over_refund", Message: pa.Why}
		if _, err := c.r.st.KeepCheckoutEvent(ctx, ev, body, true, c.r.now()); err != nil {
			log.Error("over-refund applied in part, not listed", "err", err.Error())
		}
		return answerOf(pa.Body)
	}
	if err == nil {
		return answerOf(out)
	}
	if e := cannotApply(err); e != nil {
		return c.keep(ctx, log, src, topic, id, body, e)
	}
	if e := apierr.From(err); e.Code == CodeStripeKey {
		c.warn(ctx, log, src.Name, e)
	}
	return apigw.Error(log, err)
}

func answerOf(out any) apigw.Response {
	status := http.StatusOK
	if s, ok := out.(Statused); ok {
		status = s.Status()
	}
	if raw, ok := out.(json.RawMessage); ok {
		return apigw.Response{StatusCode: status, Headers: map[string]string{
			"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
		}, Body: string(raw)}
	}
	return apigw.JSON(status, out)
}

// PartlyApplied is a refund applied up to what the buyer paid, with money
// beyond it: answered as applied, and listed as unapplied over_refund.
type PartlyApplied struct {
	Body json.RawMessage
	Why  string
}

// keep records the delivery as unapplied and answers 200; a failure to
// record it is a 5xx, so the checkout delivers it again.
func (c *Checkout) keep(ctx context.Context, log *slog.Logger, src Source, topic, id string, body []byte, e *apierr.Error) apigw.Response {
	ev := store.CheckoutEvent{Source: src.Name, ID: id, Topic: topic, Code: e.Code, Message: message(e)}
	ev, err := c.r.st.KeepCheckoutEvent(ctx, ev, body, true, c.r.now())
	if err != nil {
		return apigw.Error(log, err)
	}
	log.Warn("checkout event not applied", "code", ev.Code, "message", ev.Message)
	return apigw.JSON(http.StatusOK, Unapplied{Unapplied: ev.Code, ID: ev.ID, Message: ev.Message})
}

// warnFor is how long a key warning shows after the last refusal: as long
// as Stripe retries a delivery.
const warnFor = 3 * 24 * time.Hour

func (c *Checkout) warn(ctx context.Context, log *slog.Logger, source string, e *apierr.Error) {
	now := c.r.now().UTC()
	w := store.CheckoutWarning{Name: source + "_key", Message: e.Message, At: now}
	if err := c.r.st.PutCheckoutWarning(ctx, w, now.Add(warnFor)); err != nil {
		log.Error("checkout warning not recorded", "err", err.Error())
	}
}

// RetryResult is the answer to applying a kept event again.
type RetryResult struct {
	ID      string `json:"id"`
	Applied bool   `json:"applied"`
	Answer  any    `json:"answer,omitempty"` // the webhook's answer, when applied
	Code    string `json:"code,omitempty"`   // why not, when still unapplied
	Message string `json:"message,omitempty"`
}

// Retry applies a kept event again from its stored body, through its
// source's Apply (its signature was checked when it arrived). Applied (or
// already recorded: the replay's answer), it is removed; still not
// applicable, it is kept with the new code and message; an error a retry
// may fix leaves it as it was.
func Retry(ctx context.Context, st *store.Store, now time.Time, id string, sources []Source, log *slog.Logger) (RetryResult, error) {
	ev, body, err := st.GetCheckoutEvent(ctx, id, now)
	if err != nil {
		return RetryResult{}, err
	}
	if ev == nil {
		return RetryResult{}, apierr.NotFound("checkout_event_not_found", "no unapplied checkout event %q", id)
	}
	if body == nil {
		return RetryResult{}, apierr.Unprocessable("body_not_kept", "the body of %s was too large to keep; record the order through /webhooks/orders", id)
	}
	var src *Source
	for i := range sources {
		if sources[i].Name == ev.Source {
			src = &sources[i]
		}
	}
	if src == nil {
		return RetryResult{}, apierr.Unprocessable("checkout_not_configured", "%s is not configured on this deployment", ev.Source)
	}
	log = log.With("checkout", ev.Source, "checkout_event", id)
	out, err := src.Apply(ctx, ev.Topic, body, log)
	if err == nil {
		if err := st.DeleteCheckoutEvent(ctx, *ev); err != nil {
			return RetryResult{}, fmt.Errorf("applied, but not removed from the list: %w", err)
		}
		log.Info("checkout event applied again")
		if pa, ok := out.(PartlyApplied); ok {
			out = pa.Body
		}
		if raw, ok := out.(json.RawMessage); ok {
			out = raw
		}
		return RetryResult{ID: id, Applied: true, Answer: out}, nil
	}
	e := cannotApply(err)
	if e == nil {
		return RetryResult{}, err
	}
	ev.Code, ev.Message = e.Code, message(e)
	kept, err := st.KeepCheckoutEvent(ctx, *ev, nil, false, now)
	if err != nil {
		return RetryResult{}, err
	}
	log.Info("checkout event still not applied", "code", kept.Code)
	return RetryResult{ID: id, Code: kept.Code, Message: kept.Message}, nil
}
