package record

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"

	"backpack/internal/i18n"
)

// ChartLabels are the texts of a trend chart, already localized.
type ChartLabels struct {
	Title string // <title>, the accessible name: e.g. "Hemoglobin A1c, last 5 results"
	Desc  string // <desc>, optional longer description
	Unit  string // shown on the value axis
	Range string // legend of the reference band, e.g. "Reference range"
	Empty string // shown when there are no points
	// Series names the two lines of a trend of pairs (blood pressure:
	// "Systolic", "Diastolic"); unused otherwise.
	Series [2]string
}

// LabelsFor returns the chart labels of a trend in a language.
func LabelsFor(t Trend, lang i18n.Lang) ChartLabels {
	return ChartLabels{
		Title:  i18n.NIn(lang, "record.chart.title", len(t.Points), t.Title, len(t.Points)),
		Unit:   t.Unit,
		Range:  i18n.In(lang, "record.chart.range"),
		Empty:  i18n.In(lang, "record.chart.empty"),
		Series: [2]string{i18n.In(lang, "record.chart.systolic"), i18n.In(lang, "record.chart.diastolic")},
	}
}

// TrendSVG draws a lab trend as an accessible SVG: the reference range as a
// shaded band, the results as a line with points (each with its own
// <title>), dates and values on the axes. It uses presentation attributes
// and class names only (bp-chart, bp-ref, bp-line, bp-point, bp-high,
// bp-low, bp-axis, bp-label): no style attributes, scripts or remote
// references, so it passes a strict Content-Security-Policy.
func TrendSVG(points []Point, refLow, refHigh *float64, width, height int, l ChartLabels) string {
	width, height = max(width, 160), max(height, 100)
	const left, right, top, bottom = 52, 14, 28, 30
	pw, ph := float64(width-left-right), float64(height-top-bottom)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="bp-chart" role="img" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="11">`,
		width, height, width, height)
	fmt.Fprintf(&b, `<title>%s</title>`, esc(l.Title))
	if l.Desc != "" {
		fmt.Fprintf(&b, `<desc>%s</desc>`, esc(l.Desc))
	}
	pts := make([]Point, 0, len(points))
	for _, p := range points {
		if finite(p.Value) && !p.Date.IsZero() {
			pts = append(pts, p)
		}
	}
	if len(pts) == 0 {
		fmt.Fprintf(&b, `<text class="bp-label" x="%d" y="%d" text-anchor="middle" fill="#555">%s</text></svg>`,
			width/2, height/2, esc(l.Empty))
		return b.String()
	}

	// Value scale: the points (both numbers of pairs) and the reference
	// range, padded.
	lo, hi := pts[0].Value, pts[0].Value
	pairs := 0
	for _, p := range pts {
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
		if p.Value2 != nil && finite(*p.Value2) {
			lo, hi = math.Min(lo, *p.Value2), math.Max(hi, *p.Value2)
			pairs++
		}
	}
	for _, r := range []*float64{refLow, refHigh} {
		if r != nil && finite(*r) {
			lo, hi = math.Min(lo, *r), math.Max(hi, *r)
		}
	}
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	ticks := niceTicks(lo, hi, 4)
	lo, hi = math.Min(lo, ticks[0]), math.Max(hi, ticks[len(ticks)-1])
	y := func(v float64) float64 { return top + ph - (v-lo)/(hi-lo)*ph }

	// Time scale.
	t0, t1 := pts[0].Date, pts[0].Date
	for _, p := range pts {
		if p.Date.Before(t0) {
			t0 = p.Date
		}
		if p.Date.After(t1) {
			t1 = p.Date
		}
	}
	span := t1.Sub(t0).Seconds()
	x := func(t time.Time) float64 {
		if span == 0 {
			return left + pw/2
		}
		return left + t.Sub(t0).Seconds()/span*pw
	}

	// Reference band.
	if refLow != nil || refHigh != nil {
		bl, bh := lo, hi
		if refLow != nil && finite(*refLow) {
			bl = *refLow
		}
		if refHigh != nil && finite(*refHigh) {
			bh = *refHigh
		}
		if bh >= bl {
			fmt.Fprintf(&b, `<rect class="bp-ref" x="%d" y="%s" width="%s" height="%s" fill="#dcefe0"><title>%s: %s–%s %s</title></rect>`,
				left, f1(y(bh)), f1(pw), f1(math.Max(y(bl)-y(bh), 1)), esc(l.Range), FormatValue(bl, l.Unit, refLow, refHigh), FormatValue(bh, l.Unit, refLow, refHigh), esc(l.Unit))
		}
	}

	// Axes, value ticks and grid.
	fmt.Fprintf(&b, `<g class="bp-axis" stroke="#999" stroke-width="1"><line x1="%d" y1="%d" x2="%d" y2="%s"/><line x1="%d" y1="%s" x2="%s" y2="%s"/></g>`,
		left, top, left, f1(top+ph), left, f1(top+ph), f1(left+pw), f1(top+ph))
	for _, tv := range ticks {
		fmt.Fprintf(&b, `<text class="bp-label" x="%d" y="%s" text-anchor="end" dominant-baseline="middle" fill="#333">%s</text>`,
			left-6, f1(y(tv)), esc(fmtV(tv)))
	}
	if l.Unit != "" {
		fmt.Fprintf(&b, `<text class="bp-label" x="%d" y="%d" text-anchor="start" fill="#333">%s</text>`, 4, top-16, esc(l.Unit))
	}
	dates := []time.Time{t0}
	if span > 0 {
		if len(pts) > 2 && pw > 240 {
			dates = append(dates, t0.Add(t1.Sub(t0)/2))
		}
		dates = append(dates, t1)
	}
	for i, d := range dates {
		anchor := "middle"
		if len(dates) > 1 && i == 0 {
			anchor = "start"
		} else if len(dates) > 1 && i == len(dates)-1 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text class="bp-label" x="%s" y="%d" text-anchor="%s" fill="#333">%s</text>`,
			f1(x(d)), height-10, anchor, d.Format("2006-01-02"))
	}

	// Lines and points: the first number of each point, then (for pairs,
	// such as blood pressure) the second, as a line of its own.
	t := Trend{Unit: l.Unit, RefLow: refLow, RefHigh: refHigh}
	line := func(class, stroke string, val func(Point) (float64, bool)) {
		var xy []string
		for _, p := range pts {
			if v, ok := val(p); ok {
				xy = append(xy, f1(x(p.Date))+","+f1(y(v)))
			}
		}
		if len(xy) > 1 {
			fmt.Fprintf(&b, `<polyline class="%s" fill="none" stroke="%s" stroke-width="2" points="%s"/>`, class, stroke, strings.Join(xy, " "))
		}
	}
	first := func(p Point) (float64, bool) { return p.Value, true }
	second := func(p Point) (float64, bool) {
		if p.Value2 == nil || !finite(*p.Value2) {
			return 0, false
		}
		return *p.Value2, true
	}
	line("bp-line", "#1f5fa8", first)
	if pairs > 0 {
		line("bp-line bp-line2", "#6a3d9a", second)
	}
	for _, p := range pts {
		class, fill := "bp-point", "#1f5fa8"
		switch level, _ := p.Flag(t); {
		case p.Value2 != nil:
		case level == FlagHigh || level == FlagCriticalHigh:
			class, fill = "bp-point bp-high", "#c0392b"
		case level == FlagLow || level == FlagCriticalLow:
			class, fill = "bp-point bp-low", "#c0392b"
		case FlagShown(level):
			class, fill = "bp-point bp-flag", "#c0392b"
		}
		label := p.Date.Format("2006-01-02") + ": " + p.Text(t)
		fmt.Fprintf(&b, `<circle class="%s" cx="%s" cy="%s" r="4" fill="%s"><title>%s</title></circle>`,
			class, f1(x(p.Date)), f1(y(p.Value)), fill, esc(label))
		if v, ok := second(p); ok {
			fmt.Fprintf(&b, `<rect class="bp-point bp-point2" x="%s" y="%s" width="7" height="7" fill="#6a3d9a"><title>%s</title></rect>`,
				f1(x(p.Date)-3.5), f1(y(v)-3.5), esc(label))
		}
	}
	if pairs > 0 && l.Series[0] != "" {
		fmt.Fprintf(&b, `<text class="bp-label" x="%s" y="%d" text-anchor="end" fill="#1f5fa8">%s</text>`, f1(left+pw), top-16, esc("● "+l.Series[0]))
		fmt.Fprintf(&b, `<text class="bp-label" x="%s" y="%d" text-anchor="end" fill="#6a3d9a">%s</text>`, f1(left+pw), top-4, esc("■ "+l.Series[1]))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func fmtV(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// niceTicks returns about n round tick values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	span := hi - lo
	step := math.Pow(10, math.Floor(math.Log10(span/float64(n))))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if span/(step*m) <= float64(n) {
			step *= m
			break
		}
	}
	start := math.Floor(lo/step) * step
	var out []float64
	for v := start; v <= hi+step*1e-9 || len(out) < 2; v += step {
		out = append(out, math.Round(v/step)*step)
		if len(out) > 20 {
			break
		}
	}
	if out[len(out)-1] < hi {
		out = append(out, out[len(out)-1]+step)
	}
	return out
}
