package ui

import (
	"sort"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/exportdata"
	"backpack/internal/i18n"
	"backpack/internal/record"
)

// xpSectionKinds is the order the provider view shows an export's entries
// in: what a clinician looks for first, first.
var xpSectionKinds = []record.Kind{
	record.KindAllergy, record.KindCondition, record.KindMedication, record.KindImmunization,
	record.KindLab, record.KindVital, record.KindVisit, record.KindProcedure, record.KindImaging,
	record.KindReport, record.KindClinicianNote, record.KindDocument, record.KindCarePlan,
	record.KindSocial, record.KindAssessment, record.KindFamilyHistory, record.KindDevice, record.KindCareTeam,
	record.KindEmergencyContact, record.KindInsurance, record.KindBilling, record.KindOther,
}

// xpSectionLimit is how many entries a section shows before "show all".
const xpSectionLimit = 30

// xpArchiveView renders an opened export read-only: per profile, every
// section, personal notes and flags, questions and the files with download
// buttons. expanded says which sections show all their entries; toggle
// expands one; save downloads one file, by id, from memory.
type xpArchiveView struct {
	a        *exportdata.Archive
	expanded map[string]bool
	toggle   func(key string)
	save     func(id string)
}

func (v xpArchiveView) render() app.UI {
	d := v.a.Data
	byProfile := map[string][]*record.Entry{}
	for i := range d.Entries {
		e := &d.Entries[i]
		byProfile[e.Profile] = append(byProfile[e.Profile], e)
	}
	for _, es := range byProfile {
		sort.SliceStable(es, func(i, j int) bool { return es[i].Date.After(es[j].Date) })
	}
	fileNames := map[string]string{}
	for _, f := range d.Files {
		fileNames[f.ID] = f.Name
	}
	var cards []app.UI
	for _, p := range d.Profiles {
		cards = append(cards, v.profile(p, byProfile[p.ID], fileNames))
	}
	return app.Div().ID("view-data").Class("view-data").Body(
		app.Range(cards).Slice(func(i int) app.UI { return cards[i] }),
	)
}

func (v xpArchiveView) profile(p record.Profile, entries []*record.Entry, fileNames map[string]string) app.UI {
	byKind := map[record.Kind][]*record.Entry{}
	for _, e := range entries {
		k := e.Kind
		if !xpKnownKind(k) {
			k = record.KindOther
		}
		byKind[k] = append(byKind[k], e)
	}
	var sections []app.UI
	for _, k := range xpSectionKinds {
		es := byKind[k]
		if len(es) == 0 {
			continue
		}
		sections = append(sections, v.section(p.ID, k, es, fileNames))
	}
	var files []record.FileInfo
	for _, f := range v.a.Data.Files {
		if f.Profile == p.ID {
			files = append(files, f)
		}
	}
	var questions []record.Question
	for _, q := range v.a.Data.Questions {
		if q.Profile == p.ID {
			questions = append(questions, q)
		}
	}
	var facts []app.UI
	if p.BirthDate != "" {
		facts = append(facts, app.Dt().Text(i18n.T("ui.view.born")), app.Dd().Text(p.BirthDate))
	}
	if p.Relationship != "" && p.Relationship != "self" {
		facts = append(facts, app.Dt().Text(i18n.T("ui.view.relationship")), app.Dd().Text(i18n.T("export.rel."+p.Relationship)))
	}
	return app.Section().Class("card view-profile").Body(
		app.H2().Class("view-name").Text(xpProfileName(p)),
		app.If(len(facts) > 0, func() app.UI {
			return app.Dl().Class("facts").Body(app.Range(facts).Slice(func(i int) app.UI { return facts[i] }))
		}),
		app.If(len(sections) == 0 && len(files) == 0 && len(questions) == 0, func() app.UI {
			return app.P().Class("muted").Text(i18n.T("export.summary.none"))
		}),
		app.Range(sections).Slice(func(i int) app.UI { return sections[i] }),
		app.If(len(questions) > 0, func() app.UI {
			return app.Div().Class("view-section").Body(
				app.H3().Text(i18n.T("export.sec.questions")),
				app.Ul().Class("list").Body(app.Range(questions).Slice(func(i int) app.UI {
					q := questions[i]
					return app.Li().Class("item").Body(
						app.Span().Class("item-title").Text(q.Text),
						app.If(q.Done, func() app.UI { return app.Span().Class("badge ok").Text(i18n.T("ui.view.answered")) }),
					)
				})),
			)
		}),
		app.If(len(files) > 0, func() app.UI {
			return app.Div().Class("view-section").Body(
				app.H3().Text(i18n.T("export.sec.files")),
				app.Ul().Class("list").Body(app.Range(files).Slice(func(i int) app.UI {
					f := files[i]
					fid := f.ID
					return app.Li().Class("item xp-file-row").Body(
						app.Span().Class("item-title").Text(f.Name),
						app.Button().Type("button").Class("btn btn-small btn-secondary view-file").
							Aria("label", i18n.T("ui.view.download.file", f.Name)).
							Text(i18n.T("ui.view.download")).
							OnClick(func(ctx app.Context, e app.Event) { v.save(fid) }, app.EventScope(fid)),
						app.Span().Class("item-meta").Text(xpSize(f.Size)+" · "+f.Type),
					)
				})),
			)
		}),
	)
}

