// Package applicants is the owner's side of signup with approval (SPEC
// 16): the list of applications (page, JSON, CSV), approving one (which
// makes the affiliate and mails them their links and a sign-in link) and
// declining one (the reason mailed). Applicants and declined people are
// no affiliates: they never get a session or a key.
package applicants

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/app/joining"
	"github.com/tallyhq/tally/shared/domain/csvout"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/jsonbody"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Row is one applicant in the JSON and CSV.
type Row struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	PayoutEmail string `json:"payout_email"`
	Website     string `json:"website"`
	Event       string `json:"event"`
	RecruitedBy string `json:"recruited_by"`
	AppliedAt   string `json:"applied_at"`
	Status      string `json:"status"`
}

var header = []string{"id", "name", "email", "payout_email", "website", "event", "recruited_by", "applied_at", "status"}

// List is GET /admin/applicants's JSON.
type List struct {
	Applicants []Row `json:"applicants"`
}

// Page is the applicants page's data.
type Page struct {
	Pending, Declined []PageRow
	Plans             []string
	Events            []program.Event
	DefaultPlan       string
	Done, DoneName    string
}

// PageRow is one applicant on the page.
type PageRow struct {
	Row
	EventName, Applied string
}

// site is the owner's gate over the rules: nothing here needs every
// affiliate (SPEC 15).
func site(d *app.Deps) web.Site { return web.Site{Programs: d.Rules, Log: d.Log} }

// Applicants serves GET /admin/applicants: pending and declined
// applications, oldest first (approved ones are affiliates now).
func Applicants(d *app.Deps) apigw.Handler {
	return site(d).Owner(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		all, err := d.Store.Applicants(ctx)
		if err != nil {
			return apigw.Response{}, err
		}
		p := r.Program
		list := List{Applicants: []Row{}}
		page := Page{Done: r.QueryStringParameters["done"], DoneName: r.QueryStringParameters["name"], DefaultPlan: p.SignupPlan}
		for _, a := range all {
			if a.Status == store.ApplicantApproved {
				continue
			}
			row := rowOf(a)
			list.Applicants = append(list.Applicants, row)
			pr := PageRow{Row: row, EventName: "every open event", Applied: a.AppliedAt.In(p.Location()).Format("2 Jan 2006 15:04")}
			if e, ok := p.Event(a.Event); ok {
				pr.EventName = e.Name
			}
			if a.Status == store.ApplicantDeclined {
				page.Declined = append(page.Declined, pr)
			} else {
				page.Pending = append(page.Pending, pr)
			}
		}
		switch r.Format {
		case web.CSV:
			rows := make([][]any, 0, len(list.Applicants))
			for _, a := range list.Applicants {
				rows = append(rows, []any{a.ID, a.Name, a.Email, a.PayoutEmail, a.Website, a.Event, a.RecruitedBy, a.AppliedAt, a.Status})
			}
			return web.Download(r.HTTP(), "tally-applicants.csv", csvout.Write(header, rows)), nil
		case web.Page:
			for _, pl := range p.Plans {
				page.Plans = append(page.Plans, pl.ID)
			}
			page.Events = p.Events
			return web.Render(r.HTTP(), http.StatusOK, "admin-applicants", portal.Page{
				Title: "Applicants", Who: r.Who, Nav: "applicants", Owner: true, Zone: p.Timezone, CSRF: r.Token, Body: page})
		}
		return apigw.JSON(http.StatusOK, list), nil
	})
}

func rowOf(a store.Applicant) Row {
	return Row{ID: a.ID, Name: a.Name, Email: a.Email, PayoutEmail: a.PayoutEmail, Website: a.Website, Event: a.Event,
		RecruitedBy: a.RecruitedBy, AppliedAt: a.AppliedAt.UTC().Format("2006-01-02T15:04:05Z"), Status: a.Status}
}

// approval is POST /admin/applicants/{id}/approve's body. RecruitedBy,
// when sent, changes who recruited the applicant (only until approval).
type approval struct {
	Plan        string   `json:"plan"`
	Events      []string `json:"events"`
	Code        string   `json:"code"`
	RecruitedBy *string  `json:"recruited_by"`
}

