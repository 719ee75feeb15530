package demo_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
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
