package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/jsonbody"
)

// Affiliates are records (SPEC 15): the owner adds, edits, deactivates and
// removes them, as JSON with an owner key or as the forms of the
// affiliates' pages. Each change is one transaction (store.SaveAffiliate)
// that also gives the program a new version, so every function's cache
// sees it within its period.

// Record is an affiliate as these routes answer it.
type Record struct {
	Affiliate   string   `json:"affiliate"`
	Name        string   `json:"name"`
	Email       string   `json:"email"`
	Plan        string   `json:"plan"`
	Events      []string `json:"events"`
	PayoutEmail string   `json:"payout_email"`
	Notify      string   `json:"notify"`
	Coupons     []string `json:"coupons"`
	Active      bool     `json:"active"`
	Former      bool     `json:"former"`
	Origin      string   `json:"origin"`
}

func recordOf(a program.Affiliate, former bool) Record {
	r := Record{Affiliate: a.Code, Name: a.Name, Email: a.Email, Plan: a.Plan, Events: a.Events, PayoutEmail: a.PayoutEmail(),
		Notify: a.NotifyMode(), Coupons: a.Coupons, Active: a.IsActive() && !former, Former: former, Origin: a.ManagedBy()}
	if r.Events == nil {
		r.Events = []string{}
	}
	if r.Coupons == nil {
		r.Coupons = []string{}
	}
	return r
}

// newAffiliate is POST /admin/affiliates's body.
type newAffiliate struct {
	Code string `json:"code"`
	program.Changes
}

// changes reads the owner's fields: the JSON body, or a form's fields
// (events as repeated checkboxes, coupons as one text of codes). A form
// says which fields it carries, so an unticked box still counts.
func (r *request) changes(v any, c *program.Changes) error {
	if r.Form == nil {
		body, err := apigw.Body(r.HTTP())
		if err != nil {
			return err
		}
		_, err = jsonbody.Into(body, 64<<10, v)
		return err
	}
	f := r.Form
	text := func(name string) *string {
		if _, ok := f[name]; !ok {
			return nil
		}
		s := f.Get(name)
		return &s
	}
	c.Name, c.Email, c.Plan, c.PayoutEmail, c.Notify = text("name"), text("email"), text("plan"), text("payout_email"), text("notify")
	if f.Get("fields") == "all" { // the whole edit form: no box ticked means none
		evs := f["events"]
		c.Events = &evs
		cs := strings.FieldsFunc(f.Get("coupons"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
		c.Coupons = &cs
	}
	if s := f.Get("active"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fault.Fields(map[string]string{"active": "must be true or false"})
		}
		c.Active = &b
	}
	return nil
}

// saved answers a change: the record as JSON, or, after a form, the
// affiliate's page saying what was done.
func (r *request) saved(d *app.Deps, a program.Affiliate, former bool, status int, done string) (apigw.Response, error) {
	d.ProgramChanged() // this function's next request sees the change at once
	if r.Form != nil {
		return web.Redirect("/admin/affiliates/" + url.PathEscape(a.Code) + "?done=" + done), nil
	}
	if status == http.StatusNoContent {
		return apigw.Response{StatusCode: status, Headers: map[string]string{"Cache-Control": "no-store"}}, nil
	}
	return apigw.JSON(status, recordOf(a, former)), nil
}

// writeErr is a refused write in the owner's words.
func writeErr(err error, code string) error {
	var ct *store.CouponTaken
	switch {
	case errors.Is(err, store.ErrCodeTaken):
		return fault.New(fault.Conflict, "code_taken", "the code %q is taken: an affiliate has or had it, and a code is never used twice", code)
	case errors.As(err, &ct):
		return fault.New(fault.Conflict, "coupon_taken", "the coupon code %q is another affiliate's", ct.Code)
	case errors.Is(err, store.ErrAffiliateChanged):
		return fault.New(fault.Conflict, "changed_meanwhile", "%q was changed while you edited it: reload it and try again", code)
	case errors.Is(err, store.ErrNoProgram):
		return fault.New(fault.Conflict, "no_program", "no program is loaded: load the program file first")
	}
	return err
}

func problems(ps program.Problems) error {
	if len(ps) == 0 {
		return nil
	}
	return fault.Fields(ps)
}

// CreateAffiliate serves POST /admin/affiliates: 201 and the new record;
// 409 code_taken when the code is or was anyone's.
func CreateAffiliate(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		var body newAffiliate
		if err := r.changes(&body, &body.Changes); err != nil {
			return apigw.Response{}, err
		}
		if r.Form != nil {
			body.Code = strings.TrimSpace(r.Form.Get("code"))
		}
		// A code someone has or had is refused by the write's condition.
		p, err := r.couponHolders(ctx, body.Changes)
		if err != nil {
			return apigw.Response{}, err
		}
		a, ps := p.NewAffiliate(body.Code, program.OriginDashboard, body.Changes)
		if err := problems(ps); err != nil {
			return apigw.Response{}, err
		}
		if err := r.st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: a}, r.now); err != nil {
			return apigw.Response{}, writeErr(err, a.Code)
		}
		r.Log.Info("affiliate added", "affiliate", a.Code)
		return r.saved(d, a, false, http.StatusCreated, "added")
	})
}

