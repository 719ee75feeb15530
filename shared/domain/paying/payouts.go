// Package paying makes, pays, cancels and returns payouts on the table
// (SPEC section 9), in an order of writes that never leaves an entry in two
// payouts and can always be completed by repeating the request. The rules
// (states, what a payout takes) are package payout's; this package only
// reads, claims and releases.
package paying

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/domain/program"
)

// claimBatch is how many entries one transaction claims: with the item's
// record and its ready mark, a batch stays within a transaction's 100 actions.
const claimBatch = 98

// abandonAfter is when a payout that was never finished no longer holds the
// entries it claimed: longer than the create function or its worker may run
// (template.yaml), so a request still running is never overtaken, nor a
// build that took a page since (buildLive). Repeating the request with its
// key still completes it when nothing took them since.
const abandonAfter = 15 * time.Minute

// parallel is how many affiliates a payout (or the owner's balances) works
// on at once.
const parallel = 8

// Store is what making payouts needs of the table: idempotency keys,
// payouts and their items, and claims on entries, each written
// conditionally (package store implements it; the errors fault.ErrExists,
// fault.ErrConflict and fault.ErrRetry say which condition failed).
type Store interface {
	Reader
	EntrySK(e ledger.Entry) string // how claims and items name an entry
	GetIdempotency(ctx context.Context, key string) (*payout.Idempotency, error)
	PutIdempotency(ctx context.Context, key string, v payout.Idempotency) error
	DeleteIdempotency(ctx context.Context, key, payoutID string) error
	PayableEntries(ctx context.Context, affiliate string, t time.Time) ([]ledger.Entry, error)
	GetPayout(ctx context.Context, id string) (*payout.Payout, error)
	PutPayout(ctx context.Context, p payout.Payout) error
	MarkPaid(ctx context.Context, id string, paidAt time.Time, reference string) error
	CancelPayout(ctx context.Context, id string) error
	PayoutItem(ctx context.Context, payoutID, affiliate string) (*payout.Item, error)
	PutNoItem(ctx context.Context, payoutID, affiliate string, now time.Time) error
	ClaimBatch(ctx context.Context, it payout.Item, sks []string, first, last bool) error
	Unclaim(ctx context.Context, affiliate, sk, claim string) error
	DropItem(ctx context.Context, payoutID, affiliate string) error
	DropAbandoned(ctx context.Context, payoutID, affiliate string, seen time.Time) error
	RenewItem(ctx context.Context, payoutID, affiliate string, now time.Time) error
	ReturnItem(ctx context.Context, payoutID, affiliate string, at time.Time, reason string) error
	Builds
}

// Builds is what making a payout a page of affiliates at a time needs
// (SPEC 15): the affiliates by code, and where the build stands.
type Builds interface {
	PayeePage(ctx context.Context, cursor string, limit int) ([]program.Affiliate, string, error)
	StartBuild(ctx context.Context, b payout.Build) (payout.Build, error)
	GetBuild(ctx context.Context, id string) (*payout.Build, error)
	SaveBuildProgress(ctx context.Context, b payout.Build, prevPages int) error
	DeleteBuild(ctx context.Context, id string) error
}

// Reader is what the views of payouts and balances read.
type Reader interface {
	AllEntries(ctx context.Context, affiliate string) ([]ledger.Entry, error)
	// WithLedger says which of codes have ever had a ledger entry; nil
	// when it cannot tell (every code may have one).
	WithLedger(ctx context.Context, codes []string) (map[string]bool, error)
	PayoutItems(ctx context.Context, payoutID string) ([]payout.Item, error)
	AffiliatePayoutItems(ctx context.Context, affiliate string) ([]payout.Item, error)
	Payouts(ctx context.Context, ids []string) (map[string]*payout.Payout, error)
	PayoutsAndItems(ctx context.Context, affiliate string, ids []string) (map[string]*payout.Payout, map[string]*payout.Item, error)
}

// Service makes payouts on a store.
type Service struct {
	Store Store
	Log   *slog.Logger
	Now   func() time.Time
	// PageSize is how many affiliates a build takes between two records
	// of its progress (0: PageSize).
	PageSize int
}

