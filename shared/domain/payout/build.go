package payout

import "time"

// StatusBuilding is a payout still taking its affiliates' entries, page by
// page in the background (SPEC 15): it has no record yet, only its build.
const StatusBuilding = "building"

// Build is how far the making of a payout has gone: the affiliates are
// taken in the order of their codes, a page at a time, and Cursor is where
// the next page starts. Its record is written last, once every affiliate is
// done; the build is then deleted.
type Build struct {
	ID       string    `json:"id"`  // the payout's
	Key      string    `json:"key"` // the Idempotency-Key that started it, freed when nothing was payable
	AsOf     time.Time `json:"as_of"`
	Currency string    `json:"currency"`
	Cursor   string    `json:"cursor,omitempty"` // "" before the first page
	// Pages and Affiliates count what is done; each step of progress is
	// written on condition of the one before, so no page counts twice.
	Pages      int `json:"pages"`
	Affiliates int `json:"affiliates"`
	// Run counts the requests that took the build up: a background worker
	// of an older run stops at its next step.
	Run       int64     `json:"run"`
	Started   time.Time `json:"started"`
	UpdatedAt time.Time `json:"updated_at"`
}
