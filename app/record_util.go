package ui

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

// Shared helpers of the record pages (add, edit, timeline, entry, trend,
// questions).

// recIdPattern is the alphabet of vault ids in paths (record.NewID: lower-case
// hex and hyphens; restored vaults may carry upper-case ids).
const recIdPattern = `[A-Za-z0-9-]{1,64}`

var (
	reEntryPath = regexp.MustCompile(`^` + PathEntry + `(` + recIdPattern + `)$`)
	reEditPath  = regexp.MustCompile(`^` + PathEdit + `(` + recIdPattern + `)$`)
	reTrendPath = regexp.MustCompile(`^` + PathTrend + `(` + recIdPattern + `)$`)
	reAddPath   = regexp.MustCompile(`^` + PathAdd + `([a-z-]*)$`)
)

// recPathID returns the id at the end of path when it matches re.
func recPathID(re *regexp.Regexp, path string) string {
	m := re.FindStringSubmatch(path)
	if m == nil {
		return ""
	}
	return m[1]
}

// recLastDeleted remembers the entry deleted last, so that the timeline can
// offer to undo it. It holds a random vault id only.
var recLastDeleted struct {
	mu sync.Mutex
	id string
}

func recSetLastDeleted(id string) {
	recLastDeleted.mu.Lock()
	recLastDeleted.id = id
	recLastDeleted.mu.Unlock()
}

func recTakeLastDeleted() string {
	recLastDeleted.mu.Lock()
	defer recLastDeleted.mu.Unlock()
	return recLastDeleted.id
}

// recKindLabel is the name of a kind for people.
func recKindLabel(k record.Kind) string {
	if k == "" {
		k = record.KindOther
	}
	return i18n.T("record.kind." + string(k))
}

// recFieldLabel and recChoiceLabel are the labels of form fields and choices.
func recFieldLabel(name string) string { return i18n.T("record.field." + name) }
func recChoiceLabel(field, choice string) string {
	return i18n.T("record.choice." + field + "." + choice)
}

// recEntryTitle is an entry's title, or its kind when it has none.
func recEntryTitle(e record.Entry) string {
	if t := strings.TrimSpace(e.Title); t != "" {
		return t
	}
	return recKindLabel(e.Kind)
}

// recEntryDate is an entry's date as FHIR writes it (partial dates stay partial).
func recEntryDate(e record.Entry) string { return record.FormatDate(e.Date, e.DatePrecision) }

// recResultBadge is the badge of a result's flag (see
// record.Projection.ResultFlag): High, Low, Critical…, or the source's own
// words; nil when normal.
func recResultBadge(p record.Projection) app.UI {
	return recLevelBadge(p.ResultFlag())
}

// recLevelBadge is the badge of a flag level and, for record.FlagOther,
// the source's words.
func recLevelBadge(level, text string) app.UI {
	badge, long := record.FlagLabels(level, text, i18n.Current())
	if badge == "" {
		return nil
	}
	cls := "badge warn"
	switch level {
	case record.FlagHigh:
		cls = "badge high"
	case record.FlagLow:
		cls = "badge low"
	case record.FlagCriticalHigh, record.FlagCriticalLow, record.FlagCritical:
		cls = "badge danger"
	case record.FlagOther:
		cls = "badge"
	}
	return app.Span().Class(cls + " result-flag").Title(long).Text(badge)
}

// recFlagBadge marks an entry flagged as possibly wrong.
func recFlagBadge(e record.Entry) app.UI {
	if e.Flag == nil {
		return nil
	}
	return app.Span().Class("badge danger").Text(i18n.T("rec.flagged"))
}

