package boards_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tallyhq/tally/infra/apptest"
	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/eventfile"
	"github.com/tallyhq/tally/infra/eventsource"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/standings"
	"github.com/tallyhq/tally/shared/handlers/background/boards"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// The board stream function (boards and the owner's summaries) and the
// snapshot job, from a cold start, read the rules and the affiliates
// their records name, by key, never every affiliate (SPEC 15): orders by
// jane and crowd-0000 are folded, and the board drawn with jane's name
// (she shows it) and crowd-0000's alias, reading the same requests and
// bytes in a program of 4 affiliates as of 1,004, with the same standings
// and summary rows. The month's zero rows, which go through every
// affiliate, are written a page at a time, a row for each.
func TestColdBoardFunctionsReadOnlyTheAffiliatesTheirRecordsName(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	type run struct {
		cost      map[string]dynamometer.Counts
		standings []store.BoardEntry
		rows      map[string]store.SummaryRow
	}
	measure := func(crowd int) run {
		table := dynamotest.NewTable(t, db)
		st := store.New(db, table)
		p := dynamotest.Load(t, st, demo.Program())
		dynamotest.ImportCrowd(t, st, 0, 1)
		if crowd > 1 {
			dynamotest.ImportCrowd(t, st, 1, crowd-1)
		}
		cold := func() *app.Deps {
			d := app.New(app.Config{Table: table, ProgramTTL: time.Hour, WebhookSecrets: secret, ClickKey: apptest.ClickKey}, db, logger)
			d.Now = func() time.Time { return now }
			return d
		}
		ev, _ := p.Event("summit-2026")
		board := standings.Board("summit-2026", standings.LeaderboardWindow(ev, now, p.Location()))
		if err := st.SetShowName(ctx, "summit-2026", "jane", board, true, now); err != nil {
			t.Fatal(err)
		}
		r := run{cost: map[string]dynamometer.Counts{}}
		metered := func(name string, f func() error) {
			t.Helper()
			before := m.Snapshot()
			if err := f(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			r.cost[name] = m.Since(before)
		}
		// The month's rows first, as the job's first run of the month.
		metered("month rows", func() error { return boards.Snapshot(cold())(ctx, notify.DigestInput{}) })
		codes := []string{"jane", "bob", "kim"}
		for i := range crowd {
			codes = append(codes, fmt.Sprintf("crowd-%04d", i))
		}
		month, err := st.SummaryRows(ctx, "2026-11", codes)
		if err != nil {
			t.Fatal(err)
		}
		if len(month) != len(codes) {
			t.Errorf("%d of %d affiliates have a row for the month", len(month), len(codes))
		}
		// The stream from here on: what was written so far is not the
		// functions' to read here.
		out, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(table),
			StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}})
		if err != nil {
			t.Fatal(err)
		}
		poller := &eventsource.StreamPoller{Client: app.LocalStreams(dynamotest.Endpoint(t)), StreamARN: aws.ToString(out.TableDescription.LatestStreamArn), BatchSize: 100}
		orders := webhooks.Orders(cold())
		for _, aff := range []string{"jane", "crowd-0000"} {
			signed(t, orders, fmt.Sprintf(`{"id":"o-%s","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"%s@buyer.example"},"affiliate":%q,"items":[%s]}`,
				aff, now.Add(-time.Hour).Format(time.RFC3339), aff, aff, line("SUM26-REC", 1, 9700)))
		}
		metered("stream", func() error { return poller.CatchUp(ctx, eventsource.Lambda(boards.Stream(cold()))) })
		metered("snapshot", func() error { return boards.Snapshot(cold())(ctx, notify.DigestInput{}) })
		if _, r.standings, err = st.BoardStandings(ctx, board); err != nil {
			t.Fatal(err)
		}
		if r.rows, err = st.SummaryRows(ctx, "2026-11", []string{"jane", "crowd-0000"}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	few, many := measure(1), measure(1000)
	for _, name := range []string{"stream", "snapshot"} {
		a, b := few.cost[name], many.cost[name]
		t.Logf("%-8s cold, 4 affiliates: %v, %.1f read units, %d bytes; 1,004: %v, %.1f read units, %d bytes", name, a, a.AWSReadUnits(), a.ReadBytes, b, b.AWSReadUnits(), b.ReadBytes)
		if a.String() != b.String() || a.ReadBytes != b.ReadBytes {
			t.Errorf("%s: a cold start read %v (%d bytes) with 4 affiliates, %v (%d bytes) with 1,004", name, a, a.ReadBytes, b, b.ReadBytes)
		}
	}
	a, b := few.cost["month rows"], many.cost["month rows"]
	t.Logf("month rows, 4 affiliates: %v, %d bytes; 1,004: %v, %d bytes", a, a.ReadBytes, b, b.ReadBytes)
	if !reflect.DeepEqual(few.standings, many.standings) || !reflect.DeepEqual(few.rows, many.rows) {
		t.Errorf("the orders came out differently:\n4:     %+v\n       %+v\n1,004: %+v\n       %+v", few.standings, few.rows, many.standings, many.rows)
	}
	names := map[string]string{}
	for _, e := range few.standings {
		names[e.Affiliate] = e.Name
	}
	if names["jane"] != "Jane Doe" || names["crowd-0000"] == "" || names["crowd-0000"] == "Crowd 0" || len(few.standings) != 2 {
		t.Errorf("standings %+v: want jane by name, crowd-0000 by alias", few.standings)
	}
	if few.rows["crowd-0000"].Name != "Crowd 0" || few.rows["crowd-0000"].Orders != 1 || few.rows["jane"].Orders != 1 {
		t.Errorf("summary rows %+v", few.rows)
	}
}

// signed posts a signed order webhook and wants 200.
func signed(t testing.TB, h apigw.Handler, body string) {
	t.Helper()
	req := eventfile.Load(t, "webhook-orders")
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("msg_%d", time.Now().UnixNano())
	sig, err := wh.Sign(id, now, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Headers["webhook-id"], req.Headers["webhook-timestamp"], req.Headers["webhook-signature"] = id, fmt.Sprint(now.Unix()), sig
	req.Body = body
	resp, err := h(context.Background(), req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s %v", body, resp.StatusCode, resp.Body, err)
	}
}
