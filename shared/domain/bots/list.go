package bots

import (
	_ "embed"
	"regexp"
	"regexp/syntax"
	"strings"
)

// crawlerPatterns are the patterns of the public crawler-user-agents list
// (github.com/monperrus/crawler-user-agents, MIT, see
// crawler-user-agents.LICENSE), one a line, in the list's order: the list
// as published (crawler-user-agents.json) is mostly example agents, which
// only the tests read; decoding its 543 KB took two-thirds of this
// package's start, on every click function's cold start.
// infra/scripts/refresh-crawler-list.sh brings a newer list and writes both
// files; a test fails when they differ. The list names crawlers
// Crawler-Detect does not (monitors, AI fetchers, feed readers, headless
// browsers), so the two are used together.
//
//go:embed crawler-patterns.txt
var crawlerPatterns string

// listMatcher matches an agent against every pattern of the list: most are
// plain words, looked for with strings.Contains; the rest form one regular
// expression. One alternation of all of them would run far slower.
type listMatcher struct {
	literals []string
	re       *regexp.Regexp
}

var crawlerList = newListMatcher(patternLines(crawlerPatterns))

// patternLines are the patterns of the file, one a line (some have spaces).
func patternLines(file string) []string {
	return strings.Split(strings.TrimSuffix(file, "\n"), "\n")
}

func newListMatcher(patterns []string) *listMatcher {
	m := &listMatcher{}
	var rest []string
	for _, p := range patterns {
		if lit, ok := literal(p); ok {
			m.literals = append(m.literals, lit)
			continue
		}
		rest = append(rest, "(?:"+p+")")
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
