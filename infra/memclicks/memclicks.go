// Package memclicks is the click handler over a program held in memory,
// for benchmarks and fuzzing. It is apart from the demo data so the
// domain's tests can use that data without the application.
package memclicks

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/public/clicks"
)

// New is the click handler over a program held in memory, with
// hits counted nowhere: the handler's own cost alone, for benchmarks and
// fuzzing. It never reaches DynamoDB.
func New(p *program.Program, clickKey string) *clicks.Handler {
	d := app.New(app.Config{Table: "memory", ClickKey: clickKey, ProgramTTL: time.Hour}, dynamodb.New(dynamodb.Options{Region: "us-east-1"}),
		slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Programs = program.NewCache(memProgram{p}, time.Hour)
	d.Rules = d.Programs
	d.Affiliates = program.NewKnown(memProgram{p}, time.Hour)
	return clicks.New(d).WithCounter(memCounter{})
}

// memProgram serves a program from memory.
type memProgram struct{ p *program.Program }

func (m memProgram) LoadProgram(context.Context) (*program.Program, string, error) {
	return m.p, "v1", nil
}
func (m memProgram) ProgramVersion(context.Context) (string, error) { return "v1", nil }

func (m memProgram) CurrentAffiliate(_ context.Context, code string) (*program.Affiliate, []program.Link, error) {
	a, _ := m.p.Affiliate(code)
	return a, nil, nil
}

func (m memProgram) ShortLink(_ context.Context, code string) (program.Link, bool, error) {
	l, ok := m.p.LinkByCode(code)
	if !ok {
		return program.Link{}, false, nil
	}
	return *l, true, nil
}

func (m memProgram) Payee(_ context.Context, code string) (*program.Affiliate, bool, error) {
	a, former, _ := m.p.Payee(code)
	return a, former, nil
}

func (m memProgram) CouponHolder(_ context.Context, code string) (*program.Affiliate, bool, error) {
	owner, ok := m.p.CouponOwner(code)
	if !ok {
		return nil, false, nil
	}
	a, former, _ := m.p.Payee(owner)
	return a, former, nil
}

// memCounter takes the hit and keeps nothing.
type memCounter struct{}

func (memCounter) CountHit(_ context.Context, _, _, _, sub string, _ int) (string, error) {
	return sub, nil
}
