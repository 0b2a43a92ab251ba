package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

func init() {
	addPage("^"+PathEntry+recIdPattern+"$", true, func() app.Composer { return &EntryPage{} })
}

// EntryPage shows one entry (PathEntry + id): its facts, where it came
// from, files, personal notes, an error flag, the raw FHIR resource, and
// edit, delete and trend actions.
type EntryPage struct {
	app.Compo

	ready    bool
	id       string
	loading  bool
	found    bool
	entry    record.Entry // with its resource
	form     record.Form  // the entry as form values, when a form covers it
	hasForm  bool
	trendN   int
	raw      string
	story    []record.Block // the resource's own narrative
	notice   string
	err      string
	busy     bool
	note     string
	flagOpen bool
	flagNote string
	confirm  bool
	preview  string      // id of the attached file shown inline
	cctx     app.Context // the page's own context, for async results

	noteDraft, flagDraft formDraft // what is typed in the note and flag boxes (drafts.go)
}

func (p *EntryPage) OnNav(ctx app.Context) {
	p.ready, p.loading, p.found, p.entry, p.form, p.hasForm = false, false, false, record.Entry{}, record.Form{}, false
	p.trendN, p.raw, p.notice, p.err, p.busy, p.note = 0, "", "", "", false, ""
	p.flagOpen, p.flagNote, p.confirm, p.preview = false, "", false, ""
	if !requireSession(ctx) {
		return
	}
	p.ready, p.cctx = true, ctx
	p.id = recPathID(reEntryPath, ctx.Page().URL().Path)
	p.notice = recTakeFlash(p.id)
	if typed := p.noteDraft.open("note:"+p.id, map[string]string{"text": ""}); typed != nil {
		p.note = typed["text"]
	}
	if typed := p.flagDraft.open("flag:"+p.id, map[string]string{"text": ""}); typed != nil {
		p.flagNote, p.flagOpen = typed["text"], typed["text"] != ""
	}
	p.load(ctx)
}

// OnDismount keeps what was typed in the note and flag boxes as drafts.
func (p *EntryPage) OnDismount() {
	p.noteDraft.left()
	p.flagDraft.left()
}

// load reads the entry with its resource.
func (p *EntryPage) load(ctx app.Context) {
	s, id := current(), p.id
	if s == nil {
		return
	}
	p.loading = true
	ctx.Async(func() {
		full, err := s.Full(ctx, id)
		ctx.Dispatch(func(ctx app.Context) {
			if p.id != id {
				return
			}
			p.loading = false
			if err != nil {
				if !errors.Is(err, record.ErrNotFound) {
					p.err = errorText("")
				}
				return
			}
			p.found = true
			p.setEntry(full)
			if full.Deleted.IsZero() {
				setProfile(full.Profile)
			}
		})
	})
}

// setEntry shows e (which must carry its resource) and derives the rest.
func (p *EntryPage) setEntry(e record.Entry) {
	p.entry = e
	p.form, p.hasForm = record.Form{}, false
	if f, err := record.FormFrom(e); err == nil {
		p.form, p.hasForm = f, true
	}
	var buf bytes.Buffer
	if json.Indent(&buf, e.Resource.JSON, "", "  ") == nil {
		p.raw = buf.String()
	} else {
		p.raw = string(e.Resource.JSON)
	}
	p.story = record.Narrative(e.Resource)
	p.trendN = 0
	if s := current(); s != nil && e.Value != nil {
		if key := record.TrendKey(e); key != "" {
			p.trendN = len(s.Book().Trend(e.Profile, key).Points)
		}
	}
}

// reloadHeader refreshes notes, flag and files after a change.
func (p *EntryPage) reloadHeader() {
	s := current()
	if s == nil {
		return
	}
	if e, ok := s.Book().Get(p.id); ok {
		e.Resource = p.entry.Resource
		p.setEntry(e)
	}
}