// current reads the affiliate a change starts from, by key (never the
// cached program: an edit must not undo one made a moment ago).
func (r *request) current(ctx context.Context) (*program.Affiliate, bool, error) {
	code := r.PathParameters["code"]
	a, former, err := r.st.GetAffiliate(ctx, code)
	if err != nil {
		return nil, false, err
	}
	if a == nil {
		return nil, false, fault.New(fault.NotFound, "affiliate_not_found", "no affiliate %q", code)
	}
	return a, former, nil
}

// couponHolders is the rules with the holders of the coupon codes a
// change names, each read by key (a few GetItems, at most MaxCoupons):
// all an edit needs to say whose a code is, without every affiliate.
func (r *request) couponHolders(ctx context.Context, c program.Changes) (*program.Program, error) {
	if c.Coupons == nil {
		return r.Program, nil
	}
	var current, former []program.Affiliate
	seen := map[string]bool{}
	for _, k := range *c.Coupons {
		k = strings.TrimSpace(k)
		if len(seen) > program.MaxCoupons || !program.ValidCoupon(k) || seen[program.CouponKey(k)] {
			continue // ApplyChanges refuses these: nobody to look up
		}
		seen[program.CouponKey(k)] = true
		a, was, err := r.st.CouponHolder(ctx, k)
		switch {
		case err != nil:
			return nil, err
		case a == nil:
		case was:
			former = append(former, *a)
		default:
			current = append(current, *a)
		}
	}
	return r.Program.WithAffiliates(current, former), nil
}

// UpdateAffiliate serves PATCH /admin/affiliates/{code} (JSON) and POST
// /admin/affiliates/{code} (the affiliate page's forms): any of name,
// email, plan, events, payout_email, notify, coupons, active. A file
// affiliate changed here is the dashboard's from now on.
func UpdateAffiliate(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		var c program.Changes
		if err := r.changes(&c, &c); err != nil {
			return apigw.Response{}, err
		}
		prev, former, err := r.current(ctx)
		if err != nil {
			return apigw.Response{}, err
		}
		if former {
			return apigw.Response{}, fault.New(fault.Conflict, "affiliate_removed", "%q was removed: a removed affiliate is not changed, and its code is never used again", prev.Code)
		}
		if r.Form != nil && r.Form.Get("rev") != strconv.FormatInt(prev.Rev, 10) {
			return apigw.Response{}, writeErr(store.ErrAffiliateChanged, prev.Code)
		}
		p, err := r.couponHolders(ctx, c)
		if err != nil {
			return apigw.Response{}, err
		}
		a, ps := p.ApplyChanges(*prev, c)
		if err := problems(ps); err != nil {
			return apigw.Response{}, err
		}
		done := "saved"
		if c.Active != nil && r.Form != nil && r.Form.Get("fields") == "" {
			done = map[bool]string{true: "reactivated", false: "deactivated"}[*c.Active]
		}
		if program.SameRecord(a, *prev) {
			return r.saved(d, a, false, http.StatusOK, done)
		}
		if a.ManagedBy() == program.OriginFile {
			a.Made, a.Origin = program.OriginFile, program.OriginDashboard
		}
		if err := r.st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: a, Prev: prev}, r.now); err != nil {
			return apigw.Response{}, writeErr(err, a.Code)
		}
		r.Log.Info("affiliate changed", "affiliate", a.Code)
		return r.saved(d, a, false, http.StatusOK, done)
	})
}

// RemoveAffiliate serves DELETE /admin/affiliates/{code} (JSON, 204) and
// POST /admin/affiliates/{code}/remove (the page's form): the affiliate
// becomes former, inactive, enrolled nowhere, without coupon codes; its
// keys and sessions no longer count (the gates look affiliates up in the
// program); it is listed while owed; its code is never used again.
func RemoveAffiliate(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		prev, former, err := r.current(ctx)
		if err != nil {
			return apigw.Response{}, err
		}
		a := program.Retire(*prev)
		if !former {
			if err := r.st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: a, Prev: prev, Former: true}, r.now); err != nil {
				return apigw.Response{}, writeErr(err, a.Code)
			}
			r.Log.Info("affiliate removed", "affiliate", a.Code)
		}
		return r.saved(d, a, true, http.StatusNoContent, "removed")
	})
}
