package record

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"backpack/internal/i18n"
)

func TestAmendmentRequest(t *testing.T) {
	b, _ := testBook(t)
	flagged := b.Flagged("prof-1")
	p := Profile{ID: "prof-1", Name: "Jane Doe", BirthDate: "1980-02-03"}
	for _, lang := range i18n.Langs {
		a := AmendmentRequest(p, flagged, "Riverside Medical Center", lang)
		a.Date = time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
		if len(a.Items) != 1 || a.Items[0].Wrong != "I was not fasting" || !strings.Contains(a.Items[0].Says, "Glucose") ||
			a.Items[0].Date != "2024-01-10" {
			t.Fatalf("%s: items %+v", lang, a.Items)
		}
		text := a.Text()
		for _, want := range []string{a.Title, "Jane Doe", "1980-02-03", "Riverside Medical Center", "2025-04-01", "I was not fasting",
			"101 mg/dL", i18n.In(lang, "record.amend.signature"), i18n.In(lang, "record.kind.lab")} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q:\n%s", lang, want, text)
			}
		}
		if strings.Contains(text, "record.") {
			t.Errorf("%s: untranslated key in\n%s", lang, text)
		}
	}
	if AmendmentRequest(p, nil, "x", i18n.Spanish).Title == AmendmentRequest(p, nil, "x", i18n.English).Title {
		t.Error("not localized")
	}
}

func TestTrendSVG(t *testing.T) {
	lo, hi := 4.0, 5.6
	pts := []Point{
		{Date: day("2023-01-10"), Value: 7.9, Unit: "%"},
		{Date: day("2023-07-10"), Value: 6.8, Unit: "%"},
		{Date: day("2024-01-10"), Value: 5.1, Unit: "%"},
	}
	labels := ChartLabels{Title: "Hemoglobin A1c <trend> & more", Desc: "3 results", Unit: "%", Range: "Reference range", Empty: "No data"}
	for _, tc := range []struct {
		name string
		pts  []Point
		lo   *float64
		hi   *float64
		want []string
	}{
		{"full", pts, &lo, &hi, []string{`role="img"`, "<title>Hemoglobin A1c &lt;trend&gt; &amp; more</title>", `class="bp-ref"`,
			`class="bp-line"`, `class="bp-point bp-high"`, "2023-01-10", "2024-01-10", "<desc>3 results</desc>"}},
		{"one point", pts[:1], nil, nil, []string{`class="bp-point"`, "2023-01-10"}},
		{"same values", []Point{pts[0], {Date: day("2024-01-01"), Value: 7.9}}, nil, &hi, []string{`class="bp-line"`}},
		{"empty", nil, &lo, &hi, []string{"No data"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svg := TrendSVG(tc.pts, tc.lo, tc.hi, 480, 200, labels)
			for _, w := range tc.want {
				if !strings.Contains(svg, w) {
					t.Errorf("lacks %s:\n%s", w, svg)
				}
			}
			for _, bad := range []string{"style=", "<script", "href", "url(", "NaN", "Inf", "on"} {
				if bad == "on" {
					if strings.Contains(svg, " onload") || strings.Contains(svg, " onclick") {
						t.Error("event handler")
					}
					continue
				}
				if strings.Contains(svg, bad) {
					t.Errorf("contains %s", bad)
				}
			}
			// Well-formed XML.
			d := xml.NewDecoder(strings.NewReader(svg))
			for {
				if _, err := d.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("not XML: %v\n%s", err, svg)
				}
			}
		})
	}
}

func TestLabelsFor(t *testing.T) {
	l := LabelsFor(Trend{Title: "Glucose", Unit: "mg/dL", Points: make([]Point, 3)}, i18n.Spanish)
	if l.Title != "Glucose: 3 resultados" || l.Unit != "mg/dL" || l.Range == "" || l.Empty == "" {
		t.Errorf("%+v", l)
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range [][2]float64{{0, 1}, {4, 7.9}, {-3, 3}, {99, 101}, {0.001, 0.002}, {1e6, 3e6}} {
		ticks := niceTicks(tc[0], tc[1], 4)
		if len(ticks) < 2 || len(ticks) > 21 || ticks[0] > tc[0] || ticks[len(ticks)-1] < tc[1] {
			t.Errorf("niceTicks(%v) = %v", tc, ticks)
		}
	}
}
