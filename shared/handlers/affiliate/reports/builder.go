package reports

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/deeplink"
	"github.com/tallyhq/tally/shared/web/portal"
)

// buildTagged fills a Link Generator card with what it shows beyond the
// links: where they lead today and later, the form that builds a tagged
// (or deep) link, and, when the form was sent for this event, that link.
// The page builds links with the same rules the click path follows.
func buildTagged(r Request, l LinkOut, today string, card *portal.LinkCard) error {
	ev, ok := r.Program.Event(l.Event)
	if !ok {
		return nil
	}
	card.Slug, card.AllowedPaths = l.Event, ev.AllowedPaths
	for _, ph := range l.Upcoming {
		card.Upcoming = append(card.Upcoming, portal.PhaseLine{From: longDate(ph.From), URL: ph.URL})
	}
	q := r.Req.QueryStringParameters
	if q["event"] != l.Event {
		return nil
	}
	rawSub, to := strings.TrimSpace(q["sub"]), strings.TrimSpace(q["to"])
	b := &portal.Built{Sub: rawSub, To: to}
	card.Built = b
	sub := clicktoken.NormalizeSub(rawSub)
	if rawSub != "" && sub == "" {
		b.Problem = "A tag is 1 to 32 letters, digits, dashes (-) or underscores (_). This one would be counted without a tag, so the link below has none."
	}
	v := url.Values{}
	if sub != "" {
		v.Set("sub", sub)
	}
	if to != "" {
		v.Set("to", to)
		if _, ok := deeplink.Resolve(ev.URL, ev.AllowedPaths, to); !ok {
			why := "This event's links lead only to its own page, so the link below has no page."
			if len(ev.AllowedPaths) > 0 {
				why = "Your link can lead only to pages under " + strings.Join(ev.AllowedPaths, ", ") + " on the event's site, so the link below has no page."
			}
			b.Problem = strings.TrimSpace(b.Problem + " " + why)
			v.Del("to")
		}
	}
	if len(v) == 0 {
		return nil
	}
	b.Tag, b.URL, b.ShortURL = sub, l.URL+"?"+v.Encode(), ""
	if l.ShortURL != "" {
		b.ShortURL = l.ShortURL + "?" + v.Encode()
		qr, err := portal.QRSVG(b.ShortURL, fmt.Sprintf("QR code of your tagged %s short link", l.EventName))
		if err != nil {
			return err
		}
		b.QR = qr
	}
	b.Destination = ev.Destination(today, v.Get("to"))
	return nil
}

// longDate is a YYYY-MM-DD date in words ("Dec 15, 2026").
func longDate(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return d
	}
	return t.Format("Jan 2, 2006")
}