// Create makes a payout for every affiliate with enough payable at asOf,
// under an idempotency key, to the end however long it takes: Start
// without a time budget.
func (s *Service) Create(ctx context.Context, p *program.Program, key, bodyHash string, asOf time.Time) (ans *payout.Payout, created bool, err error) {
	r, err := s.Start(ctx, p, key, bodyHash, asOf, nil)
	if err == nil && r.Build != nil {
		err = fmt.Errorf("payout %s stopped while building", r.Build.ID)
	}
	return r.Payout, r.Created, err
}

// idempotency reads a key's record, or records it with a new payout id. A
// concurrent request with the same key may record it first, or find nothing
// payable and free it between our two requests: then we start again.
func (s *Service) idempotency(ctx context.Context, key, bodyHash string, asOf time.Time) (*payout.Idempotency, error) {
	for attempt := 0; attempt < 4; attempt++ {
		idem, err := s.Store.GetIdempotency(ctx, key)
		if err != nil || idem != nil {
			return idem, err
		}
		idem = &payout.Idempotency{Hash: bodyHash, PayoutID: newID(s.Now()), AsOf: asOf.UTC()}
		if err := s.Store.PutIdempotency(ctx, key, *idem); !errors.Is(err, fault.ErrExists) {
			return idem, err
		}
	}
	return nil, fmt.Errorf("idempotency key %q keeps changing under concurrent requests", key)
}

const idTime = "20060102T150405Z"

// newID is a payout id that sorts by creation time.
func newID(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "po_" + now.UTC().Format(idTime) + "_" + hex.EncodeToString(b)
}

// createdAt is when a payout id was made.
func createdAt(id string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(id, "po_")
	if !ok || len(rest) < len(idTime) {
		return time.Time{}, false
	}
	t, err := time.Parse(idTime, rest[:len(idTime)])
	return t, err == nil
}

// EachAffiliate is eachAffiliate for other packages (the owner's pages).
func EachAffiliate(ctx context.Context, affs []program.Affiliate, f func(ctx context.Context, i int) error) error {
	return eachAffiliate(ctx, affs, f)
}

