package notify

import (
	"context"
	"crypto/hmac"
	"net/http"
	"net/url"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/auth"
	"github.com/tallyhq/tally/shared/csrf"
	"github.com/tallyhq/tally/shared/portal"
	"github.com/tallyhq/tally/shared/program"
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

// MailSettings serves GET /reports/mail: the affiliate's mail setting, with
// a form to turn it back on (or off). An API key gets the setting as JSON.
func MailSettings(d *app.Deps) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return mailSettings(ctx, d, req, false)
	}
}

func mailSettings(ctx context.Context, d *app.Deps, req apigw.Request, saved bool) (apigw.Response, error) {
	log := apigw.Logger(ctx, d.Log, req)
	code, aerr := auth.Affiliate(req)
	if aerr != nil {
		return auth.Refuse(log, req, aerr, portal.WantsHTML(req)), nil
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
	// The authorizer gives a session's form token; an API key has none.
	token := auth.From(req).FormToken
	if token == "" || !portal.WantsHTML(req) {
		return apigw.JSON(http.StatusOK, map[string]any{"affiliate": code, "notify": a.NotifyMode(), "mail_off": off}), nil
	}
	return portal.Render(req, http.StatusOK, "mail", portal.Page{Title: "My Mail", Who: a.Name, Nav: "mail", Zone: p.Timezone, CSRF: token,
		Body: mailPage{Off: off, Saved: saved, Mode: modeWords[a.NotifyMode()], Token: token}})
}

// MailSettingsPost serves POST /reports/mail (mail=on|off): only from this
// site (csrf.CrossSite) and with the session's form token, which the
// authorizer derives from the verified session (Signer.FormToken), so this
// function needs no session key.
func MailSettingsPost(d *app.Deps) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		log := apigw.Logger(ctx, d.Log, req)
		if csrf.CrossSite(req) {
			return apigw.Error(log, apierr.Forbidden("cross-site request refused")), nil
		}
		code, aerr := auth.Affiliate(req)
		if aerr != nil {
			return apigw.Error(log, aerr), nil
		}
		want := auth.From(req).FormToken
		body, berr := apigw.Body(req)
		if want == "" || berr != nil || len(body) > 4<<10 {
			return apigw.Error(log, apierr.Forbidden("sign in to change your mail setting")), nil
		}
		form, _ := url.ParseQuery(string(body))
		if !hmac.Equal([]byte(form.Get("csrf")), []byte(want)) {
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
		return mailSettings(ctx, d, req, true)
	}
}
