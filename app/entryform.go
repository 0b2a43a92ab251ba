package ui

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

// EntryForm is the manual-entry form shared by the add and edit pages: the
// inputs of a kind (record.Fields), validation with errors next to the
// fields, attached files, and saving. Set Kind for a new entry of the
// current profile, or EntryID to edit an entry.
type EntryForm struct {
	app.Compo

	Kind    record.Kind
	EntryID string

	key      string // what is loaded: kind or id
	loading  bool
	form     record.Form
	base     *record.Entry // the full entry being edited; nil for a new one
	profile  record.Profile
	errs     map[string]string // field name → message
	err      string            // a problem that is no field's
	pending  []jsFile          // files picked, stored on save
	busy     bool
	progress string
	cctx     app.Context // the component's own context, for async results
	draft    formDraft   // what is typed, kept and offered back (drafts.go)
}

// formKey identifies what the form shows.
func (f *EntryForm) formKey() string {
	if f.EntryID != "" {
		return "id:" + f.EntryID
	}
	return "kind:" + string(f.Kind)
}

func (f *EntryForm) OnMount(ctx app.Context) {
	f.cctx = ctx
	f.load(ctx)
}

func (f *EntryForm) OnUpdate(ctx app.Context) { f.load(f.cctx) }

// OnDismount: leaving the form writes its draft to the vault.
func (f *EntryForm) OnDismount() { f.draft.left() }

// load (re)starts the form when it is asked to show something else.
func (f *EntryForm) load(ctx app.Context) {
	key := f.formKey()
	if key == f.key {
		return
	}
	f.key, f.errs, f.err, f.pending, f.busy, f.base = key, nil, "", nil, false, nil
	s := current()
	if s == nil {
		return
	}
	if f.EntryID == "" {
		f.form = record.NewForm(f.Kind)
		f.profile, _ = currentProfile()
		f.loading = false
		f.openDraft()
		return
	}
	f.loading = true
	id := f.EntryID
	ctx.Async(func() {
		full, err := s.Full(ctx, id)
		var form record.Form
		var prof record.Profile
		if err == nil {
			form, err = record.FormFrom(full)
		}
		if err == nil {
			var ok bool
			if prof, ok = s.Book().Profile(full.Profile); !ok {
				err = record.ErrNotFound
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			if f.key != key {
				return
			}
			f.loading = false
			switch {
			case errors.Is(err, record.ErrNoForm):
				f.err = i18n.T("rec.edit.noform")
			case errors.Is(err, record.ErrNotFound):
				f.err = i18n.T("rec.entry.notfound")
			case err != nil:
				f.err = errorText("")
			default:
				f.form, f.profile, f.base = form, prof, &full
				f.openDraft()
			}
		})
	})
}

// recVisible reports whether a field applies given the other values (a blood
// pressure has two numbers, other vital signs one).
func recVisible(f record.Form, name string) bool {
	if f.Kind != record.KindVital {
		return true
	}
	t := f.Fields["type"]
	switch name {
	case "systolic", "diastolic":
		return t == "blood-pressure"
	case "value", "unit":
		return t != "blood-pressure"
	case "name":
		return t == "other"
	}
	return true
}

func recFieldID(name string) string { return "f-" + name }

func (f *EntryForm) set(name, v string) {
	if f.form.Fields == nil {
		f.form.Fields = map[string]string{}
	}
	f.form.Fields[name] = v
	if f.errs[name] != "" {
		delete(f.errs, name)
	}
	f.changed()
}

// draftKey names this form's draft: an edit of one entry, or a new entry of
// a kind for one person.
func (f *EntryForm) draftKey() string {
	if f.EntryID != "" {
		return "form:edit:" + f.EntryID
	}
	return "form:add:" + string(f.Kind) + ":" + f.profile.ID
}

// draftFilesField holds the attached files' ids in a draft.
const draftFilesField = "\x00files"

// values are what the form holds, for its draft: the fields and the
// attached files.
func (f *EntryForm) values() map[string]string {
	v := maps.Clone(f.form.Fields)
	if v == nil {
		v = map[string]string{}
	}
	v[draftFilesField] = strings.Join(f.form.Files, ",")
	return v
}

