package ui

import (
	"context"
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

func init() { addPage(PathFiles, false, func() app.Composer { return &FilesPage{} }) }

// Upload states.
const (
	upWaiting = "waiting"
	upRunning = "running"
	upDone    = "done"
	upFailed  = "failed"
)

// upload is one file being added to the vault.
type upload struct {
	Name  string
	Size  int64
	Done  int64
	State string
	Err   string // catalog key
}

// queued is a picked file waiting for its turn, with its row in uploads.
type queued struct {
	file jsFile
	row  int
}

// maxCandidates caps the entries offered when attaching a file.
const maxCandidates = 20

// FilesPage lists the current profile's files: upload (pick, camera, drop),
// preview, download, attach to entries, delete.
type FilesPage struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	ok       bool // a session and a profile
	profile  record.Profile
	files    []record.FileInfo
	attached map[string][]record.Entry // file id → entries it is attached to

	uploads []upload
	queue   []queued
	busy    bool
	over    bool // a drag is over the page

	selected  string // file being previewed
	confirm   string // file waiting for delete confirmation
	attachFor string // file whose attach panel is open
	query     string
	working   bool // delete / attach in progress
	msg, err  string
}

func (f *FilesPage) OnNav(ctx app.Context) {
	if !requireSession(ctx) {
		return
	}
	f.load()
}

// load reads the profile's files and which entries hold them (headers only).
func (f *FilesPage) load() {
	s := current()
	p, ok := currentProfile()
	f.ok = ok && s != nil
	if !f.ok {
		return
	}
	f.profile = p
	f.files = s.Book().Files(p.ID)
	f.attached = map[string][]record.Entry{}
	if len(f.files) == 0 {
		return
	}
	entries, _ := s.Book().Timeline(record.Filter{Profile: p.ID}, 0, -1)
	for _, e := range entries {
		for _, id := range e.Files {
			f.attached[id] = append(f.attached[id], e)
		}
	}
}

// addFiles queues picked or dropped files and starts the uploader.
func (f *FilesPage) addFiles(ctx app.Context, list []jsFile) {
	if !f.ok || len(list) == 0 {
		return
	}
	f.msg, f.err = "", ""
	for _, j := range list {
		f.uploads = append(f.uploads, upload{Name: j.Name(), Size: j.Size(), State: upWaiting})
		f.queue = append(f.queue, queued{file: j, row: len(f.uploads) - 1})
	}
	if !f.busy {
		f.next(ctx)
	}
}

// next uploads the first queued file; it runs again when that one is done.
func (f *FilesPage) next(ctx app.Context) {
	ctx = f.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if len(f.queue) == 0 || s == nil {
		f.busy = false
		f.queue = nil
		return
	}
	f.busy = true
	q := f.queue[0]
	f.queue = f.queue[1:]
	f.uploads[q.row].State = upRunning
	info := record.FileInfo{Profile: f.profile.ID, Name: q.file.Name(), Type: q.file.Type()}
	if info.Name == "" {
		info.Name = i18n.T("files.unnamed")
	}
	if info.Type == "" {
		info.Type = "application/octet-stream"
	}
	ctx.Async(func() {
		rc := q.file.Open()
		cr := &byteCounter{r: rc, step: 1 << 20, onAdd: func(n int64) {
			ctx.Dispatch(func(ctx app.Context) { f.uploads[q.row].Done = n })
		}}
		_, err := s.AddFile(ctx, info, cr)
		rc.Close()
		ctx.Dispatch(func(ctx app.Context) {
			u := &f.uploads[q.row]
			if err != nil {
				u.State, u.Err = upFailed, vault.MessageKey(err)
			} else {
				u.State, u.Done = upDone, cr.n
			}
			f.load()
			f.next(ctx)
		})
	})
}

// onPick handles both file inputs.
func (f *FilesPage) onPick(ctx app.Context, e app.Event) {
	list := filesOf(e)
	f.addFiles(ctx, list)
	ctx.JSSrc().Set("value", "") // the same file can be picked again
}

func (f *FilesPage) onDragOver(ctx app.Context, e app.Event) {
	e.PreventDefault() // allow the drop (and never let the browser open the file instead)
	f.over = true
}

func (f *FilesPage) onDragLeave(ctx app.Context, e app.Event) {
	f.over = false
}

func (f *FilesPage) onDrop(ctx app.Context, e app.Event) {
	e.PreventDefault()
	f.over = false
	f.addFiles(ctx, filesOf(e))
}

