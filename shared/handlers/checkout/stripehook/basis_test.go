package stripehook

import (
	"fmt"
	"testing"
)

func TestBasis(t *testing.T) {
	l := func(id, price string, amount, tax int64) invLine {
		return invLine{id: id, price: price, sku: price, quantity: 1, amount: amount, tax: tax}
	}
	for _, c := range []struct {
		name  string
		lines []invLine
		paid  int64
		want  string
	}{
		{"a credit of another price reduces the invoice in proportion", []invLine{l("a", "new", 3000, 0), l("b", "old", -1000, 0)}, 2000, "[{new 1 0 2000 0}]"},
		{"a credit of the same price comes off that line", []invLine{l("a", "p", 3000, 0), l("b", "q", 4700, 0), l("c", "p", -1000, 0)}, 6700, "[{p 1 0 2000 0} {q 1 0 4700 0}]"},
		{"a credit larger than its price's line spills over the rest", []invLine{l("a", "p", 1000, 0), l("b", "q", 3000, 0), l("c", "p", -2000, 0)}, 2000, "[{p 1 0 0 0} {q 1 0 2000 0}]"},
		{"proportional shares add up exactly (largest remainder)", []invLine{l("a", "p", 1000, 0), l("b", "q", 1000, 0), l("c", "r", 1000, 0), l("d", "s", -1000, 0)}, 2000,
			"[{p 1 0 667 0} {q 1 0 667 0} {r 1 0 666 0}]"},
		{"never more than paid less tax (a customer balance paid part)", []invLine{l("a", "p", 3000, 300), l("b", "q", 1000, 100)}, 2400, "[{p 1 0 1500 0} {q 1 0 500 0}]"},
		{"no credit, all paid", []invLine{l("a", "p", 3000, 240)}, 3240, "[{p 1 0 3000 0}]"},
		{"credits beyond the lines leave nothing", []invLine{l("a", "p", 1000, 0), l("b", "q", -5000, 0)}, 0, "[{p 1 0 0 0}]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ids := basis(c.lines, c.paid)
			if fmt.Sprint(got) != c.want || len(ids) != len(got) {
				t.Errorf("%v %v, want %s", got, ids, c.want)
			}
			var sum int64
			for _, g := range got {
				sum += g.Amount()
			}
			var tax int64
			for _, l := range c.lines {
				tax += l.tax
			}
			if sum > c.paid-tax && sum != 0 {
				t.Errorf("lines add up to %d, more than paid %d less tax %d", sum, c.paid, tax)
			}
		})
	}
}

func TestLargestRemainder(t *testing.T) {
	for _, c := range []struct {
		n       int64
		weights []int64
		want    string
	}{
		{1000, []int64{1000, 1000, 1000}, "[334 333 333]"},
		{2, []int64{1, 1, 1}, "[1 1 0]"},
		{10, []int64{0, 5, 5}, "[0 5 5]"},
		{1_000_000_000_000, []int64{999_999_999_999, 1}, "[999999999999 1]"},
		{5, []int64{0, 0}, "[0 0]"},
	} {
		if got := fmt.Sprint(largestRemainder(c.n, c.weights)); got != c.want {
			t.Errorf("%d over %v: %s, want %s", c.n, c.weights, got, c.want)
		}
	}
}
