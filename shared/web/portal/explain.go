package portal

import (
	"fmt"
	"strings"
)

// EntryFacts is what a ledger line is explained from.
type EntryFacts struct {
	Type, Rule, Via string
	ProductName     string // the product's name, or its SKU when unknown
	Kind            string // recording, transcript, speaker_product, other
	LinkEventName   string // the event of the link the buyer came in on
	Sub             string // the channel tag of that link, if any
	Coupon          string // the coupon code the order carried (via coupon)
	RateBP          int64
	Reason          string // adjustments
	Recruit         string // overrides and their clawbacks: the recruit's name
}

var kindPlural = map[string]string{
	"recording": "Recordings", "transcript": "Transcripts", "speaker_product": "Speaker products", "other": "Products",
}

// Explain says in one line of plain words why a ledger entry exists, from its
// rule, how the buyer came (via) and the link's event: "Recordings bought
// after a visit to your Sleep Fest link: 40%".
func Explain(f EntryFacts) string {
	rate := Percent(f.RateBP)
	what := kindPlural[f.Kind]
	if what == "" {
		what = "Products"
	}
	if f.Rule == "sku_rate" {
		what = f.ProductName
	}
	switch f.Type {
	case "speaker":
		return fmt.Sprintf("Your speaker product %s: %s, whoever referred the buyer", f.ProductName, rate)
	case "override":
		return fmt.Sprintf("%s of %s's commission on %s", rate, f.Recruit, f.ProductName)
	case "clawback":
		if f.Recruit != "" {
			return fmt.Sprintf("Refund of %s sold by %s: your override on it taken back", f.ProductName, f.Recruit)
		}
		return fmt.Sprintf("Refund of %s: the commission on it taken back", f.ProductName)
	case "adjustment":
		if strings.TrimSpace(f.Reason) == "" {
			return "Adjustment by the program"
		}
		return "Adjustment: " + f.Reason
	}
	link := "your link"
	if f.LinkEventName != "" {
		link = "your " + f.LinkEventName + " link"
	}
	if f.Sub != "" {
		link += " tagged “" + f.Sub + "”"
	}
	switch f.Via {
	case "click":
		return fmt.Sprintf("%s bought after a visit to %s: %s", what, link, rate)
	case "contact":
		return fmt.Sprintf("%s bought by someone who came in through %s earlier: %s", what, link, rate)
	case "affiliate":
		return fmt.Sprintf("%s sold with your affiliate code: %s", what, rate)
	case "coupon":
		return fmt.Sprintf("%s sold with your coupon code %s: %s", what, f.Coupon, rate)
	}
	return fmt.Sprintf("%s: %s", what, rate)
}

// Percent writes basis points as a percentage: 5000 → "50%", 3333 → "33.33%".
func Percent(bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}