// setValues puts a draft's values in the form (files still stored only).
func (f *EntryForm) setValues(v map[string]string) {
	f.form.Fields = maps.Clone(v)
	delete(f.form.Fields, draftFilesField)
	f.form.Files = nil
	if s := current(); s != nil {
		for _, id := range strings.Split(v[draftFilesField], ",") {
			if _, ok := s.Book().File(id); ok {
				f.form.Files = append(f.form.Files, id)
			}
		}
	}
	f.errs = nil
}

// openDraft opens the draft of what the form now shows.
func (f *EntryForm) openDraft() {
	if typed := f.draft.open(f.draftKey(), f.values()); typed != nil {
		f.setValues(typed)
	}
}

// changed keeps what the form holds as its draft.
func (f *EntryForm) changed() { f.draft.changed(f.profile.ID, f.values()) }

func (f *EntryForm) Render() app.UI {
	if f.loading {
		return app.P().Class("muted").Aria("live", "polite").Text(i18n.T("app.loading"))
	}
	fields := record.Fields(f.form.Kind)
	if fields == nil {
		if f.err != "" {
			return errorBanner(f.err)
		}
		return app.Div()
	}
	nErr := len(f.errs)
	return app.Form().ID("entry-form").Class("entry-form").NoValidate(true).OnSubmit(f.save).Body(
		app.Div().Class("slot").Body(f.draft.banner("draft", f.setValues)),
		app.Div().Class("slot").Body(
			app.If(nErr > 0, func() app.UI {
				return app.Div().ID("form-errors").Class("banner error").Role("alert").Text(recFixText(nErr))
			}),
			app.If(f.err != "", func() app.UI { return errorBanner(f.err) }),
		),
		app.P().Class("muted field-hint").Text(i18n.T("rec.form.required")),
		app.Range(fields).Slice(func(i int) app.UI {
			fd := fields[i]
			if !recVisible(f.form, fd.Name) {
				return nil
			}
			return f.renderField(fd)
		}),
		f.renderFiles(),
		app.Div().Class("slot").Role("status").Aria("live", "polite").Body(
			app.If(f.busy, func() app.UI {
				return app.Div().Class("saving").Body(
					app.Progress(),
					app.Span().Class("muted").Text(f.progress),
				)
			}),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("save").Type("submit").Class("btn").Disabled(f.busy).Text(i18n.T("rec.form.save")),
			app.A().ID("cancel").Class("btn btn-secondary").Href(f.cancelPath()).Text(i18n.T("rec.form.cancel")),
		),
	)
}

func (f *EntryForm) cancelPath() string {
	if f.EntryID != "" {
		return PathEntry + f.EntryID
	}
	return PathAdd
}