// download streams the file with id id out of the vault into a browser
// download.
func (f *FilesPage) download(ctx app.Context, id string) {
	ctx = f.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil {
		return
	}
	fi, ok := s.Book().File(id)
	if !ok {
		return
	}
	f.msg, f.err = "", ""
	ctx.Async(func() {
		if err := downloadStored(ctx, s, fi); err != nil {
			ctx.Dispatch(func(ctx app.Context) { f.err = errorText(vault.MessageKey(err)) })
		}
	})
}

// previewToggle is the Preview / Hide preview button of a stored file that
// can be shown inline; *shown is the id of the file shown ("" for none).
func previewToggle(fi record.FileInfo, class string, shown *string) app.UI {
	open := *shown == fi.ID
	label := i18n.T("files.preview")
	if open {
		label = i18n.T("files.preview.hide")
	}
	return app.Button().Class("btn btn-small btn-secondary "+class).Aria("expanded", open).Text(label).
		OnClick(func(ctx app.Context, e app.Event) {
			if *shown == fi.ID {
				*shown = ""
			} else {
				*shown = fi.ID
			}
		}, app.EventScope(fi.ID, shown))
}

// downloadStored streams a stored file out of the vault into a browser
// download (Go never holds the whole file).
func downloadStored(ctx context.Context, s *session.Session, fi record.FileInfo) error {
	rc, err := s.OpenFile(ctx, fi.ID)
	if err != nil {
		return err
	}
	defer rc.Close()
	return download(rc, fi.Name, downloadType(fi.Type))
}

// remove deletes a file (after the confirm step).
func (f *FilesPage) remove(ctx app.Context, id string) {
	ctx = f.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil || f.working {
		return
	}
	f.working, f.msg, f.err = true, "", ""
	ctx.Async(func() {
		err := s.DeleteFile(ctx, id)
		ctx.Dispatch(func(ctx app.Context) {
			f.working = false
			if err != nil {
				f.err = errorText(vault.MessageKey(err))
				return
			}
			f.confirm = ""
			if f.selected == id {
				f.selected = ""
			}
			if f.attachFor == id {
				f.attachFor = ""
			}
			f.msg = i18n.T("files.deleted")
			f.load()
		})
	})
}

// setAttached attaches (on) or detaches a file from an entry.
func (f *FilesPage) setAttached(ctx app.Context, entryID, fileID string, on bool) {
	ctx = f.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil || f.working {
		return
	}
	e, ok := s.Book().Get(entryID)
	if !ok {
		return
	}
	files := slices.Clone(e.Files)
	if i := slices.Index(files, fileID); on && i < 0 {
		files = append(files, fileID)
	} else if !on && i >= 0 {
		files = slices.Delete(files, i, i+1)
	} else {
		return
	}
	f.working, f.msg, f.err = true, "", ""
	ctx.Async(func() {
		err := s.AttachFiles(ctx, entryID, files)
		ctx.Dispatch(func(ctx app.Context) {
			f.working = false
			if err != nil {
				f.err = errorText(vault.MessageKey(err))
				return
			}
			if on {
				f.msg = i18n.T("files.attached.ok")
			} else {
				f.msg = i18n.T("files.detached.ok")
			}
			f.load()
		})
	})
}

// candidates are the entries offered in the attach panel: search results
// when there is a query, else the newest entries.
func (f *FilesPage) candidates() []record.Entry {
	s := current()
	if s == nil {
		return nil
	}
	if f.query == "" {
		page, _ := s.Book().Timeline(record.Filter{Profile: f.profile.ID}, 0, maxCandidates)
		return page
	}
	hits := s.Book().Search(f.profile.ID, f.query)
	out := make([]record.Entry, 0, min(len(hits), maxCandidates))
	for i := 0; i < len(hits) && i < maxCandidates; i++ {
		out = append(out, hits[i].Entry)
	}
	return out
}

func (f *FilesPage) Render() app.UI {
	if !f.ok {
		return &Shell{Title: i18n.T("files.title"), Content: []app.UI{
			app.P().Class("muted").Body(
				app.Text(i18n.T("files.noprofile")+" "),
				app.A().Href(PathProfiles).Text(i18n.T("more.profiles")),
			),
		}}
	}
	return &Shell{Title: i18n.T("files.title"), Content: []app.UI{
		app.Div().Class("files-page").
			OnDragOver(f.onDragOver).OnDragLeave(f.onDragLeave).OnDrop(f.onDrop).
			Body(
				app.P().Class("muted").Text(i18n.T("files.intro", f.profile.Name)),
				app.If(may(f.profile.ID).Change, f.renderUploader).Else(readOnlyNote), // shared to view only: no upload
				app.Div().Aria("live", "polite").Body(
					app.If(f.msg != "", func() app.UI { return okBanner(f.msg) }),
				),
				app.If(f.err != "", func() app.UI { return errorBanner(f.err) }),
				app.H2().Text(i18n.T("files.list")),
				app.If(len(f.files) == 0, func() app.UI {
					return app.P().ID("files-empty").Class("muted").Text(i18n.T("files.empty"))
				}).Else(func() app.UI {
					return app.Ul().ID("files").Class("list").Body(
						app.Range(f.files).Slice(func(i int) app.UI { return f.renderFile(f.files[i]) }),
					)
				}),
			),
	}}
}

