package reports

import (
	"context"
	"net/url"
	"strings"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Resources serves GET /reports/resources: ready-made emails, posts and
// images for the affiliate's events, filled in with their own links.
func Resources(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "resources", title: "Resources", script: true, answer: resourcesView})
}

// ResourceOut is one resource, filled in for the affiliate.
type ResourceOut struct {
	Event    string `json:"event"`
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
	ImageURL string `json:"image_url"`
}

// ResourcesReport is resources' JSON.
type ResourcesReport struct {
	Affiliate string        `json:"affiliate"`
	Resources []ResourceOut `json:"resources"`
}

var resourceHeader = []string{"event", "id", "kind", "title", "subject", "body", "image_url"}

// AffiliateResources are the resources of the events the affiliate is
// enrolled in, in program order, each filled in with the affiliate's name
// and links for that event (links on base).
func AffiliateResources(p *program.Program, a *program.Affiliate, base string) ResourcesReport {
	links := map[string]LinkOut{}
	for _, l := range AffiliateLinks(p, a, base, "").Links {
		links[l.Event] = l
	}
	rep := ResourcesReport{Affiliate: a.Code, Resources: []ResourceOut{}}
	for _, ev := range p.Events {
		l, enrolled := links[ev.Slug]
		if !enrolled {
			continue
		}
		f := program.Fields{Link: l.URL, ShortLink: l.ShortURL, Name: a.Name, EventName: ev.Name}
		if f.ShortLink == "" {
			f.ShortLink = l.URL
		}
		for _, r := range ev.Resources {
			r = r.Fill(f)
			rep.Resources = append(rep.Resources, ResourceOut{Event: ev.Slug, ID: r.ID, Kind: r.Kind, Title: r.Title,
				Subject: r.Subject, Body: r.Body, ImageURL: r.ImageURL})
		}
	}
	return rep
}

var kindLabels = map[string]string{program.ResourceEmail: "Email", program.ResourcePost: "Post", program.ResourceImage: "Image", program.ResourceText: "Text"}

func resourcesView(ctx context.Context, r Request) (Answer, error) {
	base := r.Program.PublicBaseURL
	if base == "" {
		base = apigw.BaseURL(r.Req)
	}
	rep := AffiliateResources(r.Program, r.Affiliate, base)
	page := portal.ResourcesView{}
	var rows [][]any
	origins := map[string]bool{}
	for _, x := range rep.Resources {
		rows = append(rows, []any{x.Event, x.ID, x.Kind, x.Title, x.Subject, x.Body, x.ImageURL})
		page.Resources = append(page.Resources, portal.ResourceCard{ID: x.Event + "-" + x.ID, Event: eventName(r.Program, x.Event),
			Kind: kindLabels[x.Kind], Title: x.Title, Subject: x.Subject, Body: x.Body, ImageURL: x.ImageURL})
		if o := origin(x.ImageURL); o != "" && !origins[o] {
			origins[o] = true
			page.ImageOrigins = append(page.ImageOrigins, o)
		}
	}
	return Answer{JSON: rep, Header: resourceHeader, Rows: rows, Title: "Resources", Page: page}, nil
}

// origin is the scheme and host of an image URL from the program (already
// an absolute http(s) URL), for the page's Content-Security-Policy; "" when
// it is anything else.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, " ;,'\"") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
