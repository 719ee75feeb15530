// Package login signs affiliates in to the portal by email (SPEC section 8):
// a link valid 15 minutes and usable once, opened by a button that POSTs (mail
// scanners only GET), an 8-digit code for another device, at most 5 mails per
// address per hour, and the same answer whether or not an address is known.
//
// What an attacker can do with it is in docs/auth.md: wrong codes kill only
// the code, never the link; an unknown address gets a decoy sign-in that
// answers exactly like a real one; other sites cannot post to it; mailed
// links are built on the configured address, never on the request's Host.
package login

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/web"

	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/session"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Limits of SPEC section 8.
const (
	LinkLifetime   = 15 * time.Minute
	MailsPerHour   = 5
	tokenSeparator = "."
)

// AnswerFloor is the least time POST /login takes to answer, known address
// or not: sending the mail is the one step a decoy skips, and it finishes
// well within this, so timing tells nothing either.
var AnswerFloor = 300 * time.Millisecond

type flow struct {
	d      *app.Deps
	signer *session.Signer
	mail   mail.Sender
}

// newFlow builds what a handler needs: the session signer only for those
// that sign or check sessions (the template gives the key to no other),
// the mail sender only for the one that sends; both are the composition
// root's, built once.
func newFlow(d *app.Deps, needsMail, signs bool) *flow {
	f := &flow{d: d}
	if signs {
		f.signer = d.SessionSigner()
	}
	if needsMail {
		f.mail = d.Mailer()
	}
	return f
}

// Page serves GET /login: the one-field form.
func Page(d *app.Deps) apigw.Handler {
	return site(d).Public(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		return render(r.HTTP(), http.StatusOK, "login", "Sign in", form{Next: portal.SignInNext(r.QueryStringParameters["next"])})
	})
}

func site(d *app.Deps) web.Site { return web.Site{Programs: d.Rules, Log: d.Log} }

type form struct {
	Email, Next, Flash, Attempt string
	Name, Token                 string
}

func render(req apigw.Request, status int, page, title string, f form) (apigw.Response, error) {
	return web.Render(req, status, page, portal.Page{Title: title, Body: f})
}

// Submit serves POST /login: mails a link and a code to a known address and
// answers "check your email" either way, with the same work: an unknown
// address (or one over its hourly limit) gets a decoy sign-in, stored like a
// real one but with a link and code nobody has, so the code box answers it
// exactly as it answers a real one.
func Submit(d *app.Deps) apigw.Handler {
	f := newFlow(d, true, false)
	return site(d).Form(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		defer waitUntil(time.Now().Add(AnswerFloor))
		req, vals := r.HTTP(), r.Form
		if !r.FormOK {
			return render(req, http.StatusBadRequest, "login", "Sign in", form{Flash: "That did not look like a sign-in form. Try again."})
		}
		email := store.NormalizeEmail(vals.Get("email"))
		next := portal.SignInNext(vals.Get("next"))
		if email == "" || !strings.Contains(email, "@") || len(email) > 254 {
			return render(req, http.StatusBadRequest, "login", "Sign in", form{Next: next, Flash: "Enter your email address."})
		}
		attempt := randomHex(16)
		// The rules and the affiliates listed under this address: never
		// every affiliate (SPEC 15).
		p, err := d.Rules.Get(ctx)
		if err != nil {
			r.Log.Error("program", "err", err.Error())
			return apigw.Response{}, err
		}
		listed, err := d.Store.AffiliatesByEmail(ctx, email)
		if err != nil {
			r.Log.Error("affiliates by email", "err", err.Error())
			return apigw.Response{}, err
		}
		if err := f.start(ctx, req, p, signerByEmail(listed, p.Owners, email), email, next, attempt); err != nil {
			r.Log.Error("sign-in", "err", err.Error())
		}
		return render(req, http.StatusOK, "check-email", "Check your email", form{Email: email, Next: next, Attempt: attempt})
	})
}

// person is who an address signs in as: an active affiliate or an owner.
type person struct {
	subject, role, name string
}

