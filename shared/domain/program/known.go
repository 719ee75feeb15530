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
	// CouponHolder is the affiliate, current or former, holding a coupon
	// code (whatever its case), and whether it is former; nil when no
	// affiliate holds it.
	CouponHolder(ctx context.Context, code string) (a *Affiliate, former bool, err error)
	// Payee is the affiliate of a code, current or former (without links),
	// and whether it is former; nil when the code is nobody's.
	Payee(ctx context.Context, code string) (a *Affiliate, former bool, err error)
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
	// coupons are the holders of coupon codes (found or not), by the code
	// upper-cased.
	coupons map[string]knownPayee
	// payees are affiliates current or former (found or not), by code.
	payees map[string]knownPayee
}

type knownPayee struct {
	a      *Affiliate
	former bool
	at     time.Time
}

type knownAffiliate struct {
	a     *Affiliate
	links []Link
	at    time.Time
}

// NewKnown makes an empty cache of affiliates read from src, each kept ttl.
func NewKnown(src AffiliateSource, ttl time.Duration) *Known {
	return &Known{src: src, ttl: ttl, now: time.Now, affs: map[string]knownAffiliate{}, short: map[string]Link{}, missed: map[string]time.Time{},
		coupons: map[string]knownPayee{}, payees: map[string]knownPayee{}}
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

// CouponHolder is the affiliate holding a coupon code and whether it is a
// former one (nil when nobody holds it), from memory when read within the
// cache period: an order's code costs its reads once per period.
func (k *Known) CouponHolder(ctx context.Context, code string) (*Affiliate, bool, error) {
	return k.remembered(&k.coupons, CouponKey(code), func() (*Affiliate, bool, error) { return k.src.CouponHolder(ctx, code) })
}

// Payee is the affiliate of a code, current or former, and whether it is
// former (nil when the code is nobody's), from memory when read within the
// cache period: what names a former affiliate too (an override's recruit,
// a summary row) reads it by key, never every affiliate.
func (k *Known) Payee(ctx context.Context, code string) (*Affiliate, bool, error) {
	return k.remembered(&k.payees, code, func() (*Affiliate, bool, error) { return k.src.Payee(ctx, code) })
}

// remembered is key's entry of *m when read within the cache period, else
// what load reads, kept (found or not; a full map starts over). A failed
// read answers the entry past its period, when there is one.
func (k *Known) remembered(m *map[string]knownPayee, key string, load func() (*Affiliate, bool, error)) (*Affiliate, bool, error) {
	now := k.now()
	k.mu.Lock()
	e, ok := (*m)[key]
	k.mu.Unlock()
	if ok && now.Sub(e.at) < k.ttl {
		return e.a, e.former, nil
	}
	a, former, err := load()
	if err != nil {
		if ok {
			return e.a, e.former, nil
		}
		return nil, false, err
	}
	k.mu.Lock()
	if len(*m) >= MaxKnown {
		*m = map[string]knownPayee{}
	}
	(*m)[key] = knownPayee{a: a, former: former, at: now}
	k.mu.Unlock()
	return a, former, nil
}

// Invalidate forgets every affiliate (the dev server, and a function that
// just changed one, call it).
func (k *Known) Invalidate() {
	k.mu.Lock()
	k.affs = map[string]knownAffiliate{}
	k.missed = map[string]time.Time{}
	k.coupons = map[string]knownPayee{}
	k.payees = map[string]knownPayee{}
	k.mu.Unlock()
}

// With is a view of the program's rules with only the given affiliates and
// their links: what a request needs, resolved before the rules decide, so
// the rules stay pure functions of a Program.
func (p *Program) With(as []Affiliate, links []Link) *Program {
	return p.with(as, nil, links)
}

// with is With, and former affiliates: only their coupon codes matter to
// a request (a code of a former affiliate is known, and refers nobody).
func (p *Program) with(as, former []Affiliate, links []Link) *Program {
	v := *p
	v.Affiliates, v.Links, v.Former = as, links, former
	v.indexAffiliates()
	v.IndexLinks()
	return &v
}

// WithAffiliates is a view of the program's rules with only the given
// current and former affiliates: a page of the owner's list, read by key.
func (p *Program) WithAffiliates(current, former []Affiliate) *Program {
	return p.with(current, former, nil)
}
