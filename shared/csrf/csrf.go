// Package csrf decides whether a state-changing browser request comes from
// another site (SPEC section 8: only this site can post to it).
package csrf

import (
	"net/url"
	"strings"

	"github.com/tallyhq/tally/shared/apigw"
)

// CrossSite is true when the request's Origin names another host than the
// one it was sent to, or, without an Origin, when Sec-Fetch-Site says it
// came from another site. A request with neither (curl, a server) is not
// cross-site: it carries no browser's cookies by accident.
func CrossSite(req apigw.Request) bool {
	if o := apigw.Header(req, "Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" {
			return true // "null" (a sandboxed frame, a redirect across sites) or garbage
		}
		host := req.RequestContext.DomainName
		if host == "" {
			host = apigw.Header(req, "Host")
		}
		return !strings.EqualFold(u.Host, host)
	}
	switch apigw.Header(req, "Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return false
	}
	return true
}
