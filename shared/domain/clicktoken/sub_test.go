package clicktoken

import (
	"strings"
	"testing"
)

func TestChannelTagTravelsInTheToken(t *testing.T) {
	k := mustKeys(t, keyA)
	tagged := Claims{Affiliate: "jane", Event: "summit-2026", At: clickAt, Sub: "ig_story-2"}
	tok := k.Sign(tagged)
	got, err := k.Verify(tok)
	if err != nil || got.Sub != "ig_story-2" || got.Affiliate != "jane" || got.Event != "summit-2026" || !got.At.Equal(clickAt) {
		t.Fatalf("Verify(%q) = %+v, %v", tok, got, err)
	}
	// Untagged tokens keep their form; a tag costs its length and a dot.
	plain := k.Sign(claims)
	if strings.Count(plain, ".") != 4 || len(tok) != len(plain)+1+len("ig_story-2") {
		t.Errorf("untagged %q, tagged %q", plain, tok)
	}
	if long := k.Sign(Claims{Affiliate: "jane", Event: "summit-2026", At: clickAt, Sub: strings.Repeat("x", 32)}); len(long) > 100 {
		t.Errorf("a token with the longest tag is %d bytes", len(long))
	}
	// The tag is signed: changing it breaks the token.
	if _, err := k.Verify(strings.Replace(tok, "ig_story-2", "ig_story-3", 1)); err == nil {
		t.Error("a changed tag verified")
	}
	// Dropping it too.
	if _, err := k.Verify(strings.Replace(tok, ".ig_story-2", "", 1)); err == nil {
		t.Error("a token with its tag cut off verified")
	}
	for _, bad := range []string{"IG", "a.b", "", strings.Repeat("x", 33), "é"} {
		c := Claims{Affiliate: "jane", Event: "summit-2026", At: clickAt, Sub: bad}
		if bad != "" && c.Valid() == nil {
			t.Errorf("tag %q accepted", bad)
		}
	}
	if _, err := k.Verify(strings.Replace(tok, "ig_story-2", "IG_story-2", 1)); err == nil {
		t.Error("an upper-case tag verified")
	}
}

func TestNormalizeSub(t *testing.T) {
	for in, want := range map[string]string{
		"podcast": "podcast", "Instagram": "instagram", "IG_Story-2": "ig_story-2", "a": "a",
		strings.Repeat("X", 32): strings.Repeat("x", 32),
		// anything else counts without a tag
		"": "", strings.Repeat("x", 33): "", "ig story": "", "ig.story": "", "ig/story": "", "é": "",
		"\u212Anstagram": "", // the Kelvin sign, which Unicode lower-cases to k
		"%41":            "", "ig\x00": "", "<script>": "",
	} {
		if got := NormalizeSub(in); got != want {
			t.Errorf("NormalizeSub(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzNormalizeSub(f *testing.F) {
	for _, s := range []string{"podcast", "IG", "", "a.b", "\u212A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s := NormalizeSub(raw)
		if s != "" && (!ValidSub(s) || !strings.EqualFold(s, raw) || NormalizeSub(s) != s) {
			t.Fatalf("NormalizeSub(%q) = %q", raw, s)
		}
	})
}

// A tag may hold '_', which the Stripe form uses for dots: the form still
// maps back to exactly the tagged token.
func TestTaggedTokenInTheStripeForm(t *testing.T) {
	k := mustKeys(t, keyA)
	for _, sub := range []string{"ig_story_2", "podcast", "_", "a_b-c"} {
		tok := k.Sign(Claims{Affiliate: "jane-d", Event: "summit-2026", At: clickAt, Sub: sub})
		c, err := k.Verify(StripeForm(tok))
		if err != nil || c.Sub != sub || c.Affiliate != "jane-d" || c.Event != "summit-2026" {
			t.Errorf("%s as %s: %+v %v", tok, StripeForm(tok), c, err)
		}
	}
}
