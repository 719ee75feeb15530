package bots

import (
	_ "embed"
	"encoding/json"
	"regexp"
	"regexp/syntax"
	"strings"
)

// crawlerUserAgents is the public crawler-user-agents list (github.com/
// monperrus/crawler-user-agents, MIT, see crawler-user-agents.LICENSE), as
// published on npm. infra/scripts/refresh-crawler-list.sh brings a newer one.
// It names crawlers Crawler-Detect does not (monitors, AI fetchers, feed
// readers, headless browsers), so the two are used together.
//
//go:embed crawler-user-agents.json
var crawlerUserAgents []byte

// ListEntry is one crawler of the list: a regular expression (case
// matters) and example agents it must match.
type ListEntry struct {
	Pattern   string   `json:"pattern"`
	Instances []string `json:"instances"`
}

// List is the embedded list as published.
func List() []ListEntry {
	var l []ListEntry
	if err := json.Unmarshal(crawlerUserAgents, &l); err != nil {
		panic("bots: crawler-user-agents.json: " + err.Error())
	}
	return l
}

// listMatcher matches an agent against every pattern of the list: most are
// plain words, looked for with strings.Contains; the rest form one regular
// expression. One alternation of all of them would run far slower.
type listMatcher struct {
	literals []string
	re       *regexp.Regexp
}

var crawlerList = newListMatcher(List())

func newListMatcher(entries []ListEntry) *listMatcher {
	m := &listMatcher{}
	var rest []string
	for _, e := range entries {
		if lit, ok := literal(e.Pattern); ok {
			m.literals = append(m.literals, lit)
			continue
		}
		rest = append(rest, "(?:"+e.Pattern+")")
	}
	m.re = regexp.MustCompile(strings.Join(rest, "|"))
	return m
}

// literal is the text a pattern matches when it is plain text.
func literal(pattern string) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	re = re.Simplify()
	if re.Op != syntax.OpLiteral || re.Flags&syntax.FoldCase != 0 {
		return "", false
	}
	return string(re.Rune), true
}

func (m *listMatcher) match(ua string) bool {
	for _, lit := range m.literals {
		if strings.Contains(ua, lit) {
			return true
		}
	}
	return m.re.MatchString(ua)
}
