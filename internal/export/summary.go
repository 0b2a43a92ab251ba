package export

import (
	"bufio"
	"html"
	"io"
	"sort"
	"strings"
	"time"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

// HTMLSummary writes the readable summary of the part of data that sel
// chooses, in language lang: per profile, allergies, conditions,
// medications, immunizations, the latest result of each lab test with its
// reference range, the latest vital signs, recent visits, care team,
// emergency contacts, flagged entries, personal notes, open questions and
// the files. The page is self-contained (one inline <style> element, no
// scripts, no remote references) and has a print stylesheet; it serves both
// the export's summary.html and the app's printable summary.
func HTMLSummary(w io.Writer, data Data, sel Selection, lang i18n.Lang) error {
	return renderSummary(w, data.Select(sel), lang, time.Now())
}

// RecentVisits is how many visits the summary lists per profile.
const RecentVisits = 10

type summaryView struct {
	Lang      string
	Title     string
	Generated string
	Footer    string
	Profiles  []profileView
}

type profileView struct {
	Name       string
	Details    string
	Sections   []sectionView
	NarrTitle  string
	Narratives []narrativeView
}

// narrativeView is one note from a document, in its own words.
type narrativeView struct {
	Title, Date string
	HTML        string // markup from record.NarrativeHTML, written as is
}

type sectionView struct {
	ID, Title string
	Cols      []string
	Rows      []rowView
	Empty     string // shown when Rows is empty; section omitted if also empty
}

type rowView struct {
	Cells  []string
	Alert  bool   // out of range or flagged
	Mark   string // "High", "Low", "!"…
	MarkAt int    // the cell the mark follows
}

func renderSummary(w io.Writer, d Data, lang i18n.Lang, now time.Time) error {
	t := func(key string, args ...any) string { return i18n.In(lang, key, args...) }
	v := summaryView{
		Lang:      string(lang),
		Title:     t("export.summary.title"),
		Generated: t("export.summary.generated", now.Format("2006-01-02")),
		Footer:    t("export.summary.footer"),
	}
	for _, p := range d.Profiles {
		v.Profiles = append(v.Profiles, profileSummary(d, p, lang, t))
	}
	return writeSummary(w, v)
}

func profileSummary(d Data, p record.Profile, lang i18n.Lang, t func(string, ...any) string) profileView {
	pv := profileView{Name: p.Name}
	if pv.Name == "" {
		pv.Name = t("export.summary.unnamed")
	}
	var det []string
	if p.BirthDate != "" {
		det = append(det, t("export.summary.born", p.BirthDate))
	}
	if k := "export.rel." + p.Relationship; p.Relationship != "self" && i18n.Has(k) {
		det = append(det, t(k))
	}
	pv.Details = strings.Join(det, " · ")

	es := entriesOf(d, p.ID) // newest first
	live := es[:0:0]
	for _, e := range es {
		if !inError(e) {
			live = append(live, e)
		}
	}
	byKind := func(k record.Kind) []*record.Entry {
		var out []*record.Entry
		for _, e := range live {
			if e.Kind == k {
				out = append(out, e)
			}
		}
		return out
	}
	activeFirst := func(es []*record.Entry, inactive map[string]bool) []*record.Entry {
		sort.SliceStable(es, func(i, j int) bool {
			return !inactive[strings.ToLower(es[i].Status)] && inactive[strings.ToLower(es[j].Status)]
		})
		return es
	}
	date := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.Format("2006-01-02")
	}
	status := func(s string) string {
		if s == "" {
			return ""
		}
		if k := "export.status." + strings.ToLower(s); i18n.Has(k) {
			return t(k)
		}
		return s
	}
	none := t("export.summary.none")

	// Allergies.
	sec := sectionView{ID: "allergies", Title: t("export.sec.allergies"), Empty: none,
		Cols: []string{t("export.col.allergy"), t("export.col.reaction"), t("export.col.status"), t("export.col.recorded")}}
	for _, e := range activeFirst(byKind(record.KindAllergy), resolvedStatus) {
		sec.Rows = append(sec.Rows, row(e, title(e), e.Text, status(e.Status), date(e.Date)))
	}
	pv.Sections = append(pv.Sections, sec)

	// Conditions.
	sec = sectionView{ID: "conditions", Title: t("export.sec.conditions"), Empty: none,
		Cols: []string{t("export.col.condition"), t("export.col.status"), t("export.col.since"), t("export.col.details")}}
	for _, e := range activeFirst(byKind(record.KindCondition), resolvedStatus) {
		sec.Rows = append(sec.Rows, row(e, title(e), status(e.Status), date(e.Date), e.Text))
	}
	pv.Sections = append(pv.Sections, sec)

	// Medications.
	sec = sectionView{ID: "medications", Title: t("export.sec.medications"), Empty: none,
		Cols: []string{t("export.col.medication"), t("export.col.dose"), t("export.col.status"), t("export.col.since")}}
	for _, e := range activeFirst(byKind(record.KindMedication), stoppedMed) {
		sec.Rows = append(sec.Rows, row(e, title(e), e.Text, status(e.Status), date(e.Date)))
	}
	pv.Sections = append(pv.Sections, sec)

	// Immunizations.
	sec = sectionView{ID: "immunizations", Title: t("export.sec.immunizations"),
		Cols: []string{t("export.col.vaccine"), t("export.col.date"), t("export.col.details")}}
	for _, e := range byKind(record.KindImmunization) {
		sec.Rows = append(sec.Rows, row(e, title(e), date(e.Date), e.Text))
	}
	pv.Sections = append(pv.Sections, sec)

	// Latest lab results.
	sec = sectionView{ID: "labs", Title: t("export.sec.labs"),
		Cols: []string{t("export.col.test"), t("export.col.result"), t("export.col.range"), t("export.col.date")}}
	for _, e := range latestOf(live, record.KindLab) {
		r := row(e, title(e), resultText(e), e.RangeText(), date(e.Date))
		if m := abnormal(e, lang); m != "" {
			r.Alert, r.Mark, r.MarkAt = true, m, 1
		}
		sec.Rows = append(sec.Rows, r)
	}
	pv.Sections = append(pv.Sections, sec)

	// Latest vital signs.
	sec = sectionView{ID: "vitals", Title: t("export.sec.vitals"),
		Cols: []string{t("export.col.measurement"), t("export.col.result"), t("export.col.date")}}
	for _, e := range latestOf(live, record.KindVital) {
		sec.Rows = append(sec.Rows, row(e, title(e), resultText(e), date(e.Date)))
	}
	pv.Sections = append(pv.Sections, sec)

	// Recent visits.
	sec = sectionView{ID: "visits", Title: t("export.sec.visits"),
		Cols: []string{t("export.col.date"), t("export.col.visit"), t("export.col.provider")}}
	for _, e := range byKind(record.KindVisit) {
		if len(sec.Rows) == RecentVisits {
			break
		}
		sec.Rows = append(sec.Rows, row(e, date(e.Date), title(e), e.Who))
	}
	pv.Sections = append(pv.Sections, sec)

	// Care team and emergency contacts.
	for _, k := range []struct {
		id   string
		kind record.Kind
	}{{"careteam", record.KindCareTeam}, {"contacts", record.KindEmergencyContact}} {
		sec = sectionView{ID: k.id, Title: t("export.sec." + k.id),
			Cols: []string{t("export.col.name"), t("export.col.details")}}
		members := byKind(k.kind)
		if k.kind == record.KindCareTeam {
			members = distinctTeam(members)
		}
		for _, e := range members {
			det := e.Text
			if e.Who != "" && e.Who != e.Title {
				det = strings.TrimPrefix(det+" · "+e.Who, " · ")
			}
			sec.Rows = append(sec.Rows, row(e, title(e), det))
		}
		pv.Sections = append(pv.Sections, sec)
	}

	// Flagged entries and notes.
	sec = sectionView{ID: "flags", Title: t("export.sec.flags"),
		Cols: []string{t("export.col.entry"), t("export.col.flag"), t("export.col.status"), t("export.col.date")}}
	for _, e := range es {
		if e.Flag != nil {
			r := rowView{Cells: []string{title(e), e.Flag.Note, status(e.Flag.Status), date(e.Flag.Created)}, Alert: true, Mark: "!"}
			sec.Rows = append(sec.Rows, r)
		}
	}
	pv.Sections = append(pv.Sections, sec)

	sec = sectionView{ID: "notes", Title: t("export.sec.notes"),
		Cols: []string{t("export.col.entry"), t("export.col.note"), t("export.col.date")}}
	for _, e := range es {
		for _, n := range e.Notes {
			sec.Rows = append(sec.Rows, rowView{Cells: []string{title(e), n.Text, date(n.Created)}})
		}
	}
	pv.Sections = append(pv.Sections, sec)

	sec = sectionView{ID: "questions", Title: t("export.sec.questions"), Cols: []string{t("export.col.question")}}
	for _, q := range d.Questions {
		if q.Profile == p.ID && !q.Done {
			sec.Rows = append(sec.Rows, rowView{Cells: []string{q.Text}})
		}
	}
	pv.Sections = append(pv.Sections, sec)

	pv.NarrTitle, pv.Narratives = t("export.sec.narratives"), narratives(live)

	sec = sectionView{ID: "files", Title: t("export.sec.files"),
		Cols: []string{t("export.col.file"), t("export.col.type"), t("export.col.size")}}
	for _, f := range d.Files {
		if f.Profile == p.ID {
			sec.Rows = append(sec.Rows, rowView{Cells: []string{f.Name, f.Type, i18n.Size(lang, f.Size)}})
		}
	}
	pv.Sections = append(pv.Sections, sec)
	return pv
}

