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
		{"higher net first", []Row{{"a", 100, 1, 0, t0}, {"b", 300, 1, 0, t0}, {"c", 200, 2, 0, t0}}, "1:b 2:c(100) 3:a(100)"},
		{"a tie goes to the earlier last change", []Row{{"late", 500, 1, 0, t0.Add(time.Hour)}, {"early", 500, 3, 0, t0}}, "1:early 2:late(0)"},
		{"then by code, whatever the read order", []Row{{"z", 500, 1, 0, t0}, {"m", 500, 1, 0, t0}}, "1:m 2:z(0)"},
		{"rows without an order are not ranked", []Row{{"gone", 0, 0, 0, t0}, {"x", 10, 1, 0, t0}}, "1:x"},
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
	if c := Of(9700, false); c != (Contribution{Net: 9700, Orders: 1}) {
		t.Errorf("%+v", c)
	}
	if c := Of(0, true); c != (Contribution{}) {
		t.Errorf("%+v", c)
	}
	if d := Of(4850, false).Less(Of(9700, false)); d != (Contribution{Net: -4850}) {
		t.Errorf("a half refund: %+v", d)
	}
	if d := Of(0, true).Less(Of(4850, false)); d != (Contribution{Net: -4850, Orders: -1}) {
		t.Errorf("the rest refunded: %+v", d)
	}
}

func TestContestStatusUpcomingLiveProvisionalFinal(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	w := Window{"2026-11-02", "2026-11-08"}
	hold := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		now  time.Time
		hold time.Time
		want string
	}{
		{time.Date(2026, 11, 2, 4, 59, 0, 0, time.UTC), hold, Upcoming}, // 23:59 on the 1st in New York
		{time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC), hold, Live},
		{time.Date(2026, 11, 9, 4, 59, 0, 0, time.UTC), hold, Live}, // the 8th, late evening, in New York
		{time.Date(2026, 11, 9, 5, 0, 0, 0, time.UTC), hold, Provisional},
		{hold, hold, Provisional},
		{hold.Add(time.Second), hold, Final},
		{time.Date(2026, 11, 9, 5, 0, 0, 0, time.UTC), time.Time{}, Final}, // no commission: final once the window is over
	} {
		if got := Status(w, ny, c.now, c.hold); got != c.want {
			t.Errorf("%s (hold %s): %s, want %s", c.now, c.hold, got, c.want)
		}
	}
}

func TestRankByTheContestsMetric(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	rows := []Row{{Affiliate: "a", Net: 900, Orders: 1, ChangedAt: t0}, {Affiliate: "b", Net: 100, Orders: 3, OptIns: 1, ChangedAt: t0}, {Affiliate: "c", OptIns: 5, ChangedAt: t0}}
	for metric, want := range map[string]string{program.MetricNetRevenue: "a:900 b:100", program.MetricOrders: "b:3 a:1", program.MetricOptIns: "c:5 b:1"} {
		got := ""
		for _, s := range RankBy(rows, metric) {
			got += fmt.Sprintf(" %s:%d", s.Affiliate, s.Value)
		}
		if got[1:] != want {
			t.Errorf("%s: %s, want %s", metric, got[1:], want)
		}
	}
}

func TestPrizesGoToQualifiedEntrantsByPlace(t *testing.T) {
	c := &program.Contest{Name: "Launch Week", Min: 3, Prizes: []program.Prize{{Rank: 1, Cents: 50000}, {Rank: 2, Cents: 20000}, {Rank: 3, Text: "a book"}, {Rank: 4, Cents: 100}}}
	final := []Standing{{Rank: 1, Row: Row{Affiliate: "x"}, Value: 9}, {Rank: 2, Row: Row{Affiliate: "y"}, Value: 3}, {Rank: 3, Row: Row{Affiliate: "z"}, Value: 2}}
	got := fmt.Sprint(Awards(c, final))
	want := "[{x 1 50000 1st place, Launch Week contest} {y 2 20000 2nd place, Launch Week contest}]"
	if got != want {
		t.Errorf("%s, want %s", got, want)
	}
	for n, w := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 101: "101st", 111: "111th"} {
		if Ordinal(n) != w {
			t.Errorf("%d: %s", n, Ordinal(n))
		}
	}
}
