package auth

import (
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/web/apigw"
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
