package record

import (
	"strings"

	"backpack/internal/i18n"
)

// Flag levels of a result: how it compares with its reference, as the
// source says (Observation.interpretation, C-CDA interpretationCode) or, when
// the source says nothing, as its reference range says.
const (
	FlagNone         = ""              // nothing known
	FlagNormal       = "normal"        // no badge
	FlagHigh         = "high"          // H, HU, HX, >
	FlagLow          = "low"           // L, LU, LX, <
	FlagCriticalHigh = "critical-high" // HH
	FlagCriticalLow  = "critical-low"  // LL
	FlagCritical     = "critical"      // AA
	FlagAbnormal     = "abnormal"      // A
	FlagOther        = "other"         // any other flag: shown with the source's own words
)

// interpByCode maps HL7 v2 (table 0078) and v3 (ObservationInterpretation)
// codes to the codes projections keep.
var interpByCode = map[string]string{
	"H": "H", "HU": "H", "HX": "H", ">": "H", "H>": "H",
	"L": "L", "LU": "L", "LX": "L", "<": "L", "L<": "L",
	"HH": "HH", "LL": "LL", "AA": "AA", "A": "A", "N": "N",
}

// interpWords maps a source's words for a flag (interpretation.text, a
// coding's display) to the same codes.
var interpWords = map[string]string{
	"high": "H", "above high normal": "H", "above high threshold": "H", "significantly high": "H",
	"above upper panic limits": "HH", "elevated": "H", "alto": "H", "alta": "H",
	"low": "L", "below low normal": "L", "below low threshold": "L", "significantly low": "L",
	"below lower panic limits": "LL", "bajo": "L", "baja": "L",
	"critical high": "HH", "critically high": "HH", "panic high": "HH", "high critical": "HH",
	"critical low": "LL", "critically low": "LL", "panic low": "LL", "low critical": "LL",
	"critical": "AA", "critical abnormal": "AA", "critically abnormal": "AA", "panic": "AA", "crítico": "AA",
	"abnormal": "A", "anormal": "A", "abnormal (applies to non-numeric results)": "A",
	"normal": "N", "within normal limits": "N", "wnl": "N", "normal (applies to non-numeric results)": "N",
}

var interpLevels = map[string]string{
	"H": FlagHigh, "L": FlagLow, "HH": FlagCriticalHigh, "LL": FlagCriticalLow,
	"AA": FlagCritical, "A": FlagAbnormal, "N": FlagNormal,
}

// normInterp is the code a projection keeps for a flag given by its code,
// display and text: one of H, L, HH, LL, AA, A, N when known, else the
// source's own words (or code), so that no flag is dropped.
func normInterp(code, display, text string) string {
	code, display, text = strings.TrimSpace(code), strings.TrimSpace(display), strings.TrimSpace(text)
	if c, ok := interpByCode[strings.ToUpper(code)]; ok {
		return c
	}
	for _, w := range [...]string{display, text} {
		if c, ok := interpWords[strings.ToLower(w)]; ok {
			return c
		}
		if code == "" {
			if c, ok := interpByCode[strings.ToUpper(w)]; ok {
				return c
			}
		}
	}
	return firstNonEmpty(display, text, code)
}

// InterpFlag reads a projection's Interp: its level and, for FlagOther,
// the source's words to show. It also reads the raw codes that headers
// written before flags were normalised may hold ("LX", "HU").
func InterpFlag(interp string) (level, text string) {
	interp = strings.TrimSpace(interp)
	if interp == "" {
		return FlagNone, ""
	}
	if l, ok := interpLevels[normInterp(interp, "", "")]; ok {
		return l, ""
	}
	if l, ok := interpLevels[normInterp("", interp, "")]; ok {
		return l, ""
	}
	return FlagOther, interp
}

// ResultFlag is the result's flag (Entry.Flag is an error flag): the
// source's (InterpFlag of Interp), else what the reference range says of a
// plain number.
func (p Projection) ResultFlag() (level, text string) {
	if p.Interp == "" && p.Value != nil && p.Value2 == nil && p.Comparator == "" {
		return InterpFlag(computeInterp(*p.Value, p.RefLow, p.RefHigh))
	}
	return InterpFlag(p.Interp)
}

// FlagShown reports whether a level is shown as a badge (anything but
// normal and none).
func FlagShown(level string) bool { return level != FlagNone && level != FlagNormal }

// FlagLabels are a flag's badge text and its longer explanation in lang
// ("Low", "Lower than the reference range"); for FlagOther the source's own
// words. Both are "" for FlagNone and FlagNormal.
func FlagLabels(level, text string, lang i18n.Lang) (badge, long string) {
	switch level {
	case FlagNone, FlagNormal:
		return "", ""
	case FlagOther:
		return text, i18n.In(lang, "record.flag.other.long", text)
	}
	return i18n.In(lang, "record.flag."+level), i18n.In(lang, "record.flag."+level+".long")
}
