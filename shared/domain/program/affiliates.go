package program

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
)

// Where an affiliate was made, and so what may change it (SPEC 15): the
// program file manages only its own; the dashboard and imports theirs.
const (
	OriginFile      = "file"
	OriginDashboard = "dashboard"
	OriginImport    = "import"
)

// MaxCoupons is the most coupon codes one affiliate holds: each is a marker
// item written in the affiliate's transaction, which holds 100 actions.
const MaxCoupons = 10

var couponRE = regexp.MustCompile(`^[A-Za-z0-9_-]{3,32}$`)

// reservedCodes could name an affiliate but are paths of their own under
// /admin/affiliates.
var reservedCodes = map[string]bool{"import": true}

// ValidCoupon says whether s could be a coupon code (SPEC 17).
func ValidCoupon(s string) bool { return couponRE.MatchString(s) }

// CouponKey is the form coupon codes are compared in: case does not matter.
func CouponKey(s string) string { return strings.ToUpper(s) }

// ManagedBy is where the affiliate belongs now: the file, the dashboard or
// an import. Affiliates stored before they had one came from the file.
func (a *Affiliate) ManagedBy() string {
	if a.Origin == "" {
		return OriginFile
	}
	return a.Origin
}

// MadeIn is where the affiliate was made.
func (a *Affiliate) MadeIn() string {
	if a.Made == "" {
		return a.ManagedBy()
	}
	return a.Made
}

// Changes are the fields of an affiliate the owner sends: nil leaves a
// field as it is (PATCH); an add needs name, email and plan.
type Changes struct {
	Name        *string   `json:"name"`
	Email       *string   `json:"email"`
	Plan        *string   `json:"plan"`
	Events      *[]string `json:"events"`
	PayoutEmail *string   `json:"payout_email"`
	Notify      *string   `json:"notify"`
	Coupons     *[]string `json:"coupons"`
	Active      *bool     `json:"active"`
}

// Problems are what is wrong with an affiliate the owner sent, by field.
type Problems map[string]string

func (ps Problems) add(field, format string, args ...any) {
	if _, ok := ps[field]; !ok {
		ps[field] = fmt.Sprintf(format, args...)
	}
}

// NewAffiliate is the affiliate an owner adds: checked against the
// program's plans, events, owners and coupon codes. It is made where
// origin says (the dashboard or an import).
func (p *Program) NewAffiliate(code, origin string, c Changes) (Affiliate, Problems) {
	ps := Problems{}
	switch {
	case code == "":
		ps.add("code", "required: 2 to 32 lower-case letters, digits or -")
	case !codeRE.MatchString(code):
		ps.add("code", "must be 2 to 32 lower-case letters, digits or -, got %q", code)
	case reservedCodes[code]:
		ps.add("code", "%q is reserved: choose another code", code)
	}
	for field, v := range map[string]*string{"name": c.Name, "email": c.Email, "plan": c.Plan} {
		if v == nil || strings.TrimSpace(*v) == "" {
			ps.add(field, "required")
		}
	}
	a := Affiliate{Code: code, Origin: origin, Made: origin}
	a, more := p.ApplyChanges(a, c)
	for f, m := range more {
		ps.add(f, "%s", m)
	}
	return a, ps
}

