package csrf

import (
	"testing"

	"github.com/tallyhq/tally/shared/apigw"
)

func TestCrossSite(t *testing.T) {
	for _, c := range []struct {
		name    string
		headers map[string]string
		want    bool
	}{
		{"same origin", map[string]string{"host": "tally.example", "origin": "https://tally.example"}, false},
		{"other origin", map[string]string{"host": "tally.example", "origin": "https://evil.example"}, true},
		{"sibling subdomain", map[string]string{"host": "tally.example", "origin": "https://x.tally.example"}, true},
		{"null origin", map[string]string{"host": "tally.example", "origin": "null"}, true},
		{"fetch metadata, same origin", map[string]string{"host": "tally.example", "sec-fetch-site": "same-origin"}, false},
		{"fetch metadata, cross site", map[string]string{"host": "tally.example", "sec-fetch-site": "cross-site"}, true},
		{"fetch metadata, same site", map[string]string{"host": "tally.example", "sec-fetch-site": "same-site"}, true},
		{"typed in", map[string]string{"host": "tally.example", "sec-fetch-site": "none"}, false},
		{"curl", map[string]string{"host": "tally.example"}, false},
	} {
		if got := CrossSite(apigw.Request{Headers: c.headers}); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
