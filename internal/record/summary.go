package record

import (
	"slices"
	"strings"
	"time"
)

// Summary is what matters now about a profile: for the home screen, the
// emergency card and the printable summary. Lists are newest first.
type Summary struct {
	Conditions        []Entry // active
	Medications       []Entry // current
	Allergies         []Entry // active
	Immunizations     []Entry
	Labs              []Entry // latest result per test
	Vitals            []Entry // latest per vital sign
	CareTeam          []Entry
	EmergencyContacts []Entry
	Insurance         []Entry
}

// Summary builds a profile's summary as of now.
func (b *Book) Summary(profile string) Summary { return b.SummaryAt(profile, time.Now()) }

var inactive = map[string]bool{
	"inactive": true, "resolved": true, "remission": true, "entered-in-error": true, "refuted": true,
	"completed": true, "stopped": true, "cancelled": true, "not-taken": true, "not-done": true,
	"ended": true, "revoked": true, "draft": true,
}

// SummaryAt builds a profile's summary as of a given time (medications that
// stopped before it are not current).
func (b *Book) SummaryAt(profile string, now time.Time) Summary {
	b.mu.Lock()
	defer b.mu.Unlock()
	var s Summary
	latest := map[string]bool{}
	for _, p := range b.sorted() { // newest first, so the first of a test is its latest
		if p.Profile != profile || !p.Deleted.IsZero() {
			continue
		}
		st := strings.ToLower(p.Status)
		switch p.Kind {
		case KindCondition:
			if !inactive[st] && p.End.IsZero() {
				s.Conditions = append(s.Conditions, *p)
			}
		case KindMedication:
			if !inactive[st] && (p.End.IsZero() || p.End.After(now)) {
				s.Medications = append(s.Medications, *p)
			}
		case KindAllergy:
			if !inactive[st] {
				s.Allergies = append(s.Allergies, *p)
			}
		case KindImmunization:
			if st != "entered-in-error" && st != "not-done" {
				s.Immunizations = append(s.Immunizations, *p)
			}
		case KindLab, KindVital:
			if st == "entered-in-error" || st == "cancelled" || p.NoValue() {
				continue // a row that came with no value is not a result
			}
			k := string(p.Kind) + "\x00" + b.keys[p].trend
			if latest[k] {
				continue
			}
			latest[k] = true
			if p.Kind == KindLab {
				s.Labs = append(s.Labs, *p)
			} else {
				s.Vitals = append(s.Vitals, *p)
			}
		case KindCareTeam:
			if st != "inactive" {
				s.CareTeam = append(s.CareTeam, *p)
			}
		case KindEmergencyContact:
			if st != "inactive" {
				s.EmergencyContacts = append(s.EmergencyContacts, *p)
			}
		case KindInsurance:
			if !inactive[st] && (p.End.IsZero() || p.End.After(now)) {
				s.Insurance = append(s.Insurance, *p)
			}
		}
	}
	s.CareTeam = DistinctCareTeam(s.CareTeam)
	return s
}

// DistinctCareTeam drops from a care-team list a Practitioner whom a
// PractitionerRole of the same list already names: the role says more
// (where, as what, how to reach), and one person is listed once. It
// filters team in place.
func DistinctCareTeam(team []Entry) []Entry {
	inRole := map[string]bool{}
	for _, e := range team {
		if e.Resource.Type == "PractitionerRole" {
			inRole[strings.Join(words(e.Title), " ")] = true
		}
	}
	if len(inRole) == 0 {
		return team
	}
	out := team[:0]
	for _, e := range team {
		if e.Resource.Type == "Practitioner" && inRole[strings.Join(words(e.Title), " ")] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// TrendKey is what groups repeated results of one test: its first LOINC
// code, else its first code, else its folded title.
func TrendKey(e Entry) string { return trendKey(e, "") }

// trendAlias maps LOINC codes of one measurement to one trend: a blood
// pressure is coded 85354-9 (panel) or 55284-4 (systolic and diastolic).
var trendAlias = map[string]string{"55284-4": loincBPPanel, "35094-2": loincBPPanel}

func trendKey(e Entry, foldedTitle string) string {
	for _, c := range e.Codes {
		if c.System == sysLOINC && c.Code != "" {
			if a, ok := trendAlias[c.Code]; ok {
				return a
			}
			return c.Code
		}
	}
	for _, c := range e.Codes {
		if c.Code != "" {
			return c.Code
		}
	}
	if foldedTitle != "" {
		return foldedTitle
	}
	return strings.Join(words(e.Title), " ")
}

// Point is one result in a trend.
type Point struct {
	Date       time.Time
	Value      float64
	Value2     *float64 // the second number of a pair (the diastolic of a blood pressure)
	Comparator string
	Unit       string
	Interp     string
	EntryID    string
}

// Text is the point's value as people read it (see Projection.ValueText),
// in the trend's unit when the point has none.
func (pt Point) Text(t Trend) string {
	unit := pt.Unit
	if unit == "" {
		unit = t.Unit
	}
	v := pt.Value
	return Projection{Value: &v, Value2: pt.Value2, Comparator: pt.Comparator, Unit: unit, RefLow: t.RefLow, RefHigh: t.RefHigh}.ValueText()
}

// Flag is the point's flag (see InterpFlag): its own, else as the trend's
// reference range says.
func (pt Point) Flag(t Trend) (level, text string) {
	if pt.Interp != "" {
		return InterpFlag(pt.Interp)
	}
	if pt.Value2 != nil || pt.Comparator != "" {
		return FlagNone, ""
	}
	return InterpFlag(computeInterp(pt.Value, t.RefLow, t.RefHigh))
}

// Trend is the series of one repeated lab test or vital sign.
type Trend struct {
	Title   string
	Unit    string   // of the latest point
	Points  []Point  // oldest first
	RefLow  *float64 // of the latest point that has a range
	RefHigh *float64
}

// Trend returns the numeric results of a profile whose code or title
// matches key (see TrendKey; titles compare folded), oldest first.
func (b *Book) Trend(profile, key string) Trend {
	b.mu.Lock()
	defer b.mu.Unlock()
	fk := strings.Join(words(key), " ")
	var t Trend
	var ranged bool
	for _, p := range b.sorted() {
		if p.Profile != profile || !p.Deleted.IsZero() || p.Value == nil || p.Date.IsZero() {
			continue
		}
		if p.Status == "entered-in-error" || !trendMatch(p, key, fk, b.keys[p].title) {
			continue
		}
		if t.Title == "" {
			t.Title, t.Unit = p.Title, p.Unit
		}
		if !ranged && (p.RefLow != nil || p.RefHigh != nil) {
			t.RefLow, t.RefHigh, ranged = cloneF(p.RefLow), cloneF(p.RefHigh), true
		}
		t.Points = append(t.Points, Point{Date: p.Date, Value: *p.Value, Value2: cloneF(p.Value2), Comparator: p.Comparator, Unit: p.Unit, Interp: p.Interp, EntryID: p.ID})
	}
	slices.Reverse(t.Points)
	return t
}

func trendMatch(p *Entry, key, folded, title string) bool {
	for _, c := range p.Codes {
		if c.Code != "" && (strings.EqualFold(c.Code, key) || c.System == sysLOINC && trendAlias[c.Code] == key) {
			return true
		}
	}
	return folded != "" && title == folded
}

func cloneF(f *float64) *float64 {
	if f == nil {
		return nil
	}
	v := *f
	return &v
}
