package admin

import (
	"context"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Balances serves GET /admin/balances?as_of=&page=: the balances of a page
// of 100 affiliates by code, and the next page's cursor; the CSV has every
// affiliate, read page by page (SPEC 15).
func Balances(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		asOf, err := instant("as_of", r.QueryStringParameters["as_of"], r.now)
		if err != nil {
			return apigw.Response{}, err
		}
		if r.QueryStringParameters["format"] == "csv" {
			var rows [][]any
			err := r.st.EachAffiliatePage(ctx, PageSize, func(page []store.Listed) error {
				bs, err := paying.PageBalances(ctx, r.st, r.Program, payees(page), asOf, r.now)
				if err != nil {
					return err
				}
				for _, b := range bs {
					rows = append(rows, b.Row())
				}
				return nil
			})
			if err != nil {
				return apigw.Response{}, err
			}
			return r.csv("tally-balances-"+asOf.UTC().Format("2006-01-02")+".csv", paying.BalanceHeader, rows), nil
		}
		bs, _, next, err := r.balancesPage(ctx, r.QueryStringParameters["page"], asOf)
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

// balancesPage is the balances at asOf of the page of affiliates after
// cursor, their names, and the next page's cursor ("" on the last): the
// page's affiliates in one Query, never the whole program.
func (r *request) balancesPage(ctx context.Context, cursor string, asOf time.Time) ([]paying.BalanceAnswer, map[string]string, string, error) {
	page, next, err := r.st.AffiliatePage(ctx, cursor, PageSize)
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