// Approve serves POST /admin/applicants/{id}/approve: makes the applicant
// an affiliate (plan and events as sent, default the signup's; the code as
// sent, else one made from the name), marks the application approved, and
// mails the welcome. 200 {"affiliate": "<code>"}.
func Approve(d *app.Deps) apigw.Handler {
	return site(d).Owner(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		var body approval
		if err := read(r, &body, func(f url.Values) {
			body.Plan, body.Code, body.Events = f.Get("plan"), strings.TrimSpace(f.Get("code")), f["events"]
			if _, ok := f["recruited_by"]; ok {
				rb := strings.TrimSpace(f.Get("recruited_by"))
				body.RecruitedBy = &rb
			}
		}); err != nil {
			return apigw.Response{}, err
		}
		a, err := pending(ctx, d, r.PathParameters["id"])
		if err != nil {
			return apigw.Response{}, err
		}
		p := r.Program
		rule := p.JoinRule(a.Event)
		if body.Plan == "" {
			body.Plan = rule.Plan
		}
		if len(body.Events) == 0 {
			body.Events = p.JoinEvents()
			if a.Event != "" {
				body.Events = []string{a.Event}
			}
		}
		if body.RecruitedBy != nil {
			rb := *body.RecruitedBy
			if rb != "" {
				// Read by key: the gate's program is the rules only (SPEC 15).
				rec, _, err := d.Affiliates.Affiliate(ctx, rb)
				if err != nil {
					return apigw.Response{}, err
				}
				if rec == nil || !rec.IsActive() {
					return apigw.Response{}, fault.Fields(map[string]string{"recruited_by": fmt.Sprintf("no active affiliate %q", rb)})
				}
			}
			a.RecruitedBy = rb
		}
		// Decided first (the application's revision checked), so two
		// approvals at once make one affiliate; undone if none is made.
		a.Status = store.ApplicantApproved
		if err := d.Store.SaveApplicant(ctx, a); errors.Is(err, store.ErrAffiliateChanged) {
			return apigw.Response{}, changed()
		} else if err != nil {
			return apigw.Response{}, err
		}
		made, err := joining.Make(ctx, d, p, joining.Person{Name: a.Name, Email: a.Email, PayoutEmail: a.PayoutEmail,
			RecruitedBy: a.RecruitedBy, Plan: body.Plan, Events: body.Events, Code: body.Code})
		if err != nil {
			a.Status = store.ApplicantPending
			if uerr := d.Store.SaveApplicant(ctx, a); uerr != nil {
				r.Log.Error("approval not undone", "applicant", a.ID, "err", uerr.Error())
			}
			return apigw.Response{}, err
		}
		a.Affiliate = made.Code
		if err := d.Store.SaveApplicant(ctx, a); err != nil {
			r.Log.Error("applicant's code not recorded", "applicant", a.ID, "affiliate", made.Code, "err", err.Error())
		}
		if err := joining.Welcome(ctx, d, r.RequestContext.APIID, p, made); err != nil {
			r.Log.Error("welcome mail", "affiliate", made.Code, "err", err.Error())
		}
		r.Log.Info("applicant approved", "applicant", a.ID, "affiliate", made.Code)
		if r.Form != nil {
			return web.Redirect("/admin/applicants?done=approved&name=" + url.QueryEscape(made.Code)), nil
		}
		return apigw.JSON(http.StatusOK, map[string]string{"affiliate": made.Code}), nil
	})
}

// Decline serves POST /admin/applicants/{id}/decline: the application is
// declined and the applicant mailed the reason. The address stays marked,
// so it gets no further signup mail.
func Decline(d *app.Deps) apigw.Handler {
	return site(d).Owner(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		var body struct {
			Reason string `json:"reason"`
		}
		if err := read(r, &body, func(f url.Values) { body.Reason = f.Get("reason") }); err != nil {
			return apigw.Response{}, err
		}
		body.Reason = strings.TrimSpace(body.Reason)
		if len(body.Reason) > 1000 {
			return apigw.Response{}, fault.Fields(map[string]string{"reason": "at most 1000 characters"})
		}
		a, err := pending(ctx, d, r.PathParameters["id"])
		if err != nil {
			return apigw.Response{}, err
		}
		a.Status, a.Reason = store.ApplicantDeclined, body.Reason
		if err := d.Store.SaveApplicant(ctx, a); errors.Is(err, store.ErrAffiliateChanged) {
			return apigw.Response{}, changed()
		} else if err != nil {
			return apigw.Response{}, err
		}
		text := fmt.Sprintf("Hello %s,\n\nThank you for applying to be an affiliate. The program's owner has declined the application.\n", a.Name)
		if body.Reason != "" {
			text += "\nTheir reason: " + body.Reason + "\n"
		}
		if err := d.Mailer().Send(ctx, mail.Message{To: a.Email, Subject: "Your affiliate application", Text: text}); err != nil {
			r.Log.Error("decline mail", "applicant", a.ID, "err", err.Error())
		}
		r.Log.Info("applicant declined", "applicant", a.ID)
		if r.Form != nil {
			return web.Redirect("/admin/applicants?done=declined&name=" + url.QueryEscape(a.Name)), nil
		}
		return apigw.JSON(http.StatusOK, map[string]any{"applicant": rowOf(*a)}), nil
	})
}

func changed() error {
	return fault.New(fault.Conflict, "applicant_changed", "the application changed meanwhile: reload and try again")
}

// pending reads an application the owner may still decide on: 404 when
// there is none, 409 when it was decided.
func pending(ctx context.Context, d *app.Deps, id string) (*store.Applicant, error) {
	if id == "" || len(id) > 64 {
		return nil, fault.New(fault.NotFound, "applicant_not_found", "no applicant %q", id)
	}
	a, err := d.Store.GetApplicant(ctx, id)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, fault.New(fault.NotFound, "applicant_not_found", "no applicant %q", id)
	}
	if a.Status != store.ApplicantPending {
		return nil, fault.New(fault.Conflict, "applicant_decided", "applicant %q is %s already", id, a.Status)
	}
	return a, nil
}

// read is an owner's body: a form's fields (already checked by the gate),
// or strict JSON (unknown fields refused).
func read(r *web.Request, v any, form func(url.Values)) error {
	if r.Form != nil {
		form(r.Form)
		return nil
	}
	body, err := apigw.Body(r.HTTP())
	if err != nil {
		return err
	}
	_, err = jsonbody.Into(body, 16<<10, v)
	return err
}
