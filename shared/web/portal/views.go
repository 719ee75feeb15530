package portal

import "html/template"

// The view models of the report pages: numbers already formatted in the
// program's currency and dates in its time zone, so templates only lay out.

// PeriodNav is the period picker: the month shown, previous/next, CSV.
type PeriodNav struct {
	Label   string // "November 2026" or "2026-11-03 – 2026-11-20"
	Month   string // YYYY-MM for the month input ("" for a custom span)
	Path    string // the view's path
	PrevURL string
	NextURL string
	CSVURL  string
}

// Pager moves through a list shown 100 a page: the first page's URL (""
// on the first) and the next's ("" on the last); Label names the pages.
type Pager struct {
	Label, FirstURL, NextURL string
}

// Money is a formatted amount; Neg marks it for styling.
type Money struct {
	Text string
	Neg  bool
}

// LedgerView is My Ledger.
type LedgerView struct {
	Period                              PeriodNav
	Earned, Clawbacks, Adjustments, Net Money
	Entries                             []LedgerRow
}

// LedgerRow is one entry, explained.
type LedgerRow struct {
	When    string
	Why     string
	Order   string
	Amount  Money
	State   string
	Payable string // when it becomes payable
}

// LinkStatsView is Link Tracking Stats.
type LinkStatsView struct {
	Period PeriodNav
	Rows   []StatRow
	Total  StatRow
	Charts []Chart
	// Subs are the rows per channel tag, when asked for (by=sub) and any
	// visit came with one; SubsURL is this page asking for them.
	Subs    []SubStatRow
	SubsCSV string
	SubsURL string
	BySub   bool
	// Coupons are the rows per coupon code, when asked for (by=coupon);
	// HasCoupons says whether the affiliate holds any, and CouponsURL is
	// this page asking for them.
	Coupons    []CouponStatRow
	CouponsCSV string
	CouponsURL string
	ByCoupon   bool
	HasCoupons bool
}

// CouponStatRow is the orders one coupon code referred.
type CouponStatRow struct {
	Code    string
	Orders  int64
	Revenue Money
}

// SubStatRow is one event's counts from one channel tag ("" untagged).
type SubStatRow struct {
	Event, Tag           string
	Hits, OptIns, Orders int64
	Revenue              Money
}

// StatRow is one event's counts.
type StatRow struct {
	Event                string
	Hits, OptIns, Orders int64
	Revenue              Money
}

// ProductsView is Products Sold.
type ProductsView struct {
	Period PeriodNav
	Rows   []ProductRow
}

// ProductRow is one SKU and role.
type ProductRow struct {
	Product, Event, Role string
	Quantity             int64
	Revenue, Commission  Money
	RefundedQuantity     int64
	Refunded             Money
}

// CommissionView is My Commission Structure.
type CommissionView struct {
	Plan     string
	Rates    []RateRow
	Speaker  string
	Products []CommissionRow
}

// RateRow is a plan rate.
type RateRow struct{ What, Rate string }

// CommissionRow is what one product earns the affiliate.
type CommissionRow struct {
	Product, Event, Kind, Role, Rate string
	Price, Commission                Money
}

// LinksView is the Link Generator.
type LinksView struct {
	Links []LinkCard
	// Coupons are the affiliate's own coupon codes.
	Coupons []string
}

// LinkCard is one event's links.
type LinkCard struct {
	Event, URL, ShortURL, Destination string
	QR                                template.HTML
	// The link builder (SPEC section 13): the event's slug for the form,
	// the pages a link may lead to, where it leads later, and what the
	// form built.
	Slug         string
	AllowedPaths []string
	Upcoming     []PhaseLine
	Built        *Built
}

// PhaseLine is a phase still to come: from a date the link leads to URL.
type PhaseLine struct{ From, URL string }

// Built is a tagged or deep link the Link Generator made.
type Built struct {
	Sub, To                             string // as typed
	Tag                                 string // as counted
	URL, ShortURL, Destination, Problem string
	QR                                  template.HTML
}

// PayoutsView is My Payouts: the balance by state, why nothing is payable
// yet (when it is not), and the payouts made.
type PayoutsView struct {
	Held, Available, InPayout, Paid, Minimum Money
	Payable                                  bool
	Reason                                   string
	NextDate                                 string
	NextAmount                               Money
	HoldDays                                 int
	Payouts                                  []PayoutRow
}

// PayoutRow is one payout of the affiliate.
type PayoutRow struct {
	Status    string
	Amount    Money
	Period    string
	PaidOn    string
	Reference string
}

// ResourcesView is Resources: ready-made texts and images, filled in.
type ResourcesView struct {
	Resources    []ResourceCard
	ImageOrigins []string // the sites its images come from
}

// ImageSources lets the page's policy load the resources' images.
func (v ResourcesView) ImageSources() []string { return v.ImageOrigins }

// ResourceCard is one resource.
type ResourceCard struct {
	ID, Event, Kind, Title, Subject, Body, ImageURL string
}
