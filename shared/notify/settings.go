package notify

import (
	"context"
	"net/http"
	"net/url"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/auth"
	"github.com/tallyhq/tally/shared/csrf"
	"github.com/tallyhq/tally/shared/portal"
	"github.com/tallyhq/tally/shared/program"
	"github.com/tallyhq/tally/shared/session"
)

type mailPage struct {
	Off, Saved bool
	Mode       string
	Token      string
}

var modeWords = map[string]string{
	program.NotifyEach:  "a mail for each commission, clawback and payout",
	program.NotifyDaily: "one mail a day with the day's commissions, and one for each payout",
	program.NotifyNone:  "the program sends you none",
}

func signer(d *app.Deps) *session.Signer {
	s, err := session.NewSigner([]byte(d.Config.SessionKey))
	if err != nil {
		d.Fatal("TALLY_SESSION_KEY", err)
	}
	return s
}

// MailSettings serves GET /reports/mail: the affiliate's mail setting, with
// a form to turn it back on (or off). An API key gets the setting as JSON.
func MailSettings(d *app.Deps) apigw.Handler {
	sg := signer(d)
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return mailSettings(ctx, d, sg, req, false)
	}
}

func mailSettings(ctx context.Context, d *app.Deps, sg *session.Signer, req apigw.Request, saved bool) (apigw.Response, error) {
	log := apigw.Logger(ctx, d.Log, req)
	code, aerr := auth.Affiliate(req)
	if aerr != nil {
		if auth.SignInWouldHelp(req) {
			return portal.Redirect("/login?next=" + url.QueryEscape("/reports/mail")), nil
		}
		return apigw.Error(log, aerr), nil
	}
	p, err := d.Programs.Get(ctx)
	if err != nil {
		return apigw.Error(log, err), nil
	}
	a, ok := p.Affiliate(code)
	if !ok {
		return apigw.Error(log, apierr.Forbidden("no such affiliate")), nil
	}
	off, err := d.Store.MailOff(ctx, code)
	if err != nil {
		return apigw.Error(log, err), nil
	}
	ss, serr := sg.Verify(session.FromCookies(func(name string) string { return apigw.Cookie(req, name) }), d.Now())
	if serr != nil || apigw.Header(req, "Authorization") != "" {
		return apigw.JSON(http.StatusOK, map[string]any{"affiliate": code, "notify": a.NotifyMode(), "mail_off": off}), nil
	}
	token := sg.FormToken(ss)
	return portal.Render(req, http.StatusOK, "mail", portal.Page{Title: "My Mail", Who: a.Name, Nav: "mail", Zone: p.Timezone, CSRF: token,
		Body: mailPage{Off: off, Saved: saved, Mode: modeWords[a.NotifyMode()], Token: token}})
}

// MailSettingsPost serves POST /reports/mail (mail=on|off): only from this
// site (csrf.CrossSite) and with the session's form token.
func MailSettingsPost(d *app.Deps) apigw.Handler {
	sg := signer(d)
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		log := apigw.Logger(ctx, d.Log, req)
		if csrf.CrossSite(req) {
			return apigw.Error(log, apierr.Forbidden("cross-site request refused")), nil
		}
		code, aerr := auth.Affiliate(req)
		if aerr != nil {
			return apigw.Error(log, aerr), nil
		}
		ss, err := sg.Verify(session.FromCookies(func(name string) string { return apigw.Cookie(req, name) }), d.Now())
		body, berr := apigw.Body(req)
		if err != nil || berr != nil || ss.Affiliate != code || len(body) > 4<<10 {
			return apigw.Error(log, apierr.Forbidden("sign in to change your mail setting")), nil
		}
		form, _ := url.ParseQuery(string(body))
		if !sg.CheckFormToken(ss, form.Get("csrf")) {
			return apigw.Error(log, apierr.Forbidden("this form has expired; reload the page")), nil
		}
		switch form.Get("mail") {
		case "on", "off":
		default:
			return apigw.Error(log, apierr.Invalid(map[string]string{"mail": "on or off"})), nil
		}
		if err := d.Store.SetMailOff(ctx, code, form.Get("mail") == "off", d.Now()); err != nil {
			return apigw.Error(log, err), nil
		}
		return mailSettings(ctx, d, sg, req, true)
	}
}
