// Package boards keeps leaderboards (SPEC 17): a stream consumer folds each
// order and refund into its referrer's row on the board of the event they
// came in on, idempotently, and a job run each minute ranks the rows of
// every board that changed and stores the standings as a snapshot that the
// views read in two requests.
package boards

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/standings"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
	"github.com/tallyhq/tally/shared/handlers/background/summaries"
)

// Rules is where the program's rules are read (the rules cache): events,
// boards and contests, without the affiliates (SPEC 15).
type Rules interface {
	Get(ctx context.Context) (*program.Program, error)
}

// Folder folds orders into board rows: a record names its referrer, and
// the rules say which boards count it; no affiliate is read.
type Folder struct {
	Store *store.Store
	Rules Rules
	Log   *slog.Logger
}

// Stream is the function that keeps board rows, and the owner's summaries
// (package summaries), from the table's stream: one consumer for both, as
// DynamoDB advises at most two per shard and the stream has three.
func Stream(d *app.Deps) notify.StreamFunction {
	f := &Folder{Store: d.Store, Rules: d.Rules, Log: d.Log}
	s := &summaries.Folder{Store: d.Store, Rules: d.Rules, Affiliates: d.Affiliates, Log: d.Log, Now: d.Now}
	return notify.Lambda(Both(f.Handle, s.Handle))
}

// Both runs two consumers on a batch: the second on what the first did, so
// a batch resumes where either stopped (both count a record once however
// often it comes).
func Both(first, second func(context.Context, []store.Change) (string, error)) func(context.Context, []store.Change) (string, error) {
	return func(ctx context.Context, cs []store.Change) (string, error) {
		failed, err := first(ctx, cs)
		done := cs
		if err != nil {
			for i, c := range cs {
				if c.Sequence == failed {
					done = cs[:i]
					break
				}
			}
		}
		if f2, err2 := second(ctx, done); err2 != nil {
			return f2, err2
		}
		return failed, err
	}
}

// Handle folds a batch in order: each order (and each refund of it, as a
// new version of its record) on its link event's leaderboard and on every
// contest of that event whose window holds it; each opt-in on the
// contests. On failure it names the first change not done, so the rest is
// delivered again. A change delivered again is counted once: a board keeps
// each order's last counted version.
func (f *Folder) Handle(ctx context.Context, cs []store.Change) (string, error) {
	var p *program.Program
	for _, c := range cs {
		t, optIn := c.Txn, false
		if t == nil {
			t, optIn = c.OptIn, true
		}
		if t == nil || (t.Kind != "order" && t.Kind != "optin") || t.Referrer == "" || t.LinkEvent == "" {
			continue
		}
		if p == nil {
			var err error
			if p, err = f.Rules.Get(ctx); err != nil {
				return c.Sequence, err
			}
		}
		ev, ok := p.Event(t.LinkEvent)
		if !ok || (!ev.Leaderboard && len(ev.Contests) == 0) {
			continue
		}
		if err := f.fold(ctx, p, ev, c.Key.PK, t, optIn); err != nil {
			f.Log.Error("board", "record", c.Key.PK, "err", err.Error())
			return c.Sequence, err
		}
	}
	return "", nil
}

// fold counts one order or opt-in record on the boards it belongs to.
func (f *Folder) fold(ctx context.Context, p *program.Program, ev *program.Event, pk string, t *store.Txn, optIn bool) error {
	loc := p.Location()
	id := strings.TrimPrefix(pk, "TXN#")
	c, at := standings.Contribution{OptIns: 1}, t.OccurredAt
	var hold time.Time
	if optIn {
		id = "optin:" + strings.TrimPrefix(pk, "OPTIN#")
	} else {
		net, refunded := commission.NetRevenue(commission.SoldOrder{Paid: t.PaidCents, Refunded: t.RefundedCents, Rule: t.RefundRule, Lines: t.Lines})
		c = standings.Of(net, refunded)
		if t.RefundedAt != nil {
			at = *t.RefundedAt
		}
		for _, l := range t.Lines {
			for _, e := range l.Earned {
				if e.AvailableOn.After(hold) {
					hold = e.AvailableOn
				}
			}
		}
	}
	version := max(t.Version, 1)
	if ev.Leaderboard && !optIn {
		if w := standings.LeaderboardWindow(ev, t.OccurredAt, loc); w.Contains(t.OccurredAt, loc) {
			if _, err := f.Store.ApplyToBoard(ctx, standings.Board(ev.Slug, w), t.Referrer, id, version, c, at); err != nil {
				return err
			}
		}
	}
	for i := range ev.Contests {
		k := &ev.Contests[i]
		if !standings.ContestWindow(k).Contains(t.OccurredAt, loc) {
			continue
		}
		board := standings.ContestBoard(ev.Slug, k.ID)
		// The hold first: raised before the order counts, so a contest is
		// never final while a commission it counted is still held.
		if !hold.IsZero() {
			if err := f.Store.RaiseHold(ctx, board, hold); err != nil {
				return err
			}
		}
		if _, err := f.Store.ApplyToBoard(ctx, board, t.Referrer, id, version, c, at); err != nil {
			return err
		}
	}
	return nil
}

// Job computes snapshots over the rules; the affiliates who show their
// name on a board are read by key (Affiliates), no other.
type Job struct {
	Store      *store.Store
	Rules      Rules
	Affiliates *program.Known
	Log        *slog.Logger
	Now        func() time.Time
}

