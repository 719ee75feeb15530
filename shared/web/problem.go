package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/tallyhq/tally/shared/web/apierr"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Problem answers an owner's failed form or page as a page: what went
// wrong, in words (its kind's status), and the way back to the owner's page
// it came from.
func Problem(r *Request, err error) apigw.Response {
	ae := apierr.From(err)
	if ae == apierr.Internal {
		r.Log.Error("request failed", "err", err.Error())
		ae = apierr.New(http.StatusInternalServerError, "internal", "something went wrong on our side; nothing was changed. Try again in a minute")
	}
	back := r.Header("Referer")
	if u, err := url.Parse(back); err != nil || portal.OwnerPath(u.RequestURI()) != u.RequestURI() {
		back = "/admin/payouts"
	} else {
		back = u.RequestURI()
	}
	msg := ae.Message
	for f, m := range ae.Fields {
		msg += " " + f + ": " + m + "."
	}
	var lines []string
	for _, l := range ae.Lines {
		lines = append(lines, fmt.Sprintf("line %d: %s", l.Line, l.Message))
	}
	resp, rerr := Render(r.Request, ae.Status, "admin-problem", portal.Page{Title: "Not done", Who: r.Who, Nav: "problem", Owner: true,
		Zone: r.Program.Location().String(), Body: struct {
			Message, Back string
			Lines         []string
		}{msg, back, lines}})
	if rerr != nil {
		return Error(r.Log, err)
	}
	return resp
}
