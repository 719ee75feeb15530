package clicks

import (
	"github.com/tallyhq/tally/shared/deeplink"
	"github.com/tallyhq/tally/shared/program"
)

// Destination is where a click on an event's link leads on a date (program
// zone): the page `to` names on the event's own site when the event allows
// it, else the event's URL of the day (its phase, SPEC section 13).
func Destination(ev *program.Event, date, to string) string {
	if to != "" {
		if u, ok := deeplink.Resolve(ev.URL, ev.AllowedPaths, to); ok {
			return u.String()
		}
	}
	return ev.URLOn(date)
}