// Snapshot is the function the schedule runs each minute.
func Snapshot(d *app.Deps) func(ctx context.Context, in notify.DigestInput) error {
	j := &Job{Store: d.Store, Rules: d.Rules, Affiliates: d.Affiliates, Log: d.Log, Now: d.Now}
	s := &summaries.Folder{Store: d.Store, Rules: d.Rules, Affiliates: d.Affiliates, Log: d.Log, Now: d.Now}
	return func(ctx context.Context, _ notify.DigestInput) error {
		// The month's zero rows first: the boards' errors must not keep
		// an affiliate without activity off the owner's list.
		if err := s.EnsureMonth(ctx); err != nil {
			j.Log.Error("summary rows of the month", "err", err.Error())
		}
		return j.Run(ctx)
	}
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
	p, err := j.Rules.Get(ctx)
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
			if err := j.Board(ctx, p, ev, standings.Board(ev.Slug, w), program.MetricNetRevenue, now); err != nil {
				j.Log.Error("board snapshot", "event", ev.Slug, "err", err.Error())
				if first == nil {
					first = err
				}
			}
		}
	}
	for i := range p.Events {
		ev, _ := p.Event(p.Events[i].Slug)
		for k := range ev.Contests {
			if err := j.Contest(ctx, p, ev, &ev.Contests[k], now); err != nil {
				j.Log.Error("contest snapshot", "event", ev.Slug, "contest", ev.Contests[k].ID, "err", err.Error())
				if first == nil {
					first = err
				}
			}
		}
	}
	return first
}

// Contest draws a live or provisional contest's standings when they
// changed, and stores them as final, once, when the hold of every
// commission they counted is over.
func (j *Job) Contest(ctx context.Context, p *program.Program, ev *program.Event, c *program.Contest, now time.Time) error {
	board := standings.ContestBoard(ev.Slug, c.ID)
	head, err := j.Store.Head(ctx, board)
	if err != nil {
		return err
	}
	switch standings.Status(standings.ContestWindow(c), p.Location(), now, head.HoldUntil) {
	case standings.Upcoming:
		return nil
	case standings.Final:
		final, _, err := j.Store.BoardFinal(ctx, board, "")
		if err != nil || final != nil {
			return err // final standings never change
		}
		entries, err := j.entries(ctx, p, ev, board, c.Metric)
		if err != nil {
			return err
		}
		changes := head.Changes
		snap := store.BoardSnapshot{Board: board, AsOf: now.UTC(), Changes: changes, Count: len(entries), Top: entries[:min(TopPlaces, len(entries))]}
		if _, err := j.Store.PutFinal(ctx, snap, entries); err != nil {
			return err
		}
		j.Log.Info("contest final", "event", ev.Slug, "contest", c.ID, "entrants", len(entries))
		return nil
	}
	return j.Board(ctx, p, ev, board, c.Metric, now)
}

// Board draws one board's snapshot, ranked by metric, when it changed
// since the last one.
func (j *Job) Board(ctx context.Context, p *program.Program, ev *program.Event, board, metric string, now time.Time) error {
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
	entries, err := j.entries(ctx, p, ev, board, metric)
	if err != nil {
		return err
	}
	snap := store.BoardSnapshot{Board: board, AsOf: now.UTC(), Changes: changes, Count: len(entries), Top: entries[:min(TopPlaces, len(entries))]}
	return j.Store.PutBoardSnapshot(ctx, snap, entries)
}

// entries ranks a board's rows by metric into places, each under the name
// its affiliate chose for the event (numbering newcomers). The caller read
// the board's change count before, so a change made meanwhile draws the
// board again.
func (j *Job) entries(ctx context.Context, p *program.Program, ev *program.Event, board, metric string) ([]store.BoardEntry, error) {
	rows, err := j.Store.BoardRows(ctx, board)
	if err != nil {
		return nil, err
	}
	ranked := standings.RankBy(rows, metric)
	aliases, err := j.Store.BoardAliases(ctx, ev.Slug)
	if err != nil {
		return nil, err
	}
	var unnamed []string
	for _, s := range ranked {
		if aliases[s.Affiliate].N == 0 {
			unnamed = append(unnamed, s.Affiliate)
		}
	}
	given, err := j.Store.GiveAliases(ctx, ev.Slug, unnamed)
	if err != nil {
		return nil, err
	}
	if len(given) < len(unnamed) { // another run numbered some first
		if aliases, err = j.Store.BoardAliases(ctx, ev.Slug); err != nil {
			return nil, err
		}
	}
	for a, n := range given {
		al := aliases[a]
		al.N = n
		aliases[a] = al
	}
	// Only who chose to show their name is read, by key: the others go
	// by their alias.
	var shown []string
	for _, s := range ranked {
		if aliases[s.Affiliate].Show {
			shown = append(shown, s.Affiliate)
		}
	}
	names, err := j.names(ctx, shown)
	if err != nil {
		return nil, err
	}
	entries := make([]store.BoardEntry, len(ranked))
	for i, s := range ranked {
		al := aliases[s.Affiliate]
		e := store.BoardEntry{Affiliate: s.Affiliate, Rank: s.Rank, Net: s.Net, Orders: s.Orders, OptIns: s.OptIns, Value: s.Value, Gap: s.Gap, Alias: standings.Alias(al.N)}
		e.Name = e.Alias
		if n, ok := names[s.Affiliate]; ok {
			e.Name = n
		}
		entries[i] = e
	}
	return entries, nil
}

// names are the names of the current affiliates of codes, each read by
// key (kept for the cache period), a few at once.
func (j *Job) names(ctx context.Context, codes []string) (map[string]string, error) {
	got := make([]*program.Affiliate, len(codes))
	err := store.EachParallel(len(codes), 8, func(i int) error {
		a, _, err := j.Affiliates.Affiliate(ctx, codes[i])
		got[i] = a
		return err
	})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(codes))
	for i, a := range got {
		if a != nil {
			names[codes[i]] = a.Name
		}
	}
	return names, nil
}
