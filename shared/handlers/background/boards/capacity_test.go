package boards_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/shared/domain/standings"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
)

// seedBoard gives n affiliates (a1..a3 of the program, the rest by code
// only) a row on launch's board, each through one order's marker as the
// stream consumer writes it, eight at a time.
func seedBoard(t testing.TB, e *env, n int) {
	t.Helper()
	board := e.board(t)
	var wg sync.WaitGroup
	work := make(chan int)
	var mu sync.Mutex
	var first error
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				aff := fmt.Sprintf("a%d", i)
				c := standings.Contribution{Net: int64(1000 + (i*7919)%250000), Orders: 1}
				if _, err := e.Store.ApplyToBoard(context.Background(), board, aff, fmt.Sprintf("seed-%d", i), 1, c, at(1+i%19, 12)); err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
				}
			}
		}()
	}
	for i := 1; i <= n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

// What the views and the snapshot job cost, from the meter: the views'
// requests do not grow with the number of affiliates.
func measureBoard(t testing.TB, n int) {
	e := newEnv(t, 3)
	seedBoard(t, e, n)

	before := e.Meter.Snapshot()
	start := time.Now()
	if err := e.job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	job := e.Meter.Since(before)
	t.Logf("%d affiliates: first snapshot (numbers every affiliate once) %s, %d requests (%s), %.1f read units, %.1f write units", n, took.Round(time.Millisecond), job.Total(), job, job.AWSReadUnits(), job.AWSWriteUnits())
	// The next minute: one more order changes the board.
	if _, err := e.Store.ApplyToBoard(context.Background(), e.board(t), "a2", "one-more", 1, standings.Contribution{Net: 500000, Orders: 1}, at(19, 12)); err != nil {
		t.Fatal(err)
	}
	e.now(now.Add(time.Minute))
	before = e.Meter.Snapshot()
	start = time.Now()
	if err := e.job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	took = time.Since(start)
	job = e.Meter.Since(before)
	t.Logf("%d affiliates: a snapshot after a change %s, %d requests (%s), %.1f read units, %.1f write units", n, took.Round(time.Millisecond), job.Total(), job, job.AWSReadUnits(), job.AWSWriteUnits())

	// A warm function, as the owner's view below: a2 and its links are known.
	if _, err := e.Deps.AffiliateView(context.Background(), "a2", false); err != nil {
		t.Fatal(err)
	}
	before = e.Meter.Snapshot()
	r := call(t, reports.Leaderboard(e.Deps), as(t, "report-leaderboard", "a2", map[string]string{"event": "launch"}), nil)
	mine := e.Meter.Since(before)
	if r.StatusCode != 200 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	t.Logf("%d affiliates: an affiliate's view, %d requests (%s), %.1f read units", n, mine.Total(), mine, mine.AWSReadUnits())

	before = e.Meter.Snapshot()
	r = call(t, admin.Leaderboard(e.Deps), as(t, "admin-leaderboard", "Accounts", map[string]string{"event": "launch"}), nil)
	owner := e.Meter.Since(before)
	if r.StatusCode != 200 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	t.Logf("%d affiliates: the owner's view, %d requests (%s), %.1f read units, %d bytes of JSON", n, owner.Total(), owner, owner.AWSReadUnits(), len(r.Body))

	if mine.Total() != 3 || mine.Requests["GetItem"] != 3 {
		t.Errorf("an affiliate's view made %s, want 3 GetItems whatever the number of affiliates", mine)
	}
	// The owner's full standings: one BatchGetItem for the snapshot, and
	// the entrants' names by key, 100 a BatchGetItem: what grows is the
	// board's entrants, never the program's other affiliates (SPEC 15).
	if want := 1 + (n+99)/100; owner.Total() != want || owner.Requests["BatchGetItem"] != want {
		t.Errorf("the owner's view made %s, want %d BatchGetItems (the snapshot, and %d entrants' names 100 a call)", owner, want, n)
	}
}

// The views read a bounded number of items (make test: 1,000 affiliates).
func TestLeaderboardViewsCostTheSameAtAnySize(t *testing.T) { measureBoard(t, 1000) }

// BenchmarkLeaderboardAt10000Affiliates measures the same at 10,000
// affiliates (-bench LeaderboardAt10000 -benchtime 1x -v: the figures are
// logged).
func BenchmarkLeaderboardAt10000Affiliates(b *testing.B) {
	for range b.N {
		measureBoard(b, 10000)
	}
}
