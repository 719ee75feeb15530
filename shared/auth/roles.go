package auth

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/fault"
	"github.com/tallyhq/tally/shared/portal"
	"github.com/tallyhq/tally/shared/store"
)

// Affiliate is the affiliate a report request is for: only ever the one the
// authorizer found. No key (or session): 401; an unknown or revoked key:
// 401; an owner key: 403.
func Affiliate(req apigw.Request) (string, error) {
	p := From(req)
	switch {
	case p.Auth == Missing:
		return "", fault.New(fault.Unauthorized, "unauthorized", "sign in, or send Authorization: Bearer <your API key>")
	case p.Auth != Found:
		return "", fault.New(fault.Unauthorized, "unauthorized", "the API key or session is not valid")
	case p.Role != store.RoleAffiliate || p.Subject == "":
		return "", fault.New(fault.Forbidden, "forbidden", "this report is for affiliates; owner keys use /admin")
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

// Refuse answers a request that Affiliate or OwnerGate turned away: a browser
// (page) without valid credentials goes to sign in and comes back to this
// page; a browser signed in to the other portal gets a page saying so
// (403); anything else the JSON error.
func Refuse(log *slog.Logger, req apigw.Request, err error, page bool) apigw.Response {
	aerr := apierr.From(err)
	if aerr == apierr.Internal {
		return apigw.Error(log, err)
	}
	// A session that no longer counts (signed out, or its owner removed)
	// signs in again; a key always gets the JSON error.
	session := apigw.Header(req, "Authorization") == ""
	if page && (SignInWouldHelp(req) || (session && aerr.Status == http.StatusUnauthorized)) {
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
