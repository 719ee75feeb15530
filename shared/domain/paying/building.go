package paying

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/domain/program"
)

// PageSize is how many affiliates a payout takes between two records of
// its progress: a build stopped half-way redoes at most this many, each
// found already decided.
const PageSize = 100

// Started is what starting or continuing a payout came to: its record
// (Created when this call wrote it), or, while affiliates remain, its
// build as it stands. Moved: a newer run of the build took over.
type Started struct {
	Payout  *payout.Payout
	Created bool
	Build   *payout.Build
	Moved   bool
}

// Start makes a payout for every affiliate with enough payable at asOf,
// under an idempotency key: the same key and body answer the same payout
// (Created is false), the same key with another body is 409, and a key
// that made nothing may be used again. The affiliates are taken a page at
// a time in the order of their codes (SPEC 15: nothing reads them all at
// once), and the progress is recorded after each page; when stop says so
// between pages, Start answers the build, which the same key continues
// (here or in the background, see Continue). p is read for its rules only.
func (s *Service) Start(ctx context.Context, p *program.Program, key, bodyHash string, asOf time.Time, stop func() bool) (Started, error) {
	idem, err := s.idempotency(ctx, key, bodyHash, asOf)
	if err != nil {
		return Started{}, err
	}
	if idem.Hash != bodyHash {
		return Started{}, fault.New(fault.Conflict, "id_conflict", "this Idempotency-Key was used with another body")
	}
	// A key is finished when its payout's record exists: the record is
	// written last, once every item is claimed.
	if got, err := s.Store.GetPayout(ctx, idem.PayoutID); err != nil || got != nil {
		return Started{Payout: got}, err
	}
	now := s.Now().UTC()
	b, err := s.Store.StartBuild(ctx, payout.Build{ID: idem.PayoutID, Key: key, AsOf: idem.AsOf, Currency: p.Currency, Started: now, UpdatedAt: now})
	if err != nil {
		return Started{}, err
	}
	return s.build(ctx, p, b, stop, false)
}

// Continue goes on with a build in the background from where it stands,
// as run (a message of an older run is dropped: Moved). nothing_payable is
// an answer, as from Start.
func (s *Service) Continue(ctx context.Context, p *program.Program, id string, run int64, stop func() bool) (Started, error) {
	b, err := s.Store.GetBuild(ctx, id)
	if err != nil {
		return Started{}, err
	}
	if b == nil { // finished (or never started)
		got, err := s.Store.GetPayout(ctx, id)
		return Started{Payout: got, Moved: got == nil}, err
	}
	if b.Run != run {
		return Started{Build: b, Moved: true}, nil
	}
	return s.build(ctx, p, *b, stop, true)
}

// build takes the affiliates from b's cursor on, page by page, recording
// each step on condition of the one before; after the last page it writes
// the payout. A step that finds the build moved by another run goes on
// from where that one stands, or (own, a worker of one run) stops.
// Requests and workers of the same payout may take the same page at once:
// each affiliate's item is decided once, whoever comes first.
func (s *Service) build(ctx context.Context, p *program.Program, b payout.Build, stop func() bool, own bool) (Started, error) {
	for {
		size := s.PageSize
		if size <= 0 {
			size = PageSize
		}
		page, next, err := s.Store.PayeePage(ctx, b.Cursor, size)
		if err != nil {
			return Started{}, err
		}
		if err := eachAffiliate(ctx, page, func(ctx context.Context, i int) error {
			return s.take(ctx, p, b.ID, &page[i], b.AsOf)
		}); err != nil {
			return Started{}, err
		}
		if next == "" {
			return s.finish(ctx, b)
		}
		prev := b.Pages
		b.Cursor, b.Pages, b.Affiliates, b.UpdatedAt = next, b.Pages+1, b.Affiliates+len(page), s.Now().UTC()
		switch err := s.Store.SaveBuildProgress(ctx, b, prev); {
		case errors.Is(err, fault.ErrConflict):
			cur, err := s.Store.GetBuild(ctx, b.ID)
			if err != nil {
				return Started{}, err
			}
			if cur == nil { // another run wrote the payout (or found nothing payable)
				got, err := s.Store.GetPayout(ctx, b.ID)
				if err == nil && got == nil {
					err = nothingPayable(b.AsOf)
				}
				return Started{Payout: got}, err
			}
			if own && cur.Run != b.Run {
				s.Log.Info("payout build taken up by a newer run; this one stops", "payout", b.ID, "run", b.Run)
				return Started{Build: cur, Moved: true}, nil
			}
			b = *cur
		case err != nil:
			return Started{}, err
		}
		if stop != nil && stop() {
			return Started{Build: &b}, nil
		}
	}
}

