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

func TestFormulaAfterLeadingSpacesOrControlsIsEscaped(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+1 555", "'+1 555"},
		{"-10", "'-10"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{" =1+1", "' =1+1"},
		{"   @cmd", "'   @cmd"},
		{"\n=HYPERLINK(\"x\")", "'\n=HYPERLINK(\"x\")"},
		{"\x00=1", "'\x00=1"},
		{"\x1b+1", "'\x1b+1"},
		{"\u00a0=1", "'\u00a0=1"}, // no-break space
		{"\ufeff=1", "'\ufeff=1"}, // byte-order mark
		{" \t ", "' \t "},
		{"Jane Doe", "Jane Doe"},
		{" Jane", " Jane"},
		{"a=b", "a=b"},
		{"jane@example.com", "jane@example.com"},
		{"   ", "   "},
		{"", ""},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
