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
// and Open (images) / Download buttons. A PDF's frame shows it as a data:
// URL, which gives the frame an opaque origin of its own: nothing in the
// PDF can act as the app (read its storage, script it, message it), and
// Chromium's PDF viewer still shows it — it refuses to inside a sandboxed
// iframe, and it ignores a CSP sandbox on a PDF response (both measured:
// internal/e2e TestPDFPreviewSandboxed). A PDF is not opened in a tab of
// the app's origin: the frame's viewer has its own controls. Other pages embed it:
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
	frame   app.Value // a PDF's data: URL (browser memory), set on its frame after render
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
	p.frame = nil
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
		var frame app.Value
		var rc io.ReadCloser
		if rc, err = s.OpenFile(ctx, f.ID); err == nil {
			w := newBlobWriter()
			_, err = io.Copy(w, rc)
			rc.Close()
			if err == nil {
				u = w.URL(blobType(f.Type))
				if previewKind(f.Type) == "pdf" {
					frame, err = w.DataURL(ctx, f.Name)
				}
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
		ctx.Dispatch(func(ctx app.Context) {
			p.loading, p.failed, p.frame = false, err != nil, frame
			ctx.Defer(func(app.Context) { p.showFrame() })
		})
	})
}

// frameID is the id of a PDF's frame.
func (p *FilePreview) frameID() string { return "preview-frame-" + p.File.ID }

// showFrame puts the PDF in its frame. The address is set here rather than
// rendered, so that the whole file never passes through Go as a string.
func (p *FilePreview) showFrame() {
	if p.frame == nil {
		return
	}
	el := app.Window().GetElementByID(p.frameID())
	if el.Truthy() && el.Get("src").String() == "" {
		el.Set("src", p.frame)
	}
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
			return app.IFrame().ID(p.frameID()).Class("preview-frame").Title(p.File.Name)
		}).ElseIf(kind == "" && !p.loading, func() app.UI {
			return app.P().Class("muted").Text(i18n.T("files.preview.none"))
		}).ElseIf(kind != "" && u == "" && !p.loading, func() app.UI {
			return app.Button().Class("btn btn-secondary preview-show").Text(i18n.T("files.preview.show")).
				OnClick(func(ctx app.Context, e app.Event) { p.load(ctx) })
		}),
		app.Div().Class("actions no-print").Body(
			app.If(u != "" && kind != "pdf", func() app.UI {
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
