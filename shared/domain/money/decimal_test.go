package money

import "testing"

func TestParseDecimal(t *testing.T) {
	for _, c := range []struct {
		in, cur string
		want    int64
		ok      bool
	}{
		{"199.99", "USD", 19999, true},
		{"10.00", "USD", 1000, true},
		{"10.5", "USD", 1050, true},
		{"10", "USD", 1000, true},
		{"0.00", "USD", 0, true},
		{"-5.25", "USD", -525, true},
		{"1000", "JPY", 1000, true},
		{"1000.0", "JPY", 1000, true},
		{"1000.00", "JPY", 1000, true},
		{"12.345", "BHD", 12345, true},
		{"10.001", "USD", 0, false},
		{"10.50", "JPY", 0, false},
		{"10.010", "USD", 1001, true},
		{"10.", "USD", 0, false},
		{".5", "USD", 0, false},
		{"", "USD", 0, false},
		{"-", "USD", 0, false},
		{"1e3", "USD", 0, false},
		{" 10.00", "USD", 0, false},
		{"1,000.00", "USD", 0, false},
		{"1.2.3", "USD", 0, false},
		{"+1.00", "USD", 0, false},
		{"99999999999999999999", "USD", 0, false},
		{"92233720368547758.07", "USD", 9223372036854775807, true},
		{"92233720368547758.08", "USD", 0, false},
		// Padded to the exponent, the last step may reach MaxInt64/10 × 10.
		{"9223372036854775.8", "BHD", 9223372036854775800, true},
		{"92233720368547758.1", "BHD", 0, false},
		{"0.5", "USD", 50, true},
		{"-0", "USD", 0, true},
		{"0", "JPY", 0, true},
		{"5.", "JPY", 0, false},
		{"5.0", "JPY", 5, true},
		{"5.00", "JPY", 5, true},
		{"5.01", "JPY", 0, false},
		{"12.3450", "BHD", 12345, true},
		{"12.3459", "BHD", 0, false},
	} {
		got, err := ParseDecimal(c.in, c.cur)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseDecimal(%q, %s) = %d, %v; want %d, ok=%v", c.in, c.cur, got, err, c.want, c.ok)
		}
	}
}
