package record

import (
	"strings"
	"time"
)

// Date precisions for partial FHIR dates (Projection.DatePrecision).
const (
	PrecisionYear  = "year"  // "2019"
	PrecisionMonth = "month" // "2019-05"
)

// ParseDate reads a FHIR date, dateTime or instant: "2019", "2019-05",
// "2019-05-01", "2019-05-01T10:30:00Z", "2019-05-01T10:30:00.123+02:00".
// Timezone-less times (not valid FHIR, but common) are read as UTC. It
// returns the precision for partial dates ("year", "month", else "").
func ParseDate(s string) (t time.Time, precision string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 4 || len(s) > 40 {
		return time.Time{}, "", false
	}
	switch len(s) {
	case 4:
		t, err := time.Parse("2006", s)
		return t, PrecisionYear, err == nil && validYear(t)
	case 7:
		t, err := time.Parse("2006-01", s)
		return t, PrecisionMonth, err == nil && validYear(t)
	case 10:
		t, err := time.Parse(time.DateOnly, s)
		return t, "", err == nil && validYear(t)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil && validYear(t) {
			return t, "", true
		}
	}
	return time.Time{}, "", false
}

// validYear rejects years outside 1–9999 and the zero time (which means "no date").
func validYear(t time.Time) bool { y := t.Year(); return y >= 1 && y <= 9999 && !t.IsZero() }

// FormatDate renders t as a FHIR date with the given precision ("" means a full date).
func FormatDate(t time.Time, precision string) string {
	if t.IsZero() {
		return ""
	}
	switch precision {
	case PrecisionYear:
		return t.Format("2006")
	case PrecisionMonth:
		return t.Format("2006-01")
	}
	return t.Format(time.DateOnly)
}

// validFormDate accepts what a person types in a date field: a FHIR date or
// dateTime (partial dates allowed).
func validFormDate(s string) bool {
	_, _, ok := ParseDate(s)
	return ok
}