// eachAffiliate runs f for every affiliate of affs, several at a time (each
// is a few sequential requests); the first failure stops the rest.
func eachAffiliate(ctx context.Context, affs []program.Affiliate, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range affs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			if err := f(ctx, i); err != nil {
				cancel(fmt.Errorf("affiliate %s: %w", affs[i].Code, err))
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// take makes one affiliate's item of a payout: it claims every entry the
// rules take, all of them or none, or records that the payout takes nothing
// from them. An item an earlier or concurrent request of the same key made
// is completed, never planned again. One that loses a race for its entries
// gives back what it took and pays nothing, leaving them to the payout that
// won.
func (s *Service) take(ctx context.Context, p *program.Program, payoutID string, a *program.Affiliate, asOf time.Time) error {
	it, err := s.Store.PayoutItem(ctx, payoutID, a.Code)
	if err != nil {
		return err
	}
	if it != nil {
		return s.resume(ctx, *it)
	}
	for attempt := 0; attempt < 4; attempt++ {
		es, err := s.Store.PayableEntries(ctx, a.Code, asOf)
		if err != nil {
			return err
		}
		claimOf, err := s.unclaimStale(ctx, a.Code, es)
		if err != nil {
			return err
		}
		for _, e := range es {
			if c := claimOf(e); c.Creating() {
				// Another payout is taking this affiliate's entries right now:
				// leave them all to it rather than split them between two.
				s.Log.Info("affiliate skipped: another payout is being created for them", "payout", payoutID, "affiliate", a.Code, "other", c.PayoutID)
				return s.none(ctx, payoutID, a.Code)
			}
		}
		taken, sum, ok := payout.Take(es, claimOf, asOf, p.MinPayoutCents())
		if !ok {
			return s.none(ctx, payoutID, a.Code)
		}
		item := payout.Item{PayoutID: payoutID, Affiliate: a.Code, ID: payoutID + "_" + a.Code, AmountCents: sum,
			Name: a.Name, Email: a.PayoutEmail(), ClaimedAt: s.Now().UTC()}
		item.From, item.To = payout.Span(taken, p.Location())
		for _, e := range taken {
			item.Entries = append(item.Entries, s.Store.EntrySK(e))
		}
		err = s.claim(ctx, item, true)
		if !errors.Is(err, errFirstBatchLost) {
			return err
		}
		// Either another payout took an entry, or a request with the same
		// key wrote this affiliate's item first: then that item is the one.
		if it, err := s.Store.PayoutItem(ctx, payoutID, a.Code); err != nil || it != nil {
			if err != nil {
				return err
			}
			return s.resume(ctx, *it)
		}
		s.Log.Info("payout lost the race for an affiliate's entries; planning again", "payout", payoutID, "affiliate", a.Code)
	}
	return s.none(ctx, payoutID, a.Code) // other payouts keep taking these entries: they are theirs
}

// none records that a payout takes nothing from an affiliate. When a
// request with the same key wrote the affiliate's item first, that item is
// completed instead.
func (s *Service) none(ctx context.Context, payoutID, affiliate string) error {
	err := s.Store.PutNoItem(ctx, payoutID, affiliate, s.Now())
	if !errors.Is(err, fault.ErrExists) {
		return err
	}
	it, err := s.Store.PayoutItem(ctx, payoutID, affiliate)
	if err != nil || it == nil {
		return err
	}
	return s.resume(ctx, *it)
}

// resume completes an item an earlier or concurrent request of the same key
// wrote. It first renews the item, so that no other payout counts its
// claims abandoned while this request runs, then claims every entry again:
// the claims that still hold are confirmed, and if any entry was taken by
// another payout meanwhile, the item gives back the rest and pays nothing.
// A retry completes only what it still holds.
func (s *Service) resume(ctx context.Context, it payout.Item) error {
	if it.State != payout.ItemClaiming && it.State != payout.ItemReady {
		return nil // dropped, or nothing to take: decided
	}
	it.ClaimedAt = s.Now().UTC()
	switch err := s.Store.RenewItem(ctx, it.PayoutID, it.Affiliate, it.ClaimedAt); {
	case errors.Is(err, fault.ErrConflict):
		return nil // dropped meanwhile
	case err != nil:
		return err
	}
	return s.claim(ctx, it, false)
}

var errFirstBatchLost = errors.New("another payout took an entry of the first batch")

// claim takes an item's entries batch by batch. The first batch of a fresh
// item creates its record; the last marks it ready. Losing the first batch
// of a fresh item writes nothing (errFirstBatchLost); losing any other drops
// the item and gives back what it holds.
func (s *Service) claim(ctx context.Context, it payout.Item, fresh bool) error {
	for start := 0; start < len(it.Entries) || start == 0; start += claimBatch {
		end := min(start+claimBatch, len(it.Entries))
		first, last := fresh && start == 0, end == len(it.Entries)
		err := s.retry(ctx, func() error { return s.Store.ClaimBatch(ctx, it, it.Entries[start:end], first, last) })
		switch {
		case err == nil:
		case errors.Is(err, fault.ErrConflict) && first:
			return errFirstBatchLost
		case errors.Is(err, fault.ErrConflict):
			s.Log.Warn("payout item lost an entry to another payout; giving back", "payout", it.PayoutID, "affiliate", it.Affiliate)
			if err := s.Store.DropItem(ctx, it.PayoutID, it.Affiliate); err != nil {
				return err
			}
			return s.release(ctx, it)
		default:
			return err
		}
		if last {
			break
		}
	}
	return nil
}

// retry repeats a transaction DynamoDB canceled for a concurrent one.
func (s *Service) retry(ctx context.Context, f func() error) error {
	var err error
	for attempt := 0; attempt < 6; attempt++ {
		if err = f(); !errors.Is(err, fault.ErrRetry) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(10<<attempt) * time.Millisecond):
		}
	}
	return err
}

// release gives back every entry an item holds; repeating it is harmless.
func (s *Service) release(ctx context.Context, it payout.Item) error {
	for _, sk := range it.Entries {
		if err := s.Store.Unclaim(ctx, it.Affiliate, sk, it.Claim()); err != nil {
			return err
		}
	}
	return nil
}

