package devserver_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/sqslocal"
	"github.com/tallyhq/tally/shared/adapters/queue"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app/importing"
)

// importJob starts a background import of a small file directly in the
// table (its first run queued, nobody working it): what the job's page and
// JSON show while it runs.
func importJob(t *testing.T, x *tally) string {
	t.Helper()
	csv := "code,name,email,plan,events\nava,Ava Stone,ava@example.org,standard,summit-2026\n"
	job, err := x.srv.Store.StartImport(context.Background(), []byte(csv), 1, x.clock())
	if err != nil {
		t.Fatal(err)
	}
	return job.ID
}

// affiliateRows is an import of n affiliates, each in 2 events with 1
// coupon code; bad, when not 0, is the line (the header is line 1) given a
// plan the program does not have.
func affiliateRows(n, bad int) string {
	var b strings.Builder
	b.WriteString("code,name,email,plan,events,payout_email,coupons\n")
	for i := 1; i <= n; i++ {
		plan := "standard"
		if i+1 == bad {
			plan = "gold"
		}
		fmt.Fprintf(&b, "imp-%05d,Affiliate %d,imp%d@example.org,%s,summit-2026;gut-2026,,IMP%05d\n", i, i, i, plan, i)
	}
	return b.String()
}

// importStatus is GET /admin/affiliates/import/{id} as JSON.
type importStatus struct {
	Status                       string
	Rows                         int
	DoneRows                     int `json:"done_rows"`
	Imported, Updated, Unchanged *int
	Failed                       []struct{ Line int }
	FailedRows                   int `json:"failed_rows"`
}

// tableDigest is every item of the table but the imports' own (IMPORT#),
// as a hash, and how many there are: a test's look at the whole table.
func tableDigest(t *testing.T, db *dynamodb.Client, table string) (string, int) {
	t.Helper()
	var lines []string
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			b, _ := json.Marshal(it)
			if s := string(b); !strings.Contains(s, `"PK":{"Value":"IMPORT#`) {
				lines = append(lines, s)
			}
		}
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:]), len(lines)
}

