// Package csrf refuses state-changing browser requests from other sites
// (SPEC section 8): by Origin, or without it by Sec-Fetch-Site.
package csrf

import (
	"net/url"
	"strings"

	"github.com/tallyhq/tally/shared/apigw"
)

// CrossSite is true when Origin (or, without it, Sec-Fetch-Site) names
// another site than the one the request was sent to.
func CrossSite(req apigw.Request) bool {
	if origin := apigw.Header(req, "Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || origin == "null" {
			return true
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
