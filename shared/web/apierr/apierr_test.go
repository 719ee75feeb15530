package apierr

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/tallyhq/tally/shared/domain/fault"
)

func TestEveryKindHasItsStatus(t *testing.T) {
	for k, want := range map[fault.Kind]int{
		fault.Invalid: 400, fault.Unauthorized: 401, fault.Forbidden: 403, fault.NotFound: 404, fault.Conflict: 409,
		fault.TooLarge: 413, fault.Unprocessable: 422, fault.NotImplemented: 501, fault.Unavailable: 503, fault.Internal: 500,
	} {
		if got := Status(k); got != want {
			t.Errorf("kind %d: status %d, want %d", k, got, want)
		}
	}
}

func TestAWrappedKindIsAnsweredWithItsCodeAndFields(t *testing.T) {
	err := fmt.Errorf("period: %w", fault.Fields(map[string]string{"month": "must be a month YYYY-MM"}))
	e := From(err)
	if e.Status != http.StatusBadRequest || e.Code != "invalid_field" || e.Fields["month"] == "" {
		t.Errorf("got %+v", e)
	}
	if From(fault.New(fault.Internal, "boom", "x")) != Internal || From(fmt.Errorf("plain")) != Internal {
		t.Error("an internal failure is not hidden")
	}
}

func TestTheBodyIsTheSpecsErrorDocument(t *testing.T) {
	b, err := json.Marshal(Body{Error: From(fault.New(fault.NotFound, "payout_not_found", "no payout %q", "p1"))})
	if err != nil || string(b) != `{"error":{"code":"payout_not_found","message":"no payout \"p1\""}}` {
		t.Errorf("body %s, %v", b, err)
	}
}
