// Package web is the edge every HTTP route goes through, once: who asks
// (an owner, an affiliate, anyone), that a form comes from this site with
// the session's token, how big a body may be, how to answer (a page, JSON
// or CSV), the headers and content policy of every page, and how a failure
// is answered (its kind's status and the spec's error body). Handlers get
// a checked Request and return an answer or an error.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/auth"
)

// Format is how a request is answered.
type Format string

// The formats.
const (
	Page Format = "html"
	JSON Format = "json"
	CSV  Format = "csv"
)

// Request is a request that passed its route's gate. The context is not in
// it: handlers take it as their first argument.
type Request struct {
	apigw.Request
	Log    *slog.Logger
	Format Format
	// Who asks: the owner's name or the affiliate's code ("" on a public
	// route), and the program, read once per request.
	Who     string
	Program *program.Program
	// Token is the session's form token, for the page's forms ("" for a
	// key); Form is a form already checked to come from this site with it.
	Token  string
	Form   url.Values
	FormOK bool // a sign-in form (Site.Form) was read whole
	// Upload is the file of an owner's upload form (Site.Uploads), with
	// its other fields in Form.
	Upload []byte
}

// HTTP is the request as API Gateway sent it.
func (r *Request) HTTP() apigw.Request { return r.Request }

// Header is a request header by name, whatever its case.
func (r *Request) Header(name string) string { return apigw.Header(r.Request, name) }

// Post says whether the request is a POST.
func (r *Request) Post() bool { return r.RequestContext.HTTP.Method == http.MethodPost }

// Changes says whether the request may change something: any method but
// GET and HEAD (a POST, and the JSON API's PATCH and DELETE).
func (r *Request) Changes() bool {
	m := r.RequestContext.HTTP.Method
	return m != http.MethodGet && m != http.MethodHead
}

// Handler is a route's own work.
type Handler func(ctx context.Context, r *Request) (apigw.Response, error)

// Programs is where the gates read the program (the program cache).
type Programs = auth.Owners

// Site is what a route's edge needs: the program, the log, and which
// formats the route answers in (Negotiate when nil).
type Site struct {
	Programs Programs
	Log      *slog.Logger
	Formats  func(apigw.Request) Format
	// Uploads lets a session's form be an upload (multipart/form-data,
	// one file of at most UploadLimit) as well as a plain form.
	Uploads bool
	// Member, when set, is the program an affiliate's route reads instead
	// of the whole program: the rules and what that affiliate needs
	// (app.Deps.AffiliateView), so its cost does not grow with the
	// program's other affiliates.
	Member func(ctx context.Context, code string) (*program.Program, error)
}

func (s Site) request(ctx context.Context, req apigw.Request) *Request {
	f := s.Formats
	if f == nil {
		f = Negotiate
	}
	return &Request{Request: req, Log: apigw.Logger(ctx, s.Log, req), Format: f(req)}
}

// answer runs a handler and answers its error by kind, as JSON.
func answer(ctx context.Context, h Handler, r *Request) (apigw.Response, error) {
	resp, err := h(ctx, r)
	if err != nil {
		return Error(r.Log, err), nil
	}
	return resp, nil
}

// Public serves a route anyone may call: no gate, errors by kind.
func (s Site) Public(h Handler) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return answer(ctx, h, s.request(ctx, req))
	}
}

// Negotiate is how a report answers: ?format= wins, then Accept (CSV, or a
// page for a browser); else JSON.
func Negotiate(req apigw.Request) Format {
	switch req.QueryStringParameters["format"] {
	case "csv":
		return CSV
	case "json":
		return JSON
	}
	accept := apigw.Header(req, "Accept")
	if strings.Contains(accept, "text/csv") && !strings.Contains(accept, "text/html") {
		return CSV
	}
	return PageOrJSON(req)
}

// PageOrJSON is how a route without CSV answers: a page for a browser,
// else JSON.
func PageOrJSON(req apigw.Request) Format {
	if WantsHTML(req) {
		return Page
	}
	return JSON
}

// DataOnly is Negotiate for a route that has no page: JSON instead.
func DataOnly(req apigw.Request) Format {
	if f := Negotiate(req); f != Page {
		return f
	}
	return JSON
}

// WantsHTML says whether a request prefers a page to JSON: a browser
// navigating sends Accept with text/html before any JSON.
func WantsHTML(req apigw.Request) bool {
	accept := apigw.Header(req, "Accept")
	html := strings.Index(accept, "text/html")
	if html < 0 {
		return false
	}
	j := strings.Index(accept, "application/json")
	return j < 0 || html < j
}
