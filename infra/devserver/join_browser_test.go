package devserver_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/shared/handlers/public/join"
)

// browse is a browser on the dev server with the checks every page of
// these tests passes: a screenshot at 1280 and 390 px, no sideways scroll
// on a phone, and no axe-core violation at either width.
type browse struct {
	t    *testing.T
	x    *tally
	run  func(actions ...chromedp.Action[chromedp.Void])
	text func(js string) string
	look func(name string)
}

func browser(t *testing.T, x *tally) *browse {
	ctx := browsertest.Browser(t)
	b := &browse{t: t, x: x}
	b.run = func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	b.text = func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	shots := filepath.Join(repoRoot(t), ".cache", "screenshots")
	b.look = func(name string) {
		t.Helper()
		for _, w := range []int64{1280, 390} {
			browsertest.Screenshot(t, ctx, w, filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, w)))
			if w == 390 {
				if sw := b.text(`String(document.documentElement.scrollWidth)`); sw != "390" {
					t.Errorf("%s at 390px scrolls sideways (%spx wide)", name, sw)
				}
			}
			if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
				t.Errorf("%s at %dpx: axe-core: %+v", name, w, vs)
			}
		}
		b.run(chromedp.EmulateViewport(1280, 800))
	}
	return b
}

// signIn signs in by the mailed link, in the browser.
func (b *browse) signIn(email, next string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.x.ts.URL+next), chromedp.WaitVisible(chromedp.ID("email")))
	b.run(chromedp.SendKeys(chromedp.ID("email"), email), chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.ID("code")))
	b.run(chromedp.Navigate(b.x.mail.lastLink(email)), chromedp.WaitVisible(chromedp.CSS("form[action='/login/link'] button")))
	b.run(chromedp.Click(chromedp.CSS("form[action='/login/link'] button")), chromedp.WaitVisible(chromedp.CSS("nav.side")))
}

// A person joins from the recruit link in a browser, the owner approves
// them on the applicants page, and the recruiter sees them on Invite
// affiliates; every page passes axe-core at both widths.
func TestJoinAndApplicantsInABrowser(t *testing.T) {
	join.AnswerFloor = 0
	x := startWith(t, recruitProgram())
	b := browser(t, x)

	b.run(chromedp.Navigate(x.ts.URL+"/join?ref=jane"), chromedp.WaitVisible(chromedp.ID("name")))
	if h := b.text(`document.querySelector("main .sub").textContent`); !strings.Contains(h, "Invited by Jane Doe") {
		t.Errorf("the join page does not say who invited: %q", h)
	}
	// The field no person fills is off screen, not type=hidden.
	if r := b.text(`(() => { const e = document.getElementById("` + join.Honeypot + `"); return e.type + " " + (e.getBoundingClientRect().right <= 0 ? "off screen" : "on screen") })()`); r != "text off screen" {
		t.Errorf("the honeypot is %q: want a text input off screen", r)
	}
	b.look("join")
	b.run(chromedp.SendKeys(chromedp.ID("name"), "Rae Quinn"), chromedp.SendKeys(chromedp.ID("email"), "rae@example.org"),
		chromedp.SendKeys(chromedp.ID("website"), "https://rae.example.org: a sleep podcast, 20k listeners"),
		chromedp.Click(chromedp.CSS("input[name=terms]")), chromedp.Click(chromedp.CSS("form[action='/join'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("join-sent")))
	if h := b.text(`document.querySelector("main h1").textContent`); h != "Check your email" {
		t.Fatalf("after submitting: %q", h)
	}
	b.look("join-sent")
	b.run(chromedp.Navigate(x.mail.lastLink("rae@example.org")), chromedp.WaitVisible(chromedp.CSS("form[action='/join/confirm'] button")))
	b.look("join-confirm")
	b.run(chromedp.Click(chromedp.CSS("form[action='/join/confirm'] button")), chromedp.WaitVisible(chromedp.ID("join-done")))
	if h := b.text(`document.querySelector("main h1").textContent`); h != "Application received" {
		t.Fatalf("after confirming: %q", h)
	}
	b.look("join-done")

	// The owner approves Rae on the applicants page.
	o := browser(t, x)
	o.signIn("accounts@example.com", "/admin/applicants")
	if n := o.text(`String(document.querySelectorAll("form[action$='/approve']").length)`); n != "1" {
		t.Fatalf("%s applicants to approve, want Rae: %s", n, o.text(`location.href + " " + document.querySelector("main").innerText.slice(0, 300)`))
	}
	if rb := o.text(`document.querySelector("input[name=recruited_by]").value`); rb != "jane" {
		t.Errorf("recruited by %q, want jane", rb)
	}
	o.look("admin-applicants")
	o.run(chromedp.Click(chromedp.CSS("form[action$='/approve'] button")), chromedp.WaitVisible(chromedp.CSS("p.flash[role=status]")))
	if f := o.text(`document.querySelector("p.flash").textContent`); !strings.Contains(f, "rae-quinn is an affiliate now") {
		t.Errorf("after approving: %q", f)
	}

	// jane sees Rae among her recruits.
	j := browser(t, x)
	j.signIn("jane@example.com", "/reports/recruits")
	if got := j.text(`Array.from(document.querySelectorAll("table tbody td")).map(e => e.textContent.trim()).join("|")`); !strings.Contains(got, "Rae Quinn|2026-11-20|$0.00") {
		t.Errorf("jane's recruits: %q", got)
	}
	if n := j.text(`String(document.querySelectorAll("main svg").length)`); n != "1" {
		t.Errorf("%s QR codes on Invite affiliates, want 1", n)
	}
	j.look("recruits")
}