func (f *FilesPage) renderUploader() app.UI {
	cls := "dropzone"
	if f.over {
		cls += " over"
	}
	return app.Section().Class("uploader no-print").Aria("labelledby", "upload-title").Body(
		app.H2().ID("upload-title").Class("sr-only").Text(i18n.T("files.upload")),
		app.Div().Class(cls).Body(
			app.P().Class("dropzone-text").Text(i18n.T("files.drop")),
			app.Div().Class("actions center").Body(
				app.Label().Class("btn file-pick").For("file-input").Body(
					app.Span().Text(i18n.T("files.choose")),
					app.Input().ID("file-input").Type("file").Multiple(true).Class("sr-only").OnChange(f.onPick),
				),
				app.Label().Class("btn btn-secondary file-pick").For("camera-input").Body(
					app.Span().Text(i18n.T("files.camera")),
					app.Input().ID("camera-input").Type("file").Accept("image/*").Capture("environment").
						Class("sr-only").OnChange(f.onPick),
				),
			),
			app.P().Class("field-hint").Text(i18n.T("files.hint")),
		),
		app.If(len(f.uploads) > 0, func() app.UI {
			return app.Ul().ID("uploads").Class("list uploads").Aria("live", "polite").Body(
				app.Range(f.uploads).Slice(func(i int) app.UI { return f.renderUpload(f.uploads[i]) }),
			)
		}),
	)
}

func (f *FilesPage) renderUpload(u upload) app.UI {
	lang := i18n.Current()
	var status string
	switch u.State {
	case upWaiting:
		status = i18n.T("files.up.waiting")
	case upRunning:
		status = i18n.T("files.up.running", i18n.Size(lang, u.Done), i18n.Size(lang, u.Size))
	case upDone:
		status = i18n.T("files.up.done")
	case upFailed:
		status = errorText(u.Err)
		if u.Err == "" {
			status = i18n.T("files.up.failed")
		}
	}
	return app.Li().Class("item upload upload-"+u.State).Body(
		app.Span().Class("item-title").Text(u.Name),
		app.If(u.State == upDone, func() app.UI {
			return app.Span().Class("badge ok").Text(i18n.T("files.up.saved"))
		}).ElseIf(u.State == upFailed, func() app.UI {
			return app.Span().Class("badge danger").Text(i18n.T("files.up.notsaved"))
		}),
		app.If(u.State == upRunning, func() app.UI {
			p := app.Progress().Max(max(u.Size, 1)).Aria("label", u.Name)
			if u.Size > 0 {
				p = p.Value(min(u.Done, u.Size))
			}
			return app.Div().Class("upload-progress").Body(p)
		}),
		app.Span().Class("item-meta").Text(status),
	)
}

func (f *FilesPage) renderFile(fi record.FileInfo) app.UI {
	lang := i18n.Current()
	entries := f.attached[fi.ID]
	open := f.selected == fi.ID
	return app.Li().Class("item file-item").DataSet("file", fi.ID).Body(
		app.Span().Class("item-title file-name").Text(fi.Name),
		app.Span().Class("badge").Text(i18n.T(typeLabelKey(fi.Type, fi.Name))),
		app.Span().Class("item-meta").Text(i18n.T("files.meta", i18n.Size(lang, fi.Size), fileDate(fi.Created))),
		app.Div().Class("item-meta file-entries").Body(
			app.If(len(entries) == 0, func() app.UI {
				return app.Span().Text(i18n.T("files.attached.none"))
			}).Else(func() app.UI {
				return app.Span().Body(
					app.Text(i18n.T("files.attached.to")+" "),
					app.Range(entries).Slice(func(i int) app.UI {
						e := entries[i]
						sep := ""
						if i > 0 {
							sep = ", "
						}
						return app.Span().Body(app.Text(sep), app.A().Href(PathEntry+e.ID).Text(e.Title))
					}),
				)
			}),
		),
		app.Div().Class("actions file-actions no-print").Body(
			app.If(previewKind(fi.Type) != "", func() app.UI { return previewToggle(fi, "file-preview-toggle", &f.selected) }),
			app.Button().Class("btn btn-small btn-secondary file-download").Text(i18n.T("files.download")).
				OnClick(func(ctx app.Context, e app.Event) { f.download(ctx, fi.ID) }, app.EventScope(fi.ID)),
			app.If(may(f.profile.ID).Change, func() app.UI { return f.changeButtons(fi) }),
		),
		app.If(f.confirm == fi.ID, func() app.UI { return f.renderConfirm(fi, len(entries)) }),
		app.If(f.attachFor == fi.ID, func() app.UI { return f.renderAttach(fi) }),
		app.If(open, func() app.UI {
			return app.Div().Class("file-preview-wrap").Body(&FilePreview{File: fi})
		}),
	)
}

