// Package summaries keeps the owner's summaries (SPEC 15) from the table's
// stream: each counter change and each new ledger entry adds to its
// affiliate's month and all-time rows and to the program's daily totals,
// exactly once (the store checkpoints each source partition in the same
// transaction); an affiliate added gets its rows, a renamed one its name on
// them; and once a month every affiliate gets a zero row, so one without
// activity is still listed. It runs inside the board stream function:
// the table's stream already has three consumers.
package summaries

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/rollup"
)

// Rules is where the program's rules are read (the rules cache): its zone,
// without the affiliates (SPEC 15).
type Rules interface {
	Get(ctx context.Context) (*program.Program, error)
}

// Folder folds stream records into the summaries, over the rules and the
// affiliates the records name, each read by key from Affiliates.
type Folder struct {
	Store      *store.Store
	Rules      Rules
	Affiliates *program.Known
	Log        *slog.Logger
	Now        func() time.Time
}

// source is one partition's records in the batch, and where its first
// one is.
type source struct {
	first int
	recs  []rollup.Record
}

// Handle folds a batch. On failure it names the first change not surely
// done; what was done after it is skipped when delivered again.
func (f *Folder) Handle(ctx context.Context, cs []store.Change) (string, error) {
	var p *program.Program
	prog := func() (*program.Program, error) {
		if p != nil {
			return p, nil
		}
		var err error
		p, err = f.Rules.Get(ctx)
		return p, err
	}
	sources := map[string]*source{}
	var order []string
	failed, fail := -1, error(nil)
	note := func(i int, err error) {
		if failed < 0 || i < failed {
			failed, fail = i, err
		}
	}
	for i, c := range cs {
		var r rollup.Record
		switch {
		case c.Stat != nil:
			var ok bool
			if r, ok = rollup.FromStat(c.Key.PK, c.Sequence, c.Stat.Affiliate, c.Stat.Date, c.Stat.Event, stat(c.Stat.Old), stat(c.Stat.New)); !ok {
				continue
			}
		case c.Entry != nil && c.Op == "INSERT": // entries are append-only: a MODIFY is a claim
			pp, err := prog()
			if err != nil {
				return c.Sequence, err
			}
			r = rollup.FromEntry(c.Key.PK, c.Sequence, period.Date(c.Entry.At, pp.Location()), *c.Entry)
		case c.Affiliate != nil && c.Affiliate.Image != nil:
			if err := f.affiliate(ctx, prog, c); err != nil {
				note(i, err)
			}
			continue
		default:
			continue
		}
		s := sources[r.Source]
		if s == nil {
			s = &source{first: i}
			sources[r.Source] = s
			order = append(order, r.Source)
		}
		s.recs = append(s.recs, r)
	}
	if len(sources) > 0 {
		pp, err := f.named(ctx, prog, sources)
		if err != nil {
			return cs[sources[order[0]].first].Sequence, err
		}
		names := func(code string) string {
			if a, _, ok := pp.Payee(code); ok {
				return a.Name
			}
			return ""
		}
		// Sources apart at once: each has its own checkpoint, and two
		// touching one row or total conflict and are tried again.
		var mu sync.Mutex
		_ = store.EachParallel(len(order), 4, func(i int) error {
			s := sources[order[i]]
			if err := f.Store.ApplySummaries(ctx, order[i], s.recs, names); err != nil {
				f.Log.Error("summaries", "source", order[i], "err", err.Error())
				mu.Lock()
				note(s.first, err)
				mu.Unlock()
			}
			return nil
		})
	}
	if failed >= 0 {
		return cs[failed].Sequence, fail
	}
	return "", nil
}

// named is the rules with the affiliates (current or former) the records
// of sources name, each read by key: their names go on their rows.
func (f *Folder) named(ctx context.Context, prog func() (*program.Program, error), sources map[string]*source) (*program.Program, error) {
	rules, err := prog()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var codes []string
	for _, s := range sources {
		for _, r := range s.recs {
			if r.Affiliate != "" && !seen[r.Affiliate] {
				seen[r.Affiliate] = true
				codes = append(codes, r.Affiliate)
			}
		}
	}
	// A few at once into the cache, then gathered from it.
	if err := store.EachParallel(len(codes), 8, func(i int) error {
		_, _, err := f.Affiliates.Payee(ctx, codes[i])
		return err
	}); err != nil {
		return nil, err
	}
	r := program.NewRoster(rules, f.Affiliates)
	if err := r.AddPayees(ctx, codes...); err != nil {
		return nil, err
	}
	return r.Program(), nil
}

// affiliate gives a new affiliate its rows for this month and all time,
// a renamed one its name on every row it has, and sets what the owner's
// list shows of them (email, events, active, former) on the all-time row.
func (f *Folder) affiliate(ctx context.Context, prog func() (*program.Program, error), c store.Change) error {
	a := c.Affiliate
	switch {
	case c.Op == "INSERT":
		p, err := prog()
		if err != nil {
			return err
		}
		month := period.Date(f.now(), p.Location())[:7]
		if err := f.Store.EnsureSummaryRows(ctx, month, []store.SummaryName{{Code: a.Code, Name: a.New}}); err != nil {
			return err
		}
	case a.New != a.Old:
		if err := f.Store.RenameInSummaries(ctx, a.Code, a.New); err != nil {
			return err
		}
	}
	return f.Store.SetSummaryProfile(ctx, a.Code, store.ProfileOf(*a.Image, a.Former))
}

func (f *Folder) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

func stat(d store.StatDelta) rollup.StatCounts {
	return rollup.StatCounts{Hits: d.Hits, OptIns: d.OptIns, Orders: d.Orders, RevenueCents: d.RevenueCents}
}

// MonthPage is how many affiliates EnsureMonth reads and writes at once.
const MonthPage = 200

// EnsureMonth gives every current affiliate a row for the current month,
// once a month (the scheduled job calls it each minute: one GetItem when
// done). It goes through every affiliate, so it reads them a page at a
// time (store.EachAffiliatePage), never the whole program at once; a run
// that stops part way is done again whole (the rows' writes are
// idempotent) and the month is marked only at the end.
func (f *Folder) EnsureMonth(ctx context.Context) error {
	p, err := f.Rules.Get(ctx)
	if err != nil {
		return err
	}
	now := f.now()
	month := period.Date(now, p.Location())[:7]
	if ready, err := f.Store.SummaryMonthReady(ctx, month); err != nil || ready {
		return err
	}
	n := 0
	err = f.Store.EachAffiliatePage(ctx, MonthPage, func(page []store.Listed) error {
		as := make([]store.SummaryName, 0, len(page))
		for _, a := range page {
			if !a.Former {
				as = append(as, store.SummaryName{Code: a.Code, Name: a.Name})
			}
		}
		n += len(as)
		return f.Store.EnsureSummaryRows(ctx, month, as)
	})
	if err != nil {
		return err
	}
	f.Log.Info("summary rows of the month", "month", month, "affiliates", n)
	return f.Store.MarkSummaryMonth(ctx, month, now)
}