// renderField renders one input of the form with its label, hint and error.
func (f *EntryForm) renderField(fd record.Field) app.UI {
	id := recFieldID(fd.Name)
	name := fd.Name
	label := recFieldLabel(name)
	hint := ""
	if k := "rec.hint." + string(f.form.Kind) + "." + name; i18n.Has(k) {
		hint = i18n.T(k)
	} else if k := "rec.hint." + name; i18n.Has(k) {
		hint = i18n.T(k)
	} else if fd.Type == record.FieldDate {
		hint = i18n.T("rec.hint.date")
	}
	errMsg := f.errs[name]
	desc := recDescribedBy(id, hint, errMsg)
	val := f.form.Fields[name]
	onInput := func(ctx app.Context, e app.Event) { f.set(name, ctx.JSSrc().Get("value").String()) }
	scope := app.EventScope(f.key, name) // handlers are closures: tell go-app which field each serves

	var c app.UI
	switch fd.Type {
	case record.FieldLongText:
		ta := app.Textarea().ID(id).Name(name).Rows(4).Attr("value", val).OnInput(onInput, scope)
		if errMsg != "" {
			ta = ta.Aria("invalid", "true")
		}
		if desc != "" {
			ta = ta.Aria("describedby", desc)
		}
		if fd.Required {
			ta = ta.Aria("required", "true")
		}
		c = ta
	case record.FieldChoice:
		sel := app.Select().ID(id).Name(name).OnChange(onInput, scope).Body(
			app.If(!fd.Required || val == "", func() app.UI {
				return app.Option().Value("").Selected(val == "").Text(i18n.T("rec.form.none"))
			}),
			app.Range(fd.Choices).Slice(func(i int) app.UI {
				ch := fd.Choices[i]
				return app.Option().Value(ch).Selected(val == ch).Text(recChoiceLabel(name, ch))
			}),
		)
		if errMsg != "" {
			sel = sel.Aria("invalid", "true")
		}
		if desc != "" {
			sel = sel.Aria("describedby", desc)
		}
		if fd.Required {
			sel = sel.Aria("required", "true")
		}
		c = sel
	default:
		in := app.Input().ID(id).Name(name).Value(val).OnInput(onInput, scope)
		switch fd.Type {
		case record.FieldDate:
			in = in.Type("text").Placeholder(i18n.T("rec.form.dateplaceholder")).AutoComplete(false)
		case record.FieldNumber:
			in = in.Type("text").Attr("inputmode", "decimal").AutoComplete(false)
		case record.FieldPhone:
			in = in.Type("tel").Attr("autocomplete", "tel")
		case record.FieldEmail:
			in = in.Type("email").Attr("autocomplete", "email")
		default:
			in = in.Type("text")
		}
		if errMsg != "" {
			in = in.Aria("invalid", "true")
		}
		if desc != "" {
			in = in.Aria("describedby", desc)
		}
		if fd.Required {
			in = in.Aria("required", "true")
		}
		c = in
	}
	if fd.Type != record.FieldDate {
		return recControl(id, label, hint, errMsg, fd.Required, c)
	}
	// Dates: a "Today" shortcut next to the input (outside the <label>,
	// which may hold no other control).
	return app.Div().Class("field date-field").Body(
		app.Label().For(id).Body(
			app.Text(label),
			app.If(fd.Required, func() app.UI { return app.Span().Class("req").Aria("hidden", "true").Text(" *") }),
		),
		app.If(hint != "", func() app.UI { return app.Span().Class("field-hint").ID(id + "-hint").Text(hint) }),
		app.Div().Class("date-row").Body(
			c,
			app.Button().Type("button").ID(id+"-today").Class("btn btn-small btn-secondary").
				Aria("label", i18n.T("rec.form.today.for", label)).
				Text(i18n.T("rec.form.today")).
				OnClick(func(ctx app.Context, e app.Event) {
					f.set(name, time.Now().Format(time.DateOnly))
				}, scope),
		),
		app.If(errMsg != "", func() app.UI { return app.Span().ID(id + "-err").Class("field-error").Text(errMsg) }),
	)
}

// renderFiles lists attached files and offers to attach more.
func (f *EntryForm) renderFiles() app.UI {
	s := current()
	var attached []record.FileInfo
	if s != nil {
		for _, id := range f.form.Files {
			if fi, ok := s.Book().File(id); ok {
				attached = append(attached, fi)
			}
		}
	}
	return app.FieldSet().Class("attach").Body(
		app.Legend().Text(i18n.T("rec.files.title")),
		app.If(len(attached) > 0, func() app.UI {
			return app.Ul().ID("attached").Class("file-list").Body(app.Range(attached).Slice(func(i int) app.UI {
				fi := attached[i]
				return app.Li().Body(
					app.A().Href(PathFiles).Text(fi.Name),
					app.Button().Type("button").Class("btn btn-small btn-secondary").
						Aria("label", i18n.T("rec.files.detach.for", fi.Name)).
						Text(i18n.T("rec.files.detach")).
						OnClick(func(ctx app.Context, e app.Event) {
							f.form.Files = slices.DeleteFunc(slices.Clone(f.form.Files), func(x string) bool { return x == fi.ID })
							f.changed()
						}, app.EventScope(fi.ID)),
				)
			}))
		}),
		app.If(len(f.pending) > 0, func() app.UI {
			return app.Ul().ID("pending").Class("file-list").Body(app.Range(f.pending).Slice(func(i int) app.UI {
				p := f.pending[i]
				return app.Li().Body(
					app.Span().Text(p.Name()),
					app.Span().Class("badge").Text(i18n.T("rec.files.new")),
					app.Button().Type("button").Class("btn btn-small btn-secondary").
						Aria("label", i18n.T("rec.files.remove.for", p.Name())).
						Text(i18n.T("rec.files.remove")).
						OnClick(func(ctx app.Context, e app.Event) {
							if i < len(f.pending) {
								f.pending = slices.Delete(slices.Clone(f.pending), i, i+1)
							}
						}, app.EventScope(i)),
				)
			}))
		}),
		app.Div().Class("attach-buttons").Body(
			app.Label().For("attach-files").Class("btn btn-secondary file-btn").Body(
				app.Span().Text(i18n.T("rec.files.attach")),
				app.Input().ID("attach-files").Class("sr-only").Type("file").Multiple(true).
					Accept("image/*,application/pdf,*/*").OnChange(f.pick),
			),
			app.Label().For("attach-photo").Class("btn btn-secondary file-btn").Body(
				app.Span().Text(i18n.T("rec.files.photo")),
				app.Input().ID("attach-photo").Class("sr-only").Type("file").
					Accept("image/*").Capture("environment").OnChange(f.pick),
			),
		),
	)
}

