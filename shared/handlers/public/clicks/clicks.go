// Package clicks serves the affiliate links (SPEC section 3): a long link
// /go/{event}/{affiliate} and a short one /s/{code} redirect to the event's
// page with a signed click token, and a person's visit counts as a hit.
package clicks

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/bots"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// CookieName is the first-party cookie that carries the click token.
const CookieName = "tally_click"

// The link parameters of SPEC section 13: a channel tag and a deep link.
const (
	SubParam = "sub"
	ToParam  = "to"
)

// countBound is the longest a visitor waits for the hit to be counted: a
// click always redirects, even when the table is down. A write is not given
// up while merely slow (one cut off may be applied or lost, nobody knows
// which), and Lambda runs nothing after the handler returns, so the click
// waits for the table's answer. On DynamoDB that takes milliseconds; the
// bound is met only by a table that is down or far behind, and leaves room
// for the SDK's retry of a throttled write (its first backoff is under 2 s).
// It is well under the function's 10 s timeout.
const countBound = 3 * time.Second

// deadlineMargin is kept between the end of the wait and the function's own
// deadline (the context's, in Lambda), to sign the token and answer.
const deadlineMargin = time.Second

// Counter adds one hit to its event's day total and, for a tagged click,
// to its tag (or "other" once the day has maxTags tags), and says which tag
// it counted under (store.CountHit).
type Counter interface {
	CountHit(ctx context.Context, affiliate, date, event, sub string, maxTags int) (string, error)
}

// Handler serves both link routes. Its cold start reads the program's
// rules only; the affiliate a link names is read by key the first time and
// kept for the cache period, and a short code's pair for as long as there
// is room (SPEC 15: nothing reads every affiliate on a request path).
type Handler struct {
	programs   *program.Cache // the rules
	affiliates *program.Known
	keys       *clicktoken.Keys
	counter    Counter
	log        *slog.Logger
	now        func() time.Time
	wait       time.Duration // how long a hit may take to count
}

// New builds the click handler; the click key is checked at cold start.
func New(d *app.Deps) *Handler {
	return &Handler{programs: d.Rules, affiliates: d.Affiliates, keys: d.ClickKeys(), counter: d.Store, log: d.Log, now: d.Now, wait: countBound}
}

// WithCounter replaces where hits are written (benchmarks use an in-memory
// stand-in to measure the handler alone).
func (h *Handler) WithCounter(c Counter) *Handler { h.counter = c; return h }

// WithCountTimeout changes how long a hit may take to count before the
// visitor is sent on without it (tests of exact counts on a loaded machine).
// The function's own deadline still shortens it (see waitFor).
func (h *Handler) WithCountTimeout(d time.Duration) *Handler { h.wait = d; return h }

// Long serves GET /go/{event}/{affiliate}.
func Long(d *app.Deps) apigw.Handler { return New(d).Long }

// Short serves GET /s/{code}.
func Short(d *app.Deps) apigw.Handler { return New(d).Short }

// Long resolves a long link.
func (h *Handler) Long(ctx context.Context, req apigw.Request) (apigw.Response, error) {
	p, ok := h.program(ctx, req)
	if !ok {
		return fallbackNoProgram(), nil
	}
	event, aff := req.PathParameters["event"], req.PathParameters["affiliate"]
	if !program.ValidSlug(event) || !program.ValidCode(aff) {
		return redirect(p.FallbackURL, nil), nil
	}
	return h.click(ctx, req, p, event, aff), nil
}

// Short resolves a short link from memory.
func (h *Handler) Short(ctx context.Context, req apigw.Request) (apigw.Response, error) {
	p, ok := h.program(ctx, req)
	if !ok {
		return fallbackNoProgram(), nil
	}
	code := req.PathParameters["code"]
	if code == "" || len(code) > 32 {
		return redirect(p.FallbackURL, nil), nil
	}
	l, found, err := h.affiliates.ShortLink(ctx, code)
	if err != nil {
		apigw.Logger(ctx, h.log, req).Error("short link not read", "err", err.Error())
	}
	if !found {
		return redirect(p.FallbackURL, nil), nil
	}
	return h.click(ctx, req, p, l.Event, l.Affiliate), nil
}

func (h *Handler) program(ctx context.Context, req apigw.Request) (*program.Program, bool) {
	p, err := h.programs.Get(ctx)
	if err != nil {
		apigw.Logger(ctx, h.log, req).Error("no program for a click", "err", err.Error())
		return nil, false
	}
	return p, true
}

