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

func TestOwnerPathKeepsOnlyOwnerPagesOfThisSite(t *testing.T) {
	for next, want := range map[string]string{
		"/admin":                       "/admin",
		"/admin?month=2026-11":         "/admin?month=2026-11",
		"/admin/affiliates/jane":       "/admin/affiliates/jane",
		"/administrator":               OwnerHomePath,
		"/reports/ledger":              OwnerHomePath,
		"//evil.example/admin":         OwnerHomePath,
		"/admin/%2F%2Fevil.example":    OwnerHomePath,
		"/admin/\\evil.example":        OwnerHomePath,
		"https://evil.example/admin/x": OwnerHomePath,
	} {
		if got := OwnerPath(next); got != want {
			t.Errorf("OwnerPath(%q) = %q, want %q", next, got, want)
		}
	}
	for next, want := range map[string]string{"/admin/payouts": "/admin/payouts", "/reports/links": "/reports/links", "//evil": "", "/login": ""} {
		if got := SignInNext(next); got != want {
			t.Errorf("SignInNext(%q) = %q, want %q", next, got, want)
		}
	}
}