// pick keeps the chosen files until the entry is saved.
func (f *EntryForm) pick(ctx app.Context, e app.Event) {
	files := filesOf(e)
	f.pending = append(slices.Clone(f.pending), files...)
	ctx.JSSrc().Set("value", "")
}

// save validates the form, stores the picked files and the entry, and
// opens the entry.
func (f *EntryForm) save(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if f.busy {
		return
	}
	// Results go through the form's own context: go-app drops a dispatch
	// whose source element (this button) was re-rendered away meanwhile.
	ctx = f.cctx
	s := current()
	if s == nil {
		lockNow()
		return
	}
	form := record.Form{Kind: f.form.Kind, Fields: map[string]string{}, Files: slices.Clone(f.form.Files)}
	for _, fd := range record.Fields(form.Kind) {
		if v, ok := f.form.Fields[fd.Name]; ok && (recVisible(f.form, fd.Name) || f.base != nil) {
			form.Fields[fd.Name] = v
		}
	}
	f.err = ""
	if errs := form.Validate(); len(errs) > 0 {
		f.showErrors(ctx, errs)
		return
	}
	f.errs = nil
	if f.profile.ID == "" {
		f.err = i18n.T("rec.add.noprofile")
		return
	}
	f.busy, f.progress = true, i18n.T("rec.form.saving")
	prof, base, pending, key := f.profile, f.base, slices.Clone(f.pending), f.key
	ctx.Async(func() {
		var added []string
		fail := func(msg string, fieldErrs []record.FieldError) {
			for _, id := range added {
				s.DeleteFile(ctx, id)
			}
			ctx.Dispatch(func(ctx app.Context) {
				if f.key != key {
					return
				}
				f.busy = false
				if len(fieldErrs) > 0 {
					f.showErrors(ctx, fieldErrs)
					return
				}
				f.err = msg
			})
		}
		for i, p := range pending {
			ctx.Dispatch(func(ctx app.Context) { f.progress = i18n.T("rec.files.storing", i+1, len(pending)) })
			typ := p.Type()
			if typ == "" {
				typ = "application/octet-stream"
			}
			r := p.Open()
			info, err := s.AddFile(ctx, record.FileInfo{Profile: prof.ID, Name: p.Name(), Type: typ}, r)
			r.Close()
			if err != nil {
				fail(i18n.T("rec.files.error"), nil)
				return
			}
			added = append(added, info.ID)
		}
		form.Files = append(form.Files, added...)
		entry, err := form.ToEntry(prof, base, time.Now())
		if err != nil {
			var ve record.ValidationError
			if errors.As(err, &ve) {
				fail("", ve)
			} else {
				fail(errorText(""), nil)
			}
			return
		}
		saved, err := s.SaveEntry(ctx, entry)
		if err != nil {
			fail(changeErrorText(err), nil)
			return
		}
		ctx.Dispatch(func(ctx app.Context) {
			f.busy = false
			f.draft.saved()
			if base == nil {
				recSetFlash(saved.ID, "rec.saved.new")
			} else {
				recSetFlash(saved.ID, "rec.saved.edit")
			}
			ctx.Navigate(PathEntry + saved.ID)
		})
	})
}

// showErrors puts each error next to its field and focuses the first.
func (f *EntryForm) showErrors(ctx app.Context, errs []record.FieldError) {
	f.errs = map[string]string{}
	first := ""
	for _, fe := range errs {
		if _, dup := f.errs[fe.Field]; dup {
			continue
		}
		f.errs[fe.Field] = errorText(fe.Key)
		if first == "" {
			first = fe.Field
		}
	}
	if first != "" && record.Fields(f.form.Kind) != nil {
		recFocusID(f.cctx, recFieldID(first))
	}
}

// recFixText asks to fix n problems.
func recFixText(n int) string { return i18n.N("rec.form.fix", n) }
