//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// TestImportEmbeddedPDF: a C-CDA whose body is an embedded PDF is
// previewed as "1 file", imported, and its entry shows the PDF, which
// previews in a frame and downloads byte for byte; importing it again adds
// neither an entry nor a file. A FHIR bundle with the same PDF and a photo
// (a Binary behind a DocumentReference) adds only the photo, which its
// entry previews.
func TestImportEmbeddedPDF(t *testing.T) {
	s := startSite(t, "attach")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	downloads := fsDownloads(t, ctx)
	pdfPath := importFHIRFixture("attach/ccda-nonxml.xml")
	pdf, err := os.ReadFile(importFHIRFixture("attach/tiny.pdf"))
	if err != nil {
		t.Fatal(err)
	}

	openImportPage(t, ctx)
	importUpload(t, ctx, pdfPath)
	waitImportPhase(t, ctx, "preview", time.Minute)
	if got := fsText(t, ctx, ".import-files"); got != "1 file" {
		t.Errorf("preview files %q, want \"1 file\"", got)
	}
	fsShots(t, ctx, "attach-preview")
	fsClick(t, ctx, "#import-confirm")
	waitImportPhase(t, ctx, "done", time.Minute)

	// The timeline lists the document; its page lists the PDF.
	importStep(t, ctx, "timeline", importNav("/timeline"))
	fsWait(t, ctx, "document entry", `[...document.querySelectorAll('a.entry-item')].find(a => a.innerText.includes('Discharge summary'))`, 20*time.Second)
	var href string
	fsEval(t, ctx, `[...document.querySelectorAll('a.entry-item')].find(a => a.innerText.includes('Discharge summary')).getAttribute('href')`, &href)
	importStep(t, ctx, "entry", importNav(href))
	fsWait(t, ctx, "attached file", `document.querySelector('#files .entry-file')`, 20*time.Second)
	if got := fsText(t, ctx, "#files .entry-file-name"); got != "Discharge summary.pdf" {
		t.Errorf("attached file %q", got)
	}
	if n := fsCount(t, ctx, "#files .entry-file"); n != 1 {
		t.Errorf("%d attached files, want 1", n)
	}
	fsShots(t, ctx, "attach-entry")

	// Download from the list: the very bytes that were embedded.
	fsClick(t, ctx, "#files .entry-file-download")
	if got := fsDownloaded(t, downloads, "Discharge summary.pdf", len(pdf), 20*time.Second); !bytes.Equal(got, pdf) {
		t.Error("downloaded PDF differs from the embedded one")
	}
	// Preview: the PDF viewer in a frame, with Open and Download.
	fsClick(t, ctx, "#files .entry-file-preview")
	fsWait(t, ctx, "pdf frame", `(() => { const f = document.querySelector('#files iframe.preview-frame'); return f && f.src.startsWith('blob:') })()`, 15*time.Second)
	time.Sleep(time.Second) // let the viewer load
	var viewer string
	fsEval(t, ctx, `(() => { const f = document.querySelector('#files iframe.preview-frame');
		try { const d = f.contentDocument; if (!d) return 'no-document';
			const e = d.querySelector('embed'); return e ? 'embed:' + e.type : 'document:' + d.contentType } catch (e) { return 'error:' + e.name } })()`, &viewer)
	if viewer != "embed:application/pdf" && !strings.HasPrefix(viewer, "document:application/pdf") {
		t.Errorf("the PDF frame does not hold the PDF viewer: %s", viewer)
	}
	var save string
	fsEval(t, ctx, `document.querySelector('#files .preview-download').getAttribute('download')`, &save)
	if save != "Discharge summary.pdf" {
		t.Errorf("preview download name %q", save)
	}
	fsShots(t, ctx, "attach-entry-preview")

	// Once more: nothing new.
	openImportPage(t, ctx)
	importUpload(t, ctx, pdfPath)
	waitImportPhase(t, ctx, "preview", time.Minute)
	fsClick(t, ctx, "#import-confirm")
	waitImportPhase(t, ctx, "done", time.Minute)
	if got := readImportCards(t, ctx)["ccda-nonxml.xml"].Result; !strings.Contains(got, "0 added") {
		t.Errorf("second import: %q", got)
	}
	importStep(t, ctx, "files", importNav("/files"))
	fsWait(t, ctx, "files list", `document.querySelector('.file-item')`, 20*time.Second)
	if n := fsCount(t, ctx, ".file-item"); n != 1 {
		t.Errorf("%d files after importing twice, want 1", n)
	}

	// A FHIR bundle: the same PDF again (not stored twice) and a PNG held
	// by a Binary that a DocumentReference points at.
	openImportPage(t, ctx)
	importUpload(t, ctx, importFHIRFixture("attach/fhir-attachments.json"))
	waitImportPhase(t, ctx, "preview", time.Minute)
	if got := fsText(t, ctx, ".import-files"); got != "2 files" {
		t.Errorf("preview files %q, want \"2 files\"", got)
	}
	if got := readImportCards(t, ctx)["fhir-attachments.json"].Problems; len(got) == 0 || !strings.Contains(strings.Join(got, " "), "attachment-invalid") {
		t.Errorf("no problem line for the broken scan: %v", got)
	}
	fsClick(t, ctx, "#import-confirm")
	waitImportPhase(t, ctx, "done", time.Minute)
	importStep(t, ctx, "timeline again", importNav("/timeline"))
	fsWait(t, ctx, "photo entry", `[...document.querySelectorAll('a.entry-item')].find(a => a.innerText.includes("Wound photo"))`, 20*time.Second)
	fsEval(t, ctx, `[...document.querySelectorAll('a.entry-item')].find(a => a.innerText.includes("Wound photo")).getAttribute('href')`, &href)
	importStep(t, ctx, "photo", importNav(href))
	fsWait(t, ctx, "attached photo", `document.querySelector('#files .entry-file-preview')`, 20*time.Second)
	fsClick(t, ctx, "#files .entry-file-preview")
	fsWait(t, ctx, "image preview", `(() => { const i = document.querySelector('#files img.preview-img'); return i && i.complete && i.naturalWidth === 8 })()`, 15*time.Second)
	fsShots(t, ctx, "attach-photo")
	importStep(t, ctx, "files again", importNav("/files"))
	fsWait(t, ctx, "files list", `document.querySelectorAll('.file-item').length === 2`, 20*time.Second)
}
