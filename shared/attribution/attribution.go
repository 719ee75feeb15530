// Package attribution decides who referred a person (SPEC section 4): a
// valid click, else the affiliate a webhook names, else the contact's
// current attribution while it lasts, else nobody; and how a new click or
// opt-in changes a contact's attribution under first or last touch.
package attribution

import (
	"time"

	"github.com/tallyhq/tally/shared/clicktoken"
	"github.com/tallyhq/tally/shared/program"
)

// Touch is what attributes a person to an affiliate: a click or an opt-in
// through one of their links.
type Touch struct {
	Affiliate string    `json:"affiliate"`
	Event     string    `json:"event"`         // the event of the link
	At        time.Time `json:"at"`            // when the click or opt-in happened
	Via       string    `json:"via"`           // click or optin
	Sub       string    `json:"sub,omitempty"` // the link's channel tag, if any
}

// Touch kinds.
const (
	ViaClick = "click"
	ViaOptIn = "optin"
)

// Lasts says whether a touch still attributes at t: cookie_days counted from
// the touch.
func (t *Touch) Lasts(p *program.Program, at time.Time) bool {
	return t != nil && !at.After(t.At.Add(p.CookieWindow()))
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
// happened at `at`: its signature, its age (at most cookie_days, not from the
// future beyond a small clock skew) and that its affiliate is still active
// and enrolled in its event. The reason is "" when it is valid.
func ValidClick(p *program.Program, keys *clicktoken.Keys, token string, at time.Time) (clicktoken.Claims, string) {
	c, err := keys.Verify(token)
	if err != nil {
		return c, "click token is not valid (ignored)"
	}
	const skew = 5 * time.Minute
	if c.At.After(at.Add(skew)) {
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
