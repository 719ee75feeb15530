package reports

import "testing"

func TestSpan(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{"2026-10-11", "2026-10-31", "Oct 11 – Oct 31, 2026"},
		{"2026-11-20", "2026-11-20", "Nov 20, 2026"},
		{"2025-12-20", "2026-01-03", "Dec 20, 2025 – Jan 3, 2026"},
		{"", "", " to "},
	} {
		if got := span(c.from, c.to); got != c.want {
			t.Errorf("span(%q, %q) = %q, want %q", c.from, c.to, got, c.want)
		}
	}
}
