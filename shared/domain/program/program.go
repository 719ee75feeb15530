// Package program holds a business's affiliate program: its events, products,
// commission plans and affiliates, as described by the program file (SPEC
// section 2), with the lookups the rest of Tally needs.
package program

import (
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 image has no zoneinfo we can count on.
)

// Product kinds.
const (
	KindRecording      = "recording"
	KindTranscript     = "transcript"
	KindSpeakerProduct = "speaker_product"
	KindOther          = "other"
)

// Attribution models.
const (
	FirstTouch = "first_touch"
	LastTouch  = "last_touch"
)

// Coupon precedences: what wins when an order has both a valid click and a
// known coupon code.
const (
	PrecedenceCoupon = "coupon"
	PrecedenceClick  = "click"
)

// Defaults for settings the file may leave out.
const (
	DefaultCookieDays = 30
	DefaultHoldDays   = 30
	// DefaultRecurringMonths is how long subscription invoices earn.
	DefaultRecurringMonths = 12
)

// Program is one business's setup. The exported fields mirror the program
// file; lookups go through the methods, which use indexes built by Index.
type Program struct {
	Currency   string `yaml:"currency" json:"currency"`
	Timezone   string `yaml:"timezone" json:"timezone,omitempty"`
	CookieDays int    `yaml:"cookie_days" json:"cookie_days"`
	// RecurringMonths is how long a subscription's invoices earn for its
	// referrer after the first one (SPEC 10); nil is the default, 0 the
	// first invoice only.
	RecurringMonths *int   `yaml:"recurring_months" json:"recurring_months,omitempty"`
	Attribution     string `yaml:"attribution" json:"attribution"`
	// CouponPrecedence decides between a click and a coupon code of
	// different affiliates on one order (SPEC 17): coupon (the default:
	// the buyer typed it) or click.
	CouponPrecedence string `yaml:"coupon_precedence" json:"coupon_precedence,omitempty"`
	FallbackURL      string `yaml:"fallback_url" json:"fallback_url"`
	PublicBaseURL    string `yaml:"public_base_url" json:"public_base_url,omitempty"`
	// MaxTagsPerDay bounds the distinct channel tags counted per affiliate,
	// event and day (SPEC 14); nil is DefaultMaxTagsPerDay.
	MaxTagsPerDay *int        `yaml:"max_tags_per_day" json:"max_tags_per_day,omitempty"`
	Events        []Event     `yaml:"events" json:"-"`
	Products      []Product   `yaml:"products" json:"-"`
	Plans         []Plan      `yaml:"plans" json:"-"`
	Affiliates    []Affiliate `yaml:"affiliates" json:"-"`
	Payouts       *Payouts    `yaml:"payouts" json:"payouts,omitempty"`
	Owners        []Owner     `yaml:"owners" json:"-"`
	// WebhooksOut are the business's endpoints that hear of commissions,
	// payouts, orders and opt-ins (SPEC section 12).
	WebhooksOut []WebhookOut `yaml:"webhooks_out" json:"webhooks_out,omitempty"`
	// Signup is who may join from the public page (SPEC 16): closed
	// (default), approval or open, with the plan new affiliates get and
	// the terms they accept; an event may set its own.
	Signup     string `yaml:"signup" json:"signup,omitempty"`
	SignupPlan string `yaml:"signup_plan" json:"signup_plan,omitempty"`
	TermsURL   string `yaml:"terms_url" json:"terms_url,omitempty"`

	// Links are the short codes of (event, affiliate) pairs. They are state,
	// not configuration: made once when an affiliate is enrolled and kept.
	Links []Link `yaml:"-" json:"-"`

	// Former are affiliates a later file removed, kept by the loader,
	// inactive, so what they are still owed is paid (docs/decisions.md,
	// Payouts). Only balances, payouts and the owner's views of an
	// affiliate (Payee) see them.
	Former []Affiliate `yaml:"-" json:"-"`

	loc        *time.Location
	events     map[string]*Event
	products   map[string]*Product
	plans      map[string]*Plan
	affiliates map[string]*Affiliate
	linkByCode map[string]*Link
	linkByPair map[[2]string]*Link
	coupons    map[string]string // coupon code, upper-cased -> affiliate
}