// start counts the mail and stores the sign-in, for any address; only a
// real sign-in (who is not nil) is mailed.
func (f *flow) start(ctx context.Context, req apigw.Request, p *program.Program, a *person, email, next, id string) error {
	now := f.d.Now()
	ok, err := f.d.Store.CountMail(ctx, email, now, MailsPerHour)
	if err != nil {
		return err
	}
	genuine := ok && a != nil
	secret := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	code := eightDigits()
	l := store.Login{
		ID: id, Email: email, Next: next,
		SecretHash: hash(id, secret), CodeHash: hash(id, code),
		Expires: now.Add(LinkLifetime).Unix(),
	}
	if genuine {
		l.Affiliate, l.Role = a.subject, a.role
	} else {
		// A decoy: its code is not eight digits, so no guess matches.
		l.CodeHash = hash(id, randomHex(32))
	}
	if err := f.d.Store.PutLogin(ctx, l); err != nil || !genuine {
		return err
	}
	base, err := app.LinkBase(p.PublicBaseURL, f.d.Config.PublicBaseURL, req.RequestContext.APIID)
	if err != nil {
		return err
	}
	link := base + "/login/link?t=" + id + tokenSeparator + secret
	return f.mail.Send(ctx, mail.Message{
		To:      email,
		Subject: "Your Tally sign-in link",
		Link:    link,
		Text: fmt.Sprintf("Hello %s,\n\nSign in to your %s:\n%s\n\nOr enter this code on the sign-in page: %s\n\n"+
			"The link and the code work once, for 15 minutes. If you did not ask to sign in, ignore this mail.\n", a.name, what(a.role), link, code),
	})
}

// LinkPage serves GET /login/link: a button that signs in, so a mail
// scanner opening the link uses nothing.
func LinkPage(d *app.Deps) apigw.Handler {
	return site(d).Public(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		req, token := r.HTTP(), r.QueryStringParameters["t"]
		l, err := lookup(ctx, d, token)
		if err != nil {
			return apigw.Response{}, err
		}
		if l == nil || !linkAlive(l, d.Now()) {
			return dead(req, l)
		}
		name := l.Affiliate
		if l.Role != session.RoleOwner {
			a, _, err := d.Affiliates.Affiliate(ctx, l.Affiliate)
			if err != nil {
				return apigw.Response{}, err
			}
			if a != nil {
				name = a.Name
			}
		}
		return render(req, http.StatusOK, "confirm", "Sign in", form{Name: name, Email: l.Email, Token: token})
	})
}

// LinkSubmit serves POST /login/link: uses the link, once, and starts the
// session.
func LinkSubmit(d *app.Deps) apigw.Handler {
	f := newFlow(d, false, true)
	return site(d).Form(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		l, err := lookup(ctx, d, r.Form.Get("t"))
		if err != nil {
			return apigw.Response{}, err
		}
		if l == nil {
			return dead(r.HTTP(), nil)
		}
		return f.finish(ctx, r, l, false)
	})
}

// Code serves POST /login/code: the 8-digit code from the mail, for a
// phone or another device. Five wrong codes kill the code, never the link:
// the attempt id is on the page for anyone who asked to sign in as anyone,
// so guessing must not be able to lock the affiliate out. A decoy answers
// the same words after the same reads and writes.
func Code(d *app.Deps) apigw.Handler {
	f := newFlow(d, false, true)
	return site(d).Form(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		req := r.HTTP()
		id, code := r.Form.Get("attempt"), strings.TrimSpace(r.Form.Get("code"))
		var l *store.Login
		var err error
		if isHex(id, 32) {
			if l, err = d.Store.GetLogin(ctx, id); err != nil {
				return apigw.Response{}, err
			}
		}
		if l == nil || !linkAlive(l, d.Now()) {
			return dead(req, l)
		}
		codeDead := func() (apigw.Response, error) {
			return render(req, http.StatusOK, "check-email", "Check your email", form{
				Email: l.Email, Next: l.Next, Attempt: id,
				Flash: "Too many wrong codes: this code no longer works. The link in the email still does.",
			})
		}
		if l.Attempts >= store.MaxCodeAttempts {
			return codeDead()
		}
		right := subtle.ConstantTimeCompare([]byte(hash(id, code)), []byte(l.CodeHash)) == 1
		if !right || l.Affiliate == "" {
			if err := d.Store.FailCode(ctx, id); err == store.ErrDead || l.Attempts+1 >= store.MaxCodeAttempts {
				return codeDead()
			} else if err != nil {
				return apigw.Response{}, err
			}
			left := store.MaxCodeAttempts - l.Attempts - 1
			return render(req, http.StatusOK, "check-email", "Check your email", form{
				Email: l.Email, Next: l.Next, Attempt: id,
				Flash: fmt.Sprintf("That code is not right. %d tries left.", left),
			})
		}
		return f.finish(ctx, r, l, true)
	})
}

