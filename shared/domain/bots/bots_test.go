package bots

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/x-way/crawlerdetect"
)

// Real User-Agent strings, as sent by the clients named.
const (
	chromeDesktop = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	chromeMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	firefox       = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	firefoxLinux  = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	safariMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"
	edge          = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
	iPhoneSafari  = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
	iPadSafari    = "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"
	androidChrome = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
	samsung       = "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"
	instagramIOS  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 335.0.3.18.91 (iPhone14,5; iOS 17_5; en_US; en; scale=3.00; 1170x2532; 613263939)"
	instagramAnd  = "Mozilla/5.0 (Linux; Android 13; SM-S908B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.193 Mobile Safari/537.36 Instagram 312.1.0.34.111 Android (33/13; 480dpi; 1080x2340; samsung; SM-S908B; b0s; qcom; en_US; 548323755)"
	facebookIOS   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.37.108;FBBV/614287397;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/615738227]"
	facebookAnd   = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240605.024; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/467.0.0.42.80;]"
	messengerIOS  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/MessengerForiOS;FBAV/465.0.0.38.109;FBBV/608966361;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBCR/;FBID/phone;FBLC/en_US;FBOP/5]"
	tiktok        = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_35.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US ByteFullLocale/en-US isDarkMode/0 WKWebView/1 RevealType/Dialog BytedanceWebview/d8a21c6"
	gmailIOS      = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/325.0.651162375 Mobile/15E148 Safari/604.1"

	slackbot     = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
	slackImg     = "Slackbot 1.0 (+https://api.slack.com/robots)"
	facebookHit  = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
	facebot      = "Facebot"
	twitterbot   = "Twitterbot/1.0"
	linkedInBot  = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
	discordbot   = "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"
	whatsApp     = "WhatsApp/2.23.20.0"
	whatsAppIOS  = "WhatsApp/2.24.10.78 i"
	googlebot    = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	googlebotMob = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	bingbot      = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
	telegramBot  = "TelegramBot (like TwitterBot)"
	applebot     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)"
	iMessage     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0"
	skype        = "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com"
	pinterest    = "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)"
	redditbot    = "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)"
	mastodon     = "Mastodon/4.2.10 (http.rb/5.1.1; +https://mastodon.social/) Bot"
	curl         = "curl/8.5.0"
	wget         = "Wget/1.21.4"
	pyRequests   = "python-requests/2.31.0"
	goHTTP       = "Go-http-client/2.0"
)

func TestCountable(t *testing.T) {
	people := []struct{ name, ua string }{
		{"desktop Chrome", chromeDesktop},
		{"Chrome on a Mac", chromeMac},
		{"Firefox", firefox},
		{"Firefox on Linux", firefoxLinux},
		{"desktop Safari", safariMac},
		{"Edge", edge},
		{"iPhone Safari", iPhoneSafari},
		{"iPad Safari", iPadSafari},
		{"Android Chrome", androidChrome},
		{"Samsung Internet", samsung},
		{"Instagram in-app browser on iPhone", instagramIOS},
		{"Instagram in-app browser on Android", instagramAnd},
		{"Facebook in-app browser on iPhone", facebookIOS},
		{"Facebook in-app browser on Android", facebookAnd},
		{"Messenger in-app browser", messengerIOS},
		{"TikTok in-app browser", tiktok},
		{"Google app on iPhone", gmailIOS},
	}
	for _, p := range people {
		t.Run("a person using "+p.name+" counts", func(t *testing.T) {
			if !Countable(http.MethodGet, p.ua) {
				t.Errorf("Countable(GET, %q) = false", p.ua)
			}
		})
	}

	bots := []struct{ name, ua string }{
		{"Slackbot link expanding", slackbot},
		{"Slackbot", slackImg},
		{"facebookexternalhit", facebookHit},
		{"Facebot", facebot},
		{"Twitterbot", twitterbot},
		{"LinkedInBot", linkedInBot},
		{"Discordbot", discordbot},
		{"WhatsApp preview on Android", whatsApp},
		{"WhatsApp preview on iPhone", whatsAppIOS},
		{"Googlebot", googlebot},
		{"Googlebot smartphone", googlebotMob},
		{"bingbot", bingbot},
		{"TelegramBot", telegramBot},
		{"Applebot", applebot},
		{"iMessage link preview", iMessage},
		{"Skype link preview", skype},
		{"Pinterestbot", pinterest},
		{"redditbot", redditbot},
		{"Mastodon link preview", mastodon},
		// Scripts are not people (see the package comment).
		{"curl", curl},
		{"wget", wget},
		{"python requests", pyRequests},
		{"Go HTTP client", goHTTP},
	}
	for _, b := range bots {
		t.Run(b.name+" does not count", func(t *testing.T) {
			if Countable(http.MethodGet, b.ua) {
				t.Errorf("Countable(GET, %q) = true", b.ua)
			}
		})
	}

	requests := []struct {
		name, method, ua string
		want             bool
	}{
		{"HEAD does not count even from a browser", http.MethodHead, iPhoneSafari, false},
		{"POST does not count", http.MethodPost, iPhoneSafari, false},
		{"OPTIONS does not count", http.MethodOptions, iPhoneSafari, false},
		{"lower-case get is not GET", "get", iPhoneSafari, false},
		{"no User-Agent does not count", http.MethodGet, "", false},
		{"a blank User-Agent does not count", http.MethodGet, " \t ", false},
		{"a browser agent with stray spaces still counts", http.MethodGet, "  " + iPhoneSafari + " ", true},
	}
	for _, r := range requests {
		t.Run(r.name, func(t *testing.T) {
			if got := Countable(r.method, r.ua); got != r.want {
				t.Errorf("Countable(%q, %q) = %v, want %v", r.method, r.ua, got, r.want)
			}
		})
	}
}