// Event is something products are sold for, with its landing page.
type Event struct {
	Slug string `yaml:"slug" json:"slug"`
	Name string `yaml:"name" json:"name"`
	URL  string `yaml:"url" json:"url"`
	// URLSchedule are the event's phases: from each date (program zone) its
	// links lead to that phase's URL instead of URL.
	URLSchedule []Phase `yaml:"url_schedule" json:"url_schedule,omitempty"`
	// AllowedPaths are the path prefixes a link's ?to= may lead to on URL's site.
	AllowedPaths []string `yaml:"allowed_paths" json:"allowed_paths,omitempty"`
	// Resources are ready-made texts for affiliates, filled in per affiliate.
	Resources []Resource `yaml:"resources" json:"resources,omitempty"`
	// Leaderboard shows the event's enrolled affiliates a board of the net
	// revenue their links brought (SPEC 17), over LeaderboardFrom..To
	// (program-zone dates), or the current month when both are empty.
	Leaderboard     bool   `yaml:"leaderboard" json:"leaderboard,omitempty"`
	LeaderboardFrom string `yaml:"leaderboard_from" json:"leaderboard_from,omitempty"`
	LeaderboardTo   string `yaml:"leaderboard_to" json:"leaderboard_to,omitempty"`
	// Contests are the event's prize contests (SPEC 17).
	Contests []Contest `yaml:"contests" json:"contests,omitempty"`
	// Signup, when set, is this event's own signup setting (and its
	// signup_plan and terms_url, when set, its own).
	Signup     string `yaml:"signup" json:"signup,omitempty"`
	SignupPlan string `yaml:"signup_plan" json:"signup_plan,omitempty"`
	TermsURL   string `yaml:"terms_url" json:"terms_url,omitempty"`
}

// Contest metrics: what a contest ranks its entrants by.
const (
	MetricNetRevenue = "net_revenue"
	MetricOrders     = "orders"
	MetricOptIns     = "opt_ins"
)

// Contest is a prize contest of an event: entrants ranked by Metric over
// the orders or opt-ins their links brought From..To (program-zone dates);
// prizes go to entrants with at least Min.
type Contest struct {
	ID     string  `yaml:"id" json:"id"`
	Name   string  `yaml:"name" json:"name"`
	From   string  `yaml:"from" json:"from"`
	To     string  `yaml:"to" json:"to"`
	Metric string  `yaml:"metric" json:"metric"`
	Min    int64   `yaml:"min" json:"min"`
	Prizes []Prize `yaml:"prizes" json:"prizes"`
}

// Prize is what one place of a contest wins: cash (Cents, paid as an
// adjustment) and or a Text ("a signed book").
type Prize struct {
	Rank  int    `yaml:"rank" json:"rank"`
	Cents int64  `yaml:"cents" json:"cents"`
	Text  string `yaml:"text" json:"text,omitempty"`
}

// Contest finds one of the event's contests by id.
func (e *Event) Contest(id string) (*Contest, bool) {
	for i := range e.Contests {
		if e.Contests[i].ID == id {
			return &e.Contests[i], true
		}
	}
	return nil, false
}

// Phase is one entry of an event's url_schedule.
type Phase struct {
	From string `yaml:"from" json:"from"` // YYYY-MM-DD in the program's zone
	URL  string `yaml:"url" json:"url"`
}

// Resource kinds.
const (
	ResourceEmail = "email"
	ResourcePost  = "post"
	ResourceImage = "image"
	ResourceText  = "text"
)

