package period

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the same zone data on every machine that runs the tests

	"github.com/tallyhq/tally/shared/domain/fault"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustParse(t testing.TB, month, from, to string, loc *time.Location) Period {
	t.Helper()
	p, err := Parse(month, from, to, time.Time{}, loc)
	if err != nil {
		t.Fatalf("Parse(%q, %q, %q): %v", month, from, to, err)
	}
	return p
}

func TestParse(t *testing.T) {
	ny := zone(t, "America/New_York")
	// 03:00 UTC on 1 December is still 30 November in New York.
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name            string
		month, from, to string
		loc             *time.Location
		wantFrom        string
		wantTo          string
	}{
		{"a month is its first to last day", "2026-11", "", "", ny, "2026-11-01", "2026-11-30"},
		{"a 31-day month", "2026-12", "", "", ny, "2026-12-01", "2026-12-31"},
		{"february of a leap year has 29 days", "2024-02", "", "", ny, "2024-02-01", "2024-02-29"},
		{"february of a common year has 28 days", "2025-02", "", "", ny, "2025-02-01", "2025-02-28"},
		{"february of a century non-leap year has 28 days", "2100-02", "", "", ny, "2100-02-01", "2100-02-28"},
		{"february of a 400-year leap year has 29 days", "2000-02", "", "", ny, "2000-02-01", "2000-02-29"},
		{"from and to are inclusive dates", "", "2026-11-03", "2026-11-20", ny, "2026-11-03", "2026-11-20"},
		{"a single day", "", "2026-11-03", "2026-11-03", ny, "2026-11-03", "2026-11-03"},
		{"a whole leap year is 366 days and allowed", "", "2024-01-01", "2024-12-31", ny, "2024-01-01", "2024-12-31"},
		{"366 days across a common year is allowed", "", "2025-01-01", "2026-01-01", ny, "2025-01-01", "2026-01-01"},
		{"default is the current month in the program zone", "", "", "", ny, "2026-11-01", "2026-11-30"},
		{"default in UTC is already December", "", "", "", time.UTC, "2026-12-01", "2026-12-31"},
		{"no zone means UTC", "", "", "", nil, "2026-12-01", "2026-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.month, tt.from, tt.to, now, tt.loc)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.From != tt.wantFrom || p.To != tt.wantTo {
				t.Errorf("Parse = %s, want %s..%s", p, tt.wantFrom, tt.wantTo)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name            string
		month, from, to string
		field           string // the field the error names
		says            string // part of the message
	}{
		{"month together with from and to", "2026-11", "2026-11-01", "2026-11-30", "month", "not both"},
		{"month together with from", "2026-11", "2026-11-01", "", "month", "not both"},
		{"month together with to", "2026-11", "", "2026-11-30", "month", "not both"},
		{"from without to", "", "2026-11-01", "", "to", "required"},
		{"to without from", "", "", "2026-11-30", "from", "required"},
		{"from after to", "", "2026-11-30", "2026-11-01", "from", "after"},
		{"367 days is over the limit", "", "2024-01-01", "2025-01-01", "to", "367 days"},
		{"many years is over the limit", "", "2000-01-01", "2026-01-01", "to", "at most 366"},
		{"month thirteen", "2026-13", "", "", "month", "YYYY-MM"},
		{"month zero", "2026-00", "", "", "month", "YYYY-MM"},
		{"month without a leading zero", "2026-1", "", "", "month", "YYYY-MM"},
		{"month as a date", "2026-11-01", "", "", "month", "YYYY-MM"},
		{"month as a name", "november", "", "", "month", "YYYY-MM"},
		{"month with spaces", " 2026-11", "", "", "month", "YYYY-MM"},
		{"from as a month", "", "2026-11", "2026-11-30", "from", "YYYY-MM-DD"},
		{"to with a time", "", "2026-11-01", "2026-11-30T00:00:00Z", "to", "YYYY-MM-DD"},
		{"thirtieth of february", "", "2026-02-30", "2026-03-01", "from", "YYYY-MM-DD"},
		{"leap day of a common year", "", "2026-01-01", "2025-02-29", "to", "YYYY-MM-DD"},
		{"day without a leading zero", "", "2026-11-1", "2026-11-30", "from", "YYYY-MM-DD"},
		{"american date order", "", "11/01/2026", "2026-11-30", "from", "YYYY-MM-DD"},
		{"month with a three-digit month", "2026-011", "", "", "month", "YYYY-MM"},
		{"month with a five-digit year", "02026-11", "", "", "month", "YYYY-MM"},
		{"month with a sign", "+2026-11", "", "", "month", "YYYY-MM"},
		{"date with a three-digit day", "", "2026-11-001", "2026-11-30", "from", "YYYY-MM-DD"},
		{"date with a month without a leading zero", "", "2026-1-01", "2026-11-30", "from", "YYYY-MM-DD"},
		{"date with a trailing space", "", "2026-11-01", "2026-11-30 ", "to", "YYYY-MM-DD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.month, tt.from, tt.to, now, time.UTC)
			var ae *fault.Error
			if !errors.As(err, &ae) {
				t.Fatalf("Parse = %v, want a *fault.Error", err)
			}
			if ae.Kind != fault.Invalid || ae.Code != "invalid_field" { // 400 at the edge
				t.Errorf("error is %d %s, want Invalid invalid_field", ae.Kind, ae.Code)
			}
			msg, ok := ae.Fields[tt.field]
			if !ok {
				t.Fatalf("error fields %v do not name %q", ae.Fields, tt.field)
			}
			if !strings.Contains(msg, tt.says) {
				t.Errorf("%s: %q does not say %q", tt.field, msg, tt.says)
			}
		})
	}
	t.Run("both dates malformed names both", func(t *testing.T) {
		_, err := Parse("", "x", "y", now, time.UTC)
		if f := fault.As(err).Fields; len(f) != 2 || f["from"] == "" || f["to"] == "" {
			t.Errorf("fields = %v, want from and to", f)
		}
	})
}

