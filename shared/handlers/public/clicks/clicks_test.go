package clicks_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/apptest"
	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/eventfile"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/public/clicks"
	"github.com/tallyhq/tally/shared/web/apigw"
)

const clickKey = apptest.ClickKey

var (
	now         = time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC) // 09:00 in New York
	iPhone      = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	androidUA   = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
	desktopUA   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	previewBots = map[string]string{
		"Slackbot":            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
		"facebookexternalhit": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
		"Twitterbot":          "Twitterbot/1.0",
		"LinkedInBot":         "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
		"Discordbot":          "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
		"WhatsApp":            "WhatsApp/2.23.20.0",
		"Googlebot":           "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"bingbot":             "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	}
)

type env struct {
	st    *store.Store
	p     *program.Program
	h     *clicks.Handler
	meter *dynamometer.Meter
	keys  *clicktoken.Keys
}

func newEnv(t testing.TB, src []byte) *env {
	t.Helper()
	p, err := program.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	a := apptest.New(t, apptest.Program(p), apptest.Clock(func() time.Time { return now }), apptest.Warm())
	return &env{st: a.Store, p: a.Program, h: clicks.New(a.Deps), meter: a.Meter, keys: a.Keys}
}

func (e *env) hits(t testing.TB, aff, event string) int64 {
	t.Helper()
	stats, err := e.st.Stats(context.Background(), aff, "2026-11-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, s := range stats {
		if s.Event == event {
			n += s.Hits
		}
	}
	return n
}

func longReq(t testing.TB, event, aff, method, ua string) apigw.Request {
	req := eventfile.Load(t, "click-long")
	req.PathParameters = map[string]string{"event": event, "affiliate": aff}
	req.RequestContext.HTTP.Method = method
	if ua == "" {
		delete(req.Headers, "user-agent")
	} else {
		req.Headers["user-agent"] = ua
	}
	return req
}

