package admin

import (
	"context"
	"time"

	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// buildingOnes are the payouts still being built, newest first, as the
// owner's list shows them; one whose record is already among made (its
// build not yet deleted) is shown as made only.
func buildingOnes(ctx context.Context, r *request, made []payout.Payout) ([]paying.Shown, error) {
	bs, err := r.st.ListBuilds(ctx)
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	for _, p := range made {
		done[p.ID] = true
	}
	out := []paying.Shown{}
	for _, b := range bs {
		if !done[b.ID] {
			out = append(out, paying.BuildingAnswer(b))
		}
	}
	return out, nil
}

// BuildingPage is GET /admin/payouts/{id} of a payout still being built:
// its progress, on a page that reloads itself until it is made.
type BuildingPage struct {
	ID, Made, Started, UpdatedAt string
	AffiliatesDone               int
	// Stalled: no progress for a while; the page offers to continue it
	// (the same key again, as the form that started it sent).
	Stalled              bool
	IdempotencyKey, CSRF string
}

// stalledAfter is how long without progress before the page offers to
// continue a payout by hand (the worker records a step every few seconds).
const stalledAfter = 5 * time.Minute

func buildingPage(r *request, b payout.Build) (apigw.Response, error) {
	pg := BuildingPage{ID: b.ID, Made: r.when(b.AsOf), Started: r.when(b.Started), UpdatedAt: r.when(b.UpdatedAt), AffiliatesDone: b.Affiliates,
		Stalled: r.now.Sub(b.UpdatedAt) > stalledAfter, IdempotencyKey: b.Key, CSRF: r.Token}
	return r.page("admin-payout-building", "Payout being made", "payouts", pg)
}