// Resource is a ready-made email, post, image or text for an event; its
// texts may hold {{link}}, {{short_link}}, {{name}} and {{event_name}}.
type Resource struct {
	ID       string `yaml:"id" json:"id"`
	Kind     string `yaml:"kind" json:"kind"`
	Title    string `yaml:"title" json:"title"`
	Subject  string `yaml:"subject" json:"subject,omitempty"`
	Body     string `yaml:"body" json:"body,omitempty"`
	ImageURL string `yaml:"image_url" json:"image_url,omitempty"`
}

// Product is a SKU sold for an event.
type Product struct {
	SKU        string `yaml:"sku" json:"sku"`
	Name       string `yaml:"name" json:"name"`
	Event      string `yaml:"event" json:"event"`
	Kind       string `yaml:"kind" json:"kind"`
	PriceCents int64  `yaml:"price_cents" json:"price_cents"`
	Speaker    string `yaml:"speaker" json:"speaker,omitempty"`
}

// Plan is a set of commission rates in basis points.
type Plan struct {
	ID             string           `yaml:"id" json:"id"`
	RatesBP        map[string]int64 `yaml:"rates_bp" json:"rates_bp,omitempty"`
	ProductRatesBP map[string]int64 `yaml:"product_rates_bp" json:"product_rates_bp,omitempty"`
	SpeakerRateBP  int64            `yaml:"speaker_rate_bp" json:"speaker_rate_bp"`
	// OverrideBP is what a recruiter on this plan earns of each commission
	// their recruits earn (SPEC 16); 0 is none.
	OverrideBP int64 `yaml:"override_bp" json:"override_bp,omitempty"`
}

// Affiliate is a speaker or promoter with links.
type Affiliate struct {
	Code        string   `yaml:"code" json:"code"`
	Name        string   `yaml:"name" json:"name"`
	Email       string   `yaml:"email" json:"email"`
	Plan        string   `yaml:"plan" json:"plan"`
	Events      []string `yaml:"events" json:"events"`
	Active      *bool    `yaml:"active" json:"active,omitempty"`
	PayPalEmail string   `yaml:"paypal_email" json:"paypal_email,omitempty"`
	// Notify is how the affiliate hears of entries and payouts: each
	// (default), daily, or none; an unsubscribe in the table overrides it.
	Notify string `yaml:"notify" json:"notify,omitempty"`
	// APIKey is only read from the file; it is stored as a hash, never echoed.
	APIKey string `yaml:"api_key" json:"-"`
	// Coupons are the affiliate's coupon codes (SPEC 17), unique across the
	// program whatever their case.
	Coupons []string `yaml:"coupons" json:"coupons,omitempty"`
	// RecruitedBy is the affiliate whose recruit link this one joined
	// through (SPEC 16): they earn overrides on this one's commissions.
	RecruitedBy string `yaml:"recruited_by" json:"recruited_by,omitempty"`
	// Joined is when the affiliate joined by signup or approval (RFC 3339,
	// UTC; "" for others: a string, so affiliates without it store nothing).
	Joined string `yaml:"-" json:"joined,omitempty"`

	// Origin is where the affiliate belongs now and Made where it was made
	// (OriginFile, OriginDashboard, OriginImport; empty: the file). Rev
	// counts the record's writes outside the file, so an edit made from a
	// stale read is refused; Pos is its place in program order. The table
	// keeps them; a file cannot set them.
	Origin string `yaml:"-" json:"origin,omitempty"`
	Made   string `yaml:"-" json:"made,omitempty"`
	Rev    int64  `yaml:"-" json:"rev,omitempty"`
	Pos    int64  `yaml:"-" json:"-"`
}

// Payouts are the settings of SPEC section 9.
type Payouts struct {
	HoldDays       *int  `yaml:"hold_days" json:"hold_days,omitempty"`
	MinPayoutCents int64 `yaml:"min_payout_cents" json:"min_payout_cents"`
}

// Owner is one of the business's own keys.
type Owner struct {
	Name   string `yaml:"name" json:"name"`
	Email  string `yaml:"email" json:"email,omitempty"` // optional: signs in to the owner's pages (SPEC section 11)
	APIKey string `yaml:"api_key" json:"-"`
}