// run does a vault change in the background, then refreshes the page.
func (p *EntryPage) run(ctx app.Context, do func() error, after func(ctx app.Context)) {
	s := current()
	if s == nil || p.busy {
		return
	}
	p.busy, p.err, p.notice = true, "", ""
	ctx = p.cctx // the event's element may be re-rendered away before the result
	ctx.Async(func() {
		err := do()
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = changeErrorText(err)
				return
			}
			p.reloadHeader()
			if after != nil {
				after(ctx)
			}
		})
	})
}

func (p *EntryPage) addNote(ctx app.Context, e app.Event) {
	e.PreventDefault()
	text := strings.TrimSpace(p.note)
	if text == "" {
		recFocusID(p.cctx, "note-text")
		return
	}
	s, id := current(), p.id
	p.run(ctx, func() error { _, err := s.AddNote(ctx, id, text); return err }, func(ctx app.Context) {
		p.note = ""
		p.noteDraft.saved()
		p.notice = i18n.T("rec.notes.added")
	})
}

func (p *EntryPage) deleteNote(ctx app.Context, noteID string) {
	s, id := current(), p.id
	p.run(ctx, func() error { return s.DeleteNote(ctx, id, noteID) }, func(ctx app.Context) {
		p.notice = i18n.T("rec.notes.deleted")
	})
}

func (p *EntryPage) saveFlag(ctx app.Context, e app.Event) {
	e.PreventDefault()
	text := strings.TrimSpace(p.flagNote)
	if text == "" {
		p.err = i18n.T("rec.flag.neednote")
		recFocusID(p.cctx, "flag-note")
		return
	}
	s, id := current(), p.id
	p.run(ctx, func() error { return s.SetFlag(ctx, id, &record.ErrorFlag{Note: text}) }, func(ctx app.Context) {
		p.flagOpen, p.flagNote = false, ""
		p.flagDraft.saved()
		p.notice = i18n.T("rec.flag.saved")
	})
}

func (p *EntryPage) clearFlag(ctx app.Context, e app.Event) {
	s, id := current(), p.id
	p.run(ctx, func() error { return s.SetFlag(ctx, id, nil) }, func(ctx app.Context) {
		p.notice = i18n.T("rec.flag.cleared")
	})
}

func (p *EntryPage) deleteEntry(ctx app.Context, e app.Event) {
	s, id := current(), p.id
	if s == nil || p.busy {
		return
	}
	p.busy = true
	ctx = p.cctx
	ctx.Async(func() {
		err := s.DeleteEntry(ctx, id)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = changeErrorText(err)
				return
			}
			recSetLastDeleted(id)
			ctx.Navigate(PathTimeline)
		})
	})
}

