package record

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"backpack/internal/fhir"
)

func fptr(v float64) *float64 { return &v }

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		v      float64
		unit   string
		lo, hi *float64
		want   string
	}{
		{124.6011107612412, "mmHg", nil, nil, "125"},  // computed, whole mmHg
		{165.06825365352302, "cm", nil, nil, "165.1"}, // computed, cm to 1 decimal
		{3.3901322837394874, "kg", nil, nil, "3.4"},
		{47.9346705888737, "%", nil, nil, "47.9"},
		{13.473847022404218, "mystery", nil, nil, "13.47"},        // unknown unit: 2 decimals
		{4.123456789012, "mmol/L", fptr(3.5), fptr(5.1), "4.1"},   // range says 1 decimal
		{4.123456789012, "mg/dL", fptr(3.52), fptr(5.14), "4.12"}, // range says 2
		{0.30404554312362997, "{score}", nil, nil, "0.30"},        // two significant digits kept
		{0.0012345678901, "", nil, nil, "0.0012"},                 // small and computed
		{0.005, "mIU/L", fptr(0.4), fptr(4), "0.005"},             // written short: as written
		{1.015, "", fptr(1.005), fptr(1.03), "1.015"},             // specific gravity
		{7.2, "%", fptr(4), fptr(5.6), "7.2"},
		{124.6, "mmHg", nil, nil, "124.6"}, // a person wrote it so
		{150, "10*9/L", nil, nil, "150"},
		{1500000, "", nil, nil, "1500000"},
		{-0.5e3, "mg", nil, nil, "-500"},
		{0, "mmHg", nil, nil, "0"},
	} {
		if got := FormatValue(c.v, c.unit, c.lo, c.hi); got != c.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

func projectFile(t *testing.T, name string) Projection {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "values", name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := fhir.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Project(r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The projection's value, text and flag of the fixtures, as every view
// shows them.
func TestProjectValues(t *testing.T) {
	for _, c := range []struct {
		file, value, rng, text string
		level, flagText        string
	}{
		{"bp-computed.json", "125/75 mmHg", "", "125/75 mmHg", FlagNone, ""},
		{"height-computed.json", "165.1 cm", "", "165.1 cm", FlagNone, ""},
		{"lab-small.json", "0.005 mIU/L", "0.4–4 mIU/L", "0.005 mIU/L", FlagLow, ""},
		{"lab-sg.json", "1.015", "1.005–1.03", "1.015", FlagNormal, ""},
		{"lab-computed-range.json", "4.1 mmol/L", "3.5–5.1 mmol/L", "4.1 mmol/L", FlagNormal, ""},
		{"lab-comparator.json", "< 0.5 mg/L", "≤ 5 mg/L", "< 0.5 mg/L", FlagNormal, ""},
		{"lab-lx.json", "123 10*9/L", "150–350 10*9/L", "123 10*9/L", FlagLow, ""},
		{"lab-positive.json", "", "", "Detected", FlagOther, "Positive"},
		{"lab-critical-text.json", "6.9 mmol/L", "3.5–5.1 mmol/L", "6.9 mmol/L", FlagCriticalHigh, ""},
		{"lab-novalue.json", "", "", "", FlagNone, ""},
		{"panel-flags.json", "", "", "Cholesterol: 182 mg/dL; LDL: 161.12 mg/dL", FlagCriticalHigh, ""},
	} {
		p := projectFile(t, c.file)
		level, ft := p.ResultFlag()
		if p.ValueText() != c.value || p.RangeText() != c.rng || p.Text != c.text || level != c.level || ft != c.flagText {
			t.Errorf("%s: value %q range %q text %q flag %q %q\nwant %q %q %q %q %q", c.file,
				p.ValueText(), p.RangeText(), p.Text, level, ft, c.value, c.rng, c.text, c.level, c.flagText)
		}
		if got, want := p.NoValue(), c.file == "lab-novalue.json"; got != want {
			t.Errorf("%s: NoValue %v", c.file, got)
		}
	}
	bp := projectFile(t, "bp-computed.json")
	if bp.Value == nil || *bp.Value != 124.6011107612412 || bp.Value2 == nil || *bp.Value2 != 75.01937460923318 {
		t.Errorf("blood pressure keeps its exact values: %v %v", bp.Value, bp.Value2)
	}
}

func TestInterpFlag(t *testing.T) {
	for _, c := range []struct{ in, level, text string }{
		{"H", FlagHigh, ""}, {"HU", FlagHigh, ""}, {"HX", FlagHigh, ""}, {">", FlagHigh, ""},
		{"L", FlagLow, ""}, {"lx", FlagLow, ""}, {"LU", FlagLow, ""}, {"<", FlagLow, ""},
		{"HH", FlagCriticalHigh, ""}, {"LL", FlagCriticalLow, ""}, {"AA", FlagCritical, ""},
		{"A", FlagAbnormal, ""}, {"N", FlagNormal, ""}, {"", FlagNone, ""},
		{"Low", FlagLow, ""}, {"below low threshold", FlagLow, ""},
		{"TEST", FlagOther, "TEST"}, {"Susceptible", FlagOther, "Susceptible"},
	} {
		if l, tx := InterpFlag(c.in); l != c.level || tx != c.text {
			t.Errorf("InterpFlag(%q) = %q %q, want %q %q", c.in, l, tx, c.level, c.text)
		}
	}
	for _, c := range []struct{ code, display, text, want string }{
		{"LX", "below low threshold", "", "L"},
		{"", "", "Low", "L"},
		{"W", "Worse", "", "Worse"},
		{"XYZ", "", "", "XYZ"},
		{"", "", "", ""},
	} {
		if got := normInterp(c.code, c.display, c.text); got != c.want {
			t.Errorf("normInterp(%q, %q, %q) = %q, want %q", c.code, c.display, c.text, got, c.want)
		}
	}
}

// A trend of blood pressures keeps both numbers of each reading and draws
// them as two lines; a source's flag colours its point.
func TestTrendPairs(t *testing.T) {
	b := NewBook()
	bp := projectFile(t, "bp-computed.json")
	for i, d := range []string{"2019-03-04", "2020-03-04"} {
		p := bp
		p.Date = day(d)
		if err := b.Add(Entry{ID: "bp" + d, Profile: "p", Projection: p, Created: day(d)}); err != nil {
			t.Fatal(i, err)
		}
	}
	lx := projectFile(t, "lab-lx.json")
	if err := b.Add(Entry{ID: "plt", Profile: "p", Projection: lx, Created: day("2008-03-19")}); err != nil {
		t.Fatal(err)
	}
	tr := b.Trend("p", TrendKey(Entry{Projection: bp}))
	if len(tr.Points) != 2 || tr.Points[0].Value2 == nil || tr.Points[0].Text(tr) != "125/75 mmHg" {
		t.Fatalf("trend %+v", tr)
	}
	svg := TrendSVG(tr.Points, tr.RefLow, tr.RefHigh, 600, 300, LabelsFor(tr, "en"))
	for _, want := range []string{`class="bp-line"`, `class="bp-line bp-line2"`, "<title>2020-03-04: 125/75 mmHg</title>", "Systolic", "Diastolic"} {
		if !strings.Contains(svg, want) {
			t.Errorf("blood pressure chart lacks %q", want)
		}
	}
	if strings.Contains(svg, "124.6") {
		t.Error("chart shows a computed number whole")
	}
	pt := b.Trend("p", "777-3")
	svg = TrendSVG(pt.Points, pt.RefLow, pt.RefHigh, 600, 300, LabelsFor(pt, "en"))
	if level, _ := pt.Points[0].Flag(pt); level != FlagLow || !strings.Contains(svg, "bp-point bp-low") {
		t.Errorf("flagged point: %q %s", level, svg)
	}
}

// Blood pressures coded 85354-9 and 55284-4 are one trend, and the
// summary shows the latest of them.
func TestBloodPressureOneTrend(t *testing.T) {
	b := NewBook()
	bp := projectFile(t, "bp-computed.json")
	old := bp
	old.Codes = []Code{{System: sysLOINC, Code: "55284-4", Display: "Blood Pressure"}}
	old.Date = day("2018-01-01")
	for id, p := range map[string]Projection{"new": bp, "old": old} {
		if err := b.Add(Entry{ID: id, Profile: "p", Projection: p, Created: p.Date}); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []Entry{{Projection: bp}, {Projection: old}} {
		if tr := b.Trend("p", TrendKey(e)); len(tr.Points) != 2 {
			t.Errorf("trend of %v: %d points", e.Codes, len(tr.Points))
		}
	}
	if s := b.SummaryAt("p", day("2025-01-01")); len(s.Vitals) != 1 || s.Vitals[0].ID != "new" {
		t.Errorf("summary vitals %+v", s.Vitals)
	}
}