// unclaimStale finishes what an interrupted cancel or return left, and
// gives back what abandoned payouts hold, before a new payout plans: entries
// still marked by a canceled payout, a returned or dropped item, or an item
// whose request is long over. An abandoned item is dropped first, on the
// condition that no request took it again since, so a retry of its key
// cannot complete it afterwards. It returns the claims of the entries as
// they now stand.
func (s *Service) unclaimStale(ctx context.Context, affiliate string, es []ledger.Entry) (payout.ClaimOf, error) {
	claimOf, items, err := claims(ctx, s.Store, affiliate, es, s.Now())
	if err != nil {
		return nil, err
	}
	dropped := map[string]bool{}
	building := map[string]bool{} // by payout: its build is still going on
	for i, e := range es {
		c := claimOf(e)
		if c.PayoutID == "" || c.Live() {
			continue
		}
		it := items[c.PayoutID]
		if c.Abandoned && it != nil && it.State != payout.ItemDropped {
			live, err := s.buildLive(ctx, c.PayoutID, building)
			if err != nil {
				return nil, err
			}
			if live {
				continue
			}
		}
		if c.Abandoned && it != nil && it.State != payout.ItemDropped && !dropped[c.PayoutID] {
			switch err := s.Store.DropAbandoned(ctx, c.PayoutID, affiliate, it.ClaimedAt); {
			case errors.Is(err, fault.ErrConflict):
				continue // taken again by a retry of its key: it holds them
			case err != nil:
				return nil, err
			}
			dropped[c.PayoutID] = true
		}
		if err := s.Store.Unclaim(ctx, affiliate, s.Store.EntrySK(e), e.Claim); err != nil {
			return nil, err
		}
		es[i].Claim = ""
	}
	return func(e ledger.Entry) payout.Claim {
		c := claimOf(e)
		if building[c.PayoutID] {
			c.Abandoned = false // still being made: the claim holds
		}
		return c
	}, nil
}

// buildLive says whether a payout with no record yet is still being built:
// its build took a page within abandonAfter. A build takes its pages for
// longer than one request runs, so its first items' own times grow old
// while it goes on; they are not abandoned. known caches the answers.
func (s *Service) buildLive(ctx context.Context, payoutID string, known map[string]bool) (bool, error) {
	if live, ok := known[payoutID]; ok {
		return live, nil
	}
	b, err := s.Store.GetBuild(ctx, payoutID)
	if err != nil {
		return false, err
	}
	live := b != nil && s.Now().Sub(b.UpdatedAt) <= abandonAfter
	known[payoutID] = live
	return live, nil
}

// Claims looks up how each entry stands with the payout that took it: one
// BatchGetItem for the payouts and items named by the entries' claims, none
// when no entry is claimed. now decides which unfinished payouts are
// abandoned.
func Claims(ctx context.Context, st Reader, affiliate string, es []ledger.Entry, now time.Time) (payout.ClaimOf, error) {
	c, _, err := claims(ctx, st, affiliate, es, now)
	return c, err
}

// claims is Claims, with the affiliate's items it read, by payout id. The
// claims of a payout with no record yet are abandoned when its item was
// dropped or was last taken more than abandonAfter ago.
func claims(ctx context.Context, st Reader, affiliate string, es []ledger.Entry, now time.Time) (payout.ClaimOf, map[string]*payout.Item, error) {
	var ids []string
	seen := map[string]bool{}
	for _, e := range es {
		if id := payout.ClaimPayout(e.Claim); e.Claim != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return func(ledger.Entry) payout.Claim { return payout.Claim{} }, nil, nil
	}
	pays, items, err := st.PayoutsAndItems(ctx, affiliate, ids)
	if err != nil {
		return nil, nil, err
	}
	return func(e ledger.Entry) payout.Claim {
		if e.Claim == "" {
			return payout.Claim{}
		}
		id := payout.ClaimPayout(e.Claim)
		c := payout.Claim{PayoutID: id}
		it := items[id]
		if p := pays[id]; p != nil {
			c.Status = p.Status
		} else {
			c.Abandoned = abandoned(id, it, now)
		}
		if it != nil && it.ReturnedAt != nil {
			c.Returned = true
		}
		return c
	}, items, nil
}

