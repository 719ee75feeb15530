package portal

import (
	"net/url"
	"strings"
)

// HomePath is where a sign-in lands when it has nowhere (safe) to go.
const HomePath = "/reports/ledger"

// OwnerHomePath is where an owner's sign-in lands.
const OwnerHomePath = "/admin"

// LocalPath keeps a `next` only when it is a report page of this site, in
// any encoding; anything else (other hosts, scheme-relative "//x", "/\x",
// encoded forms) becomes the ledger page.
func LocalPath(next string) string {
	if local(next, "/reports/") {
		return next
	}
	return HomePath
}

// OwnerPath keeps a `next` only when it is an owner's page of this site
// (/admin or below); anything else becomes the overview.
func OwnerPath(next string) string {
	if local(next, "/admin/") || local(next, "/admin?") || next == "/admin" {
		return next
	}
	return OwnerHomePath
}

// SignInNext is the `next` a sign-in carries before it knows who is signing
// in: a page of either portal, else "" (each role's home).
func SignInNext(next string) string {
	if p := LocalPath(next); p == next {
		return p
	}
	if p := OwnerPath(next); p == next {
		return p
	}
	return ""
}

func local(next, prefix string) bool {
	if next == "" || len(next) > 512 {
		return false
	}
	dec := next
	for i := 0; i < 3; i++ { // undo nested percent-encoding before judging
		d, err := url.PathUnescape(dec)
		if err != nil {
			return false
		}
		if d == dec {
			break
		}
		dec = d
	}
	for _, s := range []string{next, dec} {
		if !strings.HasPrefix(s, prefix) || strings.ContainsAny(s, "\\\r\n\t") || strings.Contains(s, "//") {
			return false
		}
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}
