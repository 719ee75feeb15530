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
	"github.com/tallyhq/tally/shared/fault"
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
	name, p, err := Owner(ctx, programs, log, req)
	if err != nil {
		return refuse(err)
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

// Owner is who asks on an owner route, and the program they are an owner
// of: the authorizer found an owner's key or session (none or an unknown
// key: Unauthorized; an affiliate's: Forbidden), and that owner is still in
// the program (removing an owner from the file ends their sessions and keys
// within the program cache's TTL).
func Owner(ctx context.Context, programs Owners, log *slog.Logger, req apigw.Request) (string, *program.Program, error) {
	pr := From(req)
	switch {
	case pr.Auth == Missing:
		return "", nil, fault.New(fault.Unauthorized, "unauthorized", "sign in as an owner, or send Authorization: Bearer <owner API key>")
	case pr.Auth != Found:
		return "", nil, fault.New(fault.Unauthorized, "unauthorized", "the API key is not valid")
	case pr.Role != store.RoleOwner || pr.Subject == "":
		return "", nil, fault.New(fault.Forbidden, "forbidden", "this route needs an owner key or an owner's session")
	}
	p, err := programs.Get(ctx)
	if err != nil {
		return "", nil, err
	}
	if !p.IsOwner(pr.Subject) {
		log.Warn("owner refused: not in the program", "owner", pr.Subject)
		return "", nil, fault.New(fault.Unauthorized, "unauthorized", "%q is no longer an owner of this program", pr.Subject)
	}
	return pr.Subject, p, nil
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
