// Package money is Tally's arithmetic on amounts: integer minor units of the
// program's currency ("cents") and rates in basis points. It rounds once,
// half away from zero, with exact integer arithmetic, so the same order gives
// the same commission on every machine and in every report.
package money

import (
	"math"
	"math/bits"
)

// BasisPoints is the denominator of a rate: 10000 bp = 100%.
const BasisPoints = 10000

// Rate is amountCents × rateBP / 10000 rounded half away from zero to the
// cent: 9700 at 5000 bp is 4850, 1 at 5000 bp is 1 and -1 at 5000 bp is -1.
func Rate(amountCents, rateBP int64) int64 {
	return mulDivRound(amountCents, rateBP, BasisPoints)
}

// Prorate is round(c × r / q), half away from zero: the share of c that r of
// q units stand for. It panics when q <= 0, which no line of an order has.
func Prorate(c, r, q int64) int64 {
	if q <= 0 {
		panic("money: Prorate with a non-positive quantity")
	}
	return mulDivRound(c, r, q)
}

// Clawback is the (negative) amount a refund takes back from a commission of
// earned on a line of quantity units, when the refund takes the line's
// refunded units from refundedBefore to refundedAfter.
//
// It is the difference of the rounded cumulative shares rather than a share of
// the units refunded now, so rounding never accumulates: refunding the whole
// line, in any number of steps, takes back exactly earned and never more.
//
// It panics unless 0 <= refundedBefore <= refundedAfter <= quantity: callers
// refuse an over-refund (422) before any money is computed, and a wrong
// clawback must never be written.
func Clawback(earned, quantity, refundedBefore, refundedAfter int64) int64 {
	if refundedBefore < 0 || refundedBefore > refundedAfter || refundedAfter > quantity {
		panic("money: Clawback needs 0 <= refundedBefore <= refundedAfter <= quantity")
	}
	return -(Prorate(earned, refundedAfter, quantity) - Prorate(earned, refundedBefore, quantity))
}

// mulDivRound is a × b / d (d > 0) rounded half away from zero. The product
// is kept in 128 bits so no realistic amount overflows on the way; a result
// that does not fit in an int64 panics rather than wrapping into a wrong sum.
func mulDivRound(a, b, d int64) int64 {
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(abs(a), abs(b))
	ud := uint64(d)
	if hi >= ud {
		panic("money: result overflows int64")
	}
	q, r := bits.Div64(hi, lo, ud)
	// r < d, so comparing r with d - r avoids computing 2r.
	if r >= ud-r {
		q++
	}
	if neg {
		if q > 1<<63 {
			panic("money: result overflows int64")
		}
		return int64(-q) // -(1<<63) wraps to MinInt64, which is right
	}
	if q > math.MaxInt64 {
		panic("money: result overflows int64")
	}
	return int64(q)
}

// abs is |x| as an unsigned value; it is right for MinInt64 too.
func abs(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}
