// Package boards keeps leaderboards (SPEC 17): a stream consumer folds each
// order and refund into its referrer's row on the board of the event they
// came in on, idempotently, and a job run each minute ranks the rows of
// every board that changed and stores the standings as a snapshot that the
// views read in two requests.
package boards

import (
	"context"
	"log/slog"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/standings"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
)

// Programs is where the program is read (the program cache).
type Programs interface {
	Get(ctx context.Context) (*program.Program, error)
}

// Folder folds orders into board rows.
type Folder struct {
	Store    *store.Store
	Programs Programs
	Log      *slog.Logger
}

// Stream is the function that keeps board rows from the table's stream.
func Stream(d *app.Deps) notify.StreamFunction {
	f := &Folder{Store: d.Store, Programs: d.Programs, Log: d.Log}
	return notify.Lambda(f.Handle)
}

// Handle folds a batch of changes in order; on failure it names the first
// change not done, so the rest is delivered again. A change delivered again
// is counted once: the board keeps each order's last counted version.
func (f *Folder) Handle(ctx context.Context, cs []store.Change) (string, error) {
	var p *program.Program
	for _, c := range cs {
		t := c.Txn
		if t == nil || t.Kind != "order" || t.Referrer == "" || t.LinkEvent == "" {
			continue
		}
		if p == nil {
			var err error
			if p, err = f.Programs.Get(ctx); err != nil {
				return c.Sequence, err
			}
		}
		ev, ok := p.Event(t.LinkEvent)
		if !ok || !ev.Leaderboard {
			continue
		}
		w := standings.LeaderboardWindow(ev, t.OccurredAt, p.Location())
		if !w.Contains(t.OccurredAt, p.Location()) {
			continue // a fixed window that does not hold the order
		}
		net, refunded := commission.NetRevenue(commission.SoldOrder{Paid: t.PaidCents, Refunded: t.RefundedCents, Rule: t.RefundRule, Lines: t.Lines})
		at := t.OccurredAt
		if t.RefundedAt != nil {
			at = *t.RefundedAt
		}
		orderID := c.Key.PK[len("TXN#"):]
		if _, err := f.Store.ApplyToBoard(ctx, standings.Board(ev.Slug, w), t.Referrer, orderID, t.Version, standings.Of(net, refunded), at); err != nil {
			f.Log.Error("board", "order_id", orderID, "err", err.Error())
			return c.Sequence, err
		}
	}
	return "", nil
}

// Job computes snapshots.
type Job struct {
	Store    *store.Store
	Programs Programs
	Log      *slog.Logger
	Now      func() time.Time
}

// Snapshot is the function the schedule runs each minute.
func Snapshot(d *app.Deps) func(ctx context.Context, in notify.DigestInput) error {
	j := &Job{Store: d.Store, Programs: d.Programs, Log: d.Log, Now: d.Now}
	return func(ctx context.Context, _ notify.DigestInput) error { return j.Run(ctx) }
}

// TopPlaces is how many places every enrolled affiliate sees.
const TopPlaces = 20

// refresh is how old a snapshot of a board without changes may grow
// before it is drawn again (names and aliases change without orders).
const refresh = time.Hour

// Run snapshots every board that changed since its snapshot: each event's
// current window, and for a monthly board the month before (orders that
// arrive late still count in their month).
func (j *Job) Run(ctx context.Context) error {
	p, err := j.Programs.Get(ctx)
	if err != nil {
		return err
	}
	now := j.Now()
	var first error
	for i := range p.Events {
		ev, _ := p.Event(p.Events[i].Slug)
		if !ev.Leaderboard {
			continue
		}
		ws := []standings.Window{standings.LeaderboardWindow(ev, now, p.Location())}
		if ev.LeaderboardFrom == "" {
			start, _ := time.ParseInLocation(time.DateOnly, ws[0].From, p.Location())
			ws = append(ws, standings.LeaderboardWindow(ev, start.Add(-time.Hour), p.Location()))
		}
		for _, w := range ws {
			if err := j.Board(ctx, p, ev, standings.Board(ev.Slug, w), now); err != nil {
				j.Log.Error("board snapshot", "event", ev.Slug, "err", err.Error())
				if first == nil {
					first = err
				}
			}
		}
	}
	return first
}

// Board draws one board's snapshot when it changed since the last one.
func (j *Job) Board(ctx context.Context, p *program.Program, ev *program.Event, board string, now time.Time) error {
	changes, err := j.Store.BoardChanges(ctx, board)
	if err != nil || changes == 0 {
		return err
	}
	last, _, err := j.Store.BoardTop(ctx, board, "")
	if err != nil {
		return err
	}
	if last != nil && last.Changes == changes && now.Sub(last.AsOf) < refresh {
		return nil
	}
	rows, err := j.Store.BoardRows(ctx, board)
	if err != nil {
		return err
	}
	ranked := standings.Rank(rows)
	aliases, err := j.Store.BoardAliases(ctx, ev.Slug)
	if err != nil {
		return err
	}
	var unnamed []string
	for _, s := range ranked {
		if aliases[s.Affiliate].N == 0 {
			unnamed = append(unnamed, s.Affiliate)
		}
	}
	given, err := j.Store.GiveAliases(ctx, ev.Slug, unnamed)
	if err != nil {
		return err
	}
	if len(given) < len(unnamed) { // another run numbered some first
		if aliases, err = j.Store.BoardAliases(ctx, ev.Slug); err != nil {
			return err
		}
	}
	for a, n := range given {
		al := aliases[a]
		al.N = n
		aliases[a] = al
	}
	entries := make([]store.BoardEntry, len(ranked))
	for i, s := range ranked {
		al := aliases[s.Affiliate]
		e := store.BoardEntry{Affiliate: s.Affiliate, Rank: s.Rank, Net: s.Net, Orders: s.Orders, Gap: s.Gap, Alias: standings.Alias(al.N)}
		e.Name = e.Alias
		if a, ok := p.Affiliate(s.Affiliate); ok && al.Show {
			e.Name = a.Name
		}
		entries[i] = e
	}
	snap := store.BoardSnapshot{Board: board, AsOf: now.UTC(), Changes: changes, Count: len(entries), Top: entries[:min(TopPlaces, len(entries))]}
	return j.Store.PutBoardSnapshot(ctx, snap, entries)
}
