package program

import (
	"context"
	"sync"
	"time"
)

// AffiliateSource is where Known reads one affiliate by code, and one short
// link by its code (the table: a read by key each).
type AffiliateSource interface {
	// CurrentAffiliate is the affiliate of a code with the links of its
	// enrollments; nil when the code is nobody's or a former affiliate's.
	CurrentAffiliate(ctx context.Context, code string) (*Affiliate, []Link, error)
	// ShortLink is the link of a short code; false when there is none.
	ShortLink(ctx context.Context, code string) (Link, bool, error)
}

// MaxKnown is how many affiliates (found or not) and short links a warm
// function keeps; when full, it starts over (like the authorizer's keys).
const MaxKnown = 10000

// Known keeps the affiliates a warm function has needed, each read by key
// the first time and kept for the cache period, found or not (SPEC 15:
// nothing reads every affiliate on a request path). A short link's code
// never changes its pair, so it is kept as long as there is room.
type Known struct {
	src AffiliateSource
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	affs  map[string]knownAffiliate
	short map[string]Link
	// missed are short codes found to be nobody's, each with when: a
	// made-up code costs one read per cache period, not one per click.
	missed map[string]time.Time
}

type knownAffiliate struct {
	a     *Affiliate
	links []Link
	at    time.Time
}

// NewKnown makes an empty cache of affiliates read from src, each kept ttl.
func NewKnown(src AffiliateSource, ttl time.Duration) *Known {
	return &Known{src: src, ttl: ttl, now: time.Now, affs: map[string]knownAffiliate{}, short: map[string]Link{}, missed: map[string]time.Time{}}
}

// Affiliate is the current affiliate of a code and its links (nil when
// none), from memory when read within the cache period.
func (k *Known) Affiliate(ctx context.Context, code string) (*Affiliate, []Link, error) {
	now := k.now()
	k.mu.Lock()
	e, ok := k.affs[code]
	k.mu.Unlock()
	if ok && now.Sub(e.at) < k.ttl {
		return e.a, e.links, nil
	}
	a, links, err := k.src.CurrentAffiliate(ctx, code)
	if err != nil {
		if ok { // a failed read keeps what it had: a click must still redirect
			return e.a, e.links, nil
		}
		return nil, nil, err
	}
	k.mu.Lock()
	if len(k.affs) >= MaxKnown {
		k.affs = map[string]knownAffiliate{}
	}
	k.affs[code] = knownAffiliate{a: a, links: links, at: now}
	k.mu.Unlock()
	return a, links, nil
}

// ShortLink is the (event, affiliate) pair of a short code.
func (k *Known) ShortLink(ctx context.Context, code string) (Link, bool, error) {
	now := k.now()
	k.mu.Lock()
	l, ok := k.short[code]
	at, missed := k.missed[code]
	k.mu.Unlock()
	if ok {
		return l, true, nil
	}
	if missed && now.Sub(at) < k.ttl {
		return Link{}, false, nil
	}
	l, ok, err := k.src.ShortLink(ctx, code)
	if err != nil {
		return l, ok, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !ok {
		if len(k.missed) >= MaxKnown {
			k.missed = map[string]time.Time{}
		}
		k.missed[code] = now
		return l, false, nil
	}
	if len(k.short) >= MaxKnown {
		k.short = map[string]Link{}
	}
	k.short[code] = l
	delete(k.missed, code)
	return l, true, nil
}

// Invalidate forgets every affiliate (the dev server, and a function that
// just changed one, call it).
func (k *Known) Invalidate() {
	k.mu.Lock()
	k.affs = map[string]knownAffiliate{}
	k.missed = map[string]time.Time{}
	k.mu.Unlock()
}

// With is a view of the program's rules with only the given affiliates and
// their links: what a request needs, resolved before the rules decide, so
// the rules stay pure functions of a Program.
func (p *Program) With(as []Affiliate, links []Link) *Program {
	v := *p
	v.Affiliates, v.Links, v.Former = as, links, nil
	v.indexAffiliates()
	v.IndexLinks()
	return &v
}
