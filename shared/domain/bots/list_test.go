package bots

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
)

// crawlerUserAgents is the crawler-user-agents list as published: each
// crawler's pattern and example agents it must match.
//
//go:embed crawler-user-agents.json
var crawlerUserAgents []byte

// listEntry is one crawler of the list.
type listEntry struct {
	Pattern   string   `json:"pattern"`
	Instances []string `json:"instances"`
}

func list(t testing.TB) []listEntry {
	var l []listEntry
	if err := json.Unmarshal(crawlerUserAgents, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// The patterns the functions embed are the list's, in its order
// (infra/scripts/refresh-crawler-list.sh writes both), and none spans
// lines, as each is a line of the file.
func TestPatternsAreTheLists(t *testing.T) {
	var want []string
	for _, e := range list(t) {
		if strings.ContainsAny(e.Pattern, "\r\n") {
			t.Errorf("pattern %q spans lines: the patterns file has one a line", e.Pattern)
		}
		want = append(want, e.Pattern)
	}
	if got := patternLines(crawlerPatterns); !slices.Equal(got, want) {
		t.Errorf("crawler-patterns.txt has %d patterns, the list %d, or they differ: run infra/scripts/refresh-crawler-list.sh", len(got), len(want))
	}
}

// None of the list's example crawlers counts as a hit.
func TestNoListedCrawlerCounts(t *testing.T) {
	f := NewFilter(0)
	n := 0
	for _, e := range list(t) {
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
