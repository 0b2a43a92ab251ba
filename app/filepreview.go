package ui

import (
	"io"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

// autoPreviewMax is the largest file FilePreview decrypts on its own; bigger
// ones wait for a click (decrypting 100 MB takes seconds).
const autoPreviewMax = 25 << 20

// FilePreview shows one stored file: images inline (<img>), PDFs in a frame,
// and Open / Download buttons for every type. Other pages embed it:
//
//	&FilePreview{File: f}
//
// The file is decrypted chunk by chunk into a browser Blob (Go never holds
// the whole file); the object URL is revoked when the preview goes away.
type FilePreview struct {
	app.Compo
	mounted // its own context, for what its buttons' work reports (see mounted)

	File record.FileInfo

	mu      sync.Mutex // guards url and gone against the loading goroutine
	url     string
	gone    bool
	loading bool
	saving  bool
	failed  bool
}

// CompoID makes go-app mount a fresh preview when the file changes.
func (p *FilePreview) CompoID() string { return "preview-" + p.File.ID }

func (p *FilePreview) OnMount(ctx app.Context) {
	p.mounted.OnMount(ctx)
	p.mu.Lock()
	p.gone = false
	p.mu.Unlock()
	if previewKind(p.File.Type) != "" && p.File.Size <= autoPreviewMax {
		p.load(ctx)
	}
}

// OnDismount revokes the object URL so the decrypted bytes can be freed.
func (p *FilePreview) OnDismount() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gone = true
	if p.url != "" {
		revokeURL(p.url)
		p.url = ""
	}
}

// load decrypts the file into a Blob and keeps its object URL.
func (p *FilePreview) load(ctx app.Context) {
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil || p.loading {
		return
	}
	p.loading, p.failed = true, false
	f := p.File
	ctx.Async(func() {
		u, err := "", error(nil)
		var rc io.ReadCloser
		if rc, err = s.OpenFile(ctx, f.ID); err == nil {
			w := newBlobWriter()
			_, err = io.Copy(w, rc)
			rc.Close()
			if err == nil {
				u = w.URL(blobType(f.Type))
			}
		}
		p.mu.Lock()
		if p.gone {
			if u != "" {
				revokeURL(u)
			}
			p.mu.Unlock()
			return
		}
		p.url = u
		p.mu.Unlock()
		ctx.Dispatch(func(ctx app.Context) { p.loading, p.failed = false, err != nil })
	})
}

// save streams the file to a download (for files not already decrypted).
func (p *FilePreview) save(ctx app.Context) {
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil || p.saving {
		return
	}
	p.saving, p.failed = true, false
	f := p.File
	ctx.Async(func() {
		err := downloadStored(ctx, s, f)
		ctx.Dispatch(func(ctx app.Context) { p.saving, p.failed = false, err != nil })
	})
}

func (p *FilePreview) objectURL() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.url
}

func (p *FilePreview) Render() app.UI {
	u := p.objectURL()
	kind := previewKind(p.File.Type)
	return app.Div().Class("file-preview").DataSet("file", p.File.ID).Body(
		app.If(p.loading, func() app.UI {
			return app.P().Class("muted").Aria("live", "polite").Body(
				app.Progress().Aria("label", i18n.T("files.preview.loading")),
				app.Span().Text(i18n.T("files.preview.loading")),
			)
		}),
		app.If(p.failed, func() app.UI { return errorBanner(i18n.T("files.preview.error")) }),
		app.If(u != "" && kind == "image", func() app.UI {
			return app.Img().Class("preview-img").Src(u).Alt(p.File.Name)
		}).ElseIf(u != "" && kind == "pdf", func() app.UI {
			return app.IFrame().Class("preview-frame").Src(u).Title(p.File.Name)
		}).ElseIf(kind == "" && !p.loading, func() app.UI {
			return app.P().Class("muted").Text(i18n.T("files.preview.none"))
		}).ElseIf(kind != "" && u == "" && !p.loading, func() app.UI {
			return app.Button().Class("btn btn-secondary preview-show").Text(i18n.T("files.preview.show")).
				OnClick(func(ctx app.Context, e app.Event) { p.load(ctx) })
		}),
		app.Div().Class("actions no-print").Body(
			app.If(u != "", func() app.UI {
				return app.A().Class("btn btn-secondary btn-small preview-open").Href(u).Target("_blank").Rel("noopener").
					Text(i18n.T("files.open"))
			}),
			app.If(u != "", func() app.UI {
				return app.A().Class("btn btn-small preview-download").Href(u).Download(p.File.Name).
					Text(i18n.T("files.download"))
			}).Else(func() app.UI {
				return app.Button().Class("btn btn-small preview-download").Disabled(p.saving).
					Text(i18n.T("files.download")).
					OnClick(func(ctx app.Context, e app.Event) { p.save(ctx) })
			}),
		),
	)
}
