package money

import (
	"errors"
	"strconv"
	"strings"
)

// ErrAmount means a typed amount is not a number of the currency.
var ErrAmount = errors.New("not an amount")

// Parse reads an amount a person typed in major units ("25", "-25.50",
// "1,250.00", "$25") into minor units of the currency, refusing more
// decimals than the currency has. No float is involved.
func Parse(s, currency string) (int64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	neg := strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−")
	s = strings.TrimLeft(s, "-−+ ")
	s = strings.TrimSpace(strings.TrimPrefix(s, lookup(currency).symbol))
	whole, frac, _ := strings.Cut(s, ".")
	dec := Decimals(currency)
	if whole == "" && frac == "" || len(frac) > dec || len(whole) > 13 {
		return 0, ErrAmount
	}
	frac += strings.Repeat("0", dec-len(frac))
	digits := whole + frac
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, ErrAmount
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, ErrAmount
	}
	if neg {
		n = -n
	}
	return n, nil
}
