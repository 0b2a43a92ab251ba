package i18n

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Plural is a message whose words change with a count ("1 file", "2 files";
// "1 entrada", "2 entradas"). Its forms are the categories of CLDR's cardinal
// plural rules: English and Spanish have "one" (English: the integer 1;
// Spanish: n = 1) and "other" (Spanish's "many", for whole millions, is only
// for compact numbers such as "1 M": written out, a million takes "other"). Every form takes the same fmt arguments, except that the One form
// may leave them out ("once", "the entry it is attached to").
type Plural struct {
	One   string
	Other string
}

var plurals = map[Lang]map[string]Plural{}

// addPlural registers counted messages for one language. Called from init
// in catalog files; a key is either a plain message or a plural one.
func addPlural(l Lang, m map[string]Plural) {
	mu.Lock()
	defer mu.Unlock()
	if plurals[l] == nil {
		plurals[l] = map[string]Plural{}
	}
	for k, v := range m {
		if _, dup := plurals[l][k]; dup {
			panic("i18n: duplicate plural key " + k + " for " + string(l))
		}
		plurals[l][k] = v
	}
}

// N returns the form of a counted message for the count n in the current
// language, formatted with args, or with n alone when no args are given.
func N(key string, n int, args ...any) string { return NIn(Current(), key, n, args...) }

// NIn is N for a given language. A key missing in the language falls back
// to English; a key missing everywhere is returned as is.
func NIn(l Lang, key string, n int, args ...any) string {
	mu.RLock()
	p, ok := plurals[l][key]
	if !ok {
		l = English
		p, ok = plurals[l][key]
	}
	mu.RUnlock()
	if !ok {
		return key
	}
	f := p.form(l, n)
	if !strings.Contains(f, "%") {
		return f
	}
	if len(args) == 0 {
		args = []any{n}
	}
	return fmt.Sprintf(f, args...)
}

// form picks the CLDR cardinal category of n in l; a form left empty falls
// back to Other.
func (p Plural) form(l Lang, n int) string {
	if n < 0 {
		n = -n
	}
	// CLDR's rules for a whole count, written out here rather than through
	// golang.org/x/text/feature/plural: its language tables were 51 KB of
	// the page module's brotli (300 KB raw) for this one comparison, and
	// TestFormLikeCLDR checks it against x/text on every count up to ten
	// million in both languages.
	if n == 1 && p.One != "" {
		return p.One
	}
	return p.Other
}

// PluralKeys returns every plural key of a language, sorted.
func PluralKeys(l Lang) []string {
	mu.RLock()
	defer mu.RUnlock()
	keys := make([]string, 0, len(plurals[l]))
	for k := range plurals[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// PluralIn returns the forms of a plural key in a language.
func PluralIn(l Lang, key string) (Plural, bool) {
	mu.RLock()
	defer mu.RUnlock()
	p, ok := plurals[l][key]
	return p, ok
}

// Size renders a byte count for people, the one file-size format of the app
// and the exports: "512 B", "1.4 MB" ("1,4 MB" in Spanish). Units are
// decimal (1 kB = 1000 B), like file managers show; one decimal below 100.
func Size(l Lang, n int64) string {
	if n < 0 {
		n = 0
	}
	if n < 1000 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"kB", "MB", "GB", "TB"}
	v := float64(n) / 1000
	u := 0
	for v >= 999.5 && u < len(units)-1 {
		v /= 1000
		u++
	}
	var s string
	if v >= 99.95 {
		s = strconv.FormatFloat(v, 'f', 0, 64)
	} else {
		s = strconv.FormatFloat(v, 'f', 1, 64)
	}
	if l == Spanish {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + units[u]
}
