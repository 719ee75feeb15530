package portal

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestQRSVGHasFinderPatternsAndQuietZone(t *testing.T) {
	svg, err := QRSVG("https://go.example.com/s/pTk4zarg", "QR code of your short link")
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no viewBox: %s", s[:100])
	}
	size, _ := strconv.Atoi(m[1])
	// Versions are 21, 25, 29... modules wide, plus 4 quiet modules a side.
	if (size-8-21)%4 != 0 || size < 29 {
		t.Fatalf("size %d is no QR version", size)
	}
	dark := map[[2]int]bool{}
	for _, d := range regexp.MustCompile(`M(\d+) (\d+)h1`).FindAllStringSubmatch(s, -1) {
		x, _ := strconv.Atoi(d[1])
		y, _ := strconv.Atoi(d[2])
		dark[[2]int{x, y}] = true
	}
	// The top-left finder: a dark 7×7 ring, a light ring, a dark 3×3 core.
	for y := 0; y < 7; y++ {
		for x := 0; x < 7; x++ {
			ring := x == 0 || y == 0 || x == 6 || y == 6
			core := x >= 2 && x <= 4 && y >= 2 && y <= 4
			if want := ring || core; dark[[2]int{x + 4, y + 4}] != want {
				t.Fatalf("finder module (%d,%d) dark=%v", x, y, !want)
			}
		}
	}
	for k := range dark {
		if k[0] < 4 || k[1] < 4 || k[0] >= size-4 || k[1] >= size-4 {
			t.Fatalf("dark module %v in the quiet zone", k)
		}
	}
	if !strings.Contains(s, `aria-label="QR code of your short link"`) {
		t.Error("no label")
	}
}

func TestDayChartBarsAddUpToTheRow(t *testing.T) {
	days := []ChartDay{{"2026-11-01", 4, 1, 0}, {"2026-11-02", 0, 0, 0}, {"2026-11-03", 6, 2, 1}}
	s := string(DayChart("summit <2026>", days))
	sum := map[string]int{}
	for _, m := range regexp.MustCompile(`<title>[0-9-]+: (\d+) ([a-z-]+)</title>`).FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(m[1])
		sum[m[2]] += n
	}
	if sum["hits"] != 10 || sum["opt-ins"] != 3 || sum["orders"] != 1 {
		t.Errorf("bars sum to %v", sum)
	}
	if !strings.Contains(s, `aria-label="summit &lt;2026&gt;: 10 hits, 3 opt-ins, 1 orders"`) {
		t.Errorf("label not escaped or wrong: %s", s[:200])
	}
}

func TestChartHasAxesWithLabelledTicks(t *testing.T) {
	for peak, want := range map[int64][2]int64{0: {1, 1}, 1: {1, 1}, 5: {1, 5}, 7: {2, 8}, 23: {5, 25}, 100: {20, 100}, 1234: {500, 1500}} {
		if s, top := ticks(peak); s != want[0] || top != want[1] {
			t.Errorf("ticks(%d) = %d, %d; want %v", peak, s, top, want)
		}
	}
	var days []ChartDay
	for d := 1; d <= 30; d++ {
		days = append(days, ChartDay{Date: "2026-11-" + strconv.Itoa(100 + d)[1:], Hits: int64(d % 7)})
	}
	s := string(DayChart("Summit", days))
	for _, want := range []string{`<title>Summit</title>`, `>0</text>`, `>2</text>`, `>6</text>`, `>Nov 1</text>`, `>Nov 6</text>`, `>Nov 26</text>`} {
		if !strings.Contains(s, want) {
			t.Errorf("chart lacks %s", want)
		}
	}
	if n := strings.Count(s, `text-anchor="middle"`); n != 6 {
		t.Errorf("%d date labels, want 6", n)
	}
	if c := NewChart("Quiet", []ChartDay{{Date: "2026-11-01"}}); !c.Empty || c.SVG != "" {
		t.Error("a chart with nothing to draw is not empty")
	}
}