func (v xpArchiveView) section(profile string, k record.Kind, es []*record.Entry, fileNames map[string]string) app.UI {
	key := profile + "/" + string(k)
	shown := es
	more := 0
	if !v.expanded[key] && len(es) > xpSectionLimit {
		shown, more = es[:xpSectionLimit], len(es)-xpSectionLimit
	}
	return app.Div().Class("view-section").DataSet("kind", string(k)).Body(
		app.H3().Body(
			app.Text(i18n.T("ui.view.sec."+string(k))+" "),
			app.Span().Class("badge").Text(len(es)),
		),
		app.Ul().Class("list").Body(app.Range(shown).Slice(func(i int) app.UI {
			return xpEntryItem(shown[i], fileNames)
		})),
		app.If(more > 0, func() app.UI {
			return app.Button().Type("button").Class("btn btn-small btn-secondary").
				Text(i18n.T("ui.view.more", more)).
				OnClick(func(ctx app.Context, e app.Event) { v.toggle(key) }, app.EventScope(key))
		}),
	)
}

// xpEntryItem is one entry, read-only: title, date, detail, status, who,
// and the person's notes, flag and attached files.
func xpEntryItem(e *record.Entry, fileNames map[string]string) app.UI {
	meta := e.Text
	switch {
	case e.Value != nil:
		meta = e.ValueText()
	case e.NoValue():
		meta = i18n.T("record.novalue")
	}
	if e.Who != "" {
		if meta != "" {
			meta += " · "
		}
		meta += e.Who
	}
	var attached []string
	for _, id := range e.Files {
		if n, ok := fileNames[id]; ok {
			attached = append(attached, n)
		}
	}
	title := e.Title
	if title == "" {
		title = i18n.T("record.kind." + string(e.Kind))
	}
	return app.Li().Class("item view-entry").Body(
		app.Span().Class("item-title").Text(title),
		app.Span().Class("xp-date").Text(xpDate(e.Date, e.DatePrecision)),
		app.If(meta != "", func() app.UI { return app.Span().Class("item-meta").Text(meta) }),
		app.If(e.Status != "" || recResultBadge(e.Projection) != nil, func() app.UI {
			return app.Span().Class("item-meta").Body(
				app.If(e.Status != "", func() app.UI { return app.Span().Class("badge").Text(xpStatus(e.Status)) }),
				recResultBadge(e.Projection),
			)
		}),
		app.If(e.Flag != nil, func() app.UI {
			return app.P().Class("item-meta view-flag").Body(
				app.Span().Class("badge danger").Text(i18n.T("ui.view.flagged")),
				app.Text(" "+e.Flag.Note),
			)
		}),
		app.Range(e.Notes).Slice(func(i int) app.UI {
			return app.P().Class("item-meta view-note").Body(
				app.Span().Class("badge").Text(i18n.T("ui.view.note")),
				app.Text(" "+e.Notes[i].Text),
			)
		}),
		app.If(len(attached) > 0, func() app.UI {
			return app.P().Class("item-meta").Text(i18n.T("ui.view.attached", strings.Join(attached, ", ")))
		}),
	)
}

func xpKnownKind(k record.Kind) bool {
	for _, x := range xpSectionKinds {
		if x == k {
			return true
		}
	}
	return false
}

// xpDate shows a date at the precision it was recorded with.
func xpDate(t time.Time, precision string) string {
	if t.IsZero() {
		return ""
	}
	switch precision {
	case "year":
		return t.Format("2006")
	case "month":
		return t.Format("2006-01")
	}
	return t.Format("2006-01-02")
}

// xpStatus is a status in words when the catalog knows it.
func xpStatus(s string) string {
	for _, k := range []string{"export.status." + s, "ui.view.status." + s} {
		if i18n.Has(k) {
			return i18n.T(k)
		}
	}
	return s
}
