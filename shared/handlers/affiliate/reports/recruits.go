package reports

import (
	"context"
	"html/template"
	"net/url"
	"sort"
	"time"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Recruits serves GET /reports/recruits (SPEC 16): the affiliate's recruit
// link, and the affiliates who joined through it with the overrides they
// brought in the period, net of clawbacks; never their buyers.
func Recruits(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "recruits", title: "Invite affiliates", hasPeriod: true, recruits: true, script: true, answer: recruitsView})
}

// RecruitsReport is GET /reports/recruits's JSON.
type RecruitsReport struct {
	Affiliate   string       `json:"affiliate"`
	RecruitLink string       `json:"recruit_link"`
	From        string       `json:"from"`
	To          string       `json:"to"`
	Recruits    []RecruitRow `json:"recruits"`
}

// RecruitRow is one recruit.
type RecruitRow struct {
	Code           string  `json:"code"`
	Name           string  `json:"name"`
	Joined         *string `json:"joined"` // the program-zone date they joined; null when not known
	OverridesCents int64   `json:"overrides_cents"`
}

// RecruitsPage is the page's data.
type RecruitsPage struct {
	Period     portal.PeriodNav
	Link       string
	QR         template.HTML
	Recruits   []RecruitPageRow
	Total      portal.Money
	OverrideBP string // the plan's rate in words, "" when it pays none
	SignupOpen bool
}

// RecruitPageRow is one recruit on the page.
type RecruitPageRow struct {
	Name, Joined string
	Overrides    portal.Money
}

// RecruitOverrides adds up, by recruit, the overrides and their clawbacks
// among an affiliate's entries.
func RecruitOverrides(es []ledger.Entry) map[string]int64 {
	out := map[string]int64{}
	for _, e := range es {
		if e.Recruit != "" && (e.Type == ledger.TypeOverride || e.Type == ledger.TypeClawback) {
			out[e.Recruit] += e.AmountCents
		}
	}
	return out
}

func recruitsView(ctx context.Context, r Request) (Answer, error) {
	p, me := r.Program, r.Affiliate
	base := p.PublicBaseURL
	if base == "" {
		base = apigw.BaseURL(r.Req)
	}
	link := base + "/join?ref=" + url.QueryEscape(me.Code)
	es, err := r.Store.Entries(ctx, me.Code, r.Period.Start(), r.Period.End())
	if err != nil {
		return Answer{}, err
	}
	sums := RecruitOverrides(es)
	// The view holds the affiliate's recruits, current and former, read
	// by their recruiter's markers (app.Deps.AffiliateView).
	var recruits []program.Affiliate
	for _, a := range p.Payees() {
		if a.RecruitedBy == me.Code {
			recruits = append(recruits, a)
		}
	}
	sort.SliceStable(recruits, func(i, j int) bool { return recruits[i].Joined < recruits[j].Joined }) // RFC 3339 UTC sorts as time
	rep := RecruitsReport{Affiliate: me.Code, RecruitLink: link, From: r.Period.From, To: r.Period.To, Recruits: []RecruitRow{}}
	page := RecruitsPage{Period: periodNav("/reports/recruits", r.Period), Link: link, SignupOpen: len(p.JoinEvents()) > 0}
	if plan, ok := p.Plan(me.Plan); ok && plan.OverrideBP > 0 {
		page.OverrideBP = portal.Percent(plan.OverrideBP)
	}
	var rows [][]any
	var total int64
	for _, a := range recruits {
		row := RecruitRow{Code: a.Code, Name: a.Name, OverridesCents: sums[a.Code]}
		joined := ""
		if at, err := time.Parse(time.RFC3339, a.Joined); err == nil {
			joined = at.In(p.Location()).Format("2006-01-02")
			row.Joined = &joined
		}
		total += row.OverridesCents
		rep.Recruits = append(rep.Recruits, row)
		rows = append(rows, []any{row.Code, row.Name, joined, row.OverridesCents})
		page.Recruits = append(page.Recruits, RecruitPageRow{Name: a.Name, Joined: joined, Overrides: amount(row.OverridesCents, p.Currency)})
	}
	page.Total = portal.Money{Text: money.Format(total, p.Currency), Neg: total < 0}
	qr, err := portal.QRSVG(link, "QR code of your recruit link")
	if err != nil {
		return Answer{}, err
	}
	page.QR = qr
	return Answer{JSON: rep, Header: []string{"code", "name", "joined", "overrides_cents"}, Rows: rows, Title: "Invite affiliates", Page: page}, nil
}
