package portal

import "testing"

func TestExplain(t *testing.T) {
	for name, c := range map[string]struct {
		f    EntryFacts
		want string
	}{
		"referral after a click names the link's event and the rate": {
			EntryFacts{Type: "referral", Rule: "kind_rate", Via: "click", Kind: "recording", LinkEventName: "Sleep Fest", RateBP: 4000},
			"Recordings bought after a visit to your Sleep Fest link: 40%"},
		"a tagged link says its tag": {
			EntryFacts{Type: "referral", Rule: "kind_rate", Via: "click", Kind: "recording", LinkEventName: "Sleep Fest", Sub: "podcast", RateBP: 4000},
			"Recordings bought after a visit to your Sleep Fest link tagged “podcast”: 40%"},
		"a per-product rate names the product": {
			EntryFacts{Type: "referral", Rule: "sku_rate", Via: "contact", ProductName: "Summit Recordings", LinkEventName: "Health Summit", RateBP: 3333},
			"Summit Recordings bought by someone who came in through your Health Summit link earlier: 33.33%"},
		"named in the webhook": {
			EntryFacts{Type: "referral", Rule: "kind_rate", Via: "affiliate", Kind: "transcript", RateBP: 5000},
			"Transcripts sold with your affiliate code: 50%"},
		"a coupon order names the code": {
			EntryFacts{Type: "referral", Rule: "kind_rate", Via: "coupon", Coupon: "JANE20", Kind: "recording", RateBP: 5000},
			"Recordings sold with your coupon code JANE20: 50%"},
		"speaker earns whoever referred": {
			EntryFacts{Type: "speaker", Rule: "speaker_rate", ProductName: "Jane's Course", RateBP: 5000},
			"Your speaker product Jane's Course: 50%, whoever referred the buyer"},
		"clawback": {EntryFacts{Type: "clawback", Rule: "clawback", ProductName: "Transcripts"},
			"Refund of Transcripts: the commission on it taken back"},
		"an override names the recruit and what they sold": {
			EntryFacts{Type: "override", Rule: "override_bp", ProductName: "Summit 2026 Recordings", Recruit: "Bob Stone", RateBP: 1000},
			"10% of Bob Stone's commission on Summit 2026 Recordings"},
		"an override's clawback says it is the override": {EntryFacts{Type: "clawback", Rule: "clawback", ProductName: "Summit 2026 Recordings", Recruit: "Bob Stone"},
			"Refund of Summit 2026 Recordings sold by Bob Stone: your override on it taken back"},
		"adjustment carries its reason": {EntryFacts{Type: "adjustment", Rule: "adjustment", Reason: "Bonus for the launch"},
			"Adjustment: Bonus for the launch"},
	} {
		if got := Explain(c.f); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", name, got, c.want)
		}
	}
	for bp, want := range map[int64]string{5000: "50%", 3333: "33.33%", 0: "0%", 10000: "100%", 1250: "12.5%", 5: "0.05%"} {
		if got := Percent(bp); got != want {
			t.Errorf("Percent(%d) = %q, want %q", bp, got, want)
		}
	}
}
