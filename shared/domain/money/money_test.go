package money

import (
	"math"
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

func TestRate(t *testing.T) {
	tests := []struct {
		name         string
		amount, rate int64
		want         int64
	}{
		{"half of a recording", 9700, 5000, 4850},
		{"half of a transcript", 4700, 5000, 2350},
		{"a third of a third rounds down (0.333333)", 3333, 3333, 1111},
		{"exactly half a cent rounds up", 1, 5000, 1},
		{"exactly half a cent rounds away from zero when negative", -1, 5000, -1},
		{"just under half a cent rounds to zero", 1, 4999, 0},
		{"just over half a cent rounds up", 3, 1667, 1},
		{"negative amount mirrors positive", -9700, 5000, -4850},
		{"negative half rounds away from zero", -3, 5000, -2},
		{"positive half rounds away from zero", 3, 5000, 2},
		{"zero rate earns nothing", 9700, 0, 0},
		{"zero amount earns nothing", 0, 5000, 0},
		{"full rate is the amount", 12345, 10000, 12345},
		{"rate above 100% is allowed", 100, 15000, 150},
		{"negative rate gives a negative result", 100, -2500, -25},
		{"large amounts stay exact past 2^63 intermediates", math.MaxInt64 / 2, 10000, math.MaxInt64 / 2},
		{"most negative amount at full rate", math.MinInt64, 10000, math.MinInt64},
		{"largest amount at full rate", math.MaxInt64, 10000, math.MaxInt64},
		{"zero amount at a negative rate is zero", 0, -5000, 0},
		{"negative amount at a negative rate is positive", -9700, -5000, 4850},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Rate(tt.amount, tt.rate); got != tt.want {
				t.Errorf("Rate(%d, %d) = %d, want %d", tt.amount, tt.rate, got, tt.want)
			}
		})
	}
}

func TestProrate(t *testing.T) {
	tests := []struct {
		name    string
		c, r, q int64
		want    int64
	}{
		{"nothing refunded is nothing", 4850, 0, 3, 0},
		{"all refunded is all", 4850, 3, 3, 4850},
		{"one of three of 100 rounds down", 100, 1, 3, 33},
		{"two of three of 100 rounds up", 100, 2, 3, 67},
		{"half of an odd amount rounds up", 5, 1, 2, 3},
		{"half of a negative odd amount rounds away from zero", -5, 1, 2, -3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Prorate(tt.c, tt.r, tt.q); got != tt.want {
				t.Errorf("Prorate(%d, %d, %d) = %d, want %d", tt.c, tt.r, tt.q, got, tt.want)
			}
		})
	}
}

func TestClawback(t *testing.T) {
	tests := []struct {
		name                  string
		earned, qty, bef, aft int64
		want                  int64
	}{
		{"refunding a one-unit line takes back all of it", 2350, 1, 0, 1, -2350},
		{"first of three units takes back a rounded third", 100, 3, 0, 1, -33},
		{"second of three units takes back the rounding difference", 100, 3, 1, 2, -34},
		{"last of three units takes back what is left", 100, 3, 2, 3, -33},
		{"refunding nothing takes back nothing", 100, 3, 1, 1, 0},
		{"two of three at once", 100, 3, 0, 2, -67},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clawback(tt.earned, tt.qty, tt.bef, tt.aft); got != tt.want {
				t.Errorf("Clawback(%d, %d, %d, %d) = %d, want %d", tt.earned, tt.qty, tt.bef, tt.aft, got, tt.want)
			}
		})
	}
}

// Misuse panics with the rule it breaks, never with a runtime error from
// deeper down (a division by zero, a quotient overflow) that hides it.
func TestMisusePanicsSayingWhy(t *testing.T) {
	const (
		quantity = "money: Prorate with a non-positive quantity"
		order    = "money: Clawback needs 0 <= refundedBefore <= refundedAfter <= quantity"
		overflow = "money: result overflows int64"
	)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"prorate over zero units", func() { Prorate(1, 0, 0) }, quantity},
		{"prorate over negative units", func() { Prorate(1, 1, -1) }, quantity},
		{"clawback of more than sold", func() { Clawback(100, 2, 0, 3) }, order},
		{"clawback going backwards", func() { Clawback(100, 2, 2, 1) }, order},
		{"clawback from a negative count", func() { Clawback(100, 2, -1, 1) }, order},
		{"result beyond int64", func() { Rate(math.MaxInt64, 20000) }, overflow},
		// 2^63 × 20000 is exactly 10000 × 2^64: the high word equals the divisor.
		{"negative result beyond int64", func() { Rate(math.MinInt64, 20000) }, overflow},
		{"result one past int64", func() { Rate(math.MaxInt64/2+1, 20000) }, overflow},
		{"negative result one past int64", func() { Rate(math.MinInt64/2-1, 20000) }, overflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if got := recover(); got != tt.want {
					t.Errorf("panic %v, want %q", got, tt.want)
				}
			}()
			tt.f()
		})
	}
}

// refRound is a × b / d rounded half away from zero, in big integers.
func refRound(a, b, d int64) int64 {
	num := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	den := big.NewInt(d)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Abs(new(big.Int).Lsh(r, 1)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(int64(num.Sign())))
	}
	return q.Int64()
}

func TestRateMatchesBigIntegerRounding(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.Int64Range(-1e12, 1e12).Draw(t, "amount")
		bp := rapid.Int64Range(-20000, 20000).Draw(t, "bp")
		if got, want := Rate(a, bp), refRound(a, bp, BasisPoints); got != want {
			t.Fatalf("Rate(%d, %d) = %d, want %d", a, bp, got, want)
		}
		if Rate(-a, bp) != -Rate(a, bp) {
			t.Fatalf("Rate(%d, %d) is not symmetric around zero", a, bp)
		}
	})
}

func TestProrateMatchesBigIntegerRounding(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.Int64Range(-1e12, 1e12).Draw(t, "c")
		q := rapid.Int64Range(1, 1e6).Draw(t, "q")
		r := rapid.Int64Range(0, q).Draw(t, "r")
		if got, want := Prorate(c, r, q), refRound(c, r, q); got != want {
			t.Fatalf("Prorate(%d, %d, %d) = %d, want %d", c, r, q, got, want)
		}
	})
}

// The rule of SPEC 4.2: clawbacks never take back more than was earned, and
// refunding every unit, in any steps, takes back exactly what was earned.
func TestClawbacksNeverExceedEarnedAndRefundingAllTakesBackExactly(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		earned := rapid.Int64Range(0, 1e9).Draw(t, "earned")
		qty := rapid.Int64Range(1, 1000).Draw(t, "quantity")
		refundAll := rapid.Bool().Draw(t, "refundAll")

		var refunded, total int64
		for refunded < qty {
			step := rapid.Int64Range(1, qty-refunded).Draw(t, "step")
			cb := Clawback(earned, qty, refunded, refunded+step)
			if cb > 0 {
				t.Fatalf("clawback %d is positive", cb)
			}
			refunded += step
			total += cb
			if -total > earned {
				t.Fatalf("clawbacks %d exceed earned %d after %d of %d units", total, earned, refunded, qty)
			}
			if !refundAll && rapid.Bool().Draw(t, "stop") {
				break
			}
		}
		if refunded == qty && total != -earned {
			t.Fatalf("refunding all %d units took back %d, want %d", qty, total, -earned)
		}
	})
}
