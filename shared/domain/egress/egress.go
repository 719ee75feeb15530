// Package egress holds where Tally may connect out to a URL the business
// configured (outgoing webhooks, SPEC 14): https only (http to a loopback
// address, and only locally), no redirects, and, deployed, never to an
// address inside the network (loopback, link-local, private, unspecified,
// multicast, reserved), checked on the address actually dialled, so a name
// that resolves elsewhere later (DNS rebinding) is caught too.
package egress

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrRefused marks a URL or address Tally will not connect to.
var ErrRefused = errors.New("refused")

// CheckURL says whether raw may be sent to: an absolute https URL without
// user info, or, when local (the dev server on this machine), http to a
// loopback host.
func CheckURL(raw string, local bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return fmt.Errorf("%w: not an absolute URL without user info", ErrRefused)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && !local:
		return fmt.Errorf("%w: http is only for a loopback endpoint on the dev server; use https", ErrRefused)
	case u.Scheme == "http" && !Loopback(u.Hostname()):
		return fmt.Errorf("%w: http only to a loopback address (localhost, 127.0.0.1, [::1]); use https", ErrRefused)
	case u.Scheme == "http":
		return nil
	}
	return fmt.Errorf("%w: scheme %q: use https", ErrRefused, u.Scheme)
}

// Loopback says whether host names this machine.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// Ranges netip has no predicate for that a deployed function must not
// reach: shared (carrier-grade NAT), benchmarking, reserved and
// protocol-assignment space, and IPv6 prefixes that carry an IPv4 address
// (NAT64, 6to4, Teredo) and so could lead to any of the others.
var refusedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001::/32"),
}

// CheckIP says whether a deployed function may connect to a.
func CheckIP(a netip.Addr) error {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return fmt.Errorf("%w: no address", ErrRefused)
	case a.IsLoopback():
		return fmt.Errorf("%w: %s is a loopback address", ErrRefused, a)
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return fmt.Errorf("%w: %s is a link-local address", ErrRefused, a)
	case a.IsPrivate():
		return fmt.Errorf("%w: %s is a private address", ErrRefused, a)
	case a.IsUnspecified():
		return fmt.Errorf("%w: %s is the unspecified address", ErrRefused, a)
	case a.IsMulticast():
		return fmt.Errorf("%w: %s is a multicast address", ErrRefused, a)
	}
	for _, p := range refusedPrefixes {
		if p.Contains(a) {
			return fmt.Errorf("%w: %s is in reserved range %s", ErrRefused, a, p)
		}
	}
	return nil
}

// control runs after name resolution, just before each connect, on the
// address being dialled.
func control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: address %q: %v", ErrRefused, address, err)
	}
	return CheckIP(ap.Addr())
}

// Client is the HTTP client for configured URLs: it follows no redirect
// (the 3xx is the answer), uses no proxy from the environment, and,
// deployed (local false), dials only addresses CheckIP allows.
func Client(local bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !local {
		d.Control = control
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:               nil, // a proxy would dial for us, past the check
			DialContext:         d.DialContext,
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: timeout,
			MaxIdleConns:        16,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: NoRedirect,
	}
}

// NoRedirect makes a client answer with the redirect itself.
func NoRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Name is how logs and errors name a URL: scheme, host and a short hash of
// the whole URL, never its path or query (a hook URL is a credential).
func Name(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	tag := hex.EncodeToString(sum[:4])
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparsable URL) #" + tag
	}
	return u.Scheme + "://" + u.Host + " #" + tag
}

// Cause is err without the URL the HTTP client wraps around it.
func Cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}