func TestClickRules(t *testing.T) {
	src := strings.Replace(string(demo.YAML), "    plan: partner\n", "    plan: partner\n    active: false\n", 1) // kim inactive
	e := newEnv(t, []byte(src))
	ctx := context.Background()
	cases := []struct {
		name         string
		req          apigw.Request
		wantLocation string // prefix
		wantCount    bool
		wantCookie   bool
		aff, event   string
	}{
		{"a person's click redirects with the query kept and counts", longReq(t, "summit-2026", "jane", "GET", iPhone), "https://example.com/summit?", true, true, "jane", "summit-2026"},
		{"android chrome counts", longReq(t, "retreat-2026", "jane", "GET", androidUA), "https://example.com/retreat?", true, true, "jane", "retreat-2026"},
		{"HEAD redirects but does not count", longReq(t, "summit-2026", "bob", "HEAD", desktopUA), "https://example.com/summit?", false, true, "bob", "summit-2026"},
		{"no User-Agent redirects but does not count", longReq(t, "summit-2026", "bob", "GET", ""), "https://example.com/summit?", false, true, "bob", "summit-2026"},
		{"not enrolled goes to the fallback", longReq(t, "retreat-2026", "bob", "GET", iPhone), "https://example.com/", false, false, "bob", "retreat-2026"},
		{"unknown event goes to the fallback", longReq(t, "nope-2026", "jane", "GET", iPhone), "https://example.com/", false, false, "jane", "nope-2026"},
		{"unknown affiliate goes to the fallback", longReq(t, "summit-2026", "zed", "GET", iPhone), "https://example.com/", false, false, "zed", "summit-2026"},
		{"inactive affiliate goes to the fallback", longReq(t, "gut-2026", "kim", "GET", iPhone), "https://example.com/", false, false, "kim", "gut-2026"},
		{"malformed path goes to the fallback", longReq(t, "https://evil.example", "jane", "GET", iPhone), "https://example.com/", false, false, "jane", "summit-2026"},
	}
	for name, ua := range previewBots {
		cases = append(cases, struct {
			name         string
			req          apigw.Request
			wantLocation string
			wantCount    bool
			wantCookie   bool
			aff, event   string
		}{"link preview " + name + " redirects but does not count", longReq(t, "summit-2026", "bob", "GET", ua), "https://example.com/summit?", false, true, "bob", "summit-2026"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.hits(t, c.aff, c.event)
			snap := e.meter.Snapshot()
			resp, err := e.h.Long(ctx, c.req)
			if err != nil {
				t.Fatal(err)
			}
			d := e.meter.Since(snap)
			loc := resp.Headers["Location"]
			if resp.StatusCode != 302 || !strings.HasPrefix(loc, c.wantLocation) {
				t.Fatalf("%d %q, want 302 to %s", resp.StatusCode, loc, c.wantLocation)
			}
			if c.wantLocation == "https://example.com/" && loc != "https://example.com/" {
				t.Fatalf("fallback Location %q carries more than the fallback", loc)
			}
			if resp.Headers["Cache-Control"] != "no-store" {
				t.Error("no Cache-Control: no-store")
			}
			after := e.hits(t, c.aff, c.event)
			if got := after - before; (got == 1) != c.wantCount || got > 1 {
				t.Errorf("hits +%d, want counted=%v", got, c.wantCount)
			}
			wantReq := 0
			if c.wantCount {
				wantReq = 1
			}
			if c.aff == "zed" {
				// A code nobody has is read by key once (SPEC 15: affiliates
				// are read by key, not all at a cold start), then known to
				// be nobody's for the cache period.
				wantReq = 1
				snap := e.meter.Snapshot()
				if _, err := e.h.Long(ctx, c.req); err != nil || e.meter.Since(snap).Total() != 0 {
					t.Errorf("the same unknown code again: %v, %v", err, e.meter.Since(snap))
				}
			}
			if d.Total() != wantReq {
				t.Errorf("%d DynamoDB requests (%v), want %d", d.Total(), d, wantReq)
			}
			if c.wantCount && d.WriteUnits > 1 {
				t.Errorf("%v write units for a click, want at most 1", d.WriteUnits)
			}
			if (len(resp.Cookies) == 1) != c.wantCookie {
				t.Fatalf("cookies %v", resp.Cookies)
			}
			if c.wantCookie {
				ck := resp.Cookies[0]
				for _, want := range []string{"tally_click=", "Max-Age=2592000", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
					if !strings.Contains(ck, want) {
						t.Errorf("cookie %q lacks %s", ck, want)
					}
				}
				u, _ := url.Parse(loc)
				tok := u.Query().Get("tally_click")
				if !strings.Contains(ck, "tally_click="+tok+";") {
					t.Error("cookie and query carry different tokens")
				}
				claims, err := e.keys.Verify(tok)
				if err != nil || claims.Affiliate != c.aff || claims.Event != c.event || !claims.At.Equal(now) {
					t.Errorf("token claims %+v %v", claims, err)
				}
				if c.wantLocation == "https://example.com/summit?" && c.req.RawQueryString != "" && u.Query().Get("utm_source") != "newsletter" {
					t.Errorf("visitor query lost: %s", loc)
				}
			}
		})
	}
}

func TestShortLinks(t *testing.T) {
	e := newEnv(t, demo.YAML)
	ctx := context.Background()
	l, _ := e.p.LinkFor("summit-2026", "jane")
	req := eventfile.Load(t, "click-short")
	req.PathParameters["code"] = l.Code
	req.RawQueryString = "utm_campaign=x&tally_click=forged"
	resp, _ := e.h.Short(ctx, req)
	u, _ := url.Parse(resp.Headers["Location"])
	if resp.StatusCode != 302 || u.Host != "example.com" || u.Path != "/summit" || len(u.Query()["tally_click"]) != 1 || u.Query().Get("tally_click") == "forged" {
		t.Fatalf("short link: %d %s", resp.StatusCode, resp.Headers["Location"])
	}
	if e.hits(t, "jane", "summit-2026") != 1 {
		t.Error("short link hit not counted on jane's summit link")
	}
	unknown := []string{"nope1234", "", "../../x"}
	if up := strings.ToUpper(l.Code); up != l.Code { // a code drawn without lower-case letters has no other case
		unknown = append(unknown, up)
	}
	for _, code := range unknown {
		req.PathParameters["code"] = code
		resp, _ := e.h.Short(ctx, req)
		if resp.Headers["Location"] != "https://example.com/" {
			t.Errorf("code %q: %s", code, resp.Headers["Location"])
		}
	}
}