// WebhookOut is one endpoint of the business and the events it wants.
// Secret is for local and test use; on AWS it comes from a parameter.
type WebhookOut struct {
	URL    string   `yaml:"url" json:"url"`
	Secret string   `yaml:"secret" json:"secret,omitempty"`
	Events []string `yaml:"events" json:"events"`
}

// Outgoing event types an endpoint may ask for.
var OutEventTypes = []string{"commission.created", "commission.clawed_back", "payout.paid", "order.recorded", "optin.recorded"}

// Notify settings.
const (
	NotifyEach  = "each"
	NotifyDaily = "daily"
	NotifyNone  = "none"
)

// NotifyMode is the file's setting for the affiliate (default each).
func (a *Affiliate) NotifyMode() string {
	if a.Notify == "" {
		return NotifyEach
	}
	return a.Notify
}

// Link is an (event, affiliate) pair and its short code.
type Link struct {
	Event     string `json:"event"`
	Affiliate string `json:"affiliate"`
	Code      string `json:"code"`
}

// IsActive says whether the affiliate's links count (default true).
func (a *Affiliate) IsActive() bool { return a.Active == nil || *a.Active }

// PayoutEmail is where money is sent: paypal_email, else email.
func (a *Affiliate) PayoutEmail() string {
	if a.PayPalEmail != "" {
		return a.PayPalEmail
	}
	return a.Email
}

// EnrolledIn says whether the affiliate is set up for the event.
func (a *Affiliate) EnrolledIn(event string) bool {
	for _, e := range a.Events {
		if e == event {
			return true
		}
	}
	return false
}

// Index builds the lookup tables and fills defaults. Parse calls it; code that
// assembles a Program by hand (tests, the store) calls it too.
func (p *Program) Index() error {
	if p.Timezone == "" {
		p.Timezone = "UTC"
	}
	loc, err := time.LoadLocation(p.Timezone)
	if err != nil {
		return err
	}
	p.loc = loc
	if p.CookieDays == 0 {
		p.CookieDays = DefaultCookieDays
	}
	if p.Attribution == "" {
		p.Attribution = FirstTouch
	}
	if p.CouponPrecedence == "" {
		p.CouponPrecedence = PrecedenceCoupon
	}
	p.events = make(map[string]*Event, len(p.Events))
	for i := range p.Events {
		p.events[p.Events[i].Slug] = &p.Events[i]
	}
	p.products = make(map[string]*Product, len(p.Products))
	for i := range p.Products {
		p.products[p.Products[i].SKU] = &p.Products[i]
	}
	p.plans = make(map[string]*Plan, len(p.Plans))
	for i := range p.Plans {
		// An empty rate map means the same as none; keeping it nil also
		// spares stores that mishandle empty maps (the embedded one).
		if len(p.Plans[i].RatesBP) == 0 {
			p.Plans[i].RatesBP = nil
		}
		if len(p.Plans[i].ProductRatesBP) == 0 {
			p.Plans[i].ProductRatesBP = nil
		}
		p.plans[p.Plans[i].ID] = &p.Plans[i]
	}
	p.indexAffiliates()
	p.IndexLinks()
	return nil
}

// indexAffiliates rebuilds the affiliate and coupon lookups.
func (p *Program) indexAffiliates() {
	p.affiliates = make(map[string]*Affiliate, len(p.Affiliates))
	p.coupons = map[string]string{}
	for i := range p.Affiliates {
		p.affiliates[p.Affiliates[i].Code] = &p.Affiliates[i]
	}
	for _, a := range p.Payees() {
		for _, c := range a.Coupons {
			p.coupons[CouponKey(c)] = a.Code
		}
	}
}

// IndexLinks rebuilds the link lookups after Links changed.
func (p *Program) IndexLinks() {
	p.linkByCode = make(map[string]*Link, len(p.Links))
	p.linkByPair = make(map[[2]string]*Link, len(p.Links))
	for i := range p.Links {
		l := &p.Links[i]
		p.linkByCode[l.Code] = l
		p.linkByPair[[2]string{l.Event, l.Affiliate}] = l
	}
}

