package csvout

import "testing"

func TestTextIsEscapedNumbersAreNot(t *testing.T) {
	got := string(Write([]string{"name", "amount_cents", "note"}, [][]any{
		{Text("=HYPERLINK(\"http://x\")"), int64(-2350), "+1 555"},
		{"@SUM(A1)", 4850, "-tab"},
		{"\tx", int64(0), "\rx"},
		{"Jane, Doe", int64(9700), nil},
	}))
	want := "name,amount_cents,note\n" +
		"\"'=HYPERLINK(\"\"http://x\"\")\",-2350,'+1 555\n" +
		"'@SUM(A1),4850,'-tab\n" +
		"'\tx,0,\"'\rx\"\n" +
		"\"Jane, Doe\",9700,\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
