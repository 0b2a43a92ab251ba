//go:build e2e

package e2e

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
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
	if got := pdfFrame(t, ctx, "#files iframe.preview-frame"); got != "opaque" {
		t.Errorf("the PDF frame: %s", got)
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

// TestImportLargeEmbeddedPDF: a C-CDA carrying a 20 MB PDF (27 MB of
// base64) imports in the browser within the import's memory budget, and
// the PDF comes back out of the vault byte for byte.
func TestImportLargeEmbeddedPDF(t *testing.T) {
	if testing.Short() {
		t.Skip("20 MB document")
	}
	s := startSite(t, "attach-large")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	downloads := fsDownloads(t, ctx)

	pdf := append([]byte("%PDF-1.4\n"), make([]byte, 20<<20)...)
	for i := 9; i < len(pdf); i++ {
		pdf[i] = byte(i*31 + i>>9)
	}
	enc := base64.StdEncoding.EncodeToString(pdf)
	var doc strings.Builder
	doc.WriteString(`<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><id root="1.2.3" extension="large"/>` +
		`<title>Scanned chart</title><recordTarget><patientRole><patient><name><given>Alex</given><family>Example</family></name>` +
		`</patient></patientRole></recordTarget><component><nonXMLBody><text mediaType="application/pdf" representation="B64">`)
	for i := 0; i < len(enc); i += 76 {
		doc.WriteString(enc[i:min(i+76, len(enc))])
		doc.WriteByte('\n')
	}
	doc.WriteString(`</text></nonXMLBody></component></ClinicalDocument>`)
	path := filepath.Join(t.TempDir(), "scanned-chart.xml")
	if err := os.WriteFile(path, []byte(doc.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	enc = ""

	openImportPage(t, ctx)
	before := wasmMemory(t, ctx)
	start := time.Now()
	importUpload(t, ctx, path)
	waitImportPhase(t, ctx, "preview", 2*time.Minute)
	read := time.Since(start)
	peak := wasmMemory(t, ctx)
	if got := fsText(t, ctx, ".import-files"); got != "1 file" {
		t.Errorf("preview files %q", got)
	}
	start = time.Now()
	fsClick(t, ctx, "#import-confirm")
	waitImportPhase(t, ctx, "done", 2*time.Minute)
	saved := time.Since(start)
	after := wasmMemory(t, ctx)
	t.Logf("C-CDA of %d MB with a %d MB PDF: read %v, saved %v; wasm memory %d MB → %d after reading → %d after saving",
		doc.Len()>>20, len(pdf)>>20, read.Round(time.Millisecond), saved.Round(time.Millisecond), before>>20, peak>>20, after>>20)
	if after > 400<<20 {
		t.Errorf("wasm memory %d MB: over the 400 MB import budget", after>>20)
	}

	importStep(t, ctx, "files", importNav("/files"))
	fsWait(t, ctx, "file", `document.querySelector('.file-item')`, 20*time.Second)
	id := fsFileID(t, ctx, "Scanned chart.pdf")
	fsClick(t, ctx, fsItem(id)+" .file-download")
	if got := fsDownloaded(t, downloads, "Scanned chart.pdf", len(pdf), 2*time.Minute); !bytes.Equal(got, pdf) {
		t.Error("the PDF came back different")
	}
}
