package auth

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/csrf"
	"github.com/tallyhq/tally/shared/program"
	"github.com/tallyhq/tally/shared/store"
)

// maxForm bounds a signed-in page's form.
const maxForm = 16 << 10

// OwnerAccess is an owner's request that passed the gate.
type OwnerAccess struct {
	Name    string           // the owner's name, in the program's owners
	Program *program.Program // the program they are an owner of
	Token   string           // the session's form token; "" for a key
	// Form is a signed-in page's form, already checked to come from this
	// site with the session's token; nil for a key or a GET.
	Form url.Values
}

// Owners is where the gate reads the program (the program cache).
type Owners interface {
	Get(ctx context.Context) (*program.Program, error)
}

// OwnerGate is the one gate of every owner route (/admin/*, wherever its
// handler lives): a POST comes only from this site; who asks is an owner's
// key or session, and that owner is still in the program (removing an
// owner from the file ends their sessions and keys within the program
// cache's TTL); a session's POST is a form carrying the session's token.
// A refusal is answered here: page says it should be a page (sign in, or
// "not for your account") rather than the JSON error.
func OwnerGate(ctx context.Context, programs Owners, log *slog.Logger, req apigw.Request, page bool) (OwnerAccess, *apigw.Response) {
	refuse := func(err error) (OwnerAccess, *apigw.Response) {
		r := Refuse(log, req, err, page)
		return OwnerAccess{}, &r
	}
	post := req.RequestContext.HTTP.Method == http.MethodPost
	if post && csrf.CrossSite(req) {
		return refuse(apierr.Forbidden("this form can only be sent from this site"))
	}
	name, aerr := ownerRole(req)
	if aerr != nil {
		return refuse(aerr)
	}
	p, err := programs.Get(ctx)
	if err != nil {
		return refuse(err)
	}
	if !p.IsOwner(name) {
		log.Warn("owner refused: not in the program", "owner", name)
		return refuse(apierr.Unauthorized("%q is no longer an owner of this program", name))
	}
	acc := OwnerAccess{Name: name, Program: p}
	if apigw.Header(req, "Authorization") != "" { // a key: no forms
		return acc, nil
	}
	acc.Token = From(req).FormToken
	if post {
		vals, ok := readForm(req)
		if !ok || acc.Token == "" || subtle.ConstantTimeCompare([]byte(vals.Get("csrf")), []byte(acc.Token)) != 1 {
			return refuse(apierr.Forbidden("the form is missing its token or is from another session: reload the page and try again"))
		}
		acc.Form = vals
	}
	return acc, nil
}

// ownerRole checks the role the authorizer found. No key or an unknown
// key: 401; an affiliate's key (or session): 403.
func ownerRole(req apigw.Request) (string, *apierr.Error) {
	p := From(req)
	switch {
	case p.Auth == Missing:
		return "", apierr.Unauthorized("sign in as an owner, or send Authorization: Bearer <owner API key>")
	case p.Auth != Found:
		return "", apierr.Unauthorized("the API key is not valid")
	case p.Role != store.RoleOwner || p.Subject == "":
		return "", apierr.Forbidden("this route needs an owner key or an owner's session")
	}
	return p.Subject, nil
}

// readForm reads an HTML form's fields (application/x-www-form-urlencoded).
func readForm(req apigw.Request) (url.Values, bool) {
	if !strings.HasPrefix(apigw.Header(req, "Content-Type"), "application/x-www-form-urlencoded") {
		return nil, false
	}
	body, err := apigw.Body(req)
	if err != nil || len(body) > maxForm {
		return nil, false
	}
	vals, err := url.ParseQuery(string(body))
	return vals, err == nil
}
