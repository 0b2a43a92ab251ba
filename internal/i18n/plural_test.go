package i18n

import (
	"strings"
	"testing"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// notCounts are the plain messages with a %d that counts nothing whose word
// would change with it: a position, a percentage, a limit in a unit, or a
// "label: number" pair. Every other %d message must be a Plural.
var notCounts = map[string]string{
	"ui.xp.percent":        "a percentage",
	"importui.line":        "a line number",
	"importui.stage.read":  "a position: file 2 of 5",
	"rec.files.storing":    "a position: file 2 of 5",
	"rec.timeline.chip":    "a label and its number in parentheses",
	"ui.sel.kind":          "a label and its number in parentheses",
	"ui.sel.counts":        "label: number pairs",
	"export.readme.counts": "label: number pairs",
	"unlock.corrupt":       "label: number",
	"summary.showall":      "shown only above a section's cap (10 or more)",
	"ui.view.more":         "\"show 3 more\": no noun",
}

// TestCountsArePlural walks the catalog: every message with a count is a
// plural one, or is listed in notCounts with its reason.
func TestCountsArePlural(t *testing.T) {
	for _, l := range Langs {
		for _, k := range Keys(l) {
			if strings.Contains(In(l, k), "%d") && notCounts[k] == "" {
				t.Errorf("%s %q counts with %%d but has no plural forms (use addPlural and N): %q", l, k, In(l, k))
			}
		}
	}
	for k := range notCounts {
		if !Has(k) {
			t.Errorf("notCounts lists %q, which is not in the catalog", k)
		}
	}
}

// TestPluralsComplete: every plural key has both forms in both languages,
// with the same fmt verbs (the One form may leave them all out).
func TestPluralsComplete(t *testing.T) {
	en, es := PluralKeys(English), PluralKeys(Spanish)
	if strings.Join(en, ",") != strings.Join(es, ",") {
		t.Fatalf("plural keys differ between languages:\nen %v\nes %v", en, es)
	}
	for _, k := range en {
		want := ""
		for _, l := range Langs {
			p, _ := PluralIn(l, k)
			if p.One == "" || p.Other == "" {
				t.Errorf("%s %q: a form is empty: %+v", l, k, p)
			}
			if want == "" {
				want = verbs(p.Other)
			}
			if verbs(p.Other) != want {
				t.Errorf("%s %q: verbs %q, want %q", l, k, verbs(p.Other), want)
			}
			if v := verbs(p.One); v != want && v != "" {
				t.Errorf("%s %q: one form verbs %q, want %q or none", l, k, v, want)
			}
		}
		if Has(k) {
			t.Errorf("%q is both a plain and a plural message", k)
		}
	}
}

func TestN(t *testing.T) {
	for _, c := range []struct {
		l    Lang
		key  string
		n    int
		want string
	}{
		{English, "people.files", 0, "0 files"},
		{English, "people.files", 1, "1 file"},
		{English, "people.files", 2, "2 files"},
		{Spanish, "people.entries", 1, "1 entrada"},
		{Spanish, "people.entries", 2, "2 entradas"},
		{Spanish, "people.entries", 0, "0 entradas"},
		{English, "importui.times", 1, "once"},
		{Spanish, "importui.times", 3, "3 veces"},
		{Spanish, "importui.already", 1, "1 ya estaba"},
		{English, "no.such.key", 1, "no.such.key"},
	} {
		if got := NIn(c.l, c.key, c.n); got != c.want {
			t.Errorf("NIn(%s, %q, %d) = %q, want %q", c.l, c.key, c.n, got, c.want)
		}
	}
	// The form follows n; the arguments are formatted as given.
	if got := NIn(English, "rec.timeline.count", 1, 1, 1); got != "Showing 1 of 1 entry." {
		t.Errorf("timeline count of 1: %q", got)
	}
	if got := NIn(Spanish, "rec.timeline.count", 120, 50, 120); !strings.HasPrefix(got, "Se muestran 50 de 120 registros") {
		t.Errorf("timeline count: %q", got)
	}
}

func TestSize(t *testing.T) {
	for _, c := range []struct {
		n    int64
		lang Lang
		want string
	}{
		{-1, English, "0 B"},
		{0, English, "0 B"},
		{999, English, "999 B"},
		{1000, English, "1.0 kB"},
		{1536, English, "1.5 kB"},
		{99_949, English, "99.9 kB"},
		{99_960, English, "100 kB"},
		{999_400, English, "999 kB"},
		{999_600, English, "1.0 MB"},
		{104_857_600, English, "105 MB"},
		{1_400_000, Spanish, "1,4 MB"},
		{3_000_000_000_000_000, English, "3000 TB"},
	} {
		if got := Size(c.lang, c.n); got != c.want {
			t.Errorf("Size(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

// TestFormLikeCLDR: the form picked for every whole count up to ten million
// (and a few beyond, and negative ones) is the one golang.org/x/text's CLDR
// rules pick, in every language of the catalog. A language whose rules are
// not "one for 1" (French: 0 and 1) fails here until form learns it.
func TestFormLikeCLDR(t *testing.T) {
	p := Plural{One: "one", Other: "other"}
	tags := map[Lang]language.Tag{English: language.English, Spanish: language.Spanish}
	for _, l := range Langs {
		tag, ok := tags[l]
		if !ok {
			t.Fatalf("no CLDR tag for %s: add it here", l)
		}
		check := func(n int) {
			abs := n
			if abs < 0 {
				abs = -abs
			}
			want := "other"
			if plural.Cardinal.MatchPlural(tag, abs, 0, 0, 0, 0) == plural.One {
				want = "one"
			}
			if got := p.form(l, n); got != want {
				t.Fatalf("%s: %d takes %q, CLDR says %q", l, n, got, want)
			}
		}
		for n := 0; n <= 10_000_000; n++ {
			check(n)
		}
		for _, n := range []int{-1, -2, 1 << 31, 1<<62 + 1, 1_000_000_000} {
			check(n)
		}
	}
}
