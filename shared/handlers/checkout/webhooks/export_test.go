package webhooks

import (
	"context"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/attribution"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// Earn is what an order webhook decides and earns, over the rules and the
// affiliates it reads by key.
func Earn(d *app.Deps, ctx context.Context, rules *program.Program, ev attribution.Evidence, o commission.Order) (attribution.Decision, []ledger.Entry, []ledger.Entry, error) {
	return newRecorder(d).earn(ctx, rules, ev, o, nil)
}
