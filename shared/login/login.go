// Package login signs affiliates in to the portal by email (SPEC section 8):
// a link valid 15 minutes and usable once, opened by a button that POSTs (mail
// scanners only GET), an 8-digit code for another device, at most 5 mails per
// address per hour, and the same answer whether or not an address is known.
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
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/mail"
	"github.com/tallyhq/tally/shared/portal"
	"github.com/tallyhq/tally/shared/program"
	"github.com/tallyhq/tally/shared/session"
	"github.com/tallyhq/tally/shared/store"
)

// Limits of SPEC section 8.
const (
	LinkLifetime   = 15 * time.Minute
	MailsPerHour   = 5
	maxFormBytes   = 8 << 10
	tokenSeparator = "."
)

type flow struct {
	d      *app.Deps
	signer *session.Signer
	mail   mail.Sender
}

func newFlow(d *app.Deps, needsMail bool) *flow {
	signer, err := session.NewSigner([]byte(d.Config.SessionKey))
	if err != nil {
		d.Fatal("TALLY_SESSION_KEY", err)
	}
	f := &flow{d: d, signer: signer, mail: d.Mail}
	if needsMail && f.mail == nil {
		if d.Config.MailFrom == "" {
			d.Fatal("TALLY_MAIL_FROM", fmt.Errorf("not set"))
		}
		cfg, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			d.Fatal("aws configuration", err)
		}
		f.mail = &mail.SES{Client: sesv2.NewFromConfig(cfg), From: d.Config.MailFrom}
	}
	return f
}

// Page serves GET /login: the one-field form.
func Page(d *app.Deps) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return render(req, http.StatusOK, "login", "Sign in", form{Next: portal.SignInNext(req.QueryStringParameters["next"])})
	}
}

type form struct {
	Email, Next, Flash, Attempt string
	Name, Token                 string
}

func render(req apigw.Request, status int, page, title string, f form) (apigw.Response, error) {
	return portal.Render(req, status, page, portal.Page{Title: title, Body: f})
}

// Submit serves POST /login: mails a link and a code to a known address and
// answers "check your email" either way.
func Submit(d *app.Deps) apigw.Handler {
	f := newFlow(d, true)
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		log := apigw.Logger(ctx, d.Log, req)
		vals, ok := readForm(req)
		if !ok {
			return render(req, http.StatusBadRequest, "login", "Sign in", form{Flash: "That did not look like a sign-in form. Try again."})
		}
		email := store.NormalizeEmail(vals.Get("email"))
		next := portal.SignInNext(vals.Get("next"))
		if email == "" || !strings.Contains(email, "@") || len(email) > 254 {
			return render(req, http.StatusBadRequest, "login", "Sign in", form{Next: next, Flash: "Enter your email address."})
		}
		attempt := randomHex(16) // shown for unknown addresses too, so the page gives nothing away
		p, err := d.Programs.Get(ctx)
		if err != nil {
			log.Error("program", "err", err.Error())
			return apigw.Error(log, err), nil
		}
		if who, ok := signerByEmail(p, email); ok {
			if err := f.start(ctx, req, p, who, email, next, attempt); err != nil {
				log.Error("sign-in mail", "err", err.Error())
			}
		}
		return render(req, http.StatusOK, "check-email", "Check your email", form{Email: email, Next: next, Attempt: attempt})
	}
}

// person is who an address signs in as: an active affiliate or an owner.
type person struct {
	subject, role, name string
}

func (f *flow) start(ctx context.Context, req apigw.Request, p *program.Program, a person, email, next, id string) error {
	now := f.d.Now()
	ok, err := f.d.Store.CountMail(ctx, email, now, MailsPerHour)
	if err != nil || !ok {
		return err // over the hourly limit: nothing is sent, the page is the same
	}
	secret := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	code := eightDigits()
	l := store.Login{
		ID: id, Affiliate: a.subject, Role: a.role, Email: email, Next: next,
		SecretHash: hash(id, secret), CodeHash: hash(id, code),
		Expires: now.Add(LinkLifetime).Unix(),
	}
	if err := f.d.Store.PutLogin(ctx, l); err != nil {
		return err
	}
	base := p.PublicBaseURL
	if base == "" {
		base = apigw.BaseURL(req)
	}
	link := strings.TrimRight(base, "/") + "/login/link?t=" + id + tokenSeparator + secret
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
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		token := req.QueryStringParameters["t"]
		l, err := lookup(ctx, d, token)
		if err != nil {
			return apigw.Error(apigw.Logger(ctx, d.Log, req), err), nil
		}
		if l == nil || !alive(l, d.Now()) {
			return dead(req, l)
		}
		p, err := d.Programs.Get(ctx)
		if err != nil {
			return apigw.Error(apigw.Logger(ctx, d.Log, req), err), nil
		}
		name := l.Affiliate
		if a, ok := p.Affiliate(l.Affiliate); ok && l.Role != session.RoleOwner {
			name = a.Name
		}
		return render(req, http.StatusOK, "confirm", "Sign in", form{Name: name, Email: l.Email, Token: token})
	}
}

