package portal

import (
	"net/url"
	"strings"
)

// HomePath is where a sign-in lands when it has nowhere (safe) to go.
const HomePath = "/reports/ledger"

// LocalPath keeps a `next` only when it is a report page of this site, in
// any encoding; anything else (other hosts, scheme-relative "//x", "/\x",
// encoded forms) becomes the ledger page.
func LocalPath(next string) string {
	if next == "" || len(next) > 512 {
		return HomePath
	}
	dec := next
	for i := 0; i < 3; i++ { // undo nested percent-encoding before judging
		d, err := url.PathUnescape(dec)
		if err != nil {
			return HomePath
		}
		if d == dec {
			break
		}
		dec = d
	}
	for _, s := range []string{next, dec} {
		if !strings.HasPrefix(s, "/reports/") || strings.ContainsAny(s, "\\\r\n\t") || strings.Contains(s, "//") {
			return HomePath
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return HomePath
	}
	return next
}
