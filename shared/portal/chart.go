package portal

import (
	"fmt"
	"html/template"
	"strings"
)

// ChartDay is one day of a link's activity.
type ChartDay struct {
	Date                 string // YYYY-MM-DD, program time zone
	Hits, OptIns, Orders int64
}

// series are the chart's bars, in order, with their CSS classes.
var series = []struct {
	name, class string
	value       func(ChartDay) int64
}{
	{"hits", "bar-hits", func(d ChartDay) int64 { return d.Hits }},
	{"opt-ins", "bar-optins", func(d ChartDay) int64 { return d.OptIns }},
	{"orders", "bar-orders", func(d ChartDay) int64 { return d.Orders }},
}

// DayChart draws hits, opt-ins and orders per day as grouped bars in inline
// SVG that scales to its container. Each bar carries its number in a <title>;
// the label summarizes the totals for screen readers.
func DayChart(label string, days []ChartDay) template.HTML {
	const (
		barW, gap, dayGap = 3, 0, 3
		height, top       = 120, 14
	)
	var peak int64 = 1
	var totals [3]int64
	for _, d := range days {
		for i, s := range series {
			v := s.value(d)
			totals[i] += v
			peak = max(peak, v)
		}
	}
	dayW := len(series)*(barW+gap) + dayGap
	width := max(len(days)*dayW, 1)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" preserveAspectRatio="none" role="img" aria-label="%s: %d hits, %d opt-ins, %d orders">`,
		width, height+top, template.HTMLEscapeString(label), totals[0], totals[1], totals[2])
	fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%d" x2="%d" y2="%d"/>`, height+top, width, height+top)
	for i, d := range days {
		x0 := i * dayW
		for j, s := range series {
			v := s.value(d)
			if v == 0 {
				continue
			}
			h := int(v * height / peak)
			h = max(h, 1)
			fmt.Fprintf(&b, `<rect class="%s" x="%d" y="%d" width="%d" height="%d"><title>%s: %d %s</title></rect>`,
				s.class, x0+j*(barW+gap), height+top-h, barW, h, d.Date, v, s.name)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