// recFoldText lower-cases and strips the accents of Latin letters, as the
// record's search does, so highlights match what search found.
func recFoldText(s string) string {
	var b strings.Builder
	for _, r := range s {
		r = unicode.ToLower(r)
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		if f, ok := recAccentFold[r]; ok {
			b.WriteRune(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var recAccentFold = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäåāăą", 'c': "çćĉċč", 'e': "èéêëēĕėęě", 'i': "ìíîïĩīĭįı", 'n': "ñńņňŉ",
		'o': "òóôõöōŏőø", 'u': "ùúûüũūŭůűų", 'y': "ýÿŷ", 's': "śŝşš", 'z': "źżž",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// recQueryWords splits a search query into folded words.
func recQueryWords(q string) []string {
	return strings.FieldsFunc(recFoldText(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// recHighlight renders text with every word that starts with one of the query
// words marked.
func recHighlight(text string, qs []string) []app.UI {
	if len(qs) == 0 || text == "" {
		return []app.UI{app.Text(text)}
	}
	var out []app.UI
	var plain strings.Builder
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }
	rs := []rune(text)
	for i := 0; i < len(rs); {
		if !isWord(rs[i]) {
			plain.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && isWord(rs[j]) {
			j++
		}
		w := string(rs[i:j])
		fw := recFoldText(w)
		hit := false
		for _, q := range qs {
			if strings.HasPrefix(fw, q) {
				hit = true
				break
			}
		}
		if hit {
			if plain.Len() > 0 {
				out = append(out, app.Text(plain.String()))
				plain.Reset()
			}
			out = append(out, app.Mark().Text(w))
		} else {
			plain.WriteString(w)
		}
		i = j
	}
	if plain.Len() > 0 {
		out = append(out, app.Text(plain.String()))
	}
	return out
}

// recControl is a form recControl (input, select or textarea) labelled like
// field(): the error is tied to the recControl with aria-describedby.
func recControl(id, label, hint, errMsg string, required bool, c app.UI) app.UI {
	return app.Label().For(id).Body(
		app.Span().Body(
			app.Text(label),
			app.If(required, func() app.UI {
				return app.Span().Class("req").Aria("hidden", "true").Text(" *")
			}),
		),
		app.If(hint != "", func() app.UI { return app.Span().Class("field-hint").ID(id + "-hint").Text(hint) }),
		c,
		app.If(errMsg != "", func() app.UI { return app.Span().ID(id + "-err").Class("field-error").Text(errMsg) }),
	)
}

// recDescribedBy is the aria-describedby of a recControl with an optional hint and error.
func recDescribedBy(id, hint, errMsg string) string {
	var ids []string
	if errMsg != "" {
		ids = append(ids, id+"-err")
	}
	if hint != "" {
		ids = append(ids, id+"-hint")
	}
	return strings.Join(ids, " ")
}

// recFocusID moves the keyboard focus to an element after the next render.
// ctx must be the component's own context (from OnMount or OnNav): go-app
// drops deferred work whose source element is gone, and the element an event
// came from is often replaced by the very render that follows.
func recFocusID(ctx app.Context, id string) {
	ctx.Defer(func(ctx app.Context) {
		if el := app.Window().GetElementByID(id); el != nil && el.Truthy() {
			el.Call("focus")
		}
	})
}

// recProfileName is the name of a profile by id, for headings.
func recProfileName(id string) string {
	if s := current(); s != nil {
		if p, ok := s.Book().Profile(id); ok {
			return p.Name
		}
	}
	return ""
}

// recFlash is a one-time confirmation for the next page that shows an entry
// ("Saved."). It holds a vault id and a catalog key only.
var recFlash struct {
	mu      sync.Mutex
	id, key string
}

func recSetFlash(id, key string) {
	recFlash.mu.Lock()
	recFlash.id, recFlash.key = id, key
	recFlash.mu.Unlock()
}

// recTakeFlash returns the message for entry id once, or "".
func recTakeFlash(id string) string {
	recFlash.mu.Lock()
	defer recFlash.mu.Unlock()
	if recFlash.id != id || recFlash.key == "" {
		return ""
	}
	k := recFlash.key
	recFlash.id, recFlash.key = "", ""
	return i18n.T(k)
}
