// Package join is the public signup of SPEC 16: a page anyone may open,
// a form checked like sign-in's (this site only, a field no person fills,
// a limit per address and per source each hour), the same answer whatever
// the address, and a confirmation link safe from mail scanners (opening
// it shows a button; only its POST confirms). Once confirmed, an open
// signup makes the affiliate at once; an approval signup waits on the
// owner's applicants page.
package join

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	mailer "github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/app/joining"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Limits of a signup.
const (
	LinkLifetime     = 24 * time.Hour // the confirmation link
	PerAddressByHour = 3              // signups counted per address each hour
	PerSourceByHour  = 20             // signups counted per sender (a keyed hash of its IP) each hour
	MaxWebsite       = 500
	MaxName          = 200
	// Honeypot is the form's field that no person fills: a text input
	// hidden by the stylesheet (not type=hidden, which bots skip).
	Honeypot = "homepage"
)

// AnswerFloor is the least time POST /join takes to answer, whatever the
// address: mailing is the one step a known address skips.
var AnswerFloor = 300 * time.Millisecond

func site(d *app.Deps) web.Site { return web.Site{Programs: d.Rules, Log: d.Log} }

// Form is the signup page's data.
type Form struct {
	Event, EventName          string
	Name, Email, PayoutEmail  string
	Website, Ref, RecruiterBy string
	TermsURL                  string
	Approval                  bool
	Problems                  map[string]string
	Flash                     string
	Token                     string // the confirmation link's token (confirm page)
	Honeypot                  string
}

func render(req apigw.Request, status int, page, title string, f Form) (apigw.Response, error) {
	f.Honeypot = Honeypot
	return web.Render(req, status, page, portal.Page{Title: title, Body: f})
}

// Page serves GET /join and GET /join/{event}: the signup form, or a page
// saying signup is closed (404).
func Page(d *app.Deps) apigw.Handler {
	return site(d).Public(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		p, err := d.Rules.Get(ctx)
		if err != nil {
			return apigw.Response{}, err
		}
		event := r.PathParameters["event"]
		f, ok := formFor(p, event)
		if !ok {
			return render(r.HTTP(), http.StatusNotFound, "join-closed", "Signup closed", f)
		}
		a, err := recruiter(ctx, d, r.QueryStringParameters["ref"])
		if err != nil {
			return apigw.Response{}, err
		}
		if a != nil {
			f.Ref, f.RecruiterBy = a.Code, a.Name
		}
		return render(r.HTTP(), http.StatusOK, "join", "Become an affiliate", f)
	})
}

// formFor is the empty form of a signup for event ("" for /join); false
// when signup there is closed.
func formFor(p *program.Program, event string) (Form, bool) {
	rule := p.JoinRule(event)
	f := Form{Event: event, TermsURL: rule.TermsURL, Approval: rule.Mode == program.SignupApproval}
	if e, ok := p.Event(event); ok {
		f.EventName = e.Name
	}
	return f, rule.Open()
}

// Submit serves POST /join: checks the form, counts it against the
// address's and the sender's hourly limits, and answers "check your mail"
// whatever the address. Only an address that is nobody's yet, within its
// limits, is mailed a confirmation link; every other one gets a signup
// stored the same way whose link nobody has.
func Submit(d *app.Deps) apigw.Handler {
	return site(d).Form(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		defer waitUntil(time.Now().Add(AnswerFloor))
		req, vals := r.HTTP(), r.Form
		p, err := d.Rules.Get(ctx)
		if err != nil {
			return apigw.Response{}, err
		}
		event := vals.Get("event")
		f, open := formFor(p, event)
		if !open {
			return render(req, http.StatusNotFound, "join-closed", "Signup closed", f)
		}
		if !r.FormOK {
			f.Flash = "That did not look like the signup form. Try again."
			return render(req, http.StatusBadRequest, "join", "Become an affiliate", f)
		}
		f.Name, f.Email, f.PayoutEmail = strings.TrimSpace(vals.Get("name")), strings.TrimSpace(vals.Get("email")), strings.TrimSpace(vals.Get("payout_email"))
		f.Website, f.Ref = strings.TrimSpace(vals.Get("website")), strings.TrimSpace(vals.Get("ref"))
		a, err := recruiter(ctx, d, f.Ref)
		if err != nil {
			return apigw.Response{}, err
		}
		if a != nil {
			f.RecruiterBy = a.Name
		} else {
			f.Ref = ""
		}
		if f.Problems = Check(f, vals.Get("terms") != ""); len(f.Problems) > 0 {
			f.Flash = "Please correct what is marked below."
			return render(req, http.StatusBadRequest, "join", "Become an affiliate", f)
		}
		sent := Form{Email: f.Email, Approval: f.Approval}
		if vals.Get(Honeypot) != "" { // a bot: the same answer, nothing stored or mailed
			r.Log.Info("signup honeypot filled")
			return render(req, http.StatusOK, "join-sent", "Check your email", sent)
		}
		if err := start(ctx, d, req, p, f); err != nil {
			r.Log.Error("signup", "err", err.Error())
		}
		return render(req, http.StatusOK, "join-sent", "Check your email", sent)
	})
}