func (p *EntryPage) Render() app.UI {
	if !p.ready {
		return &Shell{}
	}
	if p.loading {
		return &Shell{Content: []app.UI{app.P().Class("muted").Aria("live", "polite").Text(i18n.T("app.loading"))}}
	}
	if !p.found {
		return &Shell{Title: i18n.T("rec.entry.notfound"), Content: []app.UI{
			app.If(p.err != "", func() app.UI { return errorBanner(p.err) }),
			app.A().Class("btn btn-secondary").Href(PathTimeline).Text(i18n.T("rec.timeline.back")),
		}}
	}
	e := p.entry
	if !e.Deleted.IsZero() {
		return &Shell{Title: recEntryTitle(e), Content: []app.UI{
			app.P().Text(i18n.T("rec.entry.intrash")),
			app.A().Class("btn btn-secondary").Href(PathTimeline).Text(i18n.T("rec.timeline.back")),
		}}
	}
	return &Shell{Title: recEntryTitle(e), Content: []app.UI{
		app.Div().Class("entry-head").Body(
			app.Span().Class("badge kind").Text(recKindLabel(e.Kind)),
			app.If(recEntryDate(e) != "", func() app.UI {
				return app.Time().Class("muted").DateTime(recEntryDate(e)).Text(recEntryDate(e))
			}),
			recResultBadge(e.Projection),
			recFlagBadge(e),
		),
		// Optional parts sit in fixed slots, so that showing one does not
		// re-create the elements after it (and lose focus or typing).
		app.Div().Class("slot").Aria("live", "polite").Body(
			app.If(p.notice != "", func() app.UI { return okBanner(p.notice) }),
		),
		app.Div().Class("slot").Body(app.If(p.err != "", func() app.UI { return errorBanner(p.err) })),
		app.Div().Class("slot").Body(p.renderFlag()),
		app.Div().Class("slot").Body(p.renderConflict()),
		app.Section().Class("card").Aria("labelledby", "facts-h").Body(
			app.H2().ID("facts-h").Class("sr-only").Text(i18n.T("rec.entry.facts")),
			p.renderFacts(),
		),
		// The documents of an entry (a scan, the PDF a document came as)
		// come right after what it is.
		app.Div().Class("slot").Body(p.renderFiles()),
		app.Div().Class("slot").Body(p.renderActions()),
		app.Div().Class("slot").Body(p.renderNarrative()),
		app.Div().Class("slot").Body(p.renderDetails()),
		p.renderNotes(),
		p.renderProvenance(),
		app.Details().ID("raw").Class("raw").Body(
			app.Summary().Text(i18n.T("rec.entry.raw")),
			app.P().Class("muted field-hint").Text(i18n.T("rec.entry.raw.hint")),
			app.Pre().Class("raw-json").Text(p.raw),
		),
	}}
}

// recFact is one row of a definition list.
func recFact(label string, value ...app.UI) app.UI {
	return app.Div().Class("fact").Body(app.Dt().Text(label), app.Dd().Body(value...))
}

func (p *EntryPage) renderFacts() app.UI {
	e := p.entry
	var rows []app.UI
	if v := e.ValueText(); v != "" {
		rows = append(rows, recFact(i18n.T("rec.entry.result"),
			app.Strong().ID("result").Text(v), app.Text(" "), recResultBadge(e.Projection)))
		if r := e.RangeText(); r != "" {
			rows = append(rows, recFact(i18n.T("rec.entry.range"), app.Span().ID("range").Text(r)))
		}
	} else if e.NoValue() {
		rows = append(rows, recFact(i18n.T("rec.entry.result"),
			app.Span().ID("result").Class("novalue").Title(i18n.T("record.novalue.long")).Text(i18n.T("record.novalue")),
			app.Text(" "), recResultBadge(e.Projection)))
	} else if e.Text != "" && len(p.story) == 0 { // a narrative shows the text as written
		rows = append(rows, recFact(i18n.T("rec.entry.text"), app.Text(e.Text)))
	}
	if e.Value != nil && e.Text != "" && !recSameValue(e.Text, e.ValueText()) {
		rows = append(rows, recFact(i18n.T("rec.entry.text"), app.Text(e.Text)))
	}
	if d := recEntryDate(e); d != "" {
		rows = append(rows, recFact(i18n.T("rec.entry.date"), app.Text(d)))
	}
	if !e.End.IsZero() {
		rows = append(rows, recFact(i18n.T("rec.entry.end"), app.Text(record.FormatDate(e.End, ""))))
	}
	if e.Status != "" {
		st := e.Status
		if k := "rec.status." + st; i18n.Has(k) {
			st = i18n.T(k)
		} else if k := "record.choice.status." + st; i18n.Has(k) {
			st = i18n.T(k)
		}
		rows = append(rows, recFact(i18n.T("rec.entry.status"), app.Text(st)))
	}
	if e.Who != "" {
		rows = append(rows, recFact(i18n.T("rec.entry.who"), app.Text(e.Who)))
	}
	if len(e.Codes) > 0 {
		rows = append(rows, recFact(i18n.T("rec.entry.codes"), app.Ul().Class("codes").Body(
			app.Range(e.Codes).Slice(func(i int) app.UI {
				c := e.Codes[i]
				return app.Li().Body(
					app.Span().Class("code-sys").Text(recSystemName(c.System)+" "),
					app.Code().Text(c.Code),
					app.If(c.Display != "" && c.Display != e.Title, func() app.UI { return app.Text(" · " + c.Display) }),
				)
			}))))
	}
	rows = append(rows, recFact(i18n.T("rec.entry.kind"), app.Text(recKindLabel(e.Kind))))
	return app.Dl().ID("facts").Class("facts").Body(rows...)
}