// changeButtons attach and delete a file (not for a profile shared to view only).
func (f *FilesPage) changeButtons(fi record.FileInfo) app.UI {
	return app.Span().Class("file-change").Body(
		app.Button().Class("btn btn-small btn-secondary file-attach").
			Aria("expanded", f.attachFor == fi.ID).Text(i18n.T("files.attach")).
			OnClick(func(ctx app.Context, e app.Event) {
				if f.attachFor == fi.ID {
					f.attachFor = ""
				} else {
					f.attachFor, f.query = fi.ID, ""
				}
			}, app.EventScope(fi.ID)),
		app.Button().Class("btn btn-small btn-danger file-delete").Text(i18n.T("files.delete")).
			OnClick(func(ctx app.Context, e app.Event) { f.confirm = fi.ID }, app.EventScope(fi.ID)),
	)
}

func (f *FilesPage) renderConfirm(fi record.FileInfo, attached int) app.UI {
	return app.Div().Class("confirm").Role("alertdialog").Aria("labelledby", "confirm-"+fi.ID).Body(
		app.P().ID("confirm-"+fi.ID).Text(i18n.T("files.delete.confirm", fi.Name)),
		app.If(attached > 0, func() app.UI {
			return app.P().Class("muted").Text(i18n.N("files.delete.attached", attached))
		}),
		app.Div().Class("actions").Body(
			app.Button().Class("btn btn-danger file-delete-yes").Disabled(f.working).
				Text(i18n.T("files.delete.yes")).
				OnClick(func(ctx app.Context, e app.Event) { f.remove(ctx, fi.ID) }, app.EventScope(fi.ID)),
			app.Button().Class("btn btn-secondary file-delete-no").Text(i18n.T("files.cancel")).
				OnClick(func(ctx app.Context, e app.Event) { f.confirm = "" }),
		),
	)
}

func (f *FilesPage) renderAttach(fi record.FileInfo) app.UI {
	cands := f.candidates()
	inputID := "attach-q-" + fi.ID
	return app.Div().Class("attach-panel").Body(
		field(inputID, i18n.T("files.attach.find"), i18n.T("files.attach.hint"), "",
			app.Input().Type("search").Class("attach-q").Value(f.query).AutoComplete(false).
				OnInput(func(ctx app.Context, e app.Event) { f.query = ctx.JSSrc().Get("value").String() })),
		app.If(len(cands) == 0, func() app.UI {
			return app.P().Class("muted").Text(i18n.T("files.attach.noentries"))
		}).Else(func() app.UI {
			return app.Ul().Class("list attach-list").Body(
				app.Range(cands).Slice(func(i int) app.UI {
					e := cands[i]
					on := slices.Contains(e.Files, fi.ID)
					label := i18n.T("files.attach.do")
					cls := "btn btn-small attach-do"
					if on {
						label, cls = i18n.T("files.attach.undo"), "btn btn-small btn-secondary attach-undo"
					}
					return app.Li().Class("item attach-item").DataSet("entry", e.ID).Body(
						app.Span().Class("item-title").Text(e.Title),
						app.Button().Class(cls).Disabled(f.working).Text(label).
							Aria("label", label+": "+e.Title).
							OnClick(func(ctx app.Context, ev app.Event) { f.setAttached(ctx, e.ID, fi.ID, !on) },
								app.EventScope(fi.ID, e.ID, on)),
						app.Span().Class("item-meta").Text(metaLine(i18n.T("record.kind."+string(e.Kind)), sumDate(e))),
					)
				}),
			)
		}),
	)
}

// metaLine joins non-empty parts with " · ".
func metaLine(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += " · "
		}
		out += p
	}
	return out
}
