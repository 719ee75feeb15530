package program

import "time"

// validateBoards checks an event's leaderboard window (SPEC 17): both
// dates or neither, each a date, from not after to.
func validateBoards(probs *problems, at string, e Event) {
	from, to := e.LeaderboardFrom, e.LeaderboardTo
	if from == "" && to == "" {
		return
	}
	if !e.Leaderboard {
		probs.add(at+".leaderboard", "must be true with leaderboard_from and leaderboard_to")
	}
	if (from == "") != (to == "") {
		probs.add(at+".leaderboard_from", "give both leaderboard_from and leaderboard_to, or neither (the current month)")
		return
	}
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil:
		probs.add(at+".leaderboard_from", "must be a date YYYY-MM-DD, got %q", from)
	case err2 != nil:
		probs.add(at+".leaderboard_to", "must be a date YYYY-MM-DD, got %q", to)
	case f.After(t):
		probs.add(at+".leaderboard_to", "is before leaderboard_from (%s)", from)
	}
}
