package csrf

import (
	"testing"

	"github.com/tallyhq/tally/shared/apigw"
)

func TestCrossSite(t *testing.T) {
	for _, c := range []struct {
		headers map[string]string
		want    bool
	}{
		{map[string]string{"host": "go.example.com", "origin": "https://go.example.com"}, false},
		{map[string]string{"host": "go.example.com", "origin": "https://evil.example"}, true},
		{map[string]string{"host": "go.example.com", "origin": "null"}, true},
		{map[string]string{"host": "go.example.com", "sec-fetch-site": "same-origin"}, false},
		{map[string]string{"host": "go.example.com", "sec-fetch-site": "cross-site"}, true},
		{map[string]string{"host": "go.example.com", "sec-fetch-site": "same-site"}, true},
		{map[string]string{"host": "go.example.com"}, false}, // a server, not a browser
	} {
		if got := CrossSite(apigw.Request{Headers: c.headers}); got != c.want {
			t.Errorf("%v: %v, want %v", c.headers, got, c.want)
		}
	}
}
