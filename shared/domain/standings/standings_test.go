package standings

import (
	"fmt"
	"testing"
	"time"

	"github.com/tallyhq/tally/shared/domain/program"
)

func TestRankByNetRevenueTiesToWhoseLastChangeCameFirst(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		rows []Row
		want string
	}{
		{"higher net first", []Row{{"a", 100, 1, t0}, {"b", 300, 1, t0}, {"c", 200, 2, t0}}, "1:b 2:c(100) 3:a(100)"},
		{"a tie goes to the earlier last change", []Row{{"late", 500, 1, t0.Add(time.Hour)}, {"early", 500, 3, t0}}, "1:early 2:late(0)"},
		{"then by code, whatever the read order", []Row{{"z", 500, 1, t0}, {"m", 500, 1, t0}}, "1:m 2:z(0)"},
		{"rows without an order are not ranked", []Row{{"gone", 0, 0, t0}, {"x", 10, 1, t0}}, "1:x"},
		{"nobody", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ""
			for i, s := range Rank(c.rows) {
				if i > 0 {
					got += " "
				}
				got += fmt.Sprintf("%d:%s", s.Rank, s.Affiliate)
				if s.Gap != nil {
					got += fmt.Sprintf("(%d)", *s.Gap)
				}
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestLeaderboardWindowIsTheFilesDatesElseTheMonthInTheProgramZone(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	late := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC) // still 30 November in New York
	for _, c := range []struct {
		name string
		ev   program.Event
		want Window
	}{
		{"the month, in the program's zone", program.Event{Leaderboard: true}, Window{"2026-11-01", "2026-11-30"}},
		{"the file's window", program.Event{Leaderboard: true, LeaderboardFrom: "2026-11-20", LeaderboardTo: "2026-12-05"}, Window{"2026-11-20", "2026-12-05"}},
	} {
		if got := LeaderboardWindow(&c.ev, late, ny); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	w := Window{"2026-11-20", "2026-11-30"}
	if !w.Contains(late, ny) || w.Contains(late, time.UTC) {
		t.Error("Contains does not read the date in the program's zone")
	}
}

func TestContributionOfARefundedOrderIsNothing(t *testing.T) {
	if c := Of(9700, false); c != (Contribution{9700, 1}) {
		t.Errorf("%+v", c)
	}
	if c := Of(0, true); c != (Contribution{}) {
		t.Errorf("%+v", c)
	}
	if d := Of(4850, false).Less(Of(9700, false)); d != (Contribution{-4850, 0}) {
		t.Errorf("a half refund: %+v", d)
	}
	if d := Of(0, true).Less(Of(4850, false)); d != (Contribution{-4850, -1}) {
		t.Errorf("the rest refunded: %+v", d)
	}
}
