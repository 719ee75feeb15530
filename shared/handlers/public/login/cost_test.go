package login_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/public/login"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// A sign-in, from a cold start, reads the same requests and bytes in a
// program of 4 affiliates as of 1,004: the rules and the affiliates
// listed under the address, never every affiliate (SPEC 15). An
// affiliate imported a moment ago can sign in at once.
func TestASignInReadsOnlyTheAddressesAffiliates(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var box strings.Builder
	signIn := func(email string) dynamometer.Counts {
		d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour, Local: true, PublicBaseURL: "https://go.example.com"}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		d.Now = func() time.Time { return now }
		d.Mail = &mail.Printer{W: &box}
		req := apigw.Request{RawPath: "/login", Body: "email=" + email,
			Headers: map[string]string{"content-type": "application/x-www-form-urlencoded", "host": "127.0.0.1", "origin": "http://127.0.0.1"}}
		req.RequestContext.HTTP.Method = http.MethodPost
		req.RequestContext.HTTP.Path = "/login"
		before := m.Snapshot()
		resp, err := login.Submit(d)(ctx, req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %d %s", err, resp.StatusCode, resp.Body)
		}
		return m.Since(before)
	}
	dynamotest.ImportCrowd(t, st, 0, 1)
	few := signIn("jane@example.com")
	dynamotest.ImportCrowd(t, st, 1, 1000)
	many := signIn("jane@example.com")
	t.Logf("cold sign-in, 4 affiliates: %v, %d bytes read; 1,004: %v, %d bytes read", few, few.ReadBytes, many, many.ReadBytes)
	if few.String() != many.String() || few.ReadBytes != many.ReadBytes {
		t.Errorf("a cold sign-in read %v (%d bytes) with 4 affiliates, %v (%d bytes) with 1,004", few, few.ReadBytes, many, many.ReadBytes)
	}
	box.Reset()
	signIn("crowd-0999@example.org")
	if !strings.Contains(box.String(), "crowd-0999@example.org") {
		t.Errorf("an affiliate imported a moment ago got no sign-in mail: %q", box.String())
	}
}
