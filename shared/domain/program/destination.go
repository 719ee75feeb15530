package program

import "github.com/tallyhq/tally/shared/domain/deeplink"

// URLOn is where the event's links lead on a date (YYYY-MM-DD, program
// zone): the latest phase begun by then, else URL.
func (e *Event) URLOn(date string) string {
	u := e.URL
	for _, ph := range e.URLSchedule {
		if ph.From <= date {
			u = ph.URL
		}
	}
	return u
}

// Destination is where a click on the event's link leads on a date: the
// page `to` names on the event's own site when the event allows it (SPEC
// section 13), else the URL of the day.
func (e *Event) Destination(date, to string) string {
	if to != "" {
		if u, ok := deeplink.Resolve(e.URL, e.AllowedPaths, to); ok {
			return u.String()
		}
	}
	return e.URLOn(date)
}

// Upcoming are the phases that begin after a date.
func (e *Event) Upcoming(date string) []Phase {
	out := []Phase{}
	for _, ph := range e.URLSchedule {
		if ph.From > date {
			out = append(out, ph)
		}
	}
	return out
}
