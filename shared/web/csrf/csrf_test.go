package csrf

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/web/apigw"
)

func TestCrossSite(t *testing.T) {
	for name, c := range map[string]struct {
		headers map[string]string
		want    bool
	}{
		"same origin":                  {map[string]string{"origin": "https://tally.example.com"}, false},
		"same origin, case":            {map[string]string{"origin": "https://Tally.Example.com"}, false},
		"another site":                 {map[string]string{"origin": "https://evil.example"}, true},
		"a sibling subdomain":          {map[string]string{"origin": "https://evil.example.com"}, true},
		"same host, another port":      {map[string]string{"origin": "https://tally.example.com:8443"}, true},
		"null origin":                  {map[string]string{"origin": "null"}, true},
		"garbage origin":               {map[string]string{"origin": "::"}, true},
		"origin wins over fetch-site":  {map[string]string{"origin": "https://evil.example", "sec-fetch-site": "same-origin"}, true},
		"no origin, same-origin":       {map[string]string{"sec-fetch-site": "same-origin"}, false},
		"no origin, typed":             {map[string]string{"sec-fetch-site": "none"}, false},
		"no origin, cross-site":        {map[string]string{"sec-fetch-site": "cross-site"}, true},
		"no origin, same-site":         {map[string]string{"sec-fetch-site": "same-site"}, true},
		"neither (a script, a server)": {map[string]string{}, false},
	} {
		req := apigw.Request{Headers: c.headers, RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "tally.example.com"}}
		if got := CrossSite(req); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	// Without a domain in the context (the dev server sets one), the Host
	// header is the site.
	req := apigw.Request{Headers: map[string]string{"host": "127.0.0.1:4000", "origin": "http://127.0.0.1:4000"}}
	if CrossSite(req) {
		t.Error("same host by Host header: refused")
	}
}