// renderNarrative shows what the source document says in its own words
// (tables, lists, paragraphs), built from the sanitised blocks.
func (p *EntryPage) renderNarrative() app.UI {
	if len(p.story) == 0 {
		return nil
	}
	return app.Section().ID("narrative").Class("card").Aria("labelledby", "narrative-h").Body(
		app.H2().ID("narrative-h").Text(i18n.T("rec.entry.narrative")),
		app.Div().Class("narrative").Body(narrativeUI(p.story)...),
	)
}

// narrativeUI builds go-app elements for narrative blocks: only the tags
// record.Block holds, text as text (never HTML).
func narrativeUI(bs []record.Block) []app.UI {
	out := make([]app.UI, 0, len(bs))
	for _, b := range bs {
		kids := narrativeUI(b.Kids)
		var el app.UI
		switch b.Tag {
		case "":
			el = app.Text(b.Text)
		case "p":
			el = app.P().Body(kids...)
		case "ul":
			el = app.Ul().Body(kids...)
		case "ol":
			el = app.Ol().Body(kids...)
		case "li":
			el = app.Li().Body(kids...)
		case "table":
			el = app.Div().Class("narrative-table").Body(app.Table().Body(kids...))
		case "caption":
			el = app.Caption().Body(kids...)
		case "thead":
			el = app.THead().Body(kids...)
		case "tbody":
			el = app.TBody().Body(kids...)
		case "tr":
			el = app.Tr().Body(kids...)
		case "th":
			el = cellSpans(app.Th().Scope("col").Body(kids...), b)
		case "td":
			el = cellSpans(app.Td().Body(kids...), b)
		case "b":
			el = app.B().Body(kids...)
		case "i":
			el = app.I().Body(kids...)
		case "br":
			el = app.Br()
		default:
			continue
		}
		out = append(out, el)
	}
	return out
}

// spanned is a table cell element (th or td).
type spanned[T any] interface {
	ColSpan(int) T
	Rowspan(int) T
}

// cellSpans gives a cell the spans its block has.
func cellSpans[T spanned[T]](cell T, b record.Block) T {
	if b.ColSpan > 1 {
		cell = cell.ColSpan(b.ColSpan)
	}
	if b.RowSpan > 1 {
		cell = cell.Rowspan(b.RowSpan)
	}
	return cell
}

// renderDetails lists the entry's form values that the facts do not show.
func (p *EntryPage) renderDetails() app.UI {
	if !p.hasForm {
		return nil
	}
	e := p.entry
	shown := map[string]bool{recEntryTitle(e): true, recEntryDate(e): true, e.Who: true}
	var rows []app.UI
	for _, fd := range record.Fields(p.form.Kind) {
		v := strings.TrimSpace(p.form.Fields[fd.Name])
		if v == "" || shown[v] || !recVisible(p.form, fd.Name) {
			continue
		}
		switch fd.Name {
		case "value", "unit", "low", "high", "flag", "status", "systolic", "diastolic":
			if e.Value != nil || fd.Name == "status" {
				continue // in the facts already
			}
		}
		if fd.Type == record.FieldLongText && len(p.story) > 0 {
			continue // the narrative card shows it as written
		}
		switch fd.Type {
		case record.FieldChoice:
			v = recChoiceLabel(fd.Name, v)
		case record.FieldNumber:
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				v = record.FormatValue(n, e.Unit, nil, nil) // the exact value stays in the resource and the form
			}
		}
		var val app.UI = app.Text(v)
		if fd.Type == record.FieldLongText {
			val = app.P().Class("prewrap").Text(v)
		}
		rows = append(rows, recFact(recFieldLabel(fd.Name), val))
	}
	if len(rows) == 0 {
		return nil
	}
	return app.Section().Class("card").Body(
		app.H2().Text(i18n.T("rec.entry.details")),
		app.Dl().ID("details").Class("facts").Body(rows...),
	)
}

