package program

import (
	"fmt"
	"regexp"
	"time"

	"github.com/tallyhq/tally/shared/domain/deeplink"
)

var (
	resourceIDRE = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	isResource   = map[string]bool{ResourceEmail: true, ResourcePost: true, ResourceImage: true, ResourceText: true}
)

// Limits that keep an event's item (and every function's cached program)
// small.
const (
	maxResources    = 50
	maxResourceText = 10000
	// maxEventText bounds all of an event's resource texts together: the
	// event is one item (400 KB at most) and every function caches it.
	maxEventText    = 100000
	maxPhases       = 50
	maxAllowedPaths = 50
)

// validateTools checks an event's phases, deep-link paths and resources
// (SPEC section 13).
func validateTools(probs *problems, at string, e Event) {
	if len(e.URLSchedule) > maxPhases {
		probs.add(at+".url_schedule", "at most %d phases", maxPhases)
	}
	prev := ""
	for i, ph := range e.URLSchedule {
		pat := fmt.Sprintf("%s.url_schedule[%d]", at, i)
		if _, err := time.Parse("2006-01-02", ph.From); err != nil {
			probs.add(pat+".from", "must be a date YYYY-MM-DD, got %q", ph.From)
		} else if ph.From <= prev {
			probs.add(pat+".from", "must be after the phase before it (%s), got %s", prev, ph.From)
		} else {
			prev = ph.From
		}
		checkURL(probs, pat+".url", ph.URL, true)
	}
	if len(e.AllowedPaths) > maxAllowedPaths {
		probs.add(at+".allowed_paths", "at most %d paths", maxAllowedPaths)
	}
	for i, p := range e.AllowedPaths {
		if err := deeplink.CheckPrefix(p); err != nil {
			probs.add(fmt.Sprintf("%s.allowed_paths[%d]", at, i), "%s", err)
		}
	}
	if len(e.Resources) > maxResources {
		probs.add(at+".resources", "at most %d resources", maxResources)
	}
	ids := map[string]bool{}
	total := 0
	for i, r := range e.Resources {
		rat := fmt.Sprintf("%s.resources[%d]", at, i)
		switch {
		case !resourceIDRE.MatchString(r.ID):
			probs.add(rat+".id", "must match [a-z0-9_-]{1,64}, got %q", r.ID)
		case ids[r.ID]:
			probs.add(rat+".id", "duplicate resource %q", r.ID)
		}
		ids[r.ID] = true
		if !isResource[r.Kind] {
			probs.add(rat+".kind", "must be email, post, image or text, got %q", r.Kind)
		}
		if r.Title == "" {
			probs.add(rat+".title", "is required")
		}
		switch {
		case r.Kind == ResourceImage && r.ImageURL == "":
			probs.add(rat+".image_url", "is required for an image")
		case r.Kind != ResourceImage && r.Body == "":
			probs.add(rat+".body", "is required")
		}
		if r.Subject != "" && r.Kind != ResourceEmail {
			probs.add(rat+".subject", "only an email has a subject")
		}
		checkURL(probs, rat+".image_url", r.ImageURL, false)
		total += len(r.Title) + len(r.Subject) + len(r.Body) + len(r.ImageURL)
		for _, f := range []struct{ name, text string }{{"title", r.Title}, {"subject", r.Subject}, {"body", r.Body}} {
			if len(f.text) > maxResourceText {
				probs.add(rat+"."+f.name, "must be at most %d characters", maxResourceText)
			}
			for _, bad := range badPlaceholders(f.text) {
				probs.add(rat+"."+f.name, "%s: use {{link}}, {{short_link}}, {{name}} or {{event_name}}", bad)
			}
		}
	}
	if total > maxEventText {
		probs.add(at+".resources", "their texts come to %d characters; at most %d per event", total, maxEventText)
	}
}
