package money

import (
	"errors"
	"math"
)

// ErrDecimal is returned for an amount that is not a plain decimal string
// or does not fit the currency's minor units exactly.
var ErrDecimal = errors.New("money: not an exact decimal amount of the currency")

// ParseDecimal converts a checkout's decimal string ("199.99", "-5", "1000.0")
// to minor units of the currency exactly, by its exponent: "199.99" USD is
// 19999, "1000" JPY is 1000. Digits past the exponent must be zeros
// ("10.50" JPY is over-precise); no exponent notation, spaces, or grouping.
func ParseDecimal(s, currency string) (int64, error) {
	exp := Decimals(currency)
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	var n int64
	frac, dot, digits := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' && !dot:
			dot = true
		case c >= '0' && c <= '9':
			digits = true
			if dot {
				frac++
			}
			if frac > exp { // past the currency's decimals: zeros only, adding nothing
				if c != '0' {
					return 0, ErrDecimal
				}
			} else {
				if n > (math.MaxInt64-int64(c-'0'))/10 {
					return 0, ErrDecimal
				}
				n = n*10 + int64(c-'0')
			}
		default:
			return 0, ErrDecimal
		}
	}
	if !digits || (dot && frac == 0) || s[0] == '.' {
		return 0, ErrDecimal
	}
	for ; frac < exp; frac++ {
		if n > math.MaxInt64/10 {
			return 0, ErrDecimal
		}
		n *= 10
	}
	if neg {
		n = -n
	}
	return n, nil
}