// abandoned says whether the item of a payout with no record yet holds
// nothing any more: dropped, or last taken long enough ago that no request
// can still be running for it.
func abandoned(id string, it *payout.Item, now time.Time) bool {
	if it != nil && it.State == payout.ItemDropped {
		return true
	}
	started, ok := createdAt(id)
	if it != nil && !it.ClaimedAt.IsZero() {
		started, ok = it.ClaimedAt, true
	}
	return !ok || now.Sub(started) > abandonAfter
}

// Status is an item's status as the answers show it.
func Status(p *payout.Payout, it payout.Item) string {
	if it.ReturnedAt != nil {
		return payout.StatusReturned
	}
	return p.Status
}

// MarkPaid moves a draft to paid. Again: the same answer, with the first
// paid_at and reference kept; on a canceled payout: 409.
func (s *Service) MarkPaid(ctx context.Context, id string, paidAt time.Time, reference string) (*payout.Payout, error) {
	p, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Status == payout.StatusDraft {
		switch err := s.Store.MarkPaid(ctx, id, paidAt, reference); {
		case errors.Is(err, fault.ErrConflict): // moved meanwhile: answer as it now stands
		case err != nil:
			return nil, err
		}
		if p, err = s.get(ctx, id); err != nil {
			return nil, err
		}
	}
	if p.Status == payout.StatusCanceled {
		return nil, fault.New(fault.Conflict, "payout_canceled", "payout %s is canceled; it cannot be marked paid", id)
	}
	return p, nil
}

// Cancel moves a draft to canceled and gives its entries back. Again: the
// same answer (and any entry still held is given back); on a paid payout: 409.
func (s *Service) Cancel(ctx context.Context, id string) (*payout.Payout, error) {
	p, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Status == payout.StatusDraft {
		switch err := s.Store.CancelPayout(ctx, id); {
		case errors.Is(err, fault.ErrConflict):
		case err != nil:
			return nil, err
		}
		if p, err = s.get(ctx, id); err != nil {
			return nil, err
		}
	}
	if p.Status == payout.StatusPaid {
		return nil, fault.New(fault.Conflict, "payout_paid", "payout %s is paid; a paid payout cannot be canceled (return its items instead)", id)
	}
	items, err := s.Store.PayoutItems(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if err := s.release(ctx, it); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Return records that the provider sent an item's money back: its entries
// are available again. Only an item of a paid payout; again: the same answer.
func (s *Service) Return(ctx context.Context, id, affiliate, reason string) (*payout.Payout, error) {
	p, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	it, err := s.Store.PayoutItem(ctx, id, affiliate)
	if err != nil {
		return nil, err
	}
	if it == nil || it.State != payout.ItemReady {
		return nil, fault.New(fault.NotFound, "item_not_found", "payout %s has no item for %q", id, affiliate)
	}
	if it.ReturnedAt == nil {
		if p.Status != payout.StatusPaid {
			return nil, fault.New(fault.Conflict, "payout_not_paid", "only an item of a paid payout can be returned; payout %s is %s", id, p.Status)
		}
		switch err := s.Store.ReturnItem(ctx, id, affiliate, s.Now(), reason); {
		case errors.Is(err, fault.ErrConflict):
		case err != nil:
			return nil, err
		}
		if it, err = s.Store.PayoutItem(ctx, id, affiliate); err != nil {
			return nil, err
		}
		if it.ReturnedAt == nil {
			return nil, fault.New(fault.Conflict, "payout_not_paid", "only an item of a paid payout can be returned")
		}
	}
	if err := s.release(ctx, *it); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Service) get(ctx context.Context, id string) (*payout.Payout, error) {
	p, err := s.Store.GetPayout(ctx, id)
	if err != nil {
		return nil, err
	}
	if p == nil {
		if b, err := s.Store.GetBuild(ctx, id); err != nil || b != nil {
			if err != nil {
				return nil, err
			}
			return nil, Building(id)
		}
		return nil, fault.New(fault.NotFound, "payout_not_found", "no payout %q", id)
	}
	return p, nil
}
