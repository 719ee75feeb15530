package program

import (
	"strings"
	"testing"
)

func TestLeaderboardWindowIsBothDatesOrNeither(t *testing.T) {
	base := "currency: USD\nfallback_url: https://example.com/\nevents:\n  - {slug: e, name: E, url: https://example.com/e, %s}\n"
	for fields, want := range map[string]string{
		"leaderboard: true": "",
		"leaderboard: true, leaderboard_from: 2026-11-01, leaderboard_to: 2026-11-07": "",
		"leaderboard: true, leaderboard_from: 2026-11-01":                             "events[0].leaderboard_from: give both",
		"leaderboard: true, leaderboard_from: 2026-11-08, leaderboard_to: 2026-11-07": "events[0].leaderboard_to: is before leaderboard_from",
		"leaderboard: true, leaderboard_from: 2026-11-31, leaderboard_to: 2026-12-07": "events[0].leaderboard_from: must be a date",
		"leaderboard_from: 2026-11-01, leaderboard_to: 2026-11-07":                    "events[0].leaderboard: must be true",
	} {
		_, err := Parse([]byte(strings.Replace(base, "%s", fields, 1)))
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", fields, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want %q", fields, err, want)
		}
	}
}
