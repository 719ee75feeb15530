// Package period is the reporting period of SPEC section 5: a span of whole
// days, From to To inclusive, in the program's time zone. Dates are what
// people read and type; instants (Start, End) are what the store queries.
package period

import (
	"fmt"
	"time"

	"github.com/tallyhq/tally/shared/domain/fault"
)

// MaxDays is the longest period a report answers: a leap year, so any
// calendar year fits whichever it is.
const MaxDays = 366

const (
	dateLayout  = "2006-01-02"
	monthLayout = "2006-01"
)

// Period is the days From to To (YYYY-MM-DD, inclusive) in a location.
// Build it with Parse (or Prev/Next); From and To are for reading.
type Period struct {
	From, To string
	loc      *time.Location
}

// Parse reads a report's query: month=YYYY-MM, or from and to (inclusive
// dates), or neither for the current month at now. Dates are in loc (UTC
// when nil). A bad query is a fault.Invalid error (invalid_field) naming the
// field at fault.
func Parse(month, from, to string, now time.Time, loc *time.Location) (Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	switch {
	case month != "" && (from != "" || to != ""):
		return Period{}, fault.Fields(map[string]string{"month": "give either month or from and to, not both"})
	case month != "":
		m, err := parseExact(monthLayout, month)
		if err != nil {
			return Period{}, fault.Fields(map[string]string{"month": fmt.Sprintf("must be a month YYYY-MM, got %q", month)})
		}
		return monthOf(m, loc), nil
	case from == "" && to == "":
		n := now.In(loc)
		return monthOf(time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, time.UTC), loc), nil
	case from == "":
		return Period{}, fault.Fields(map[string]string{"from": "required with to"})
	case to == "":
		return Period{}, fault.Fields(map[string]string{"to": "required with from"})
	}

	bad := map[string]string{}
	f, err := parseExact(dateLayout, from)
	if err != nil {
		bad["from"] = fmt.Sprintf("must be a date YYYY-MM-DD, got %q", from)
	}
	t, err := parseExact(dateLayout, to)
	if err != nil {
		bad["to"] = fmt.Sprintf("must be a date YYYY-MM-DD, got %q", to)
	}
	if len(bad) > 0 {
		return Period{}, fault.Fields(bad)
	}
	if f.After(t) {
		return Period{}, fault.Fields(map[string]string{"from": fmt.Sprintf("%s is after to (%s)", from, to)})
	}
	if n := daysBetween(f, t) + 1; n > MaxDays {
		return Period{}, fault.Fields(map[string]string{"to": fmt.Sprintf("the period is %d days; at most %d", n, MaxDays)})
	}
	return span(f, t, loc), nil
}

// Date is the date of an instant in loc (UTC when nil): the day a report
// files it under.
func Date(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(dateLayout)
}

// Location is the time zone of the period's dates.
func (p Period) Location() *time.Location {
	if p.loc == nil {
		return time.UTC
	}
	return p.loc
}

// Start is the first instant of From in the period's zone.
func (p Period) Start() time.Time { return p.midnight(p.from()) }

// End is the first instant after the period: midnight at the start of the
// day after To. It is exclusive, so a day of 23 or 25 hours (DST) is covered
// exactly.
func (p Period) End() time.Time { return p.midnight(p.to().AddDate(0, 0, 1)) }

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.Start()) && t.Before(p.End())
}

// Days lists every date of the period, From to To: the rows of a daily
// report, days without activity included.
func (p Period) Days() []string {
	f, t := p.from(), p.to()
	days := make([]string, 0, daysBetween(f, t)+1)
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(dateLayout))
	}
	return days
}

// Month is "YYYY-MM" when the period is exactly one calendar month, else "".
func (p Period) Month() string {
	f, t := p.from(), p.to()
	if f.Day() != 1 || !t.Equal(f.AddDate(0, 1, -1)) {
		return ""
	}
	return f.Format(monthLayout)
}

// Prev is the period just before: the previous month when p is a month,
// else the span of the same number of days ending the day before From.
func (p Period) Prev() Period {
	f, t := p.from(), p.to()
	if p.Month() != "" {
		return monthOf(f.AddDate(0, -1, 0), p.loc)
	}
	n := daysBetween(f, t) + 1
	return span(f.AddDate(0, 0, -n), f.AddDate(0, 0, -1), p.loc)
}

// Next is the period just after: the next month when p is a month, else the
// span of the same number of days starting the day after To.
func (p Period) Next() Period {
	f, t := p.from(), p.to()
	if p.Month() != "" {
		return monthOf(f.AddDate(0, 1, 0), p.loc)
	}
	n := daysBetween(f, t) + 1
	return span(t.AddDate(0, 0, 1), t.AddDate(0, 0, n), p.loc)
}

// String is "From..To", for logs.
func (p Period) String() string { return p.From + ".." + p.To }

// Calendar arithmetic is done on dates held as UTC midnights, where every
// day has 24 hours; only Start and End meet the real zone.

func (p Period) from() time.Time { return mustDate(p.From) }
func (p Period) to() time.Time   { return mustDate(p.To) }

// midnight is the first instant of the date d in the period's zone.
func (p Period) midnight(d time.Time) time.Time { return startOfDay(d, p.Location()) }

// startOfDay is the first instant whose date in loc is d (a UTC midnight).
// That is usually 00:00 there, but time.Date does not promise which instant
// it picks when a clock change skips midnight (America/Havana and
// America/Santiago spring forward at 00:00) or repeats it (Asia/Gaza fell
// back from 01:00 to 00:00), and it does pick wrong ones; those days are
// settled from the zone's transitions.
func startOfDay(d time.Time, loc *time.Location) time.Time {
	t := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	start, end := t.ZoneBounds()
	if before(t, d, loc) {
		// Midnight was skipped and t is the evening before: the day begins
		// when the clocks jump.
		if end.IsZero() {
			return t
		}
		return end
	}
	// Midnight may have happened once already, in the zone before start
	// (when start is more than a day back, or zero, first is after it).
	_, off := start.Add(-time.Nanosecond).Zone()
	first := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.FixedZone("", off)).In(loc)
	if first.Before(start) && !before(first, d, loc) { // start <= t: first is before t too
		return first
	}
	return t
}

// before reports whether the date of t in loc is before the date d.
func before(t, d time.Time, loc *time.Location) bool {
	y, m, day := t.In(loc).Date()
	return time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Before(d)
}

func monthOf(first time.Time, loc *time.Location) Period {
	return span(first, first.AddDate(0, 1, -1), loc)
}

func span(from, to time.Time, loc *time.Location) Period {
	return Period{From: from.Format(dateLayout), To: to.Format(dateLayout), loc: loc}
}

func daysBetween(from, to time.Time) int { return int(to.Sub(from).Hours() / 24) }

// parseExact parses s as a UTC date. time.Parse reads these layouts
// strictly (four-digit year, two-digit month and day, nothing before or
// after, a real day), so a value has one spelling; the tests pin it.
func parseExact(layout, s string) (time.Time, error) { return time.Parse(layout, s) }

// mustDate reads a From or To. Parse only makes valid ones; a hand-built
// Period with a bad date is a bug, and a report must not guess its range.
func mustDate(s string) time.Time {
	t, err := parseExact(dateLayout, s)
	if err != nil {
		panic(fmt.Sprintf("period: bad date %q (build periods with Parse)", s))
	}
	return t
}