// distinctTeam lists each person once (see record.DistinctCareTeam).
func distinctTeam(es []*record.Entry) []*record.Entry {
	vals := make([]record.Entry, len(es))
	for i, e := range es {
		vals[i] = *e
	}
	keep := map[string]bool{}
	for _, e := range record.DistinctCareTeam(vals) {
		keep[e.ID] = true
	}
	out := es[:0:0]
	for _, e := range es {
		if keep[e.ID] {
			out = append(out, e)
		}
	}
	return out
}

// RecentNarratives is how many notes from documents the summary shows in
// their own words (tables and lists as written), per profile.
const RecentNarratives = 10

// narratives are the latest clinician notes with a narrative, rendered.
func narratives(es []*record.Entry) []narrativeView {
	var out []narrativeView
	for _, e := range es { // newest first
		if len(out) == RecentNarratives {
			break
		}
		if e.Kind != record.KindClinicianNote || len(e.Resource.JSON) == 0 {
			continue
		}
		bs := record.Narrative(e.Resource)
		if len(bs) == 0 {
			continue
		}
		d := ""
		if !e.Date.IsZero() {
			d = e.Date.Format("2006-01-02")
		}
		// NarrativeHTML writes only its own tags and escaped text.
		out = append(out, narrativeView{Title: title(e), Date: d, HTML: record.NarrativeHTML(bs)})
	}
	return out
}

