package money

import "testing"

func TestDecimals(t *testing.T) {
	tests := []struct {
		name     string
		currency string
		want     int
	}{
		{"dollars have cents", "USD", 2},
		{"euros have cents", "EUR", 2},
		{"yen have no minor unit", "JPY", 0},
		{"won have no minor unit", "KRW", 0},
		{"dinar have three decimals", "KWD", 3},
		{"lower case is the same currency", "usd", 2},
		{"unknown code defaults to two", "QQQ", 2},
		{"malformed code defaults to two", "dollars", 2},
		{"no currency (XXX) defaults to two", "XXX", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decimals(tt.currency); got != tt.want {
				t.Errorf("Decimals(%q) = %d, want %d", tt.currency, got, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name     string
		cents    int64
		currency string
		want     string
	}{
		{"dollars are grouped with cents", 123450, "USD", "$1,234.50"},
		{"negative sign goes before the symbol", -2350, "USD", "-$23.50"},
		{"zero shows its cents", 0, "USD", "$0.00"},
		{"under a dollar has a leading zero", 5, "USD", "$0.05"},
		{"negative cents", -5, "USD", "-$0.05"},
		{"ten cents have a leading zero", 10, "USD", "$0.10"},
		{"fifty cents have a leading zero, never $.50", 50, "USD", "$0.50"},
		{"ninety-nine cents have a leading zero", 99, "USD", "$0.99"},
		{"negative fifty cents", -50, "USD", "-$0.50"},
		{"a dollar", 100, "USD", "$1.00"},
		{"fils under a dinar have a leading zero", 500, "KWD", "KWD 0.500"},
		{"no currency (XXX) shows its code", 100, "XXX", "XXX 1.00"},
		{"exactly a thousand", 100000, "USD", "$1,000.00"},
		{"millions group twice", 123456789, "USD", "$1,234,567.89"},
		{"yen have no decimals", 1235, "JPY", "¥1,235"},
		{"euros use the euro sign", 999, "EUR", "€9.99"},
		{"pounds use the pound sign", 100, "GBP", "£1.00"},
		{"other dollars are told apart", 100, "CAD", "CA$1.00"},
		{"alphabetic symbol is spaced from the number", 1200, "CHF", "CHF 12.00"},
		{"unknown currency shows its code", 123450, "QQQ", "QQQ 1,234.50"},
		{"most negative amount", -9223372036854775808, "USD", "-$92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Format(tt.cents, tt.currency); got != tt.want {
				t.Errorf("Format(%d, %q) = %q, want %q", tt.cents, tt.currency, got, tt.want)
			}
		})
	}
}

func TestPlain(t *testing.T) {
	tests := []struct {
		name     string
		cents    int64
		currency string
		want     string
	}{
		{"no symbol and no grouping", 123450, "USD", "1234.50"},
		{"negative", -2350, "USD", "-23.50"},
		{"zero", 0, "USD", "0.00"},
		{"cents only", 7, "USD", "0.07"},
		{"negative cents only", -7, "USD", "-0.07"},
		{"ten to ninety-nine cents have a leading zero", 50, "USD", "0.50"},
		{"ninety-nine cents", 99, "USD", "0.99"},
		{"negative fifty cents", -50, "USD", "-0.50"},
		{"fils under a dinar", 999, "KWD", "0.999"},
		{"yen have no decimal point", 1235, "JPY", "1235"},
		{"negative yen", -1235, "JPY", "-1235"},
		{"three-decimal currency", 1234, "KWD", "1.234"},
		{"unknown currency has two decimals", 1234, "QQQ", "12.34"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Plain(tt.cents, tt.currency); got != tt.want {
				t.Errorf("Plain(%d, %q) = %q, want %q", tt.cents, tt.currency, got, tt.want)
			}
		})
	}
}
