package app

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// LinkBase is where mailed links point (sign-in, signup, welcome): the
// program's public_base_url, else TALLY_PUBLIC_BASE_URL, else API
// Gateway's own domain for this API (named by the API id API Gateway puts
// in the event, never by the Host header). Only https, except a loopback
// address for local use.
func LinkBase(programBase, configured, apiID string) (string, error) {
	base := programBase
	if base == "" {
		base = configured
	}
	if base == "" {
		region := os.Getenv("AWS_REGION")
		if apiID == "" || region == "" {
			return "", fmt.Errorf("no public_base_url or TALLY_PUBLIC_BASE_URL to build the link on")
		}
		base = "https://" + apiID + ".execute-api." + region + ".amazonaws.com"
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("public base URL %q is not a plain URL", base)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())) {
		return "", fmt.Errorf("public base URL %q: only https (or http on a loopback address)", base)
	}
	return strings.TrimRight(base, "/"), nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
