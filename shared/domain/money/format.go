package money

import (
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// unit describes how a currency is shown: its symbol and how many minor
// units (decimals) it has.
type unit struct {
	symbol   string
	decimals int
}

// units memoizes lookups: the CLDR symbol tables are walked once per
// currency, not once per amount on a report page.
var units sync.Map // currency code -> unit

// english renders symbols as an English-speaking affiliate reads them ("$",
// "¥", "€"); the root locale would say "US$" and "JP¥".
var english = message.NewPrinter(language.English)

func lookup(code string) unit {
	if u, ok := units.Load(code); ok {
		return u.(unit)
	}
	u := unit{symbol: code, decimals: 2}
	if n, ok := minorUnits()[strings.ToUpper(code)]; ok {
		u.decimals = n
	}
	// CLDR gives the symbol only: its digits are for display, not ISO's.
	// ("XXX", no currency, is its zero Unit, whose symbol is "XXX" too.)
	if cu, err := currency.ParseISO(code); err == nil {
		u.symbol = english.Sprint(currency.Symbol(cu))
	}
	units.Store(code, u)
	return u
}

// Decimals is the number of minor-unit digits of a currency in ISO 4217: 2
// for USD and COP, 0 for JPY, 3 for IQD, and 2 for a code it does not know.
func Decimals(currency string) int { return lookup(currency).decimals }

// Format renders an amount of minor units for people: symbol, grouped major
// units and the currency's decimals ("$1,234.50", "-$23.50", "¥1,235").
// An unknown currency shows its code as the symbol, separated by a space as
// any alphabetic symbol is ("XTS 1.00", "CHF 12.00").
func Format(cents int64, currency string) string {
	u := lookup(currency)
	buf := make([]byte, 0, 32)
	if cents < 0 {
		buf = append(buf, '-')
	}
	buf = append(buf, u.symbol...)
	if r, _ := utf8.DecodeLastRuneInString(u.symbol); unicode.IsLetter(r) {
		buf = append(buf, ' ')
	}
	return string(appendAmount(buf, cents, u.decimals, true))
}

// Plain renders an amount for machines (CSV exports): no symbol, no
// grouping, the currency's decimals ("1234.50", "-23.50", "1235" for JPY).
func Plain(cents int64, currency string) string {
	u := lookup(currency)
	var buf []byte
	if cents < 0 {
		buf = append(buf, '-')
	}
	return string(appendAmount(buf, cents, u.decimals, false))
}

// appendAmount appends |cents| as major units with decimals digits after the
// point, grouping the major part by thousands when group is set. It works on
// the digits, so there is no float and no rounding.
func appendAmount(buf []byte, cents int64, decimals int, group bool) []byte {
	digits := strconv.FormatUint(abs(cents), 10)
	if len(digits) <= decimals { // pad 5 cents to "005" so there is a "0."
		digits = strings.Repeat("0", decimals+1-len(digits)) + digits
	}
	major, minor := digits[:len(digits)-decimals], digits[len(digits)-decimals:]
	for i := 0; i < len(major); i++ {
		if group && i > 0 && (len(major)-i)%3 == 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, major[i])
	}
	if decimals > 0 {
		buf = append(buf, '.')
		buf = append(buf, minor...)
	}
	return buf
}
