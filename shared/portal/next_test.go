package portal

import "testing"

func TestLocalPathKeepsOnlyReportPagesOfThisSite(t *testing.T) {
	for next, want := range map[string]string{
		"/reports/link-stats?month=2026-11": "/reports/link-stats?month=2026-11",
		"/reports/ledger":                   "/reports/ledger",
		"":                                  HomePath,
		"//evil.example":                    HomePath,
		"https://evil.example":              HomePath,
		"/\\evil.example":                   HomePath,
		"%2F%2Fevil.example":                HomePath,
		"/%2F%2Fevil.example":               HomePath,
		"/reports/%2F%2Fevil.example":       HomePath,
		"/reports/..%2F..%2F%2Fevil":        HomePath,
		"%252F%252Fevil.example":            HomePath,
		"/%5Cevil.example":                  HomePath,
		"javascript:alert(1)":               HomePath,
		"/login":                            HomePath,
		"/reports/\r\nSet-Cookie:x":         HomePath,
		"http:/reports/ledger":              HomePath,
	} {
		if got := LocalPath(next); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", next, got, want)
		}
	}
}
