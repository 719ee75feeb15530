package money

import (
	_ "embed"
	"encoding/xml"
	"strconv"
	"sync"
)

// iso4217XML is ISO 4217's list one (current currencies and funds) as its
// maintenance agency publishes it, kept verbatim so the next publication
// replaces it whole. The decimals of an amount are this list's minor units,
// not CLDR's: CLDR rounds COP, IDR, IQD and others for display, and a
// payout file read with CLDR's digits would be 100 or 1000 times too large.
//
//go:embed iso4217.xml
var iso4217XML []byte

// sinceList are codes added to ISO 4217 after the embedded publication.
var sinceList = map[string]int{
	"XCG": 2, // Caribbean guilder (Curaçao, Sint Maarten), replacing ANG
}

// minorUnits maps each active code to its number of minor units. Codes
// whose minor unit is "N.A." (gold, SDR, XXX, XTS) are left out: nothing is
// counted in their cents, and they fall back to two decimals. Parsed on
// first use, not at start: the parse is about 3.4 ms of every function's
// cold start, and a click's never formats an amount.
var minorUnits = sync.OnceValue(func() map[string]int { return parseISO4217(iso4217XML) })

func parseISO4217(data []byte) map[string]int {
	var list struct {
		Entries []struct {
			Code  string `xml:"Ccy"`
			Minor string `xml:"CcyMnrUnts"`
		} `xml:"CcyTbl>CcyNtry"`
	}
	if err := xml.Unmarshal(data, &list); err != nil {
		panic("money: embedded ISO 4217 list: " + err.Error())
	}
	out := map[string]int{}
	for _, e := range list.Entries {
		if n, err := strconv.Atoi(e.Minor); err == nil && e.Code != "" {
			out[e.Code] = n
		}
	}
	for c, n := range sinceList {
		out[c] = n
	}
	return out
}
