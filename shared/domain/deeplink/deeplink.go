// Package deeplink decides where a link's `?to=` leads (SPEC section 13):
// a path on the event's own site, within the paths the event allows, or
// nowhere (the click goes to the event URL itself). Nothing here can name
// another host: the answer is always built from the event URL's scheme and
// host, and the path only ever adds to it.
package deeplink

import (
	"fmt"
	"net/url"
	"strings"
)

// MaxLen bounds a `to`: longer ones are refused outright.
const MaxLen = 1024

// reserved are the link parameters that are Tally's (the channel tag, the
// deep link, the click token), dropped from to's own query too.
var reserved = []string{"sub", "to", "tally_click"}

// Resolve is the deep link for to on the event URL's site: its scheme and
// host, to's path and to's own query. ok is false when to is empty, not
// within allowed, or holds a `..` segment, `//`, `\`, a control character
// or a scheme (`:`) in its path, as given or after one percent-decoding.
func Resolve(eventURL string, allowed []string, to string) (*url.URL, bool) {
	if to == "" || len(to) > MaxLen || len(allowed) == 0 {
		return nil, false
	}
	base, err := url.Parse(eventURL)
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return nil, false
	}
	rest, fragment, _ := strings.Cut(to, "#")
	rawPath, rawQuery, _ := strings.Cut(rest, "?")
	path, err := url.PathUnescape(rawPath)
	if err != nil || !safe(rawPath) || !safe(path) || !within(rawPath, allowed) || !within(path, allowed) {
		return nil, false
	}
	if !printable(rawQuery) || !printable(fragment) {
		return nil, false
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, false
	}
	for _, k := range reserved {
		q.Del(k) // Tally's own: never passed on, whoever put them there
	}
	frag, err := url.PathUnescape(fragment)
	if err != nil {
		return nil, false
	}
	u := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: path, RawPath: rawPath, RawQuery: q.Encode(), Fragment: frag}
	return u, true
}

// safe reports whether a path is one a deep link may take: absolute, and
// without anything a browser or a server could read as leaving it.
func safe(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "//") || strings.ContainsAny(p, `\:`) || !printable(p) {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return false
		}
	}
	return true
}

// printable reports whether s has no control character (nor DEL).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

func within(p string, allowed []string) bool {
	for _, a := range allowed {
		if strings.HasPrefix(p, a) {
			return true
		}
	}
	return false
}

// CheckPrefix says why an allowed_paths entry cannot be one, or nil: it
// must be a plain absolute path that a deep link could itself take.
func CheckPrefix(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("must start with /, got %q", p)
	case len(p) > 256:
		return fmt.Errorf("must be at most 256 characters")
	case strings.ContainsAny(p, "?#%"):
		return fmt.Errorf("must be a plain path without ?, # or %%, got %q", p)
	case !safe(p):
		return fmt.Errorf("must not hold //, \\, :, .. or a control character, got %q", p)
	}
	return nil
}
