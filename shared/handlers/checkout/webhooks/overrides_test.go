package webhooks_test

import (
	"testing"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/program"
)

// recruitedProgram is the demo program with bob recruited by jane, whose
// plan (standard) pays her 10% of her recruits' commissions.
func recruitedProgram(bp int64) *program.Program {
	p := demo.Program()
	std, _ := p.Plan("standard")
	std.OverrideBP = bp
	bob, _ := p.Affiliate("bob")
	bob.RecruitedBy = "jane"
	return p
}

// An order whose referrer was recruited writes the override in the
// order's one transaction: the same requests as without it, one more item
// (2 write units at AWS's transactional rate, under 1 KB), and the order's
// record holds the override too (so a refund can claw it back), which may
// take it over its next KB: at most 4 write units more. Measured on
// DynamoDB Local through the handler (docs/benchmarks.md).
func TestAnOverrideIsOneMoreItemOfTheOrdersTransaction(t *testing.T) {
	cost := func(bp int64) (requests int, txnWrites float64, overrides int) {
		e := newEnvWith(t, recruitedProgram(bp))
		// A warm function: its first order wrote bob's and jane's payee markers.
		if code, _, body := e.order(t, paid("order-warm", "kit@example.org", `,"affiliate":"bob"`, item("SUM26-REC", 1, 9700))); code != 200 {
			t.Fatalf("order: %d %s", code, body)
		}
		before := e.meter.Snapshot()
		code, m, body := e.order(t, paid("order-cost", "lee@example.org", `,"affiliate":"bob"`, item("SUM26-REC", 1, 9700)))
		if code != 200 {
			t.Fatalf("order: %d %s", code, body)
		}
		c := e.meter.Since(before)
		for _, x := range m["commissions"].([]any) {
			if x.(map[string]any)["type"] == "override" {
				overrides++
			}
		}
		t.Logf("order, override_bp %d: %s, write units %.0f (transactional %.0f), read units %.1f", bp, c, c.AWSWriteUnits(), c.TxnWriteUnits, c.AWSReadUnits())
		// Its refund claws the override back in the refund's one transaction.
		before = e.meter.Snapshot()
		code, m, body = e.order(t, `{"id":"refund-cost","type":"order.refunded","occurred_at":"2026-11-04T09:00:00Z","order_id":"order-cost"}`)
		if code != 200 || len(m["clawbacks"].([]any)) != 1+overrides {
			t.Fatalf("refund: %d %s", code, body)
		}
		r := e.meter.Since(before)
		t.Logf("refund, override_bp %d: %s, write units %.0f (transactional %.0f), read units %.1f", bp, r, r.AWSWriteUnits(), r.TxnWriteUnits, r.AWSReadUnits())
		return c.Total(), c.TxnWriteUnits, overrides
	}
	reqs0, writes0, n0 := cost(0)
	reqs1, writes1, n1 := cost(1000)
	if n0 != 0 || n1 != 1 {
		t.Fatalf("overrides written: %d without a rate, %d with one; want 0 and 1", n0, n1)
	}
	if reqs1 != reqs0 {
		t.Errorf("an order with an override made %d requests, without %d: want the same (one transaction)", reqs1, reqs0)
	}
	if d := writes1 - writes0; d < 2 || d > 4 {
		t.Errorf("an override costs %.0f transactional write units, want 2 for its item and at most 2 for the record's growth", d)
	}
}