func (p *EntryPage) renderActions() app.UI {
	e := p.entry
	if p.confirm {
		return app.Div().ID("confirm-delete").Class("card confirm").Role("alertdialog").
			Aria("labelledby", "confirm-q").Body(
			app.P().ID("confirm-q").Text(i18n.T("rec.delete.confirm")),
			app.Div().Class("actions").Body(
				app.Button().ID("delete-yes").Class("btn btn-danger").Disabled(p.busy).
					Text(i18n.T("rec.delete.yes")).OnClick(p.deleteEntry),
				app.Button().ID("delete-no").Class("btn btn-secondary").Text(i18n.T("rec.form.cancel")).
					OnClick(func(ctx app.Context, ev app.Event) { p.confirm = false; recFocusID(p.cctx, "delete") }),
			),
		)
	}
	change := may(e.Profile).Change // a profile shared to view only has no controls here
	if !change {
		return app.Div().Class("actions").Body(
			app.If(p.trendN >= 2, func() app.UI {
				return app.A().ID("trend").Class("btn btn-secondary").Href(PathTrend + e.ID).
					Text(i18n.N("rec.entry.trend", p.trendN))
			}),
		)
	}
	return app.Div().Class("actions").Body(
		app.If(p.hasForm, func() app.UI {
			return app.A().ID("edit").Class("btn").Href(PathEdit + e.ID).Text(i18n.T("rec.entry.edit"))
		}),
		app.If(p.trendN >= 2, func() app.UI {
			return app.A().ID("trend").Class("btn btn-secondary").Href(PathTrend + e.ID).
				Text(i18n.N("rec.entry.trend", p.trendN))
		}),
		app.If(e.Flag == nil && !p.flagOpen, func() app.UI {
			return app.Button().ID("flag").Class("btn btn-secondary").Text(i18n.T("rec.flag.button")).
				OnClick(func(ctx app.Context, ev app.Event) { p.flagOpen = true; recFocusID(p.cctx, "flag-note") })
		}),
		app.Button().ID("delete").Class("btn btn-secondary danger-text").Text(i18n.T("rec.delete")).
			OnClick(func(ctx app.Context, ev app.Event) { p.confirm = true; recFocusID(p.cctx, "delete-no") }),
	)
}

func (p *EntryPage) renderFlag() app.UI {
	e := p.entry
	if e.Flag != nil {
		status := e.Flag.Status
		if status == "" {
			status = "open"
		}
		return app.Section().ID("flag-card").Class("card flag-card").Body(
			app.H2().Text(i18n.T("rec.flag.title")),
			app.P().Class("prewrap").ID("flag-text").Text(e.Flag.Note),
			app.P().Class("muted").Text(i18n.T("rec.flag.status", i18n.T("rec.flag.status."+status), e.Flag.Created.Local().Format("2006-01-02"))),
			app.Div().Class("actions").Body(
				app.A().Class("btn btn-secondary").Href(PathFlags).Text(i18n.T("rec.flag.all")),
				app.If(may(e.Profile).Change, func() app.UI {
					return app.Button().ID("flag-clear").Class("btn btn-secondary").Disabled(p.busy).
						Text(i18n.T("rec.flag.clear")).OnClick(p.clearFlag)
				}),
			),
		)
	}
	if !p.flagOpen || !may(e.Profile).Change {
		if !may(e.Profile).Change {
			return nil
		}
		return p.flagDraft.banner("flag-draft", func(v map[string]string) { p.flagNote, p.flagOpen = v["text"], true })
	}
	return app.Form().ID("flag-form").Class("card").OnSubmit(p.saveFlag).Body(
		app.H2().Text(i18n.T("rec.flag.button")),
		app.Label().For("flag-note").Body(
			app.Span().Text(i18n.T("rec.flag.what")),
			app.Span().Class("field-hint").ID("flag-hint").Text(i18n.T("rec.flag.hint")),
			app.Textarea().ID("flag-note").Rows(3).Aria("describedby", "flag-hint").Attr("value", p.flagNote).
				OnInput(func(ctx app.Context, ev app.Event) {
					p.flagNote = ctx.JSSrc().Get("value").String()
					p.flagDraft.changed(p.entry.Profile, map[string]string{"text": p.flagNote})
				}),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("flag-save").Type("submit").Class("btn").Disabled(p.busy).Text(i18n.T("rec.flag.save")),
			app.Button().Type("button").Class("btn btn-secondary").Text(i18n.T("rec.form.cancel")).
				OnClick(func(ctx app.Context, ev app.Event) { p.flagOpen, p.err = false, "" }),
		),
	)
}

