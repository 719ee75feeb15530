package bots

import (
	"bufio"
	"net/http"
	"os"
	"strings"
	"testing"
)

// None of the list's example crawlers counts as a hit.
func TestNoListedCrawlerCounts(t *testing.T) {
	f := NewFilter(0)
	n := 0
	for _, e := range List() {
		for _, ua := range e.Instances {
			n++
			if f.Countable(http.MethodGet, ua) {
				t.Errorf("counted %q (pattern %q)", ua, e.Pattern)
			}
		}
	}
	if n < 2000 {
		t.Errorf("only %d example crawlers in the list", n)
	}
}

// Real browsers all count: desktop, phones, and the in-app browsers of the
// social apps affiliates share their links in (testdata/browsers.txt).
func TestEveryBrowserCounts(t *testing.T) {
	file, err := os.Open("testdata/browsers.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	f := NewFilter(0)
	n := 0
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 4096), 1<<16)
	for sc.Scan() {
		ua := strings.TrimSpace(sc.Text())
		if ua == "" || strings.HasPrefix(ua, "#") {
			continue
		}
		n++
		if !f.Countable(http.MethodGet, ua) {
			t.Errorf("not counted: %q", ua)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 300 {
		t.Errorf("only %d browser agents in the fixture", n)
	}
}

// The list's share of an uncached verdict (a browser goes through every
// pattern), next to BenchmarkCountable's uncached cases.
func BenchmarkCrawlerList(b *testing.B) {
	for _, a := range []struct{ name, ua string }{{"iPhoneSafari", iPhoneSafari}, {"InstagramIOS", instagramIOS}} {
		b.Run(a.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				crawlerList.match(a.ua)
			}
		})
	}
}
