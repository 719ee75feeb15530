package stripehook

import (
	"fmt"
	"testing"
)

// SPEC 10, other currencies: the lines' converted total is
// round(settled × Σ amounts / total), shared by largest remainder, ties to
// the earlier line, so the lines add up to it exactly.
func TestConvertedLinesAddUpToTheSettledTotal(t *testing.T) {
	for _, c := range []struct {
		name           string
		amounts        []int64
		settled, total int64
		want           string
	}{
		{"EUR 100.00 settled as USD 108.50", []int64{10000}, 10850, 10000, "[10850]"},
		{"tax and shipping are in the total, not the lines", []int64{5000, 4600}, 10850, 10000, "[5425 4991]"},
		{"the total rounds half away from zero", []int64{1}, 3, 2, "[2]"},
		{"just under a half rounds down", []int64{1}, 149, 100, "[1]"},
		{"the rest goes to the largest remainders", []int64{1000, 2000, 3000}, 1000, 3000, "[333 667 1000]"},
		{"equal remainders: the earlier line", []int64{1, 1, 1}, 2, 3, "[1 1 0]"},
		{"JPY 1000 settled as USD 6.70: no exponent to mind", []int64{600, 400}, 670, 1000, "[402 268]"},
		{"USD to JPY", []int64{999, 1}, 150, 1000, "[150 0]"},
		{"a line of 0 stays 0", []int64{0, 5000}, 5425, 5000, "[0 5425]"},
		{"a free order converts to nothing", []int64{0, 0}, 0, 0, "[0 0]"},
		{"no overflow on the way", []int64{1_000_000_000_000}, 1_000_000_000_000, 1_000_000_000_000, "[1000000000000]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := convertLines(c.amounts, c.settled, c.total)
			if err != nil || fmt.Sprint(got) != c.want {
				t.Errorf("%v %v, want %s", got, err, c.want)
			}
		})
	}
	if _, err := convertLines([]int64{-1}, 1, 1); err == nil {
		t.Error("a negative line converted")
	}
}
