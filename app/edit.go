package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

func init() {
	addPage("^"+PathEdit+recIdPattern+"$", true, func() app.Composer { return &Edit{} })
}

// Edit changes an entry (PathEdit + id) with the same form as Add. Only the
// fields a person changes are written: every other part of the FHIR
// resource stays as it was.
type Edit struct {
	app.Compo

	ready bool
	id    string
}

func (p *Edit) OnNav(ctx app.Context) {
	p.ready, p.id = false, ""
	if !requireSession(ctx) {
		return
	}
	p.ready = true
	p.id = recPathID(reEditPath, ctx.Page().URL().Path)
}

func (p *Edit) Render() app.UI {
	title := i18n.T("rec.edit.title")
	if !p.ready {
		return &Shell{Title: title}
	}
	if e, ok := current().Book().Get(p.id); ok {
		title = i18n.T("rec.edit.kind", recKindLabel(e.Kind))
		if !may(e.Profile).Change { // a profile shared to view only
			return &Shell{Title: title, Content: []app.UI{readOnlyNote()}}
		}
	}
	return &Shell{Title: title, Content: []app.UI{
		&EntryForm{EntryID: p.id},
	}}
}