// LinkSubmit serves POST /login/link: uses the link, once, and starts the
// session.
func LinkSubmit(d *app.Deps) apigw.Handler {
	f := newFlow(d, false)
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		vals, _ := readForm(req)
		l, err := lookup(ctx, d, vals.Get("t"))
		if err != nil {
			return apigw.Error(apigw.Logger(ctx, d.Log, req), err), nil
		}
		if l == nil {
			return dead(req, nil)
		}
		return f.finish(ctx, req, l)
	}
}

// Code serves POST /login/code: the 8-digit code from the mail, for a
// phone or another device; five wrong codes kill the sign-in.
func Code(d *app.Deps) apigw.Handler {
	f := newFlow(d, false)
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		log := apigw.Logger(ctx, d.Log, req)
		vals, _ := readForm(req)
		id, code := vals.Get("attempt"), strings.TrimSpace(vals.Get("code"))
		var l *store.Login
		var err error
		if isHex(id, 32) {
			if l, err = d.Store.GetLogin(ctx, id); err != nil {
				return apigw.Error(log, err), nil
			}
		}
		if l == nil || !alive(l, d.Now()) {
			return dead(req, l)
		}
		if subtle.ConstantTimeCompare([]byte(hash(id, code)), []byte(l.CodeHash)) != 1 {
			if err := d.Store.FailCode(ctx, id); err == store.ErrDead || l.Attempts+1 >= store.MaxCodeAttempts {
				return dead(req, l)
			} else if err != nil {
				return apigw.Error(log, err), nil
			}
			left := store.MaxCodeAttempts - l.Attempts - 1
			return render(req, http.StatusOK, "check-email", "Check your email", form{
				Email: l.Email, Next: l.Next, Attempt: id,
				Flash: fmt.Sprintf("That code is not right. %d tries left.", left),
			})
		}
		return f.finish(ctx, req, l)
	}
}

func (f *flow) finish(ctx context.Context, req apigw.Request, l *store.Login) (apigw.Response, error) {
	log := apigw.Logger(ctx, f.d.Log, req)
	now := f.d.Now()
	if err := f.d.Store.UseLogin(ctx, l.ID, now); err == store.ErrDead {
		return dead(req, l)
	} else if err != nil {
		return apigw.Error(log, err), nil
	}
	ss, next := session.New(l.Affiliate, now), portal.LocalPath(l.Next)
	if l.Role == session.RoleOwner {
		ss, next = session.NewOwner(l.Affiliate, now), portal.OwnerPath(l.Next)
	}
	if err := f.d.Store.PutSession(ctx, ss.ID, ss.Affiliate, ss.Role, ss.Expires); err != nil {
		return apigw.Error(log, err), nil
	}
	log.Info("signed in", "role", ss.Role, "subject", l.Affiliate)
	return portal.Redirect(next, f.signer.Cookie(ss, now)), nil
}

// Logout serves POST /logout: ends the session on the server too, so the
// same cookie replayed no longer works.
func Logout(d *app.Deps) apigw.Handler {
	f := newFlow(d, false)
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		if ss, err := f.signer.Verify(apigw.Cookie(req, session.CookieName), d.Now()); err == nil {
			if err := d.Store.DeleteSession(ctx, ss.ID); err != nil {
				return apigw.Error(apigw.Logger(ctx, d.Log, req), err), nil
			}
		}
		return portal.Redirect("/login", session.Clear()), nil
	}
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

func alive(l *store.Login, now time.Time) bool {
	return !l.Used && now.Unix() < l.Expires && l.Attempts < store.MaxCodeAttempts
}

// dead answers a used, expired or unknown link with a form that sends a
// fresh one and keeps where the affiliate was going.
func dead(req apigw.Request, l *store.Login) (apigw.Response, error) {
	f := form{Next: portal.HomePath}
	if l != nil {
		f.Email, f.Next = l.Email, l.Next
	}
	return render(req, http.StatusGone, "link-dead", "Link expired", f)
}

func readForm(req apigw.Request) (url.Values, bool) {
	body, err := apigw.Body(req)
	if err != nil || len(body) > maxFormBytes {
		return url.Values{}, false
	}
	vals, err := url.ParseQuery(string(body))
	return vals, err == nil
}

// signerByEmail is who may sign in with an address: an active affiliate, or
// an owner (the program file keeps the two sets of addresses apart).
func signerByEmail(p *program.Program, email string) (person, bool) {
	for i := range p.Affiliates {
		if a := &p.Affiliates[i]; store.NormalizeEmail(a.Email) == email {
			return person{subject: a.Code, role: session.RoleAffiliate, name: a.Name}, a.IsActive()
		}
	}
	for _, o := range p.Owners {
		if o.Email != "" && store.NormalizeEmail(o.Email) == email {
			return person{subject: o.Name, role: session.RoleOwner, name: o.Name}, true
		}
	}
	return person{}, false
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
