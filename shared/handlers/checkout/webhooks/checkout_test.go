package webhooks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tallyhq/tally/shared/domain/commission"
)

func TestCheckLines(t *testing.T) {
	l := func(sku string, q, amount int64) commission.Line {
		return commission.Line{SKU: sku, Quantity: q, AmountCents: amount}
	}
	for _, c := range []struct {
		name  string
		in    []commission.Line
		want  string
		field string
	}{
		{"whole units keep a unit price only", []commission.Line{l("A", 2, 9400)}, "[{A 2 4700 0 0}]", ""},
		{"a discounted line keeps its amount", []commission.Line{l("A", 3, 1000)}, "[{A 3 333 1000 0}]", ""},
		{"two prices of one SKU are one line", []commission.Line{l("A", 1, 9700), l("B", 1, 500), l("A", 2, 9000)}, "[{A 3 6233 18700 0} {B 1 500 0 0}]", ""},
		{"merged into whole units again", []commission.Line{l("A", 1, 1000), l("A", 1, 1000)}, "[{A 2 1000 0 0}]", ""},
		{"a free line", []commission.Line{l("A", 1, 0)}, "[{A 1 0 0 0}]", ""},
		{"no lines", nil, "[]", "lines"},
		{"a quantity of 0", []commission.Line{l("A", 0, 100)}, "[]", "lines"},
		{"a negative amount", []commission.Line{l("A", 1, -1)}, "[]", "lines"},
		{"over the order limit", []commission.Line{l("A", 1, maxOrderCents), l("B", 1, 1)}, "", "lines"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := checkLines(CheckoutOrder{ID: "stripe:cs_1", Email: "a@example.org", Lines: c.in})
			if c.want != "" && fmt.Sprint(got) != c.want && !(c.want == "[]" && len(got) == 0) {
				t.Errorf("lines %v, want %s", got, c.want)
			}
			if (err != nil) != (c.field != "") {
				t.Errorf("err %v, want a problem with %q", err, c.field)
			}
		})
	}
	// POS and some draft orders have no email: recorded, with no contact.
	if _, _, err := checkLines(CheckoutOrder{ID: "shopify:1", Lines: []commission.Line{l("A", 1, 1)}}); err != nil {
		t.Errorf("an order without the buyer's email: %v", err)
	}
	if _, _, err := checkLines(CheckoutOrder{ID: "shopify:1", Email: "not an address", Lines: []commission.Line{l("A", 1, 1)}}); err == nil {
		t.Error("an email with no @ passed")
	}
	many := make([]commission.Line, maxLines+1)
	for i := range many {
		many[i] = l(fmt.Sprint("S", i), 1, 1)
	}
	if _, _, err := checkLines(CheckoutOrder{ID: "stripe:cs_1", Email: "a@example.org", Lines: many}); err == nil {
		t.Errorf("%d lines passed", len(many))
	}
}

func TestCheckoutFieldLimits(t *testing.T) {
	line := []commission.Line{{SKU: "A", Quantity: 1, AmountCents: 100}}
	for name, o := range map[string]CheckoutOrder{
		"an id over 200 bytes":    {ID: "stripe:" + strings.Repeat("x", 200), Email: "a@example.org", Lines: line},
		"a click over 512 bytes":  {ID: "s:1", Email: "a@example.org", Click: strings.Repeat("x", 513), Lines: line},
		"a SKU over 255 bytes":    {ID: "s:1", Email: "a@example.org", Lines: []commission.Line{{SKU: strings.Repeat("x", 256), Quantity: 1}}},
		"an email over 254 bytes": {ID: "s:1", Email: strings.Repeat("x", 250) + "@example.org", Lines: line},
	} {
		if _, _, err := checkLines(o); err == nil {
			t.Errorf("%s passed", name)
		}
	}
}

// Lines of one SKU are merged, and each checkout line's own id is kept
// with the SKU it went into, for refunds that name it.
func TestCheckLinesKeepsSourceLineIDs(t *testing.T) {
	o := CheckoutOrder{ID: "shopify:1", Email: "a@example.org", LineIDs: []string{"11", "12", "13"},
		Lines: []commission.Line{{SKU: "A", Quantity: 1, AmountCents: 7990}, {SKU: "B", Quantity: 1, AmountCents: 500}, {SKU: "A", Quantity: 1, AmountCents: 8500}}}
	got, sources, err := checkLines(o)
	if err != nil || len(got) != 2 || got[0].Amount() != 16490 || got[0].Quantity != 2 {
		t.Fatalf("%v %v", got, err)
	}
	if fmt.Sprint(sources) != "map[11:A 12:B 13:A]" {
		t.Errorf("sources %v", sources)
	}
}