func TestStartEnd(t *testing.T) {
	ny := zone(t, "America/New_York")
	tests := []struct {
		name       string
		p          Period
		start, end string // RFC 3339
		hours      float64
	}{
		{"a UTC month", mustParse(t, "2026-06", "", "", time.UTC), "2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z", 30 * 24},
		{"a New York summer day is 24 hours from EDT midnight", mustParse(t, "", "2026-07-04", "2026-07-04", ny), "2026-07-04T04:00:00Z", "2026-07-05T04:00:00Z", 24},
		{"New York November has a 25-hour day", mustParse(t, "2026-11", "", "", ny), "2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z", 30*24 + 1},
		{"the fall-back day itself is 25 hours", mustParse(t, "", "2026-11-01", "2026-11-01", ny), "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 25},
		{"New York March has a 23-hour day", mustParse(t, "2026-03", "", "", ny), "2026-03-01T05:00:00Z", "2026-04-01T04:00:00Z", 31*24 - 1},
		{"the spring-forward day itself is 23 hours", mustParse(t, "", "2026-03-08", "2026-03-08", ny), "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", 23},
		{"a leap year is 366 days", mustParse(t, "", "2024-01-01", "2024-12-31", time.UTC), "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", 366 * 24},
		// Havana springs forward at midnight: 2025-03-09 begins at 01:00 CDT.
		{"a day whose midnight is skipped starts when the clocks jump", mustParse(t, "", "2025-03-09", "2025-03-09", zone(t, "America/Havana")), "2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z", 23},
		// Havana falls back from 01:00 to 00:00: 2025-11-02 has two midnights.
		{"a day whose midnight repeats starts at the first", mustParse(t, "", "2025-11-02", "2025-11-02", zone(t, "America/Havana")), "2025-11-02T04:00:00Z", "2025-11-03T05:00:00Z", 25},
		// Gaza fell back from 01:00 EEST to 00:00 EET: time.Date picks the second midnight.
		{"a repeated midnight time.Date gets wrong still starts at the first", mustParse(t, "", "2018-10-27", "2018-10-27", zone(t, "Asia/Gaza")), "2018-10-26T21:00:00Z", "2018-10-27T22:00:00Z", 25},
		{"Amman fall-back day at midnight", mustParse(t, "", "1995-09-15", "1995-09-15", zone(t, "Asia/Amman")), "1995-09-14T21:00:00Z", "1995-09-15T22:00:00Z", 25},
		{"Santiago spring-forward day", mustParse(t, "", "2025-09-07", "2025-09-07", zone(t, "America/Santiago")), "2025-09-07T04:00:00Z", "2025-09-08T03:00:00Z", 23},
		// Samoa skipped 30 December 2011 when it crossed the date line.
		{"a day that never happened is empty", mustParse(t, "", "2011-12-30", "2011-12-30", zone(t, "Pacific/Apia")), "2011-12-30T10:00:00Z", "2011-12-30T10:00:00Z", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := tt.p.Start(), tt.p.End()
			if got := start.UTC().Format(time.RFC3339); got != tt.start {
				t.Errorf("Start = %s, want %s", got, tt.start)
			}
			if got := end.UTC().Format(time.RFC3339); got != tt.end {
				t.Errorf("End = %s, want %s", got, tt.end)
			}
			if h := end.Sub(start).Hours(); h != tt.hours {
				t.Errorf("period is %v hours, want %v", h, tt.hours)
			}
		})
	}
}