// finish writes the payout once every affiliate is done: its total is
// the sum of its ready items. An item still claiming (its request
// stopped between batches) is completed first, never counted half-taken.
func (s *Service) finish(ctx context.Context, b payout.Build) (Started, error) {
	items, err := s.Store.PayoutItems(ctx, b.ID)
	if err != nil {
		return Started{}, err
	}
	resumed := false
	for _, it := range items {
		if it.State == payout.ItemClaiming {
			if err := s.resume(ctx, it); err != nil {
				return Started{}, err
			}
			resumed = true
		}
	}
	if resumed {
		if items, err = s.Store.PayoutItems(ctx, b.ID); err != nil {
			return Started{}, err
		}
	}
	rec := payout.Payout{ID: b.ID, Status: payout.StatusDraft, AsOf: b.AsOf, Currency: b.Currency, CreatedAt: s.Now().UTC()}
	paying := 0
	for _, it := range items {
		switch it.State {
		case payout.ItemReady:
			paying++
			rec.TotalCents += it.AmountCents
		case payout.ItemClaiming: // resumed above, so this cannot be; never write a total without it
			return Started{}, fmt.Errorf("payout %s: the item of %s is still being claimed; repeat the request", b.ID, it.Affiliate)
		}
	}
	if paying == 0 {
		if err := s.Store.DeleteIdempotency(ctx, b.Key, b.ID); err != nil {
			return Started{}, err
		}
		if err := s.Store.DeleteBuild(ctx, b.ID); err != nil {
			return Started{}, err
		}
		return Started{}, nothingPayable(b.AsOf)
	}
	created := true
	switch err := s.Store.PutPayout(ctx, rec); {
	case errors.Is(err, fault.ErrExists): // the same key, finished by a concurrent request
		got, err := s.Store.GetPayout(ctx, b.ID)
		if err != nil {
			return Started{}, err
		}
		rec, created = *got, false
	case err != nil:
		return Started{}, err
	}
	if err := s.Store.DeleteBuild(ctx, b.ID); err != nil {
		return Started{}, err
	}
	return Started{Payout: &rec, Created: created}, nil
}

func nothingPayable(asOf time.Time) error {
	return fault.New(fault.Unprocessable, "nothing_payable", "no affiliate has at least the minimum payout available at %s", asOf.Format(time.RFC3339))
}

// Progress is how far a payout being built has gone.
type Progress struct {
	AffiliatesDone int    `json:"affiliates_done"`
	Started        string `json:"started"`
	UpdatedAt      string `json:"updated_at"`
}

// Shown is a payout as the owner's views answer it: with its progress
// while it is being built (status building, no item yet).
type Shown struct {
	Answer
	Progress *Progress `json:"progress,omitempty"`
}

// BuildingAnswer is a payout being built as the API answers it.
func BuildingAnswer(b payout.Build) Shown {
	return Shown{Answer: Answer{ID: b.ID, Status: payout.StatusBuilding, AsOf: rfc(b.AsOf), Currency: b.Currency, Items: []ItemAnswer{}},
		Progress: &Progress{AffiliatesDone: b.Affiliates, Started: rfc(b.Started), UpdatedAt: rfc(b.UpdatedAt)}}
}

// Building is the answer to a change of a payout still being built: 409.
func Building(id string) error {
	return fault.New(fault.Conflict, "payout_building", "payout %s is still being made; try again when it is a draft", id)
}
