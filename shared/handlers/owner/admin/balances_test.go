package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/seed"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/csvout"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// The owner's balances come 100 affiliates a page by code: every
// affiliate's balance on exactly one page, each the balance its affiliate
// sees, the last page's next null; a former affiliate is listed while
// still owed, one owed nothing is not (so a page may hold fewer than 100);
// the CSV is every page's rows in order; a cursor that is not one is 400;
// ?earned=1 lists only the affiliates with a ledger.
func TestTheBalancesPageEveryAffiliateOnce(t *testing.T) {
	ctx := context.Background()
	st := dynamotest.NewStore(t)
	dynamotest.Load(t, st, demo.Program())
	dynamotest.ImportCrowd(t, st, 0, 250)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, code := range []string{"jane", "kim", "crowd-0120", "crowd-0200"} {
		if err := seed.Month(ctx, st, code, time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), 3); err != nil {
			t.Fatal(err)
		}
	}
	// kim and crowd-0120 leave owed; bob and crowd-0150 leave owed nothing.
	for _, code := range []string{"kim", "bob", "crowd-0120", "crowd-0150"} {
		a, _, err := st.GetAffiliate(ctx, code)
		if err != nil || a == nil {
			t.Fatalf("%s: %v %v", code, a, err)
		}
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: program.Retire(*a), Prev: a, Former: true}, now); err != nil {
			t.Fatal(err)
		}
	}
	d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour}, dynamotest.Client(t), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Now = func() time.Time { return now }
	h := admin.Balances(d)
	get := func(q map[string]string, want int) string {
		t.Helper()
		req := apigw.Request{RawPath: "/admin/balances", QueryStringParameters: q, Headers: map[string]string{"accept": "application/json", "authorization": "Bearer dev-owner-key"}}
		req.RequestContext.HTTP.Method = "GET"
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "owner", "subject": "Accounts", "auth": "ok"}}
		resp, err := h(ctx, req)
		if err != nil || resp.StatusCode != want {
			t.Fatalf("/admin/balances %v: %v %d %.300s", q, err, resp.StatusCode, resp.Body)
		}
		return resp.Body
	}

	seen := map[string]int{}
	var rows [][]any
	var sizes []int
	var last string
	for cursor := ""; ; {
		var page struct {
			AsOf     string                 `json:"as_of"`
			Balances []paying.BalanceAnswer `json:"balances"`
			Next     *string                `json:"next"`
		}
		if err := json.Unmarshal([]byte(get(map[string]string{"page": cursor}, 200)), &page); err != nil {
			t.Fatal(err)
		}
		if page.AsOf != "2026-11-30T12:00:00Z" {
			t.Errorf("as_of %q", page.AsOf)
		}
		sizes = append(sizes, len(page.Balances))
		for _, b := range page.Balances {
			if b.Affiliate <= last {
				t.Errorf("%s after %s: not in code order", b.Affiliate, last)
			}
			last = b.Affiliate
			seen[b.Affiliate]++
			rows = append(rows, b.Row())
			a, _, err := st.GetAffiliate(ctx, b.Affiliate)
			if err != nil || a == nil {
				t.Fatalf("%s: %v %v", b.Affiliate, a, err)
			}
			own, err := paying.Balance(ctx, st, demo.Program(), a, now, now)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(own) != fmt.Sprint(b) {
				t.Errorf("%s: listed %+v, their own balance %+v", b.Affiliate, b, own)
			}
		}
		if page.Next == nil {
			break
		}
		cursor = *page.Next
	}
	// 253 affiliates in 3 pages; 4 former, 2 of them owed: 251 listed.
	if fmt.Sprint(sizes) != "[99 99 53]" {
		t.Errorf("pages of %v balances", sizes)
	}
	want := map[string]bool{"jane": true, "kim": true}
	for i := range 250 {
		if i != 150 {
			want[fmt.Sprintf("crowd-%04d", i)] = true
		}
	}
	for code, n := range seen {
		if !want[code] || n != 1 {
			t.Errorf("%s listed %d times", code, n)
		}
	}
	for code := range want {
		if seen[code] != 1 {
			t.Errorf("%s listed %d times", code, seen[code])
		}
	}
	if seen["kim"] != 1 || seen["crowd-0120"] != 1 || seen["bob"] != 0 || seen["crowd-0150"] != 0 {
		t.Errorf("former affiliates: kim %d, crowd-0120 %d (owed); bob %d, crowd-0150 %d (owed nothing)", seen["kim"], seen["crowd-0120"], seen["bob"], seen["crowd-0150"])
	}

	if got, want := get(map[string]string{"format": "csv"}, 200), string(csvout.Write(paying.BalanceHeader, rows)); got != want {
		t.Errorf("the CSV is not the pages' rows:\n%.300s\nwant\n%.300s", got, want)
	}

	var bad struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(get(map[string]string{"page": "not a cursor!"}, 400)), &bad); err != nil {
		t.Fatal(err)
	}
	if bad.Error.Code != "invalid_field" || !strings.Contains(bad.Error.Fields["page"], "first page") {
		t.Errorf("a bad cursor: %+v", bad.Error)
	}

	// ?earned=1 lists the affiliates with a ledger only (the four given a
	// month, former ones owed among them), each as in the full list; its
	// CSV is those rows; another value is 400.
	byCode := map[string]string{}
	for _, row := range rows {
		byCode[fmt.Sprint(row[0])] = fmt.Sprint(row)
	}
	var earned struct {
		Balances []paying.BalanceAnswer `json:"balances"`
		Next     *string                `json:"next"`
	}
	if err := json.Unmarshal([]byte(get(map[string]string{"earned": "1"}, 200)), &earned); err != nil {
		t.Fatal(err)
	}
	var codes []string
	var earnedRows [][]any
	for _, b := range earned.Balances {
		codes = append(codes, b.Affiliate)
		earnedRows = append(earnedRows, b.Row())
		if got := fmt.Sprint(b.Row()); got != byCode[b.Affiliate] {
			t.Errorf("%s who earned: %s; in the full list %s", b.Affiliate, got, byCode[b.Affiliate])
		}
	}
	if fmt.Sprint(codes) != "[crowd-0120 crowd-0200 jane kim]" || earned.Next != nil {
		t.Errorf("the affiliates who earned: %v, next %v", codes, earned.Next)
	}
	if got, want := get(map[string]string{"format": "csv", "earned": "1"}, 200), string(csvout.Write(paying.BalanceHeader, earnedRows)); got != want {
		t.Errorf("the CSV of those who earned:\n%.300s\nwant\n%.300s", got, want)
	}
	if err := json.Unmarshal([]byte(get(map[string]string{"earned": "yes"}, 400)), &bad); err != nil {
		t.Fatal(err)
	}
	if bad.Error.Fields["earned"] == "" {
		t.Errorf("earned=yes: %+v", bad.Error)
	}
}