// ApplyChanges is the affiliate a with the owner's changes, checked; the
// fields not sent keep their values.
func (p *Program) ApplyChanges(a Affiliate, c Changes) (Affiliate, Problems) {
	ps := Problems{}
	a.Events = slices.Clone(a.Events)
	a.Coupons = slices.Clone(a.Coupons)
	if c.Name != nil {
		a.Name = strings.TrimSpace(*c.Name)
		if a.Name == "" {
			ps.add("name", "required")
		} else if len(a.Name) > 200 {
			ps.add("name", "at most 200 characters")
		}
	}
	if c.Email != nil {
		a.Email = strings.TrimSpace(*c.Email)
		if msg := emailProblem(a.Email, true); msg != "" {
			ps.add("email", "%s", msg)
		}
		for _, o := range p.Owners {
			if o.Email != "" && strings.EqualFold(o.Email, a.Email) {
				ps.add("email", "is the owner %q's address: one address signs in as one person", o.Name)
			}
		}
	}
	if c.PayoutEmail != nil {
		a.PayPalEmail = strings.TrimSpace(*c.PayoutEmail)
		if msg := emailProblem(a.PayPalEmail, false); msg != "" {
			ps.add("payout_email", "%s", msg)
		}
	}
	if c.Plan != nil {
		a.Plan = strings.TrimSpace(*c.Plan)
		if _, ok := p.Plan(a.Plan); !ok {
			if a.Plan == "" {
				ps.add("plan", "required")
			} else {
				ps.add("plan", "unknown plan %q", a.Plan)
			}
		}
	}
	if c.Events != nil {
		a.Events = nil
		seen := map[string]bool{}
		for _, ev := range *c.Events {
			ev = strings.TrimSpace(ev)
			switch {
			case ev == "":
				continue
			case seen[ev]:
				ps.add("events", "event %q is listed twice", ev)
			case !p.hasEvent(ev):
				ps.add("events", "unknown event %q", ev)
			}
			seen[ev] = true
			a.Events = append(a.Events, ev)
		}
	}
	if c.Notify != nil {
		switch a.Notify = *c.Notify; a.Notify {
		case "", NotifyEach, NotifyDaily, NotifyNone:
		default:
			ps.add("notify", "must be each, daily or none, got %q", a.Notify)
		}
	}
	if c.Coupons != nil {
		a.Coupons = nil
		seen := map[string]bool{}
		for _, k := range *c.Coupons {
			k = strings.TrimSpace(k)
			switch {
			case k == "":
				continue
			case !ValidCoupon(k):
				ps.add("coupons", "%q must be 3 to 32 letters, digits, _ or -", k)
			case seen[CouponKey(k)]:
				ps.add("coupons", "%q is listed twice (case does not matter)", k)
			default:
				if other, ok := p.CouponOwner(k); ok && other != a.Code {
					ps.add("coupons", "%q is affiliate %q's code", k, other)
				}
			}
			seen[CouponKey(k)] = true
			a.Coupons = append(a.Coupons, k)
		}
		if len(a.Coupons) > MaxCoupons {
			ps.add("coupons", "at most %d codes per affiliate", MaxCoupons)
		}
	}
	if c.Active != nil {
		a.Active = new(*c.Active)
		if *c.Active {
			a.Active = nil // the default, as the file writes it
		}
	}
	return a, ps
}

func (p *Program) hasEvent(slug string) bool { _, ok := p.Event(slug); return ok }

// emailProblem is what is wrong with an address ("" when nothing).
func emailProblem(raw string, required bool) string {
	if raw == "" {
		if required {
			return "required"
		}
		return ""
	}
	if a, err := mail.ParseAddress(raw); err != nil || a.Address != raw || len(raw) > 254 {
		return fmt.Sprintf("must be a plain email address, got %q", raw)
	}
	return ""
}

// CouponOwner is the affiliate holding a coupon code, whatever its case.
func (p *Program) CouponOwner(code string) (string, bool) {
	a, ok := p.coupons[CouponKey(code)]
	return a, ok
}

// Retire is what removing an affiliate leaves (SPEC 15): a former one,
// inactive, enrolled nowhere, without codes, kept while owed; the
// dashboard now manages it, so the file never brings it back.
func Retire(a Affiliate) Affiliate {
	a.Active, a.Events, a.Coupons, a.APIKey = new(false), nil, nil, ""
	if a.Made == "" {
		a.Made = a.MadeIn()
	}
	a.Origin = OriginDashboard
	return a
}

// SameRecord says whether two affiliates hold the same values (what an
// import compares to tell updated from unchanged).
func SameRecord(a, b Affiliate) bool {
	return a.Name == b.Name && a.Email == b.Email && a.Plan == b.Plan && slices.Equal(a.Events, b.Events) &&
		a.PayPalEmail == b.PayPalEmail && a.Notify == b.Notify && a.IsActive() == b.IsActive() &&
		slices.EqualFunc(a.Coupons, b.Coupons, func(x, y string) bool { return x == y })
}