// SPEC 15's import of a large file, through the route, the queue (GoAWS)
// and the worker Lambda runs, on DynamoDB Local: a 10,000-line file with
// one bad line writes nothing and names the line; the file fixed is a job
// (202); its worker stopped midway, sending the same file again completes
// it; the same file once more changes nothing. The worker's requests and
// units are measured (docs/benchmarks.md).
func TestImportingTenThousandAffiliates(t *testing.T) {
	ctx := context.Background()
	sq := sqslocal.New(t)
	importQueue := sq.NewQueue(t, "imports", 1800)
	x := startOpts(t, dynamotest.DynamoDBLocal, nil, func(o *devserver.Options) {
		o.SQS, o.ImportQueueURL = sq, importQueue
	})
	table, db := x.srv.Store.Table, dynamotest.Client(t)
	var m dynamometer.Meter
	metered := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	interrupted := false
	w := &importing.Worker{Store: store.New(metered, table), SQS: sq, QueueURL: importQueue, Log: x.srv.Deps.Log, Now: x.clock,
		Interrupt: func(j store.ImportJob) bool {
			if !interrupted && j.DoneRows >= 2500 {
				interrupted = true
				return true
			}
			return false
		}}
	post := func(body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", x.ts.URL+"/admin/affiliates/import", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+owner)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := x.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status := func(id string) importStatus {
		t.Helper()
		var s importStatus
		x.ok(200, "GET", "/admin/affiliates/import/"+id, owner, "", "", &s)
		return s
	}
	// work takes the queue's next message and runs the worker on it as
	// Lambda would; the message is deleted when the worker is done with
	// it, as the event source mapping does (also after an interruption:
	// the crash the test stands for lost the message).
	var took time.Duration
	work := func() bool {
		t.Helper()
		ms, err := queue.Receive(ctx, sq, importQueue, 1, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			return false
		}
		lctx, cancel := context.WithTimeout(ctx, 300*time.Second) // the function's timeout
		defer cancel()
		start := time.Now()
		res, err := w.HandleSQS(lctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m", Body: ms[0].Body, Attributes: map[string]string{"ApproximateReceiveCount": "1"}}}})
		took += time.Since(start)
		if err != nil || len(res.BatchItemFailures) > 0 {
			t.Fatalf("worker: %v %v", err, res)
		}
		if err := queue.Delete(ctx, sq, importQueue, ms[0].Receipt); err != nil {
			t.Fatal(err)
		}
		return true
	}

	// One bad line: 422 naming it, nothing written, nothing queued.
	digest0, items0 := tableDigest(t, db, table)
	code, body := post(affiliateRows(10000, 7731))
	var refused struct {
		Error struct {
			Code  string
			Lines []struct {
				Line    int
				Message string
			}
		}
	}
	_ = json.Unmarshal([]byte(body), &refused)
	if code != 422 || refused.Error.Code != "invalid_csv" || len(refused.Error.Lines) != 1 || refused.Error.Lines[0].Line != 7731 ||
		refused.Error.Lines[0].Message != `plan: unknown plan "gold"` {
		t.Fatalf("a 10,000-line file with one bad line: %d %.300s", code, body)
	}
	if d, _ := tableDigest(t, db, table); d != digest0 {
		t.Fatal("a refused file changed the table")
	}
	if work() {
		t.Fatal("a refused file queued a job")
	}

	// Fixed: a job. Its worker stops after 2,500 rows, and its message is
	// lost: the job stays where it stopped.
	file := affiliateRows(10000, 0)
	code, body = post(file)
	var started struct {
		ImportID string `json:"import_id"`
	}
	if json.Unmarshal([]byte(body), &started); code != 202 || started.ImportID != store.ImportID([]byte(file)) {
		t.Fatalf("a 10,000-line file: %d %s", code, body)
	}
	id := started.ImportID
	if s := status(id); s.Status != "running" || s.Rows != 10000 || s.DoneRows != 0 || s.Imported != nil {
		t.Fatalf("a job just started: %+v", s)
	}
	before := m.Snapshot()
	if !work() || !interrupted {
		t.Fatal("the worker was not interrupted")
	}
	if work() {
		t.Fatal("an interrupted run queued its next part")
	}
	s := status(id)
	if s.Status != "running" || s.DoneRows != 2500 {
		t.Fatalf("after the interruption: %+v", s)
	}
	p, _, _ := x.srv.Store.LoadProgram(ctx)
	if _, ok := p.Affiliate("imp-02500"); !ok {
		t.Fatal("the rows before the interruption are not written")
	}
	if _, ok := p.Affiliate("imp-02501"); ok {
		t.Fatal("a row after the interruption is written")
	}

	// The same file again: the same job, continued from line 2,502.
	if code, body := post(file); code != 202 || !strings.Contains(body, id) {
		t.Fatalf("the same file again: %d %s", code, body)
	}
	if err := w.Run(ctx, importing.Message{ID: id, Run: 1}); err != nil { // the lost run's message, delivered late
		t.Fatal(err)
	}
	if s := status(id); s.DoneRows != 2500 {
		t.Fatalf("a message of the old run wrote: %+v", s)
	}
	for work() {
	}
	cost := m.Since(before)
	s = status(id)
	if s.Status != "done" || s.DoneRows != 10000 || s.Imported == nil || *s.Imported != 10000 || *s.Updated != 0 || *s.Unchanged != 0 || len(s.Failed) != 0 {
		t.Fatalf("the job completed: %+v", s)
	}
	if _, body := x.call("GET", "/admin/affiliates/import/"+id, owner, "", ""); !strings.Contains(body, `"failed":[]`) {
		t.Errorf("a done job's JSON lists no failures: %s", body)
	}
	p, _, _ = x.srv.Store.LoadProgram(ctx)
	if len(p.Affiliates) != 3+10000 {
		t.Errorf("%d affiliates after the import", len(p.Affiliates))
	}
	for _, c := range []string{"imp-00001", "imp-02500", "imp-02501", "imp-10000"} {
		a, ok := p.Affiliate(c)
		if !ok || a.ManagedBy() != "import" || len(a.Coupons) != 1 {
			t.Errorf("%s: %+v", c, a)
		}
		for _, ev := range []string{"summit-2026", "gut-2026"} {
			if _, ok := p.LinkFor(ev, c); !ok {
				t.Errorf("%s has no link for %s", c, ev)
			}
		}
	}
	t.Logf("import of 10,000 affiliates (2 events, 1 coupon each) by the worker, in two runs (stopped after 2,500 rows, continued): %s, %d requests (%s), %.0f write units, %.0f read units",
		took.Round(100*time.Millisecond), cost.Total(), cost, cost.AWSWriteUnits(), cost.AWSReadUnits())

	// The same file once more: a new run finds every row unchanged.
	digest1, items1 := tableDigest(t, db, table)
	took, before = 0, m.Snapshot()
	if code, _ := post(file); code != 202 {
		t.Fatalf("the same file once more: %d", code)
	}
	for work() {
	}
	again := m.Since(before)
	s = status(id)
	if s.Status != "done" || s.DoneRows != 10000 || s.Imported == nil || *s.Imported != 0 || *s.Updated != 0 || *s.Unchanged != 10000 {
		t.Fatalf("the same file once more: %+v", s)
	}
	if d, n := tableDigest(t, db, table); d != digest1 || n != items1 {
		t.Errorf("the same file once more changed the table: %d items, were %d", n, items1)
	}
	t.Logf("the same file once more: %s, %d requests (%s), %.0f write units (the job's progress), %.0f read units; %d items before the import, %d after",
		took.Round(100*time.Millisecond), again.Total(), again, again.AWSWriteUnits(), again.AWSReadUnits(), items0, items1)
}
