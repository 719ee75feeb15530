package attribution

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// testProgram is the demo program (first touch, 30 cookie days; jane in
// summit and retreat, bob in summit, kim in gut) with two more affiliates:
// old, who is inactive, and idle, who is enrolled in no event.
func testProgram(t *testing.T, attribution string) *program.Program {
	t.Helper()
	p := demo.Program()
	p.Attribution = attribution
	no := false
	old, _ := p.Affiliate("bob")
	old.Active = &no
	idle, _ := p.Affiliate("kim")
	idle.Events = nil
	return p
}

func TestDecide(t *testing.T) {
	keys, _ := clicktoken.NewKeys([]byte("k0123456789abcdef0123456789abcdef"))
	click := func(aff, ev string, at time.Time) string {
		return keys.Sign(clicktoken.Claims{Affiliate: aff, Event: ev, At: at})
	}
	first := testProgram(t, program.FirstTouch)
	last := testProgram(t, program.LastTouch)
	day := 24 * time.Hour
	janeSummit := &Touch{Affiliate: "jane", Event: "summit-2026", At: t0, Via: ViaClick}
	janeRetreat := &Touch{Affiliate: "jane", Event: "retreat-2026", At: t0, Via: ViaOptIn}
	bobTouch := &Touch{Affiliate: "bob", Event: "summit-2026", At: t0, Via: ViaClick}
	kimTouch := &Touch{Affiliate: "kim", Event: "gut-2026", At: t0, Via: ViaClick}
	// janeOther is jane's, but at an event she is not enrolled in.
	janeGut := &Touch{Affiliate: "jane", Event: "gut-2026", At: t0, Via: ViaClick}

	type want struct {
		aff, via, event string
		next            string // the contact's new affiliate; "" when it does not change
		owner           string // whom a touched contact belongs to afterwards
		warn            string // a substring of the one warning; "" for none
	}
	for _, c := range []struct {
		name string
		p    *program.Program
		ev   Evidence
		want want
	}{
		// Precedence.
		{"order: a valid click wins over the named affiliate and the contact", first,
			Evidence{Kind: Order, At: t0.Add(day), Click: click("jane", "retreat-2026", t0), Affiliate: "kim", Current: janeSummit},
			want{aff: "jane", via: ledger.ViaClick, event: "retreat-2026", owner: "jane"}},
		{"order: the named affiliate wins over the contact", first,
			Evidence{Kind: Order, At: t0.Add(day), Affiliate: "jane", SKUs: []string{"RET26-TRN"}, Current: janeSummit},
			want{aff: "jane", via: ledger.ViaAffiliate, event: "retreat-2026"}},
		{"order: the contact's touch refers when nothing else does", first,
			Evidence{Kind: Order, At: t0.Add(day), Current: janeRetreat},
			want{aff: "jane", via: ledger.ViaContact, event: "retreat-2026"}},
		{"order: nobody", first, Evidence{Kind: Order, At: t0}, want{}},
		{"opt-in: a valid click wins over the named affiliate", first,
			Evidence{Kind: OptIn, At: t0, Click: click("jane", "retreat-2026", t0), Affiliate: "bob", Event: "summit-2026"},
			want{aff: "jane", via: ledger.ViaClick, event: "retreat-2026", next: "jane", owner: "jane"}},
		{"opt-in: an invalid click falls back to the named affiliate, with a warning", first,
			Evidence{Kind: OptIn, At: t0, Click: "forged", Affiliate: "jane", Event: "summit-2026"},
			want{aff: "jane", via: ledger.ViaAffiliate, event: "summit-2026", next: "jane", owner: "jane", warn: "click token is not valid"}},
		{"opt-in: the contact's touch never counts an opt-in", first,
			Evidence{Kind: OptIn, At: t0.Add(day), Event: "summit-2026", Current: janeSummit}, want{}},

		// The event chosen.
		{"opt-in: named, counts on the payload's event when enrolled in it", first,
			Evidence{Kind: OptIn, At: t0, Affiliate: "jane", Event: "retreat-2026"},
			want{aff: "jane", via: ledger.ViaAffiliate, event: "retreat-2026", next: "jane", owner: "jane"}},
		{"opt-in: named, else on their first enrolled event", first,
			Evidence{Kind: OptIn, At: t0, Affiliate: "jane", Event: "gut-2026"},
			want{aff: "jane", via: ledger.ViaAffiliate, event: "summit-2026", next: "jane", owner: "jane"}},
		{"order: named, counts on the first line of an event they are enrolled in", first,
			Evidence{Kind: Order, At: t0, Affiliate: "jane", SKUs: []string{"GUT-REC", "NOPE", "RET26-TRN", "SUM26-REC"}},
			want{aff: "jane", via: ledger.ViaAffiliate, event: "retreat-2026"}},
		{"order: named, else on their first enrolled event", first,
			Evidence{Kind: Order, At: t0, Affiliate: "jane", SKUs: []string{"GUT-REC"}},
			want{aff: "jane", via: ledger.ViaAffiliate, event: "summit-2026"}},
		{"order: a click counts on the click's event, not the products'", first,
			Evidence{Kind: Order, At: t0, Click: click("jane", "retreat-2026", t0), SKUs: []string{"SUM26-REC"}},
			want{aff: "jane", via: ledger.ViaClick, event: "retreat-2026", next: "jane", owner: "jane"}},

		// Windows.
		{"order: the contact's touch refers exactly cookie_days later", first,
			Evidence{Kind: Order, At: t0.Add(30 * day), Current: janeSummit},
			want{aff: "jane", via: ledger.ViaContact, event: "summit-2026"}},
		{"order: the contact's touch has lapsed a second after cookie_days", first,
			Evidence{Kind: Order, At: t0.Add(30*day + time.Second), Current: janeSummit}, want{}},
		{"order: a click older than cookie_days is ignored, and the contact refers", first,
			Evidence{Kind: Order, At: t0.Add(31 * day), Click: click("jane", "summit-2026", t0), Current: &Touch{Affiliate: "jane", Event: "retreat-2026", At: t0.Add(2 * day)}},
			want{aff: "jane", via: ledger.ViaContact, event: "retreat-2026", warn: "older than cookie_days"}},

		// Skew: a touch dated up to five minutes after the webhook counts as before
		// it (the figure, not the constant: a Skew of 0 must fail these).
		{"opt-in: a click dated 5 minutes after it is accepted", first,
			Evidence{Kind: OptIn, At: t0, Click: click("jane", "summit-2026", t0.Add(5*time.Minute)), Event: "summit-2026"},
			want{aff: "jane", via: ledger.ViaClick, event: "summit-2026", next: "jane", owner: "jane"}},
		{"order: a click dated 5 minutes after it is accepted", first,
			Evidence{Kind: Order, At: t0, Click: click("jane", "summit-2026", t0.Add(5*time.Minute))},
			want{aff: "jane", via: ledger.ViaClick, event: "summit-2026", next: "jane", owner: "jane"}},
		{"order: a contact touched 5 minutes after it still refers it", first,
			Evidence{Kind: Order, At: t0, Current: &Touch{Affiliate: "jane", Event: "summit-2026", At: t0.Add(5 * time.Minute), Via: ViaClick}},
			want{aff: "jane", via: ledger.ViaContact, event: "summit-2026"}},
		{"order: a click dated a second past the skew is ignored", first,
			Evidence{Kind: Order, At: t0, Click: click("jane", "summit-2026", t0.Add(5*time.Minute+time.Second))},
			want{warn: "dated after the event"}},
		{"order: a contact touched a second past the skew does not refer it", first,
			Evidence{Kind: Order, At: t0, Current: &Touch{Affiliate: "jane", Event: "summit-2026", At: t0.Add(5*time.Minute + time.Second)}}, want{}},

		// Inactive and unenrolled affiliates.
		{"order: an inactive affiliate's click is ignored", first,
			Evidence{Kind: Order, At: t0, Click: click("bob", "summit-2026", t0)}, want{warn: "no longer enrolled"}},
		{"order: a click at an event its affiliate left is ignored", first,
			Evidence{Kind: Order, At: t0, Click: click("jane", "gut-2026", t0)}, want{warn: "no longer enrolled"}},
		{"order: a named inactive affiliate is ignored", first,
			Evidence{Kind: Order, At: t0, Affiliate: "bob"}, want{warn: "unknown or inactive"}},
		{"order: a named unknown affiliate is ignored", first,
			Evidence{Kind: Order, At: t0, Affiliate: "nobody"}, want{warn: "unknown or inactive"}},
		{"order: a named affiliate enrolled in nothing is ignored", first,
			Evidence{Kind: Order, At: t0, Affiliate: "kim", SKUs: []string{"GUT-REC"}}, want{warn: "enrolled in no event"}},
		{"opt-in: a named affiliate enrolled in nothing is ignored", first,
			Evidence{Kind: OptIn, At: t0, Affiliate: "kim", Event: "gut-2026"}, want{warn: "enrolled in no event"}},
		{"order: a contact of an inactive affiliate refers nobody", first,
			Evidence{Kind: Order, At: t0.Add(day), Current: bobTouch}, want{}},
		{"order: a contact at an event its affiliate left refers nobody", first,
			Evidence{Kind: Order, At: t0.Add(day), Current: janeGut}, want{}},
		{"order: a contact of an affiliate enrolled in nothing refers nobody", first,
			Evidence{Kind: Order, At: t0.Add(day), Current: kimTouch}, want{}},

		// First and last touch.
		{"first touch: a click inside the window refers the order but keeps the contact", first,
			Evidence{Kind: Order, At: t0.Add(day), Click: click("jane", "retreat-2026", t0.Add(day)), Current: &Touch{Affiliate: "kim", Event: "gut-2026", At: t0}},
			want{aff: "jane", via: ledger.ViaClick, event: "retreat-2026", owner: "kim"}},
		{"first touch: an opt-in through another link counts there, the person stays", first,
			Evidence{Kind: OptIn, At: t0.Add(day), Affiliate: "jane", Event: "retreat-2026", Current: &Touch{Affiliate: "kim", Event: "gut-2026", At: t0}},
			want{aff: "jane", via: ledger.ViaAffiliate, event: "retreat-2026", owner: "kim"}},
		{"first touch: once lapsed, a new click claims the contact", first,
			Evidence{Kind: OptIn, At: t0.Add(31 * day), Click: click("jane", "retreat-2026", t0.Add(31*day)), Event: "retreat-2026", Current: janeSummit},
			want{aff: "jane", via: ledger.ViaClick, event: "retreat-2026", next: "jane", owner: "jane"}},
		{"last touch: a newer click takes the contact", last,
			Evidence{Kind: OptIn, At: t0.Add(day), Click: click("jane", "retreat-2026", t0.Add(day)), Event: "retreat-2026", Current: &Touch{Affiliate: "kim", Event: "gut-2026", At: t0}},
			want{aff: "jane", via: ledger.ViaClick, event: "retreat-2026", next: "jane", owner: "jane"}},
		{"last touch: a late webhook about an older click keeps the newer touch", last,
			Evidence{Kind: Order, At: t0.Add(day), Click: click("jane", "summit-2026", t0.Add(-day)), Current: &Touch{Affiliate: "kim", Event: "gut-2026", At: t0}},
			want{aff: "jane", via: ledger.ViaClick, event: "summit-2026", owner: "kim"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.p, keys, c.ev)
			r := d.Referral
			if r.Affiliate != c.want.aff || r.Via != c.want.via || r.LinkEvent != c.want.event {
				t.Errorf("referral %+v, want %s via %q on %q", r, c.want.aff, c.want.via, c.want.event)
			}
			next := ""
			if d.Next != nil {
				next = d.Next.Affiliate
			}
			if next != c.want.next {
				t.Errorf("next touch %+v, want %q", d.Next, c.want.next)
			}
			if d.Owner != c.want.owner {
				t.Errorf("owner %q, want %q", d.Owner, c.want.owner)
			}
			switch {
			case c.want.warn == "" && len(d.Warnings) > 0:
				t.Errorf("warnings %q, want none", d.Warnings)
			case c.want.warn != "" && (len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], c.want.warn)):
				t.Errorf("warnings %q, want one saying %q", d.Warnings, c.want.warn)
			}
		})
	}
}

// An opt-in and an order of one contact at one instant agree, whatever the
// click's skew (the defect: the order used to drop a contact touched by a
// click dated a little after it).
func TestOptInAndOrderAgreeUnderSkew(t *testing.T) {
	keys, _ := clicktoken.NewKeys([]byte("k0123456789abcdef0123456789abcdef"))
	p := testProgram(t, program.FirstTouch)
	for _, skew := range []time.Duration{-Skew, -time.Second, 0, time.Second, Skew / 2, Skew, Skew + time.Second} {
		tok := keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: t0.Add(skew)})
		in := Decide(p, keys, Evidence{Kind: OptIn, At: t0, Click: tok, Event: "summit-2026"})
		out := Decide(p, keys, Evidence{Kind: Order, At: t0, Current: in.Next, SKUs: []string{"SUM26-REC"}})
		if in.Owner != out.Referral.Affiliate {
			t.Errorf("click %v after: the opt-in is attributed to %q, the order at the same instant referred by %q", skew, in.Owner, out.Referral.Affiliate)
		}
		if want := skew <= Skew; (in.Owner == "jane") != want {
			t.Errorf("click %v after: attributed to %q", skew, in.Owner)
		}
	}
}
