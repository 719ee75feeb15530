package standings

import (
	"fmt"
	"time"

	"github.com/tallyhq/tally/shared/domain/program"
)

// ContestBoard names a contest's board: its rows and snapshots are kept
// like a leaderboard's.
func ContestBoard(event, id string) string { return event + "#contest#" + id }

// ContestWindow is a contest's span.
func ContestWindow(c *program.Contest) Window { return Window{c.From, c.To} }

// Contest statuses (SPEC 17).
const (
	Upcoming    = "upcoming"
	Live        = "live"
	Provisional = "provisional"
	Final       = "final"
)

// Status is where a contest stands at now: upcoming before its window,
// live during it, provisional after it while a refund can still change it
// (until holdUntil, the latest available_on of a commission on an order it
// counted; zero when none had one), final after that.
func Status(w Window, loc *time.Location, now, holdUntil time.Time) string {
	from, _ := time.ParseInLocation(time.DateOnly, w.From, loc)
	to, _ := time.ParseInLocation(time.DateOnly, w.To, loc)
	end := time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, loc) // the midnight after To
	switch {
	case now.Before(from):
		return Upcoming
	case now.Before(end):
		return Live
	case !now.After(holdUntil):
		return Provisional
	}
	return Final
}

// Qualified says whether a value reaches a contest's minimum.
func Qualified(c *program.Contest, value int64) bool { return value >= c.Min }

// Award is one cash prize to pay.
type Award struct {
	Affiliate string
	Rank      int
	Cents     int64
	Reason    string
}

// Awards are the cash prizes of final standings: each to the entrant in
// its place when they qualify (at least the minimum); a prize whose place
// has no qualified entrant is not awarded, and a prize of text only is
// given by the business, not paid.
func Awards(c *program.Contest, final []Standing) []Award {
	var out []Award
	for _, pz := range c.Prizes {
		if pz.Cents <= 0 {
			continue
		}
		for _, s := range final {
			if s.Rank == pz.Rank && Qualified(c, s.Value) {
				out = append(out, Award{Affiliate: s.Affiliate, Rank: pz.Rank, Cents: pz.Cents, Reason: PrizeReason(pz.Rank, c.Name)})
			}
		}
	}
	return out
}

// PrizeReason is a prize's explanation in the ledger: "1st place, Launch
// Week contest".
func PrizeReason(rank int, contest string) string {
	return fmt.Sprintf("%s place, %s contest", Ordinal(rank), contest)
}

// Ordinal is 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st.
func Ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprint(n) + suffix
}
