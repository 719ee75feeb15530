package notify

import (
	"context"
	"net/http"

	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/web"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
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

// mailSite is the edge of the mail setting: a page for a browser, else JSON.
func mailSite(d *app.Deps) web.Site {
	return web.Site{Programs: d.Rules, Log: d.Log, Formats: web.PageOrJSON,
		Member: func(ctx context.Context, code string) (*program.Program, error) {
			return d.AffiliateView(ctx, code, false)
		}}
}

// MailSettings serves GET /reports/mail: the affiliate's mail setting, with
// a form to turn it back on (or off). An API key gets the setting as JSON.
func MailSettings(d *app.Deps) apigw.Handler {
	return mailSite(d).Affiliate(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		return mailSettings(ctx, d, r, false)
	})
}

func mailSettings(ctx context.Context, d *app.Deps, r *web.Request, saved bool) (apigw.Response, error) {
	a, ok := r.Program.Affiliate(r.Who)
	if !ok {
		return apigw.Response{}, fault.New(fault.Forbidden, "forbidden", "no such affiliate")
	}
	off, err := d.Store.MailOff(ctx, r.Who)
	if err != nil {
		return apigw.Response{}, err
	}
	// The authorizer gives a session's form token; an API key has none.
	if r.Token == "" || r.Format != web.Page {
		return apigw.JSON(http.StatusOK, map[string]any{"affiliate": r.Who, "notify": a.NotifyMode(), "mail_off": off}), nil
	}
	return web.Render(r.HTTP(), http.StatusOK, "mail", portal.Page{Title: "My Mail", Who: a.Name, Nav: "mail", Zone: r.Program.Timezone, CSRF: r.Token,
		Body: mailPage{Off: off, Saved: saved, Mode: modeWords[a.NotifyMode()], Token: r.Token}})
}

// MailSettingsPost serves POST /reports/mail (mail=on|off): the edge lets
// through only a form from this site with the session's form token, which
// the authorizer derives from the verified session (Signer.FormToken), so
// this function needs no session key.
func MailSettingsPost(d *app.Deps) apigw.Handler {
	return mailSite(d).Affiliate(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		switch r.Form.Get("mail") {
		case "on", "off":
		default:
			return apigw.Response{}, fault.Fields(map[string]string{"mail": "on or off"})
		}
		if err := d.Store.SetMailOff(ctx, r.Who, r.Form.Get("mail") == "off", d.Now()); err != nil {
			return apigw.Response{}, err
		}
		return mailSettings(ctx, d, r, true)
	})
}