func row(e *record.Entry, cells ...string) rowView {
	r := rowView{Cells: cells}
	if e.Flag != nil {
		r.Alert, r.Mark = true, "!"
	}
	return r
}

func title(e *record.Entry) string {
	if e.Title != "" {
		return e.Title
	}
	return string(e.Kind)
}

// latestOf returns the latest entry of each test of kind k, newest first.
func latestOf(es []*record.Entry, k record.Kind) []*record.Entry {
	seen := map[string]bool{}
	var out []*record.Entry
	for _, e := range es { // newest first
		if e.Kind != k || e.NoValue() {
			continue // a row that came with no value is not a result
		}
		key := testKey(e)
		if !seen[key] {
			seen[key] = true
			out = append(out, e)
		}
	}
	return out
}

// resultText is a result as people read it (record's one rule for
// numbers), or its text.
func resultText(e *record.Entry) string { return e.ResultText() }

// abnormal is the mark of a result's flag in lang ("High", "Low",
// "Critical high", the source's own words…), "" when normal.
func abnormal(e *record.Entry, lang i18n.Lang) string {
	level, text := e.ResultFlag()
	badge, _ := record.FlagLabels(level, text, lang)
	return badge
}

// SummaryCSP is summary.html's Content-Security-Policy: its own inline
// style and nothing else — no script, no request anywhere, not even to the
// folder it is opened from.
const SummaryCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

