package record

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// Backpack's one rule for showing a result's number. Every view and export
// (app pages, summary.html, the IPS narrative, the provider view, the
// emergency card, print, trend charts) writes numbers through FormatValue
// or the Projection methods below; the exact value stays untouched in the
// FHIR resource and in every FHIR export.
//
// The rule, for a value v with its unit and reference range:
//
//  1. A number the source wrote short — at most maxShortDigits significant
//     digits, as a person or an instrument reports it ("7.2", "0.005",
//     "1.015") — is shown as written (its shortest form).
//  2. A longer number is a computed one (a unit conversion, a simulator:
//     "124.6011107612412"): it is rounded to the larger of the reference
//     range's decimals and the unit's usual decimals (mmHg 0, cm 1, kg 1,
//     °C 1, % 1…), or to 2 decimals when neither is known.
//  3. Rounding never leaves fewer than two significant digits (0.304 on a
//     whole-number scale shows as "0.30", not "0").

// maxShortDigits is how many significant digits a number may have and
// still count as written by a person or an instrument.
const maxShortDigits = 5

// defaultDecimals is the rounding of a computed number whose unit and range
// say nothing.
const defaultDecimals = 2

// unitDecimals is the usual precision of common units, by the unit as
// projections show it (prettyUnit) and by its UCUM code.
var unitDecimals = map[string]int{
	"mmHg": 0, "mm[Hg]": 0, "/min": 0, "{beats}/min": 0, "{breaths}/min": 0, "beats/min": 0, "bpm": 0,
	"{score}": 0, "mm": 0, "g": 0, "mg": 0, "mL": 0, "ml": 0,
	"cm": 1, "in": 1, "[in_i]": 1, "kg": 1, "lb": 1, "[lb_av]": 1, "oz": 1, "[oz_av]": 1,
	"°C": 1, "Cel": 1, "°F": 1, "[degF]": 1, "%": 1, "kg/m2": 1, "kg/m²": 1,
	"g/dL": 1, "g/dl": 1, "fL": 1, "pg": 1, "mmol/L": 1, "10*3/uL": 1,
	"m": 2,
}

// FormatValue writes a result's number by the rule above: v in unit, with
// its reference range (lo, hi; nil when not known).
func FormatValue(v float64, unit string, lo, hi *float64) string {
	if !finite(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', Decimals(v, unit, lo, hi), 64)
}

// Decimals is how many decimals FormatValue shows v with.
func Decimals(v float64, unit string, lo, hi *float64) int {
	short, written := shortForm(v)
	if written <= 0 || short {
		return written
	}
	limit, known := unitDecimals[strings.TrimSpace(unit)]
	for _, r := range [...]*float64{lo, hi} {
		if r == nil || !finite(*r) {
			continue
		}
		if rs, rd := shortForm(*r); rs && (!known || rd > limit) {
			limit, known = rd, true
		}
	}
	if !known {
		limit = defaultDecimals
	}
	d := min(written, limit)
	if v != 0 {
		// Two significant digits at least: the first is at 10^floor(log10|v|).
		need := 1 - int(math.Floor(math.Log10(math.Abs(v))))
		d = max(d, min(need, written))
	}
	return max(d, 0)
}

// shortForm reports whether v's shortest decimal form has at most
// maxShortDigits significant digits, and how many decimals it has.
func shortForm(v float64) (short bool, decimals int) {
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], math.Abs(v), 'f', -1, 64)
	digits := 0
	started := false
	if dot := bytes.IndexByte(s, '.'); dot >= 0 {
		decimals = len(s) - dot - 1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			continue
		}
		if c != '0' {
			started = true
		}
		if started {
			digits++
		}
	}
	// Trailing zeros of a whole number ("1500") are not significant.
	if decimals == 0 {
		digits -= len(s) - len(bytes.TrimRight(s, "0"))
	}
	return digits <= maxShortDigits, decimals
}

