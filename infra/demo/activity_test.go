package demo_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
)

// The demo activity plays on the embedded store and leaves kim where SPEC
// section 9's worked example ends: 6991 paid, 8102 in a draft payout.
func TestPlay(t *testing.T) {
	srv, err := devserver.New(context.Background(), devserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	jane, _ := srv.Program.LinkFor("summit-2026", "jane")
	if err := demo.Play(srv.Handler(), srv.WebhookSecret, time.Now(), jane.Code); err != nil {
		t.Fatal(err)
	}
	get := func(path, key string, v any) {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), v) != nil {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
	}
	var b struct {
		Held      int64 `json:"held_cents"`
		Available int64 `json:"available_cents"`
		InPayout  int64 `json:"in_payout_cents"`
		Paid      int64 `json:"paid_cents"`
	}
	get("/reports/balance", "dev-kim-key", &b)
	if b.Held != 0 || b.Available != 0 || b.InPayout != 8102 || b.Paid != 6991 {
		t.Errorf("kim: %+v", b)
	}
	var l struct{ Totals map[string]int64 }
	get("/reports/ledger", "dev-jane-key", &l)
	if l.Totals["net_cents"] != 14850 {
		t.Errorf("jane's ledger: %+v", l)
	}
}

// Issue 13, defect 1: after the demo plays, cancelling kim's draft makes its
// 8102 payable again, and a payout with a new key pays it, on the embedded
// store as on DynamoDB Local. The embedded store ignored the REMOVE that
// gave the entries back, so the new payout answered 422 nothing_payable.
func TestCancelTheDemoDraftThenPayAgain(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		srv, err := devserver.New(context.Background(), devserver.Options{
			DynamoDBEndpoint: on.Endpoint(t), Table: dynamotest.NewTable(t, on.Client(t)),
			Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		jane, _ := srv.Program.LinkFor("summit-2026", "jane")
		if err := demo.Play(srv.Handler(), srv.WebhookSecret, time.Now(), jane.Code); err != nil {
			t.Fatal(err)
		}
		owner := func(method, path, idem string, v any) int {
			t.Helper()
			req := httptest.NewRequest(method, path, strings.NewReader(`{}`))
			req.Header.Set("Authorization", "Bearer dev-owner-key")
			if idem != "" {
				req.Header.Set("Idempotency-Key", idem)
			}
			w := httptest.NewRecorder()
			srv.Handler().ServeHTTP(w, req)
			if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
				t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
			}
			return w.Code
		}
		type payout struct {
			ID, Status string
			Total      int64 `json:"total_cents"`
		}
		var list struct{ Payouts []payout }
		owner("GET", "/admin/payouts", "", &list)
		var draft payout
		for _, p := range list.Payouts {
			if p.Status == "draft" {
				draft = p
			}
		}
		if draft.Total != 8102 {
			t.Fatalf("kim's draft: %+v in %+v", draft, list)
		}
		var got payout
		if code := owner("POST", "/admin/payouts/"+draft.ID+"/cancel", "", &got); code != 200 || got.Status != "canceled" {
			t.Fatalf("cancel: %d %+v", code, got)
		}
		var again payout
		if code := owner("POST", "/admin/payouts", "after-cancel", &again); code != 201 || again.Total != 8102 || again.ID == draft.ID {
			t.Fatalf("pay again after cancel: %d %+v", code, again)
		}
	})
}
