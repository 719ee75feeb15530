package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/web/apierr"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/auth"
)

// Owner serves an owner route (/admin/*, wherever its handler lives): a
// request that changes something (POST, PATCH, DELETE) comes only from
// this site; who asks is an owner's key or session, still in the program;
// a session's change is a form carrying the session's token (a key's is
// JSON: a browser never sends a key by itself), and is answered as a page.
// A refusal is a page (sign in, or "not for your account") when the
// answer would be one, else the JSON error.
func (s Site) Owner(h Handler) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		r := s.request(ctx, req)
		if r.Changes() && r.Format == Page {
			r.Format = JSON // a change's answer is a page only for a form (below)
		}
		page := r.Format == Page
		if r.Changes() {
			if err := ownerForms.sameSite(r); err != nil {
				return Refuse(r.Log, req, err, page), nil
			}
		}
		name, p, err := auth.Owner(ctx, s.Programs, r.Log, req)
		if err != nil {
			return Refuse(r.Log, req, err, page), nil
		}
		r.Who, r.Program = name, p
		if apigw.Header(req, "Authorization") == "" { // a session; a key posts no forms
			r.Token = auth.From(req).FormToken
			if r.Changes() {
				if s.Uploads {
					r.Form, r.Upload, err = ownerForms.readUpload(req, r.Token)
				} else {
					r.Form, err = ownerForms.read(req, r.Token)
				}
				if err != nil {
					return Refuse(r.Log, req, err, page), nil
				}
				r.Format = Page
			}
		}
		return answer(ctx, h, r)
	}
}

// Affiliate serves an affiliate's route: only ever the affiliate the
// authorizer found, in the program read for this request. A POST comes
// only from this site and is a form carrying the session's token. A
// browser's refused GET goes to sign in; anything else gets the JSON error.
func (s Site) Affiliate(h Handler) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		r := s.request(ctx, req)
		if r.Post() {
			if err := affiliateForms.sameSite(r); err != nil {
				return Error(r.Log, err), nil
			}
		}
		code, err := auth.Affiliate(req)
		if err != nil {
			return Refuse(r.Log, req, err, r.Format == Page && !r.Post()), nil
		}
		r.Who, r.Token = code, auth.From(req).FormToken
		if r.Post() {
			if r.Form, err = affiliateForms.read(req, r.Token); err != nil {
				return Error(r.Log, err), nil
			}
		}
		if s.Member != nil {
			r.Program, err = s.Member(ctx, code)
		} else {
			r.Program, err = s.Programs.Get(ctx)
		}
		if err != nil {
			return Error(r.Log, err), nil
		}
		return answer(ctx, h, r)
	}
}

// Form serves a sign-in form anyone may post (no session yet, or one to
// end): only from this site; its fields in r.Form (FormOK when the body
// was a well-formed form). A form that must carry a session's token checks it with
// CheckToken.
func (s Site) Form(h Handler) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		r := s.request(ctx, req)
		if err := signInForms.sameSite(r); err != nil {
			return Error(r.Log, err), nil
		}
		r.Form, r.FormOK = signInForms.fields(req)
		return answer(ctx, h, r)
	}
}

// CheckToken is a sign-in form's token check against the session's token
// (want): Forbidden when it does not match.
func (r *Request) CheckToken(want string) error {
	return signInForms.token(r.Form, want)
}

// Refuse answers a request a gate turned away: a browser (page) without
// valid credentials goes to sign in and comes back to this page; a browser
// signed in to the other portal gets a page saying so (403); anything else
// the JSON error.
func Refuse(log *slog.Logger, req apigw.Request, err error, page bool) apigw.Response {
	aerr := apierr.From(err)
	if aerr == apierr.Internal {
		return apigw.Error(log, err)
	}
	// A session that no longer counts (signed out, or its owner removed)
	// signs in again; a key always gets the JSON error.
	session := apigw.Header(req, "Authorization") == ""
	if page && (auth.SignInWouldHelp(req) || (session && aerr.Status == http.StatusUnauthorized)) {
		return Redirect("/login?next=" + url.QueryEscape(pathAndQuery(req)))
	}
	if p := auth.From(req); page && aerr.Status == http.StatusForbidden && p.Auth == auth.Found {
		if resp, err := Forbidden(req, p.Subject, p.Role == store.RoleOwner); err == nil {
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
