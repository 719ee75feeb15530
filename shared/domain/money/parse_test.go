package money

import "testing"

func TestParseTypedAmounts(t *testing.T) {
	for _, c := range []struct {
		in, cur string
		want    int64
		ok      bool
	}{
		{"25", "USD", 2500, true}, {"-25.5", "USD", -2550, true}, {"1,250.00", "USD", 125000, true},
		{"$25", "USD", 2500, true}, {"-$0.01", "USD", -1, true}, {"500", "JPY", 500, true},
		{"5.5", "JPY", 0, false}, {"1.234", "USD", 0, false}, {"abc", "USD", 0, false}, {"", "USD", 0, false},
		{"1e3", "USD", 0, false}, {"99999999999999", "USD", 0, false},
		{"9.99", "USD", 999, true}, {"9999999999999", "USD", 999999999999900, true},
		{"-9999999999999.99", "USD", -999999999999999, true},
		// A sign after the currency symbol is not an amount: "-$-5" is not 5.
		{"-$-5", "USD", 0, false}, {"$-5", "USD", 0, false}, {"$+5", "USD", 0, false},
		{"−$5", "USD", -500, true}, {"- $5", "USD", -500, true}, {"+5", "USD", 500, true},
		{".5", "USD", 50, true}, {"5.", "USD", 500, true}, {".", "USD", 0, false}, {"$", "USD", 0, false},
	} {
		got, err := Parse(c.in, c.cur)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("Parse(%q, %s) = %d, %v", c.in, c.cur, got, err)
		}
	}
}