// Every day, in zones that change their clocks at awkward times, begins at
// the first instant that has its date and ends where the next begins.
func TestEveryDayStartsAtItsFirstInstant(t *testing.T) {
	zones := []string{"UTC", "America/New_York", "Europe/London", "America/Havana", "America/Santiago",
		"America/Asuncion", "America/Sao_Paulo", "Asia/Beirut", "Asia/Gaza", "Asia/Amman", "Australia/Lord_Howe",
		"Pacific/Apia", "Asia/Kolkata"}
	for _, name := range zones {
		loc := zone(t, name)
		for d := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2027; d = d.AddDate(0, 0, 1) {
			s, next := startOfDay(d, loc), startOfDay(d.AddDate(0, 0, 1), loc)
			if next.Before(s) {
				t.Fatalf("%s %s: next day starts before this one", name, d.Format(dateLayout))
			}
			if !before(s.Add(-time.Nanosecond), d, loc) {
				t.Fatalf("%s %s: an instant before Start %s has the same date", name, d.Format(dateLayout), s)
			}
			if s.Before(next) && Date(s, loc) != d.Format(dateLayout) {
				t.Fatalf("%s %s: Start %s is dated %s", name, d.Format(dateLayout), s, Date(s, loc))
			}
		}
	}
}

func TestContains(t *testing.T) {
	ny := zone(t, "America/New_York")
	p := mustParse(t, "2026-11", "", "", ny)
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"the first instant is in", time.Date(2026, 11, 1, 0, 0, 0, 0, ny), true},
		{"the last nanosecond is in", time.Date(2026, 11, 30, 23, 59, 59, 999999999, ny), true},
		{"the next midnight is out", time.Date(2026, 12, 1, 0, 0, 0, 0, ny), false},
		{"the instant before is out", time.Date(2026, 10, 31, 23, 59, 59, 999999999, ny), false},
		{"a UTC instant already December is still November in New York", time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC), true},
		{"03:00 UTC on 1 November is still October in New York", time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Contains(tt.at); got != tt.want {
				t.Errorf("Contains(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestDays(t *testing.T) {
	tests := []struct {
		name string
		p    Period
		want []string
	}{
		{"one day", mustParse(t, "", "2026-11-03", "2026-11-03", time.UTC), []string{"2026-11-03"}},
		{"across a month end", mustParse(t, "", "2026-10-30", "2026-11-02", time.UTC), []string{"2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"}},
		{"across a leap day", mustParse(t, "", "2024-02-28", "2024-03-01", time.UTC), []string{"2024-02-28", "2024-02-29", "2024-03-01"}},
		{"across a year end", mustParse(t, "", "2025-12-31", "2026-01-01", time.UTC), []string{"2025-12-31", "2026-01-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Days(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Days = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("a DST month still has one row per date", func(t *testing.T) {
		days := mustParse(t, "2026-11", "", "", zone(t, "America/New_York")).Days()
		if len(days) != 30 || days[0] != "2026-11-01" || days[29] != "2026-11-30" {
			t.Errorf("Days = %v", days)
		}
	})
	t.Run("a leap year has 366", func(t *testing.T) {
		if n := len(mustParse(t, "", "2024-01-01", "2024-12-31", time.UTC).Days()); n != 366 {
			t.Errorf("len(Days) = %d", n)
		}
	})
}

func TestMonth(t *testing.T) {
	tests := []struct {
		name string
		p    Period
		want string
	}{
		{"a parsed month", mustParse(t, "2026-11", "", "", time.UTC), "2026-11"},
		{"from and to spanning exactly a month", mustParse(t, "", "2026-11-01", "2026-11-30", time.UTC), "2026-11"},
		{"leap february by dates", mustParse(t, "", "2024-02-01", "2024-02-29", time.UTC), "2024-02"},
		{"february missing its leap day", mustParse(t, "", "2024-02-01", "2024-02-28", time.UTC), ""},
		{"a month less a day", mustParse(t, "", "2026-11-02", "2026-11-30", time.UTC), ""},
		{"a month and a day", mustParse(t, "", "2026-11-01", "2026-12-01", time.UTC), ""},
		{"two months", mustParse(t, "", "2026-10-01", "2026-11-30", time.UTC), ""},
		{"mid-month to mid-month", mustParse(t, "", "2026-10-15", "2026-11-14", time.UTC), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Month(); got != tt.want {
				t.Errorf("Month = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPrevNext(t *testing.T) {
	ny := zone(t, "America/New_York")
	tests := []struct {
		name       string
		p          Period
		prev, next string
	}{
		{"a month steps by months", mustParse(t, "2026-11", "", "", ny), "2026-10-01..2026-10-31", "2026-12-01..2026-12-31"},
		{"january steps back a year", mustParse(t, "2026-01", "", "", ny), "2025-12-01..2025-12-31", "2026-02-01..2026-02-28"},
		{"march steps back to a leap february", mustParse(t, "2024-03", "", "", ny), "2024-02-01..2024-02-29", "2024-04-01..2024-04-30"},
		{"a week steps by a week", mustParse(t, "", "2026-11-02", "2026-11-08", ny), "2026-10-26..2026-11-01", "2026-11-09..2026-11-15"},
		{"a day steps by a day", mustParse(t, "", "2024-02-29", "2024-02-29", ny), "2024-02-28..2024-02-28", "2024-03-01..2024-03-01"},
		{"a span of a month's dates but not a month steps by days", mustParse(t, "", "2026-01-15", "2026-02-14", ny), "2025-12-15..2026-01-14", "2026-02-15..2026-03-17"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev, next := tt.p.Prev(), tt.p.Next()
			if prev.String() != tt.prev || next.String() != tt.next {
				t.Errorf("Prev, Next = %s, %s; want %s, %s", prev, next, tt.prev, tt.next)
			}
			if prev.Location() != ny || next.Location() != ny {
				t.Error("Prev or Next lost the time zone")
			}
			if !prev.End().Equal(tt.p.Start()) || !next.Start().Equal(tt.p.End()) {
				t.Error("Prev or Next is not adjacent")
			}
			if got := prev.Next(); got != tt.p {
				t.Errorf("Prev().Next() = %s, want %s", got, tt.p)
			}
		})
	}
}

func TestDate(t *testing.T) {
	ny := zone(t, "America/New_York")
	tests := []struct {
		name string
		at   time.Time
		loc  *time.Location
		want string
	}{
		{"a UTC instant after midnight is the previous day in New York", time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC), ny, "2026-11-02"},
		{"the same instant in UTC", time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC), time.UTC, "2026-11-03"},
		{"no zone means UTC", time.Date(2026, 11, 3, 3, 0, 0, 0, ny), nil, "2026-11-03"},
		{"the repeated hour of fall-back is still that day", time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), ny, "2026-11-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Date(tt.at, tt.loc); got != tt.want {
				t.Errorf("Date = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestZeroPeriodIsUTC(t *testing.T) {
	p := Period{From: "2026-11-01", To: "2026-11-30"}
	if p.Location() != time.UTC || !p.Start().Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("zero-zone period starts at %s", p.Start())
	}
}