// Check is what is wrong with a signup form, by field (none: nil).
func Check(f Form, termsTicked bool) map[string]string {
	ps := map[string]string{}
	switch {
	case f.Name == "":
		ps["name"] = "Enter your name."
	case len(f.Name) > MaxName:
		ps["name"] = fmt.Sprintf("At most %d characters.", MaxName)
	}
	if !plainAddress(f.Email) {
		ps["email"] = "Enter your email address."
	}
	if f.PayoutEmail != "" && !plainAddress(f.PayoutEmail) {
		ps["payout_email"] = "Enter an email address, or leave it empty to be paid at your email address."
	}
	if len(f.Website) > MaxWebsite {
		ps["website"] = fmt.Sprintf("At most %d characters.", MaxWebsite)
	}
	if f.TermsURL != "" && !termsTicked {
		ps["terms"] = "Accept the terms to join."
	}
	if len(ps) == 0 {
		return nil
	}
	return ps
}

func plainAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// start counts the signup and stores it, for any address; only a genuine
// one (nobody's address, within the limits) is mailed its link.
func start(ctx context.Context, d *app.Deps, req apigw.Request, p *program.Program, f Form) error {
	now := d.Now()
	email := store.NormalizeEmail(f.Email)
	byAddress, err := d.Store.CountJoin(ctx, "a:"+email, now, PerAddressByHour)
	if err != nil {
		return err
	}
	bySource, err := d.Store.CountJoin(ctx, "s:"+joining.SourceHash(d.MailLinkKey(), req.RequestContext.HTTP.SourceIP), now, PerSourceByHour)
	if err != nil {
		return err
	}
	known, err := taken(ctx, d, p, email)
	if err != nil {
		return err
	}
	genuine := byAddress && bySource && !known
	id, secret := joining.NewSecret()
	sg := store.Signup{
		ID: id, SecretHash: joining.HashSecret(id, secret), Name: f.Name, Email: email, PayoutEmail: f.PayoutEmail,
		Website: f.Website, Event: f.Event, Ref: f.Ref, At: now.Unix(), Expires: now.Add(LinkLifetime).Unix(),
	}
	if !genuine { // a decoy: stored the same, its link mailed to nobody
		sg.SecretHash = joining.HashSecret(id, secret+"-unsent")
	}
	if err := d.Store.PutSignup(ctx, sg); err != nil || !genuine {
		return err
	}
	base, err := app.LinkBase(p.PublicBaseURL, d.Config.PublicBaseURL, req.RequestContext.APIID)
	if err != nil {
		return err
	}
	link := base + "/join/confirm?t=" + id + "." + secret
	return d.Mailer().Send(ctx, mailer.Message{
		To: email, Subject: "Confirm your affiliate signup", Link: link,
		Text: fmt.Sprintf("Hello %s,\n\nConfirm your address to finish signing up as an affiliate:\n%s\n\n"+
			"The link works once, for a day. If you did not sign up, ignore this mail: nothing happens without it.\n", f.Name, link),
	})
}

// recruiter is the active affiliate a recruit link names, read by key;
// nil for none.
func recruiter(ctx context.Context, d *app.Deps, code string) (*program.Affiliate, error) {
	if code == "" {
		return nil, nil
	}
	a, _, err := d.Affiliates.Affiliate(ctx, code)
	if err != nil || a == nil || !a.IsActive() {
		return nil, err
	}
	return a, nil
}

// taken says whether an address is already someone's: an affiliate's
// (former ones too, listed under the address), an owner's, an
// applicant's or a declined one's.
func taken(ctx context.Context, d *app.Deps, p *program.Program, email string) (bool, error) {
	listed, err := d.Store.AffiliatesByEmail(ctx, email)
	if err != nil || len(listed) > 0 {
		return len(listed) > 0, err
	}
	for _, o := range p.Owners {
		if o.Email != "" && store.NormalizeEmail(o.Email) == email {
			return true, nil
		}
	}
	j, err := d.Store.GetJoiner(ctx, email)
	return j != nil, err
}

