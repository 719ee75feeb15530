package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
)

// A large import's job (SPEC 15): the file kept in gzipped parts and read
// back whole; sending it again while it runs continues it under a new run
// (the old run's progress write is refused), and once done starts it over;
// a job is named by its file.
func TestAnImportJobContinuesWhenItsFileIsSentAgain(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		st := dynamotest.NewStoreOn(t, on)
		file := []byte(bigCSV(20000)) // about 1.2 MB, gzipped in parts
		job, err := st.StartImport(ctx, file, 20000, now)
		if err != nil {
			t.Fatal(err)
		}
		if job.ID != store.ImportID(file) || job.Run != 1 || job.Status != store.ImportRunning || job.NextLine != 2 || job.Parts < 1 {
			t.Fatalf("started: %+v", job)
		}
		got, err := st.ImportFile(ctx, job)
		if err != nil || string(got) != string(file) {
			t.Fatalf("the kept file: %d bytes, %v", len(got), err)
		}
		// Progress, then the file sent again: the same job, a new run, its progress kept.
		job.DoneRows, job.NextLine, job.Imported = 500, 502, 500
		if err := st.SaveImportProgress(ctx, job, 0); err != nil {
			t.Fatal(err)
		}
		again, err := st.StartImport(ctx, file, 20000, now.Add(time.Hour))
		if err != nil || again.Run != 2 || again.DoneRows != 500 || again.NextLine != 502 || again.Imported != 500 {
			t.Fatalf("sent again while running: %+v %v", again, err)
		}
		job.DoneRows, job.NextLine = 1000, 1002 // the first run, still going, records its next part
		if err := st.SaveImportProgress(ctx, job, 500); !errors.Is(err, store.ErrImportMoved) {
			t.Errorf("the old run's progress: %v", err)
		}
		// Done, then sent again: started over.
		again.Status, again.DoneRows = store.ImportDone, 20000
		if err := st.SaveImportProgress(ctx, again, 500); err != nil {
			t.Fatal(err)
		}
		third, err := st.StartImport(ctx, file, 20000, now.Add(2*time.Hour))
		if err != nil || third.Run != 3 || third.DoneRows != 0 || third.NextLine != 2 || third.Imported != 0 || third.Status != store.ImportRunning {
			t.Fatalf("sent again once done: %+v %v", third, err)
		}
		if j, err := st.GetImport(ctx, third.ID, now.Add(store.ImportJobDays*24*time.Hour+3*time.Hour)); err != nil || j != nil {
			t.Errorf("a job past its days: %+v %v", j, err)
		}
	})
}

func bigCSV(n int) string {
	b := []byte("code,name,email,plan,events\n")
	for i := 0; i < n; i++ {
		b = append(b, []byte("aff-"+strconv.Itoa(i)+",Affiliate "+strconv.Itoa(i)+",aff"+strconv.Itoa(i)+"@example.org,standard,summit-2026\n")...)
	}
	return string(b)
}