func (p *EntryPage) renderNotes() app.UI {
	notes := p.entry.Notes
	change := may(p.entry.Profile).Change // a profile shared to view only: the notes, no form
	return app.Section().ID("notes").Class("card").Aria("labelledby", "notes-h").Body(
		app.H2().ID("notes-h").Text(i18n.T("rec.notes.title")),
		app.If(len(notes) == 0, func() app.UI { return app.P().Class("muted").Text(i18n.T("rec.notes.none")) }),
		app.Ul().Class("notes").Body(app.Range(notes).Slice(func(i int) app.UI {
			n := notes[i]
			return app.Li().Class("note").Body(
				app.P().Class("prewrap").Text(n.Text),
				app.Div().Class("note-foot").Body(
					app.Time().Class("muted").DateTime(n.Created.Format("2006-01-02")).Text(n.Created.Local().Format("2006-01-02")),
					app.If(change, func() app.UI {
						return app.Button().Class("btn btn-small btn-secondary").Disabled(p.busy).
							Aria("label", i18n.T("rec.notes.delete.for", recOneLine(n.Text, 40))).
							Text(i18n.T("rec.notes.delete")).
							OnClick(func(ctx app.Context, ev app.Event) { p.deleteNote(ctx, n.ID) }, app.EventScope(n.ID))
					}),
				),
			)
		})),
		app.If(!change, readOnlyNote).Else(func() app.UI { return p.noteForm() }),
	)
}

// noteForm adds a note of one's own to the entry.
func (p *EntryPage) noteForm() app.UI {
	return app.Form().ID("note-form").OnSubmit(p.addNote).Body(
		app.Div().Class("slot").Body(p.noteDraft.banner("note-draft", func(v map[string]string) { p.note = v["text"] })),
		app.Label().For("note-text").Body(
			app.Span().Text(i18n.T("rec.notes.new")),
			app.Textarea().ID("note-text").Rows(3).Attr("value", p.note).
				OnInput(func(ctx app.Context, ev app.Event) {
					p.note = ctx.JSSrc().Get("value").String()
					p.noteDraft.changed(p.entry.Profile, map[string]string{"text": p.note})
				}),
		),
		app.Div().Body(
			app.Button().ID("note-add").Type("submit").Class("btn btn-secondary").Disabled(p.busy).
				Text(i18n.T("rec.notes.add")),
		),
	)
}

