package app

import "testing"

// Mailed links: the program's address, else the configured one, else API
// Gateway's own domain for this API (its id, from the event: never a Host
// header); https only, but for loopback.
func TestLinkBase(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	for _, c := range []struct {
		program, configured, want string
		ok                        bool
	}{
		{"https://go.example.com/", "https://other.example", "https://go.example.com", true},
		{"", "https://tally.example.com", "https://tally.example.com", true},
		{"", "", "https://a1b2c3.execute-api.eu-west-1.amazonaws.com", true},
		{"", "http://127.0.0.1:4000", "http://127.0.0.1:4000", true},
		{"", "http://localhost:4000", "http://localhost:4000", true},
		{"", "http://[::1]:4000", "http://[::1]:4000", true},
		{"", "http://tally.example.com", "", false},
		{"", "http://10.0.0.1:4000", "", false},
		{"", "ftp://tally.example.com", "", false},
		{"", "https://user@tally.example.com", "", false},
		{"", "https://tally.example.com/?x=1", "", false},
	} {
		got, err := LinkBase(c.program, c.configured, "a1b2c3")
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("LinkBase(%q, %q) = %q, %v; want %q", c.program, c.configured, got, err, c.want)
		}
	}
	// Without an API id (not API Gateway) and nothing configured: no link.
	if _, err := LinkBase("", "", ""); err == nil {
		t.Error("a link was built with nothing configured")
	}
}
