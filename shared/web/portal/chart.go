package portal

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// ChartDay is one day of a link's activity.
type ChartDay struct {
	Date                 string // YYYY-MM-DD, program time zone
	Hits, OptIns, Orders int64
}

// Chart is a per-day chart as a page shows it: a title, the SVG, and the
// same numbers as a table for screen readers; Empty when there is nothing
// to draw (the page says "no visits yet" instead of an empty box).
type Chart struct {
	Title string
	SVG   template.HTML
	Days  []ChartDay
	Empty bool
}

// NewChart draws a per-day chart.
func NewChart(title string, days []ChartDay) Chart {
	c := Chart{Title: title, Days: days, Empty: true}
	for _, d := range days {
		if d.Hits != 0 || d.OptIns != 0 || d.Orders != 0 {
			c.Empty = false
		}
	}
	if !c.Empty {
		c.SVG = DayChart(title, days)
	}
	return c
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

// The chart's frame, in SVG units: a fixed viewBox that scales with its
// container, so text keeps its proportions (no stretching).
const (
	chartW, chartH         = 400, 190
	padL, padR, padT, padB = 34, 8, 10, 24
)

// DayChart draws hits, opt-ins and orders per day as grouped bars in inline
// SVG: dates along the bottom, counts up the side on a scale with labelled
// ticks and grid lines. Each bar carries its number in a <title>; the label
// sums it up for screen readers (the page adds the numbers as a table).
func DayChart(label string, days []ChartDay) template.HTML {
	var peak int64
	var totals [3]int64
	for _, d := range days {
		for i, s := range series {
			v := s.value(d)
			totals[i] += v
			peak = max(peak, v)
		}
	}
	step, top := ticks(peak)
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	y := func(v int64) float64 { return float64(padT) + plotH - float64(v)*plotH/float64(top) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s: %d hits, %d opt-ins, %d orders">`,
		chartW, chartH, template.HTMLEscapeString(label), totals[0], totals[1], totals[2])
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(label))
	// Counts up the side: a grid line and a label per tick.
	for v := int64(0); v <= top; v += step {
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/><text class="tick" x="%d" y="%.1f" text-anchor="end">%d</text>`,
			padL, y(v), chartW-padR, y(v), padL-4, y(v)+3.5, v)
	}
	n := max(len(days), 1)
	dayW := plotW / float64(n)
	barW := dayW * 0.8 / float64(len(series))
	for i, d := range days {
		x0 := float64(padL) + float64(i)*dayW + dayW*0.1
		for j, s := range series {
			v := s.value(d)
			if v == 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d %s</title></rect>`,
				s.class, x0+float64(j)*barW, y(v), barW, float64(padT)+plotH-y(v), d.Date, v, s.name)
		}
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, padL, y(0), chartW-padR, y(0))
	// Dates along the bottom: at most 6 labels, evenly spaced, first day included.
	every := (len(days) + 5) / 6
	for i := 0; i < len(days); i += max(every, 1) {
		x := float64(padL) + (float64(i)+0.5)*dayW
		fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><text class="tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`,
			x, y(0), x, y(0)+3, x, chartH-8, shortDate(days[i].Date))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// ticks picks a step of 1, 2 or 5 times a power of ten giving at most 5
// ticks above zero, and the scale's top (a multiple of the step at or above
// peak; at least one step, so an all-zero chart still has a scale).
func ticks(peak int64) (step, top int64) {
	step = 1
	for m := int64(1); ; m *= 10 {
		for _, f := range []int64{1, 2, 5} {
			if step = f * m; peak <= 5*step {
				top = max((peak+step-1)/step*step, step)
				return step, top
			}
		}
	}
}

func shortDate(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return d
	}
	return t.Format("Jan 2")
}