func (p *EntryPage) renderFiles() app.UI {
	s := current()
	if s == nil || len(p.entry.Files) == 0 {
		return nil
	}
	var files []record.FileInfo
	for _, id := range p.entry.Files {
		if fi, ok := s.Book().File(id); ok {
			files = append(files, fi)
		}
	}
	if len(files) == 0 {
		return nil
	}
	return app.Section().ID("files").Class("card").Body(
		app.H2().Text(i18n.T("rec.files.title")),
		app.Ul().Class("file-list").Body(app.Range(files).Slice(func(i int) app.UI {
			fi := files[i]
			open := p.preview == fi.ID
			return app.Li().Class("entry-file").DataSet("file", fi.ID).Body(
				app.A().Href(PathFiles).Class("entry-file-name").Text(fi.Name),
				app.Span().Class("muted").Text(" "+i18n.Size(i18n.Current(), fi.Size)),
				app.If(previewKind(fi.Type) != "", func() app.UI { return previewToggle(fi, "entry-file-preview", &p.preview) }),
				app.If(!open, func() app.UI {
					return app.Button().Class("btn btn-small btn-secondary entry-file-download").
						Text(i18n.T("files.download")).
						OnClick(func(ctx app.Context, e app.Event) { p.download(ctx, fi.ID) }, app.EventScope(fi.ID))
				}),
				app.If(open, func() app.UI {
					return app.Div().Class("file-preview-wrap").Body(&FilePreview{File: fi})
				}),
			)
		})),
	)
}

// download streams the attached file with id id out of the vault into a
// browser download.
func (p *EntryPage) download(ctx app.Context, id string) {
	s := current()
	if s == nil {
		return
	}
	fi, ok := s.Book().File(id)
	if !ok {
		return
	}
	ctx = p.cctx // the page's own context: the button may be gone when the download ends
	ctx.Async(func() {
		if err := downloadStored(ctx, s, fi); err != nil {
			ctx.Dispatch(func(ctx app.Context) { p.err = i18n.T("files.preview.error") })
		}
	})
}

func (p *EntryPage) renderProvenance() app.UI {
	pr := p.entry.Provenance
	src := pr.Source
	if src == "" {
		src = "manual"
	}
	if k := "rec.source." + src; i18n.Has(k) {
		src = i18n.T(k)
	}
	rows := []app.UI{recFact(i18n.T("rec.prov.source"), app.Text(src))}
	if pr.File != "" {
		rows = append(rows, recFact(i18n.T("rec.prov.file"), app.Text(pr.File)))
	}
	if pr.System != "" {
		rows = append(rows, recFact(i18n.T("rec.prov.system"), app.Text(pr.System)))
	}
	if !pr.ImportedAt.IsZero() {
		rows = append(rows, recFact(i18n.T("rec.prov.imported"), app.Text(pr.ImportedAt.Local().Format("2006-01-02 15:04"))))
	}
	if pr.Verified != nil {
		if *pr.Verified {
			rows = append(rows, recFact(i18n.T("rec.prov.signature"), app.Span().Class("badge ok").Text(i18n.T("rec.prov.verified"))))
		} else {
			rows = append(rows, recFact(i18n.T("rec.prov.signature"), app.Span().Class("badge warn").Text(i18n.T("rec.prov.unverified"))))
		}
	}
	if !p.entry.Updated.IsZero() {
		rows = append(rows, recFact(i18n.T("rec.prov.updated"), app.Text(p.entry.Updated.Local().Format("2006-01-02 15:04"))))
	}
	return app.Section().ID("provenance").Class("card").Body(
		app.H2().Text(i18n.T("rec.prov.title")),
		app.Dl().Class("facts").Body(rows...),
	)
}

// recSystemName is a short name for well-known code systems.
func recSystemName(sys string) string {
	switch sys {
	case "http://loinc.org":
		return "LOINC"
	case "http://snomed.info/sct":
		return "SNOMED CT"
	case "http://www.nlm.nih.gov/research/umls/rxnorm":
		return "RxNorm"
	case "http://hl7.org/fhir/sid/cvx":
		return "CVX"
	case "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10":
		return "ICD-10"
	case "http://www.ama-assn.org/go/cpt":
		return "CPT"
	case "http://hl7.org/fhir/sid/ndc":
		return "NDC"
	case "":
		return ""
	}
	if i := strings.LastIndexAny(sys, "/:"); i >= 0 && i < len(sys)-1 {
		return sys[i+1:]
	}
	return sys
}

// recSameValue reports whether a one-line text only repeats the result
// ("6.1%" and "6.1 %").
func recSameValue(text, value string) bool {
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	return squash(text) == squash(value)
}
