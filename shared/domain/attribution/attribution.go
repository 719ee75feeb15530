// Package attribution decides who referred an opt-in or an order (SPEC
// section 4), as one pure function: from the program, what the webhook says
// (a click token, a named affiliate, its time) and the contact's current
// touch, to the referral, the contact's next touch and the warnings. The
// handlers read the contact, call Decide and write what it returns.
package attribution

import (
	"fmt"
	"time"

	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// Skew is how far a touch may be dated after the webhook it is compared
// with and still count as before it: the click's server and the sender's
// clock may disagree by this much. It is the one rule wherever a touch's
// time meets a webhook's occurred_at (a click token in the payload, or the
// contact's stored touch), so an opt-in and an order at the same instant
// always agree on who referred the person.
const Skew = 5 * time.Minute

// Touch is what attributes a person to an affiliate: a click or an opt-in
// through one of their links.
type Touch struct {
	Affiliate string    `json:"affiliate"`
	Event     string    `json:"event"`         // the event of the link
	At        time.Time `json:"at"`            // when the click or opt-in happened
	Via       string    `json:"via"`           // click, optin or coupon
	Sub       string    `json:"sub,omitempty"` // the link's channel tag, if any
}

// Contact is who a person is attributed to, as recorded: their touch, and
// the version of the record, so a change is written only over the one read.
type Contact struct {
	Affiliate string    `json:"affiliate"`
	Event     string    `json:"event"`
	At        time.Time `json:"at"`
	Via       string    `json:"via"`
	Sub       string    `json:"sub,omitempty"` // the channel tag of the link that attributed them
	Version   int64     `json:"version"`
}

// Touch kinds.
const (
	ViaClick  = "click"
	ViaOptIn  = "optin"
	ViaCoupon = "coupon" // an order's coupon code (SPEC 17)
)

// Kind is what a webhook reports.
type Kind int

// Webhook kinds: they differ in what a named affiliate does (an opt-in's
// touches the contact, an order's only refers the order) and in which of
// their events the webhook counts on.
const (
	OptIn Kind = iota
	Order
)

// Evidence is everything a webhook tells about who referred it.
type Evidence struct {
	Kind      Kind
	At        time.Time // the webhook's occurred_at
	Click     string    // a click token; "" for none
	Affiliate string    // the affiliate the webhook names; "" for none
	Event     string    // an opt-in's event
	SKUs      []string  // an order's lines, in order
	Coupons   []string  // an order's coupon codes as the buyer gave them, in order
	Current   *Touch    // the contact's attribution now; nil for none
}

// Referral is who referred an opt-in or an order, and how; Affiliate ""
// is nobody. The webhook counts on LinkEvent's link.
type Referral struct {
	Affiliate string
	LinkEvent string // the event of the link the person came in on
	Via       string // ledger.ViaClick, ViaCoupon, ViaAffiliate or ViaContact
	Sub       string // the channel tag of the link, "" for none
	Coupon    string // via a coupon: the code, as its affiliate holds it
}

// Decision is what Decide returns.
type Decision struct {
	Referral Referral
	Next     *Touch // the contact's new attribution; nil when it does not change
	Owner    string // whom a touched contact belongs to afterwards (an opt-in's attributed_to); "" when untouched
	Warnings []string
}

// Decide works out who referred a webhook:
//   - a valid click token (valid: its signature holds, it is dated no more
//     than Skew after At and no more than cookie_days before it, and its
//     affiliate is active and enrolled in its event), and, for an order, its
//     first known coupon code (of an active affiliate enrolled in some
//     event): both in the order the program's coupon_precedence says
//     (coupon, the default: the code first; click: the click first);
//   - else the named affiliate, when active and enrolled in some event;
//   - else (orders only) the contact's current touch, while it lasts and when
//     dated no more than Skew after At, and its affiliate is still active and
//     enrolled in its event;
//   - else nobody.
//
// A click touches the contact, and so do an order's code that decided it
// and an opt-in's named affiliate; Apply decides whether the touch changes
// the contact's attribution. An invalid click, an unusable code or named
// affiliate is a warning, never an error.
func Decide(p *program.Program, keys *clicktoken.Keys, ev Evidence) Decision {
	var d Decision
	var touch *Touch
	var byClick, byCoupon *Referral
	var clickTouch *Touch
	if ev.Click != "" {
		if c, why := ValidClick(p, keys, ev.Click, ev.At); why == "" {
			byClick = &Referral{Affiliate: c.Affiliate, LinkEvent: c.Event, Via: ledger.ViaClick, Sub: c.Sub}
			clickTouch = &Touch{Affiliate: c.Affiliate, Event: c.Event, At: c.At, Via: ViaClick, Sub: c.Sub}
		} else {
			d.Warnings = append(d.Warnings, why)
		}
	}
	if ev.Kind == Order {
		var warnings []string
		byCoupon, warnings = couponReferral(p, ev)
		d.Warnings = append(d.Warnings, warnings...)
	}
	first, second := byCoupon, byClick
	if p.CouponPrecedence == program.PrecedenceClick {
		first, second = byClick, byCoupon
	}
	if first == nil {
		first = second
	}
	if first != nil {
		d.Referral = *first
		// What decided the order touches the contact: the click, or the
		// code as of the order's time.
		touch = clickTouch
		if first == byCoupon {
			touch = &Touch{Affiliate: first.Affiliate, Event: first.LinkEvent, At: ev.At, Via: ViaCoupon}
		}
	}
	if d.Referral.Affiliate == "" && ev.Affiliate != "" {
		a, ok := p.Affiliate(ev.Affiliate)
		switch {
		case !ok || !a.IsActive():
			d.Warnings = append(d.Warnings, fmt.Sprintf("affiliate %q is unknown or inactive (ignored)", ev.Affiliate))
		case len(a.Events) == 0:
			d.Warnings = append(d.Warnings, fmt.Sprintf("affiliate %q is enrolled in no event (ignored)", ev.Affiliate))
		default:
			d.Referral = Referral{Affiliate: a.Code, LinkEvent: namedEvent(p, a, ev), Via: ledger.ViaAffiliate}
			if ev.Kind == OptIn {
				touch = &Touch{Affiliate: a.Code, Event: d.Referral.LinkEvent, At: ev.At, Via: ViaOptIn}
			}
		}
	}
	if d.Referral.Affiliate == "" && ev.Kind == Order && Holds(p, ev.Current, ev.At) {
		d.Referral = Referral{Affiliate: ev.Current.Affiliate, LinkEvent: ev.Current.Event, Via: ledger.ViaContact, Sub: ev.Current.Sub}
	}
	if touch == nil {
		return d
	}
	next, changed := Apply(p, ev.Current, *touch)
	if changed {
		d.Next = next
	}
	d.Owner = next.Affiliate
	return d
}

// couponReferral is who an order's coupon codes refer it to (SPEC 17): its
// first known code (one an affiliate holds, whatever its case), when that
// affiliate is active and enrolled in some event, counting on the event an
// order naming the affiliate would. Every other code is a warning: an
// ill-formed or unknown one, a known one of an inactive or former
// affiliate, and each code after the first known one. nil: no code refers it.
func couponReferral(p *program.Program, ev Evidence) (*Referral, []string) {
	var ref *Referral
	var warnings []string
	first := ""
	for _, code := range ev.Coupons {
		switch owner, known := p.CouponOwner(code); {
		case code == "":
		case first != "":
			warnings = append(warnings, fmt.Sprintf("coupon code %q ignored: only the order's first known code, %q, counts", code, first))
		case !program.ValidCoupon(code):
			warnings = append(warnings, fmt.Sprintf("coupon code %q is not a valid code (ignored)", code))
		case !known:
			warnings = append(warnings, fmt.Sprintf("coupon code %q is unknown (ignored)", code))
		default:
			first = code
			a, ok := p.Affiliate(owner)
			switch {
			case !ok || !a.IsActive():
				warnings = append(warnings, fmt.Sprintf("coupon code %q belongs to an inactive or former affiliate (ignored)", code))
			case len(a.Events) == 0:
				warnings = append(warnings, fmt.Sprintf("coupon code %q belongs to an affiliate enrolled in no event (ignored)", code))
			default:
				ref = &Referral{Affiliate: a.Code, LinkEvent: namedEvent(p, a, ev), Via: ledger.ViaCoupon, Coupon: heldAs(a, code)}
			}
		}
	}
	return ref, warnings
}

// heldAs is a code as its affiliate holds it (the case they chose), so an
// order's code is counted under one spelling whatever the buyer typed.
func heldAs(a *program.Affiliate, code string) string {
	for _, c := range a.Coupons {
		if program.CouponKey(c) == program.CouponKey(code) {
			return c
		}
	}
	return program.CouponKey(code)
}

// namedEvent is the event a webhook that only names the affiliate counts
// on. An opt-in: its event when they are enrolled in it. An order: the first
// line whose product belongs to an event they are enrolled in. Else their
// first enrolled event (program order), so every counted webhook has a row.
func namedEvent(p *program.Program, a *program.Affiliate, ev Evidence) string {
	if ev.Kind == OptIn && a.EnrolledIn(ev.Event) {
		return ev.Event
	}
	if ev.Kind == Order {
		for _, sku := range ev.SKUs {
			if prod, ok := p.Product(sku); ok && a.EnrolledIn(prod.Event) {
				return prod.Event
			}
		}
	}
	return a.Events[0]
}

// precedes says whether a touch dated touchAt counts as before a webhook
// at at: it may be up to Skew later.
func precedes(touchAt, at time.Time) bool { return !touchAt.After(at.Add(Skew)) }

// Lasts says whether a touch still attributes at t: cookie_days counted from
// the touch.
func (t *Touch) Lasts(p *program.Program, at time.Time) bool {
	return t != nil && !at.After(t.At.Add(p.CookieWindow()))
}

// Holds says whether a contact's touch refers a webhook at at: it lasts,
// precedes at (within Skew), and its affiliate is still active and enrolled
// in the touch's event, the same test a click token passes.
func Holds(p *program.Program, t *Touch, at time.Time) bool {
	if t == nil || !t.Lasts(p, at) || !precedes(t.At, at) {
		return false
	}
	a, ok := p.Affiliate(t.Affiliate)
	return ok && a.IsActive() && a.EnrolledIn(t.Event)
}

// Apply returns the contact's attribution after a new touch. First touch
// keeps an attribution that still lasts; once it has lapsed a new touch
// claims the person. Last touch takes the newer of the two (a late webhook
// about an older click does not undo a newer one).
func Apply(p *program.Program, current *Touch, t Touch) (next *Touch, changed bool) {
	if current == nil {
		return &t, true
	}
	if p.Attribution == program.LastTouch {
		if t.At.Before(current.At) {
			return current, false
		}
		return &t, *current != t
	}
	if current.Lasts(p, t.At) {
		return current, false
	}
	return &t, true
}

// ValidClick checks a click token for a webhook about something that
// happened at `at`: its signature, its age (at most cookie_days, and dated
// no more than Skew after at) and that its affiliate is still active and
// enrolled in its event. The reason is "" when it is valid.
func ValidClick(p *program.Program, keys *clicktoken.Keys, token string, at time.Time) (clicktoken.Claims, string) {
	c, err := keys.Verify(token)
	if err != nil {
		return c, "click token is not valid (ignored)"
	}
	if !precedes(c.At, at) {
		return c, "click token is dated after the event it came with (ignored)"
	}
	if at.Sub(c.At) > p.CookieWindow() {
		return c, "click token is older than cookie_days (ignored)"
	}
	a, ok := p.Affiliate(c.Affiliate)
	if !ok || !a.IsActive() || !a.EnrolledIn(c.Event) {
		return c, "click token's affiliate is no longer enrolled in its event (ignored)"
	}
	return c, ""
}

// Named are the affiliates Decide may look up for ev, besides the holders
// of its coupon codes: the click token's (when its signature holds), the
// one the webhook names and the contact's. A request reads these by key
// and decides over the rules and them alone (SPEC 15).
func Named(keys *clicktoken.Keys, ev Evidence) []string {
	var out []string
	if ev.Click != "" {
		if c, err := keys.Verify(ev.Click); err == nil {
			out = append(out, c.Affiliate)
		}
	}
	out = append(out, ev.Affiliate)
	if ev.Current != nil {
		out = append(out, ev.Current.Affiliate)
	}
	return out
}