// writeSummary writes v as summary.html, top to bottom as it reads. No
// template package: text/template's reflection would keep every exported
// method of every type in the wasm (design.md, pitfall 13). Every text goes
// through esc; only a narrative's HTML, which record.NarrativeHTML builds
// from its own tags and escaped text, is written as it is.
func writeSummary(w io.Writer, v summaryView) error {
	b := bufio.NewWriter(w)
	s := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	s(`<!DOCTYPE html>
<html lang="`, esc(v.Lang), `">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="`+SummaryCSP+`">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Backpack">
<title>`, esc(v.Title), `</title>
<style>
:root { color-scheme: light; --ink: #1b1f24; --muted: #5b6470; --line: #d8dde3; --alert: #a4161a; --band: #f3f5f7; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 62rem; padding: 2rem 1.5rem 3rem; color: var(--ink); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif; }
header.doc { border-bottom: 3px solid var(--ink); margin-bottom: 1.5rem; padding-bottom: .5rem; }
header.doc h1 { font-size: 1.6rem; margin: 0; letter-spacing: -.01em; }
header.doc p { margin: .25rem 0 0; color: var(--muted); font-size: .9rem; }
article.profile + article.profile { margin-top: 3rem; }
article.profile > h2 { font-size: 1.45rem; margin: 0 0 .1rem; }
article.profile > p.details { margin: 0 0 1rem; color: var(--muted); }
section { margin: 1.4rem 0; }
section h3 { font-size: 1.05rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted);
  border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin: 0 0 .4rem; }
table { width: 100%; border-collapse: collapse; font-size: .95rem; }
th { text-align: left; font-weight: 600; font-size: .8rem; color: var(--muted); padding: .3rem .5rem; }
td { padding: .35rem .5rem; border-top: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
tbody tr:nth-child(even) td { background: var(--band); }
td:first-child { font-weight: 500; }
tr.alert td { color: var(--alert); }
.mark { display: inline-block; min-width: 1.4em; margin-left: .3em; padding: 0 .25em; border: 1px solid currentColor;
  border-radius: .25em; font-size: .75em; font-weight: 700; text-align: center; }
.narrative { margin: .6rem 0 1rem; overflow-x: auto; }
.narrative h4 { margin: 0 0 .3rem; font-size: 1rem; }
.narrative h4 .when { color: var(--muted); font-weight: 400; font-size: .85rem; }
.narrative table { width: auto; min-width: 60%; }
.narrative th, .narrative td { border: 1px solid var(--line); }
.narrative p { margin: .3rem 0; }
p.empty { color: var(--muted); font-style: italic; margin: .2rem .5rem; }
footer { margin-top: 2.5rem; padding-top: .6rem; border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; }
@media print {
  @page { margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  header.doc { margin-bottom: 8pt; }
  article.profile + article.profile { break-before: page; margin-top: 0; }
  section { margin: 8pt 0; }
  h2, h3 { break-after: avoid; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  tbody tr:nth-child(even) td { background: none; }
  tr.alert td { color: #000; font-weight: 600; }
}
</style>
</head>
<body>
<header class="doc"><h1>`, esc(v.Title), `</h1><p>`, esc(v.Generated), `</p></header>
<main>`)
	for _, p := range v.Profiles {
		s("\n<article class=\"profile\">\n<h2>", esc(p.Name), "</h2>")
		if p.Details != "" {
			s(`<p class="details">`, esc(p.Details), `</p>`)
		}
		for _, sec := range p.Sections {
			if len(sec.Rows) == 0 && sec.Empty == "" {
				continue
			}
			s("\n<section id=\"", esc(sec.ID), "\">\n<h3>", esc(sec.Title), "</h3>")
			if len(sec.Rows) == 0 {
				s("\n<p class=\"empty\">", esc(sec.Empty), "</p>\n</section>")
				continue
			}
			s("\n<table>\n<thead><tr>")
			for _, c := range sec.Cols {
				s(`<th scope="col">`, esc(c), `</th>`)
			}
			s("</tr></thead>\n<tbody>")
			for _, r := range sec.Rows {
				s("\n<tr")
				if r.Alert {
					s(` class="alert"`)
				}
				s(">")
				for i, c := range r.Cells {
					s("<td>", esc(c))
					if r.Mark != "" && i == r.MarkAt {
						s(` <span class="mark">`, esc(r.Mark), `</span>`)
					}
					s("</td>")
				}
				s("</tr>")
			}
			s("\n</tbody>\n</table>\n</section>")
		}
		if len(p.Narratives) > 0 {
			s("\n<section id=\"narratives\">\n<h3>", esc(p.NarrTitle), "</h3>")
			for _, n := range p.Narratives {
				s("\n<div class=\"narrative\"><h4>", esc(n.Title))
				if n.Date != "" {
					s(` <span class="when">`, esc(n.Date), `</span>`)
				}
				s("</h4>", n.HTML, "</div>")
			}
			s("\n</section>")
		}
		s("\n</article>")
	}
	s("\n</main>\n<footer>", esc(v.Footer), "</footer>\n</body>\n</html>\n")
	return b.Flush()
}

// esc escapes text for HTML element content and quoted attribute values;
// a NUL, which HTML does not allow, becomes U+FFFD.
func esc(text string) string {
	return strings.ReplaceAll(html.EscapeString(text), "\x00", "\uFFFD")
}
