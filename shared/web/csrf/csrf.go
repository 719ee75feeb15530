// Package csrf keeps other sites from posting to Tally through a visitor's
// browser (SPEC section 8): a sign-in into the attacker's account, a sign-out,
// an owner's form. Browsers say where a request comes from in Origin (every
// POST of a current browser) or, failing that, Sec-Fetch-Site; scripts and
// servers send neither and are not browsers being abused.
package csrf

import (
	"net/url"
	"strings"

	"github.com/tallyhq/tally/shared/web/apigw"
)

// CrossSite reports whether a request comes from another site: its Origin
// is not this request's own host (any scheme, "null" included), or, without
// an Origin, its Sec-Fetch-Site is not same-origin or none (a user typing
// the address). A sibling subdomain ("same-site") counts as another site:
// Origin would name it as a different host too.
func CrossSite(req apigw.Request) bool {
	if origin := apigw.Header(req, "Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return true // "null" (a sandboxed frame, a data: URL) or garbage
		}
		return !strings.EqualFold(u.Host, ownHost(req))
	}
	switch strings.ToLower(apigw.Header(req, "Sec-Fetch-Site")) {
	case "", "same-origin", "none":
		return false
	}
	return true
}

// ownHost is the host the request was sent to: the domain API Gateway
// matched, or the Host header (the browser sets it; a page on another site
// cannot).
func ownHost(req apigw.Request) string {
	if h := req.RequestContext.DomainName; h != "" {
		return h
	}
	return apigw.Header(req, "Host")
}