// The hit date is the program zone's: 02:00 UTC on Nov 1 is still Oct 31 in
// New York.
func TestHitIsDatedInTheProgramZone(t *testing.T) {
	e := newEnv(t, demo.YAML)
	now = time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	defer func() { now = time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC) }()
	if _, err := e.h.Long(context.Background(), longReq(t, "summit-2026", "jane", "GET", iPhone)); err != nil {
		t.Fatal(err)
	}
	stats, _ := e.st.Stats(context.Background(), "jane", "2026-10-31", "2026-10-31")
	if len(stats) != 1 || stats[0].Hits != 1 {
		t.Fatalf("stats %+v", stats)
	}
}

// Concurrent ADDs lose no hit. The count timeout is lifted: what is tested
// is the atomic update, not how fast a shared machine answers.
func TestConcurrentClicksOnOneLinkCountExactly(t *testing.T) {
	e := newEnv(t, demo.YAML)
	e.h.WithCountTimeout(time.Minute)
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.h.Long(context.Background(), longReq(t, "summit-2026", "jane", "GET", iPhone))
			if err != nil || resp.StatusCode != 302 {
				t.Errorf("%v %d", err, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if n := e.hits(t, "jane", "summit-2026"); n != 200 {
		t.Fatalf("200 concurrent clicks counted %d", n)
	}
}

// A table that is down costs the visitor a bounded wait, well under the
// function's 10 s timeout, and never an error page.
func TestClickRedirectsWhenTheTableIsDown(t *testing.T) {
	e := newEnv(t, demo.YAML)
	c := &slowCounter{}
	e.h.WithCounter(c)
	start := time.Now()
	resp, _ := e.h.Long(context.Background(), longReq(t, "summit-2026", "jane", "GET", iPhone))
	if resp.StatusCode != 302 || !strings.HasPrefix(resp.Headers["Location"], "https://example.com/summit?") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Headers["Location"])
	}
	if waited := time.Since(start); waited > 8*time.Second {
		t.Fatalf("visitor waited %v", waited) // the bound is 3 s; 8 s only guards against a hang
	}
	if d := c.deadline().Sub(start); d <= 0 || d > 5*time.Second {
		t.Fatalf("the write was given %v", d)
	}
}

// A write that is merely slow is waited for: a table answering after a
// second counts the click (the visitor used to be sent on at 0.8 s, and the
// hit logged as not counted while the table still applied it, or not).
func TestASlowWriteStillCountsTheClick(t *testing.T) {
	e := newEnv(t, demo.YAML)
	c := &lateCounter{after: time.Second}
	e.h.WithCounter(c)
	resp, _ := e.h.Long(context.Background(), longReq(t, "summit-2026", "jane", "GET", iPhone))
	if resp.StatusCode != 302 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if n := c.counted.Load(); n != 1 {
		t.Fatalf("a write answered after 1 s counted %d clicks, want 1", n)
	}
}

// In Lambda the context carries the function's deadline: the wait ends a
// margin before it, so the redirect is always answered, however little time
// is left.
func TestTheWaitEndsBeforeTheFunctionsDeadline(t *testing.T) {
	e := newEnv(t, demo.YAML)
	c := &slowCounter{}
	e.h.WithCounter(c)
	fn := time.Now().Add(1500 * time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), fn)
	defer cancel()
	resp, _ := e.h.Long(ctx, longReq(t, "summit-2026", "jane", "GET", iPhone))
	if resp.StatusCode != 302 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := c.deadline(); !got.Before(fn.Add(-900 * time.Millisecond)) {
		t.Fatalf("the write may run until %v before the function's deadline, want a margin of about 1 s", fn.Sub(got))
	}
}

// slowCounter never answers (a table that is down); it keeps the deadline
// it was given.
type slowCounter struct {
	mu sync.Mutex
	dl time.Time
}

func (c *slowCounter) CountHit(ctx context.Context, _, _, _, _ string, _ int) (string, error) {
	c.mu.Lock()
	c.dl, _ = ctx.Deadline()
	c.mu.Unlock()
	<-ctx.Done()
	return "", ctx.Err()
}

func (c *slowCounter) deadline() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dl
}

// lateCounter applies a hit after a delay, unless it is called off first.
type lateCounter struct {
	after   time.Duration
	counted atomic.Int64
}

func (c *lateCounter) CountHit(ctx context.Context, _, _, _, _ string, _ int) (string, error) {
	select {
	case <-time.After(c.after):
		c.counted.Add(1)
		return "", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
