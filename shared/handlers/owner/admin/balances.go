package admin

import (
	"context"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Balances serves GET /admin/balances?as_of=&page=&earned=: the balances
// of a page of 100 affiliates by code (with earned=1, of those who have
// earned something), and the next page's cursor; the CSV has every one,
// read page by page (SPEC 15).
func Balances(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		asOf, err := instant("as_of", r.QueryStringParameters["as_of"], r.now)
		if err != nil {
			return apigw.Response{}, err
		}
		list, _, err := r.balanceList()
		if err != nil {
			return apigw.Response{}, err
		}
		if r.QueryStringParameters["format"] == "csv" {
			var rows [][]any
			for cursor := ""; ; {
				page, next, err := list(ctx, cursor, PageSize)
				if err != nil {
					return apigw.Response{}, err
				}
				bs, err := paying.PageBalances(ctx, r.st, r.Program, payees(page), asOf, r.now)
				if err != nil {
					return apigw.Response{}, err
				}
				for _, b := range bs {
					rows = append(rows, b.Row())
				}
				if cursor = next; next == "" {
					break
				}
			}
			return r.csv("tally-balances-"+asOf.UTC().Format("2006-01-02")+".csv", paying.BalanceHeader, rows), nil
		}
		bs, _, next, err := r.balancesPage(ctx, list, r.QueryStringParameters["page"], asOf)
		if err != nil {
			return apigw.Response{}, err
		}
		var nx *string
		if next != "" {
			nx = &next
		}
		return r.json(struct {
			AsOf     string                 `json:"as_of"`
			Balances []paying.BalanceAnswer `json:"balances"`
			Next     *string                `json:"next"`
		}{asOf.UTC().Format(time.RFC3339), bs, nx}), nil
	})
}

// lister pages through the affiliates a balances list shows, by code.
type lister func(ctx context.Context, cursor string, limit int) ([]store.Listed, string, error)

// balanceList is whom a list of balances goes through: every affiliate, or
// with ?earned=1 only those who have a ledger (earned: at a launch most
// have earned nothing, and a page of 100 zeros tells the owner nothing).
func (r *request) balanceList() (list lister, earned bool, err error) {
	switch r.QueryStringParameters["earned"] {
	case "":
		return r.st.AffiliatePage, false, nil
	case "1":
		return r.st.EarnerPage, true, nil
	}
	return nil, false, fault.Fields(map[string]string{"earned": "1 lists only the affiliates who have earned something; leave it out for every affiliate"})
}

// balancesPage is the balances at asOf of the page of list after cursor,
// their names, and the next page's cursor ("" on the last): the page's
// affiliates in one Query, never the whole program.
func (r *request) balancesPage(ctx context.Context, list lister, cursor string, asOf time.Time) ([]paying.BalanceAnswer, map[string]string, string, error) {
	page, next, err := list(ctx, cursor, PageSize)
	if err != nil {
		return nil, nil, "", err
	}
	bs, err := paying.PageBalances(ctx, r.st, r.Program, payees(page), asOf, r.now)
	if err != nil {
		return nil, nil, "", err
	}
	names := make(map[string]string, len(page))
	for _, l := range page {
		names[l.Code] = l.Name
	}
	return bs, names, next, nil
}

func payees(page []store.Listed) []paying.Payee {
	out := make([]paying.Payee, len(page))
	for i, l := range page {
		out[i] = paying.Payee(l)
	}
	return out
}