func TestCachedVerdictsMatchUncached(t *testing.T) {
	cached, uncached := NewFilter(4), NewFilter(0)
	agents := []string{chromeDesktop, slackbot, iPhoneSafari, whatsApp, firefox, googlebot, instagramIOS, curl, facebookIOS, twitterbot}
	for round := range 5 { // small cache: generations turn over several times
		for _, ua := range agents {
			if c, u := cached.Countable(http.MethodGet, ua), uncached.Countable(http.MethodGet, ua); c != u {
				t.Fatalf("round %d: cached %v, uncached %v for %q", round, c, u, ua)
			}
		}
	}
}

func TestCacheIsBounded(t *testing.T) {
	f := NewFilter(8)
	for i := range 1000 {
		f.Countable(http.MethodGet, fmt.Sprintf("Mozilla/5.0 made-up/%d", i))
	}
	if n := len(f.cur) + len(f.old); n > 16 {
		t.Errorf("cache holds %d agents, want at most 16", n)
	}
}

func TestLongAgentsAreNotCached(t *testing.T) {
	f := NewFilter(8)
	long := chromeDesktop + string(make([]byte, maxCachedLen))
	f.Countable(http.MethodGet, long)
	if len(f.cur) != 0 {
		t.Errorf("a %d-byte agent was cached", len(long))
	}
}

func TestCountableIsSafeForConcurrentUse(t *testing.T) {
	f := NewFilter(4)
	agents := []string{chromeDesktop, slackbot, iPhoneSafari, whatsApp, firefox, googlebot}
	want := map[string]bool{chromeDesktop: true, iPhoneSafari: true, firefox: true}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				ua := agents[(g+i)%len(agents)]
				if got := f.Countable(http.MethodGet, ua); got != want[ua] {
					t.Errorf("Countable(%q) = %v", ua, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func benchmarkAgents(b *testing.B, f *Filter, ua string) {
	b.ReportAllocs()
	for b.Loop() {
		f.Countable(http.MethodGet, ua)
	}
}

func BenchmarkCountable(b *testing.B) {
	for _, a := range []struct{ name, ua string }{
		{"iPhoneSafari", iPhoneSafari},
		{"AndroidChrome", androidChrome},
		{"InstagramIOS", instagramIOS},
		{"Slackbot", slackbot},
	} {
		b.Run(a.name+"/uncached", func(b *testing.B) { benchmarkAgents(b, NewFilter(0), a.ua) })
		b.Run(a.name+"/cached", func(b *testing.B) { benchmarkAgents(b, NewFilter(DefaultCacheSize), a.ua) })
	}
}

// A stream of distinct agents, every one a miss: the cache's worst case.
func BenchmarkCountableAllMisses(b *testing.B) {
	agents := make([]string, 4096)
	for i := range agents {
		agents[i] = fmt.Sprintf("%s build/%d", iPhoneSafari, i)
	}
	f := NewFilter(DefaultCacheSize)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Countable(http.MethodGet, agents[i%len(agents)])
		i++
	}
}

// What every cold start pays once: crawlerdetect compiles its patterns when
// its package initialises (measured here by building a second detector).
func BenchmarkCrawlerdetectInit(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		crawlerdetect.New()
	}
}
