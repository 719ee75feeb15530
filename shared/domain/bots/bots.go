// Package bots decides which click requests count as a hit (SPEC section 3):
// a GET by a person. HEAD and other methods, requests without a User-Agent,
// and crawlers and link-preview fetchers (Slackbot, facebookexternalhit,
// WhatsApp, Googlebot, ...) still get their redirect but are not counted.
//
// Crawlers are recognised by github.com/x-way/crawlerdetect, a port of the
// widely used Crawler-Detect list, together with the public
// crawler-user-agents list embedded here (list.go): an agent either names is
// not a person. It is also why scripts such as curl, wget
// and HTTP libraries do not count: a person clicks in a browser, while a
// script is a monitor, a scraper, or an affiliate testing a link, and
// counting those would inflate the hits an affiliate is shown.
package bots

import (
	"net/http"
	"strings"
	"sync"

	"github.com/x-way/crawlerdetect"
)

// DefaultCacheSize is how many recent User-Agents Countable remembers. A
// program's visitors use a few hundred browser builds; the cache holds the
// common ones and is bounded against a flood of made-up agents.
const DefaultCacheSize = 1024

// maxCachedLen keeps absurdly long agents, which are not worth remembering,
// from holding memory.
const maxCachedLen = 512

var defaultFilter = NewFilter(DefaultCacheSize)

// Countable reports whether a click request is a hit: a GET from a
// User-Agent that is not a known bot. It is safe for concurrent use.
func Countable(method, userAgent string) bool {
	return defaultFilter.Countable(method, userAgent)
}

// Filter is Countable with its own cache of recent verdicts. Crawler
// detection runs case-insensitive regular expressions of about 1,400
// alternatives over the agent: 70-400 µs a call (longest for the long
// in-app browser agents), against about 25 ns for a cached verdict. The same
// few browser builds come back again and again, so their verdicts are kept.
type Filter struct {
	size int

	mu sync.RWMutex
	// Two generations bound the cache at 2×size without tracking recency:
	// when cur fills up it becomes old and a new cur starts, so agents seen
	// in the last generation survive and the rest are dropped together.
	cur, old map[string]bool
}

// NewFilter returns a Filter remembering up to size recent agents (in each
// of two generations); size <= 0 turns the cache off.
func NewFilter(size int) *Filter {
	f := &Filter{size: size}
	if size > 0 {
		f.cur = make(map[string]bool, size)
	}
	return f
}

// Countable reports whether a click request is a hit; see the package
// function.
func (f *Filter) Countable(method, userAgent string) bool {
	if method != http.MethodGet || strings.TrimSpace(userAgent) == "" {
		return false
	}
	return !f.isBot(userAgent)
}

// detect is the uncached verdict: a crawler for either list.
func detect(ua string) bool {
	return crawlerList.match(ua) || crawlerdetect.IsCrawler(ua)
}

func (f *Filter) isBot(ua string) bool {
	if f.size <= 0 || len(ua) > maxCachedLen {
		return detect(ua)
	}
	f.mu.RLock()
	bot, inCur := f.cur[ua]
	inOld := false
	if !inCur {
		bot, inOld = f.old[ua]
	}
	f.mu.RUnlock()
	if inCur {
		return bot
	}
	if !inOld {
		bot = detect(ua)
	}
	// Store new verdicts, and move old ones forward so a busy agent
	// outlives the generation it was first seen in.
	f.mu.Lock()
	if len(f.cur) >= f.size {
		f.old, f.cur = f.cur, make(map[string]bool, f.size)
	}
	// Clone: the agent may share memory with a larger request buffer.
	f.cur[strings.Clone(ua)] = bot
	f.mu.Unlock()
	return bot
}