// ValueText is the result as people read it: the number by Backpack's
// rule with its comparator and unit ("5.4 %", "< 0.5 mg/L"), both numbers
// of a pair ("125/75 mmHg"); "" when the entry has no numeric value.
func (p Projection) ValueText() string {
	if p.Value == nil || !finite(*p.Value) {
		return ""
	}
	var buf [64]byte
	b := buf[:0]
	if p.Comparator != "" {
		b = append(append(b, p.Comparator...), ' ')
	}
	v := *p.Value
	d := Decimals(v, p.Unit, p.RefLow, p.RefHigh)
	b = strconv.AppendFloat(b, v, 'f', d, 64)
	if p.Value2 != nil && finite(*p.Value2) {
		// The two numbers of a pair come from one measurement: when the
		// first is a computed number, so is the second (headers of version
		// 3 kept it rounded to 2 decimals only, which looks written).
		v2 := *p.Value2
		d2 := Decimals(v2, p.Unit, nil, nil)
		if short, _ := shortForm(v); !short {
			d2 = min(d2, d)
		}
		b = strconv.AppendFloat(append(b, '/'), v2, 'f', d2, 64)
	}
	if p.Unit != "" {
		b = append(append(b, ' '), p.Unit...)
	}
	return string(b)
}

// RangeText is the reference range ("150–350 10*9/L", "≥ 40 mg/dL",
// "≤ 200 mg/dL"), or "".
func (p Projection) RangeText() string {
	if s := p.RangeNumbers(); s != "" {
		return withUnit(s, p.Unit)
	}
	return ""
}

// RangeNumbers is RangeText without the unit ("150–350"), for tables
// whose result column shows it.
func (p Projection) RangeNumbers() string {
	f := func(v float64) string { return FormatValue(v, p.Unit, p.RefLow, p.RefHigh) }
	switch lo, hi := p.RefLow, p.RefHigh; {
	case lo != nil && hi != nil:
		return f(*lo) + "–" + f(*hi)
	case lo != nil:
		return "≥ " + f(*lo)
	case hi != nil:
		return "≤ " + f(*hi)
	}
	return ""
}

// ResultText is what a list shows of a result: ValueText, or the
// projection's text when there is no numeric value.
func (p Projection) ResultText() string {
	if s := p.ValueText(); s != "" {
		return s
	}
	return p.Text
}

// result reports whether p is a result (a lab, a vital sign or any
// number), whose projection an older header may have made otherwise.
func (p Projection) result() bool {
	return p.Kind == KindLab || p.Kind == KindVital || p.Value != nil
}

// NoValue reports whether p is a lab result or vital sign that came with no
// value at all (a row of a report left empty, a null value): lists leave it
// out and its page says so.
func (p Projection) NoValue() bool {
	return (p.Kind == KindLab || p.Kind == KindVital) && p.Value == nil && strings.TrimSpace(p.Text) == ""
}

func withUnit(s, unit string) string {
	if unit == "" {
		return s
	}
	return s + " " + unit
}

// UpgradeProjection fills, for a projection made before pairs and
// comparators were projected (vault headers of binary version 3 and JSON
// version 1, vault.jsonl of older exports), what its text says: the second number of "118.51/85.45 mmHg" and the comparator of
// "< 5.4 %". The text was made from the value, so nothing is guessed.
func UpgradeProjection(p *Projection) {
	if p.Value == nil {
		return
	}
	t := strings.TrimSpace(p.Text)
	for _, c := range [...]string{"<=", ">=", "<", ">"} {
		if strings.HasPrefix(t, c) {
			p.Comparator = c
			t = strings.TrimSpace(t[len(c):])
			break
		}
	}
	if p.Value2 != nil {
		return
	}
	num, _, _ := strings.Cut(t, " ")
	a, b, ok := strings.Cut(num, "/")
	if !ok {
		return
	}
	v1, err1 := strconv.ParseFloat(a, 64)
	v2, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil || !finite(v2) || math.Abs(v1-*p.Value) > 0.01 {
		return
	}
	p.Value2 = &v2
}
