package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindSurvivesWrapping(t *testing.T) {
	err := fmt.Errorf("create payout: %w", New(Conflict, "id_conflict", "used with another body"))
	if KindOf(err) != Conflict || As(err).Code != "id_conflict" {
		t.Errorf("wrapped: kind %v, %v", KindOf(err), As(err))
	}
	if KindOf(errors.New("disk on fire")) != Internal || As(errors.New("x")) != nil {
		t.Error("an error without a kind is not Internal")
	}
}

func TestOneBadFieldIsTheMessage(t *testing.T) {
	if e := Fields(map[string]string{"month": "must be YYYY-MM"}); e.Kind != Invalid || e.Code != "invalid_field" || e.Message != "month: must be YYYY-MM" {
		t.Errorf("got %+v", e)
	}
	if e := Fields(map[string]string{"from": "x", "to": "y"}); e.Message != "invalid fields" || len(e.Fields) != 2 {
		t.Errorf("got %+v", e)
	}
}