// Location is the program's time zone.
func (p *Program) Location() *time.Location {
	if p.loc == nil {
		return time.UTC
	}
	return p.loc
}

// Event finds an event by slug.
func (p *Program) Event(slug string) (*Event, bool) { e, ok := p.events[slug]; return e, ok }

// Product finds a product by SKU.
func (p *Program) Product(sku string) (*Product, bool) { e, ok := p.products[sku]; return e, ok }

// Plan finds a plan by id.
func (p *Program) Plan(id string) (*Plan, bool) { e, ok := p.plans[id]; return e, ok }

// Payees are everyone a payout may pay: the affiliates, then the former ones.
func (p *Program) Payees() []Affiliate {
	return append(append(make([]Affiliate, 0, len(p.Affiliates)+len(p.Former)), p.Affiliates...), p.Former...)
}

// Affiliate finds an affiliate by code.
func (p *Program) Affiliate(code string) (*Affiliate, bool) {
	e, ok := p.affiliates[code]
	return e, ok
}

// IsOwner says whether name is one of the program's owners: only they
// may act as owners, whatever keys or sessions they hold.
func (p *Program) IsOwner(name string) bool {
	for _, o := range p.Owners {
		if o.Name == name && name != "" {
			return true
		}
	}
	return false
}

// Payee finds anyone a payout may pay by code: an affiliate, else a former
// one (only the owner's views of what is owed look them up).
func (p *Program) Payee(code string) (a *Affiliate, former bool, ok bool) {
	if a, ok := p.affiliates[code]; ok {
		return a, false, true
	}
	for i := range p.Former {
		if p.Former[i].Code == code {
			return &p.Former[i], true, true
		}
	}
	return nil, false, false
}

// LinkByCode finds a link by its short code.
func (p *Program) LinkByCode(code string) (*Link, bool) { l, ok := p.linkByCode[code]; return l, ok }

// LinkFor finds the link of an (event, affiliate) pair.
func (p *Program) LinkFor(event, affiliate string) (*Link, bool) {
	l, ok := p.linkByPair[[2]string{event, affiliate}]
	return l, ok
}

// Enrolled says whether the affiliate exists and is set up for the event.
func (p *Program) Enrolled(affiliate, event string) bool {
	a, ok := p.affiliates[affiliate]
	return ok && a.EnrolledIn(event)
}

// HoldDays is how long a commission is held before it is payable.
func (p *Program) HoldDays() int {
	if p.Payouts == nil || p.Payouts.HoldDays == nil {
		return DefaultHoldDays
	}
	return *p.Payouts.HoldDays
}

// MinPayoutCents is the least an affiliate is paid at once.
func (p *Program) MinPayoutCents() int64 {
	if p.Payouts == nil {
		return 0
	}
	return p.Payouts.MinPayoutCents
}

// Recurring is how many months after a subscription's first invoice its
// invoices still earn for the subscription's referrer.
func (p *Program) Recurring() int {
	if p.RecurringMonths == nil {
		return DefaultRecurringMonths
	}
	return *p.RecurringMonths
}

// DefaultMaxTagsPerDay is max_tags_per_day when the file has none, and
// MaxMaxTagsPerDay the most it may be (a day's tags are one item, written
// by every tagged click: its size is what such a click costs).
const (
	DefaultMaxTagsPerDay = 50
	MaxMaxTagsPerDay     = 500
)

// TagsPerDay is how many distinct channel tags are counted per affiliate,
// event and day; a click with a further new tag counts under "other".
func (p *Program) TagsPerDay() int {
	if p.MaxTagsPerDay == nil {
		return DefaultMaxTagsPerDay
	}
	return *p.MaxTagsPerDay
}

// CookieWindow is how long a click or opt-in keeps attributing a person.
func (p *Program) CookieWindow() time.Duration {
	return time.Duration(p.CookieDays) * 24 * time.Hour
}
