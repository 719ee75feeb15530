package program

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

var contestIDRE = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)

// Contest limits: a contest's prizes are among the places every entrant
// sees (the top 20), and an event's contests stay few.
const (
	maxContests   = 20
	maxPrizeRank  = 20
	maxPrizeCents = 1e12
)

// validateBoards checks an event's leaderboard window (SPEC 17): both
// dates or neither, each a date, from not after to.
func validateBoards(probs *problems, at string, e Event) {
	validateContests(probs, at, e)
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

// validateContests checks an event's contests (SPEC 17).
func validateContests(probs *problems, at string, e Event) {
	if len(e.Contests) > maxContests {
		probs.add(at+".contests", "at most %d contests", maxContests)
	}
	ids := map[string]bool{}
	for i, c := range e.Contests {
		cat := fmt.Sprintf("%s.contests[%d]", at, i)
		switch {
		case !contestIDRE.MatchString(c.ID):
			probs.add(cat+".id", "must match [a-z0-9-]{1,40}, got %q", c.ID)
		case ids[c.ID]:
			probs.add(cat+".id", "duplicate contest %q", c.ID)
		}
		ids[c.ID] = true
		if strings.TrimSpace(c.Name) == "" {
			probs.add(cat+".name", "is required")
		}
		f, err1 := time.Parse(time.DateOnly, c.From)
		t, err2 := time.Parse(time.DateOnly, c.To)
		switch {
		case err1 != nil:
			probs.add(cat+".from", "must be a date YYYY-MM-DD, got %q", c.From)
		case err2 != nil:
			probs.add(cat+".to", "must be a date YYYY-MM-DD, got %q", c.To)
		case f.After(t):
			probs.add(cat+".to", "is before from (%s)", c.From)
		}
		switch c.Metric {
		case MetricNetRevenue, MetricOrders, MetricOptIns:
		default:
			probs.add(cat+".metric", "must be net_revenue, orders or opt_ins, got %q", c.Metric)
		}
		if c.Min < 0 {
			probs.add(cat+".min", "must not be negative")
		}
		ranks := map[int]bool{}
		for j, pz := range c.Prizes {
			pat := fmt.Sprintf("%s.prizes[%d]", cat, j)
			switch {
			case pz.Rank < 1 || pz.Rank > maxPrizeRank:
				probs.add(pat+".rank", "must be 1 to %d, got %d", maxPrizeRank, pz.Rank)
			case ranks[pz.Rank]:
				probs.add(pat+".rank", "a second prize for place %d", pz.Rank)
			}
			ranks[pz.Rank] = true
			if pz.Cents < 0 || pz.Cents > maxPrizeCents {
				probs.add(pat+".cents", "must be 0 to %d", int64(maxPrizeCents))
			}
			if pz.Cents == 0 && strings.TrimSpace(pz.Text) == "" {
				probs.add(pat, "needs cents or text")
			}
		}
	}
}