// ConfirmPage serves GET /join/confirm: a button that confirms, so a mail
// scanner opening the link confirms nothing.
func ConfirmPage(d *app.Deps) apigw.Handler {
	return site(d).Public(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		token := r.QueryStringParameters["t"]
		sg, err := lookup(ctx, d, token)
		if err != nil {
			return apigw.Response{}, err
		}
		if sg == nil || sg.Used || d.Now().Unix() >= sg.Expires {
			return render(r.HTTP(), http.StatusGone, "join-dead", "Link expired", Form{})
		}
		return render(r.HTTP(), http.StatusOK, "join-confirm", "Confirm your signup", Form{Name: sg.Name, Email: sg.Email, Token: token})
	})
}

// Confirm serves POST /join/confirm: uses the link, once, then makes the
// affiliate (open) or the application (approval).
func Confirm(d *app.Deps) apigw.Handler {
	return site(d).Form(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		req := r.HTTP()
		sg, err := lookup(ctx, d, r.Form.Get("t"))
		if err != nil {
			return apigw.Response{}, err
		}
		if sg == nil {
			return render(req, http.StatusGone, "join-dead", "Link expired", Form{})
		}
		if err := d.Store.UseSignup(ctx, sg.ID, d.Now()); errors.Is(err, store.ErrDead) {
			return render(req, http.StatusGone, "join-dead", "Link expired", Form{})
		} else if err != nil {
			return apigw.Response{}, err
		}
		p, err := d.Rules.Get(ctx)
		if err != nil {
			return apigw.Response{}, err
		}
		rule := p.JoinRule(sg.Event)
		done := Form{Name: sg.Name, Email: sg.Email, Approval: rule.Mode == program.SignupApproval}
		switch rule.Mode {
		case program.SignupApproval:
			err := d.Store.AddApplicant(ctx, store.Applicant{
				ID: NewApplicantID(d.Now()), Name: sg.Name, Email: sg.Email, PayoutEmail: sg.PayoutEmail, Website: sg.Website,
				Event: sg.Event, RecruitedBy: sg.Ref, AppliedAt: d.Now().UTC(), Status: store.ApplicantPending,
			})
			if err != nil && !errors.Is(err, store.ErrAddressKnown) {
				return apigw.Response{}, err
			}
			r.Log.Info("applied", "event", sg.Event)
			return render(req, http.StatusOK, "join-done", "Application received", done)
		case program.SignupOpen:
			if err := d.Store.ClaimJoiner(ctx, sg.Email, store.Joiner{Status: store.JoinerAffiliate}); errors.Is(err, store.ErrAddressKnown) {
				return render(req, http.StatusOK, "join-done", "You are in", done)
			} else if err != nil {
				return apigw.Response{}, err
			}
			events := p.JoinEvents()
			if sg.Event != "" {
				events = []string{sg.Event}
			}
			a, err := joining.Make(ctx, d, p, joining.Person{Name: sg.Name, Email: sg.Email, PayoutEmail: sg.PayoutEmail,
				RecruitedBy: sg.Ref, Plan: rule.Plan, Events: events})
			if err != nil {
				_ = d.Store.ReleaseJoiner(ctx, sg.Email)
				return apigw.Response{}, err
			}
			r.Log.Info("joined", "affiliate", a.Code)
			if err := joining.Welcome(ctx, d, req.RequestContext.APIID, p, a); err != nil {
				r.Log.Error("welcome mail", "affiliate", a.Code, "err", err.Error())
			}
			return render(req, http.StatusOK, "join-done", "You are in", done)
		}
		return render(req, http.StatusNotFound, "join-closed", "Signup closed", Form{})
	})
}

// NewApplicantID is an application's id: sortable by when it came.
func NewApplicantID(now time.Time) string {
	id, _ := joining.NewSecret()
	return fmt.Sprintf("%013d%s", now.UnixMilli(), id[:8])
}

// lookup finds the signup a link token names and checks its secret; nil
// when the token is malformed, unknown or forged.
func lookup(ctx context.Context, d *app.Deps, token string) (*store.Signup, error) {
	id, secret, ok := strings.Cut(token, ".")
	if !ok || len(id) != 32 || secret == "" {
		return nil, nil
	}
	sg, err := d.Store.GetSignup(ctx, id)
	if err != nil || sg == nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(joining.HashSecret(id, secret)), []byte(sg.SecretHash)) != 1 {
		return nil, nil
	}
	return sg, nil
}

func waitUntil(t time.Time) { time.Sleep(time.Until(t)) }
