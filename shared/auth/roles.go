package auth

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/portal"
	"github.com/tallyhq/tally/shared/store"
)

// Affiliate is the affiliate a report request is for: only ever the one the
// authorizer found. No key (or session): 401; an unknown or revoked key:
// 401; an owner key: 403.
func Affiliate(req apigw.Request) (string, *apierr.Error) {
	p := From(req)
	switch {
	case p.Auth == Missing:
		return "", apierr.Unauthorized("sign in, or send Authorization: Bearer <your API key>")
	case p.Auth != Found:
		return "", apierr.Unauthorized("the API key or session is not valid")
	case p.Role != store.RoleAffiliate || p.Subject == "":
		return "", apierr.Forbidden("this report is for affiliates; owner keys use /admin")
	}
	return p.Subject, nil
}

// Owner is the owner an admin request is for. No key or an unknown key: 401;
// an affiliate's key (or session): 403.
func Owner(req apigw.Request) (string, *apierr.Error) {
	p := From(req)
	switch {
	case p.Auth == Missing:
		return "", apierr.Unauthorized("sign in as an owner, or send Authorization: Bearer <owner API key>")
	case p.Auth != Found:
		return "", apierr.Unauthorized("the API key is not valid")
	case p.Role != store.RoleOwner:
		return "", apierr.Forbidden("this route needs an owner key or an owner's session")
	}
	return p.Subject, nil
}

// SignInWouldHelp says whether a browser should be sent to sign in: it sent
// no key and has no valid session. A request with an Authorization header
// always gets the JSON error instead.
func SignInWouldHelp(req apigw.Request) bool {
	a := From(req).Auth
	return a == Missing || a == InvalidSession
}

// Refuse answers a request that Affiliate or Owner turned away: a browser
// (page) without valid credentials goes to sign in and comes back to this
// page; a browser signed in to the other portal gets a page saying so
// (403); anything else the JSON error.
func Refuse(log *slog.Logger, req apigw.Request, aerr *apierr.Error, page bool) apigw.Response {
	if page && SignInWouldHelp(req) {
		return portal.Redirect("/login?next=" + url.QueryEscape(pathAndQuery(req)))
	}
	if p := From(req); page && aerr.Status == http.StatusForbidden && p.Auth == Found {
		if resp, err := portal.Forbidden(req, p.Subject, p.Role == store.RoleOwner); err == nil {
			return resp
		}
	}
	return apigw.Error(log, aerr)
}

func pathAndQuery(req apigw.Request) string {
	p := req.RawPath
	if p == "" {
		p = req.RequestContext.HTTP.Path
	}
	if req.RawQueryString != "" {
		p += "?" + req.RawQueryString
	}
	return p
}