func (f *flow) finish(ctx context.Context, r *web.Request, l *store.Login, byCode bool) (apigw.Response, error) {
	req, now := r.HTTP(), f.d.Now()
	if l.Affiliate == "" { // a decoy has no link or code anyone knows; never a session
		return dead(req, l)
	}
	if err := f.d.Store.UseLogin(ctx, l.ID, now, byCode); err == store.ErrDead {
		return dead(req, l)
	} else if err != nil {
		return apigw.Response{}, err
	}
	ss, next := session.New(l.Affiliate, now), portal.LocalPath(l.Next)
	if l.Role == session.RoleOwner {
		ss, next = session.NewOwner(l.Affiliate, now), portal.OwnerPath(l.Next)
	}
	if err := f.d.Store.PutSession(ctx, ss.ID, ss.Affiliate, ss.Role, ss.Expires); err != nil {
		return apigw.Response{}, err
	}
	r.Log.Info("signed in", "role", ss.Role, "subject", l.Affiliate)
	return web.Redirect(next, f.signer.CookieOver(ss, now, https(f.d, req))), nil
}

// Logout serves POST /logout: ends the session on the server too, so the
// same cookie replayed no longer works. With a live session, the form must
// carry its token: another site cannot sign a visitor out.
func Logout(d *app.Deps) apigw.Handler {
	f := newFlow(d, false, true)
	return site(d).Form(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		req := r.HTTP()
		value := session.FromCookies(func(name string) string { return apigw.Cookie(req, name) }, https(d, req))
		if ss, err := f.signer.Verify(value, d.Now()); err == nil {
			if err := r.CheckToken(f.signer.FormToken(ss)); err != nil {
				return apigw.Response{}, err
			}
			if err := d.Store.DeleteSession(ctx, ss.ID); err != nil {
				return apigw.Response{}, err
			}
		}
		return web.Redirect("/login", session.ClearAll()...), nil
	})
}

// lookup finds the sign-in a link token names and checks its secret; nil
// when the token is malformed, unknown or forged.
func lookup(ctx context.Context, d *app.Deps, token string) (*store.Login, error) {
	id, secret, ok := strings.Cut(token, tokenSeparator)
	if !ok || !isHex(id, 32) || secret == "" {
		return nil, nil
	}
	l, err := d.Store.GetLogin(ctx, id)
	if err != nil || l == nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(hash(id, secret)), []byte(l.SecretHash)) != 1 {
		return nil, nil
	}
	return l, nil
}

// linkAlive: the link works until used or expired; wrong codes do not
// touch it.
func linkAlive(l *store.Login, now time.Time) bool {
	return !l.Used && now.Unix() < l.Expires
}

// waitUntil sleeps until t.
func waitUntil(t time.Time) { time.Sleep(time.Until(t)) }

// dead answers a used, expired or unknown link with a form that sends a
// fresh one and keeps where the affiliate was going.
func dead(req apigw.Request, l *store.Login) (apigw.Response, error) {
	f := form{Next: portal.HomePath}
	if l != nil {
		f.Email, f.Next = l.Email, l.Next
	}
	return render(req, http.StatusGone, "link-dead", "Link expired", f)
}

// signerByEmail is who may sign in with an address: the first current
// affiliate listed under it (program order) when active, or an owner (the
// program file keeps the two sets of addresses apart).
func signerByEmail(listed []store.Listed, owners []program.Owner, email string) *person { // listed: the address's (store.AffiliatesByEmail)
	for _, a := range listed {
		if a.Former {
			continue
		}
		if !a.IsActive() {
			return nil
		}
		return &person{subject: a.Code, role: session.RoleAffiliate, name: a.Name}
	}
	for _, o := range owners {
		if o.Email != "" && store.NormalizeEmail(o.Email) == email {
			return &person{subject: o.Name, role: session.RoleOwner, name: o.Name}
		}
	}
	return nil
}

func what(role string) string {
	if role == session.RoleOwner {
		return "program's dashboard"
	}
	return "affiliate reports"
}

func hash(id, secret string) string {
	sum := sha256.Sum256([]byte(id + ":" + secret))
	return hex.EncodeToString(sum[:])
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

func eightDigits() string {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%08d", n.Int64())
}

// https says whether the session cookie is the __Host- one: always on AWS,
// and on the dev server when it is served over https.
func https(d *app.Deps, req apigw.Request) bool { return !d.Config.Local || apigw.HTTPS(req) }