// click redirects an (event, affiliate) pair: to the event's page with a
// token when the affiliate is active and enrolled, else to the fallback. The
// Location is only ever a configured URL.
func (h *Handler) click(ctx context.Context, req apigw.Request, rules *program.Program, event, aff string) apigw.Response {
	// The one affiliate this click needs, resolved into a view of the rules
	// before anything is decided.
	known, _, err := h.affiliates.Affiliate(ctx, aff)
	if err != nil {
		apigw.Logger(ctx, h.log, req).Error("affiliate not read", "affiliate", aff, "err", err.Error())
	}
	var as []program.Affiliate
	if known != nil {
		as = []program.Affiliate{*known}
	}
	p := rules.With(as, nil)
	ev, okEv := p.Event(event)
	a, okAff := p.Affiliate(aff)
	if !okEv || !okAff || !a.IsActive() || !a.EnrolledIn(event) {
		return redirect(p.FallbackURL, nil)
	}
	now := h.now()
	date := period.Date(now, p.Location())
	visitor, err := url.ParseQuery(req.RawQueryString)
	if err != nil {
		visitor = nil // a malformed query is not passed on, and names no tag or page
	}
	sub := clicktoken.NormalizeSub(visitor.Get(SubParam))
	if bots.Countable(req.RequestContext.HTTP.Method, apigw.Header(req, "User-Agent")) {
		sub = h.count(ctx, req, aff, event, sub, date, p.TagsPerDay())
	}
	// The token carries the tag the click counted under, so its opt-ins
	// and orders count there too ("other" past the day's limit).
	token := h.keys.Sign(clicktoken.Claims{Affiliate: aff, Event: event, At: now, Sub: sub})
	cookie := CookieName + "=" + token + "; Max-Age=" + strconv.Itoa(p.CookieDays*86400) + "; Path=/; HttpOnly; Secure; SameSite=Lax"
	return redirect(withToken(ev.Destination(date, visitor.Get(ToParam)), visitor, token), []string{cookie})
}

// count adds the hit (see store.CountHit: one write, and one more for a
// tag) and returns the tag it counted under. A failure is logged; the
// visitor is redirected anyway, with the tag they came with.
func (h *Handler) count(ctx context.Context, req apigw.Request, aff, event, sub, date string, maxTags int) string {
	wait := waitFor(ctx, h.wait, time.Now())
	cctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	counted, err := h.counter.CountHit(cctx, aff, date, event, sub, maxTags)
	switch {
	case err != nil && cctx.Err() != nil:
		// Cut off in flight: the table may still apply the write.
		apigw.Logger(ctx, h.log, req).Error("hit not known to be counted: no answer in time", "affiliate", aff, "event", event, "waited_ms", wait.Milliseconds(), "err", err.Error())
	case err != nil:
		apigw.Logger(ctx, h.log, req).Error("hit not counted", "affiliate", aff, "event", event, "err", err.Error())
	}
	if counted == "" {
		return sub
	}
	return counted
}

// waitFor is how long a hit may take: the bound, shortened to leave
// deadlineMargin before the function's own deadline when it has one.
func waitFor(ctx context.Context, bound time.Duration, now time.Time) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if left := dl.Sub(now) - deadlineMargin; left < bound {
			return max(left, 0)
		}
	}
	return bound
}

// withToken keeps the visitor's own query (utm_* and the like) and adds the
// click token, replacing any tally_click they brought. The link's own
// parameters (sub, to) are Tally's and are not passed on.
func withToken(dest string, visitor url.Values, token string) string {
	u, err := url.Parse(dest)
	if err != nil {
		return dest
	}
	q := u.Query()
	for k, vs := range visitor {
		if k == CookieName || k == SubParam || k == ToParam {
			continue
		}
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	q.Set(CookieName, token)
	u.RawQuery = q.Encode()
	return u.String()
}

func redirect(location string, cookies []string) apigw.Response {
	return apigw.Response{
		StatusCode: http.StatusFound,
		Headers: map[string]string{
			"Location":               location,
			"Cache-Control":          "no-store",
			"Referrer-Policy":        "no-referrer-when-downgrade",
			"X-Content-Type-Options": "nosniff",
		},
		Cookies: cookies,
	}
}

// fallbackNoProgram is the answer when not even the program can be read (a
// cold start with the table down): there is no configured URL to send the
// visitor to, so say so plainly instead of guessing.
func fallbackNoProgram() apigw.Response {
	return apigw.Response{
		StatusCode: http.StatusServiceUnavailable,
		Headers:    map[string]string{"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "Retry-After": "5", "X-Content-Type-Options": "nosniff"},
		Body:       strings.TrimSpace("This link is briefly unavailable. Please try again in a moment."),
	}
}
