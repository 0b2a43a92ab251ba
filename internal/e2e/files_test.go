//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// testPNG is a small x-ray-like picture.
func testPNG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 320; x++ {
			v := uint8((x*x + y*y) / 600 % 256)
			img.Set(x, y, color.RGBA{v, v, uint8(200 - y/2), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testPDF is a valid one-page PDF with a line of text.
func testPDF() []byte {
	text := "BT /F1 24 Tf 40 100 Td (Backpack lab report) Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func writeTemp(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fsDownloads sends the browser's downloads to a temporary directory.
func fsDownloads(t testing.TB, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	fsRun(t, ctx, "download dir", cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).
		WithDownloadPath(dir).WithEventsEnabled(true))
	return dir
}

// fsDownloaded waits for a finished download named name and returns its bytes.
func fsDownloaded(t testing.TB, dir, name string, size int, timeout time.Duration) []byte {
	t.Helper()
	deadline := time.Now().Add(timeout)
	p := filepath.Join(dir, name)
	for time.Now().Before(deadline) {
		if st, err := os.Stat(p); err == nil && int(st.Size()) == size {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		time.Sleep(50 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Fatalf("no download %q of %d bytes; dir has %v", name, size, names)
	return nil
}

// fileItem is the CSS selector of a file's row, by name.
func fsFileID(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	var id string
	fsEval(t, ctx, fmt.Sprintf(`([...document.querySelectorAll('.file-item')].find(li => li.querySelector('.file-name').innerText === %q) || {dataset: {}}).dataset.file || ''`, name), &id)
	if id == "" {
		t.Fatalf("file %q is not listed", name)
	}
	return id
}

func fsCount(t testing.TB, ctx context.Context, sel string) int {
	t.Helper()
	var n int
	fsEval(t, ctx, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n)
	return n
}

func fsItem(id string) string { return fmt.Sprintf(`.file-item[data-file=%q]`, id) }

// wasmMemory is the size of every WebAssembly memory in the page (the Go
// heap lives in one): a file copied whole into Go memory would show here.
func wasmMemory(t testing.TB, ctx context.Context) int64 {
	t.Helper()
	var total int64
	fsRun(t, ctx, "wasm memory", chromedp.ActionFunc(func(ctx context.Context) error {
		proto, exc, err := runtime.Evaluate(`WebAssembly.Memory.prototype`).Do(ctx)
		if err != nil || exc != nil {
			return fmt.Errorf("prototype: %v %v", err, exc)
		}
		objs, err := runtime.QueryObjects(proto.ObjectID).Do(ctx)
		if err != nil {
			return err
		}
		res, exc, err := runtime.CallFunctionOn(`function() { return this.reduce((n, m) => n + m.buffer.byteLength, 0) }`).
			WithObjectID(objs.ObjectID).WithReturnByValue(true).Do(ctx)
		if err != nil || exc != nil {
			return fmt.Errorf("sizes: %v %v", err, exc)
		}
		_, err = fmt.Sscan(string(res.Value), &total)
		return err
	}))
	return total
}

// Files end to end: several files picked at once, a photo input for the
// camera, a drop; previews (image and PDF), downloads byte for byte,
// attaching to an entry, deleting with a confirm step.
func TestFilesPage(t *testing.T) {
	s := startSite(t, "files")
	ctx, cancel := browser(t)
	defer cancel()
	fsUnlocked(t, ctx, s)
	asthma := fsAdd(t, ctx, "condition", map[string]string{"name": "Asthma", "status": "active"})
	downloads := fsDownloads(t, ctx)

	fsNav(t, ctx, "/files")
	fsRun(t, ctx, "files page", chromedp.WaitVisible(`#files-empty`, chromedp.ByQuery))
	var camera string
	fsEval(t, ctx, `(() => { const c = document.querySelector('#camera-input');
		return c.type + ' ' + c.accept + ' ' + c.getAttribute('capture') + ' ' + document.querySelector('label[for=camera-input]').innerText.trim() })()`, &camera)
	if camera != "file image/* environment Take a photo" {
		t.Errorf("camera input: %q", camera)
	}
	fsShots(t, ctx, "files-empty")

	dir := t.TempDir()
	pngBytes, pdfBytes := testPNG(t), testPDF()
	pngPath := writeTemp(t, dir, "chest x-ray.png", pngBytes)
	pdfPath := writeTemp(t, dir, "lab report.pdf", pdfBytes)
	fsRun(t, ctx, "pick two files", chromedp.SetUploadFiles(`#file-input`, []string{pngPath, pdfPath}, chromedp.ByQuery))
	fsWait(t, ctx, "two uploads saved", `document.querySelectorAll('#uploads .upload-done').length === 2 && document.querySelectorAll('.file-item').length === 2`, 30*time.Second)
	fsContains(t, ctx, "#uploads", "chest x-ray.png", "lab report.pdf", "Saved")
	pngID, pdfID := fsFileID(t, ctx, "chest x-ray.png"), fsFileID(t, ctx, "lab report.pdf")
	fsContains(t, ctx, fsItem(pngID), "Image", fmt.Sprintf("%.1f kB", float64(len(pngBytes))/1000), "added "+time.Now().Format(time.DateOnly), "Not attached")
	fsContains(t, ctx, fsItem(pdfID), "PDF")

	// Image preview: decrypted into an object URL, really decoded.
	fsClick(t, ctx, fsItem(pngID)+" .file-preview-toggle")
	fsWait(t, ctx, "image decoded", fmt.Sprintf(`(() => { const i = document.querySelector('%s img.preview-img'); return i && i.complete && i.naturalWidth === 320 })()`, fsItem(pngID)), 15*time.Second)
	var imgURL string
	fsEval(t, ctx, fmt.Sprintf(`document.querySelector('%s img.preview-img').src`, fsItem(pngID)), &imgURL)
	if !strings.HasPrefix(imgURL, "blob:") {
		t.Errorf("image preview src %q", imgURL)
	}

	// PDF preview in a frame of its own opaque origin (neverlose_test.go);
	// Download is offered, Open only for images.
	fsClick(t, ctx, fsItem(pdfID)+" .file-preview-toggle")
	if got := pdfFrame(t, ctx, fsItem(pdfID)+" iframe.preview-frame"); got != "opaque" {
		t.Errorf("the PDF frame: %s", got)
	}
	var save string
	fsEval(t, ctx, fmt.Sprintf(`document.querySelector('%s .preview-download').getAttribute('download')`, fsItem(pdfID)), &save)
	if xpExists(t, ctx, fsItem(pdfID)+" .preview-open") || save != "lab report.pdf" {
		t.Errorf("PDF: Open offered, or download %q", save)
	}
	fsShots(t, ctx, "files-preview")

	// Downloads: the streamed one (list button) and the preview's link.
	fsClick(t, ctx, fsItem(pdfID)+" .file-download")
	if got := fsDownloaded(t, downloads, "lab report.pdf", len(pdfBytes), 20*time.Second); !bytes.Equal(got, pdfBytes) {
		t.Error("downloaded PDF differs from the uploaded one")
	}
	fsClick(t, ctx, fsItem(pngID)+" .file-preview-toggle") // one preview at a time: the PDF's closes
	fsWait(t, ctx, "image again", fmt.Sprintf(`(() => { const i = document.querySelector('%s img.preview-img'); return i && i.complete && i.naturalWidth === 320 })()`, fsItem(pngID)), 15*time.Second)
	if n := fsCount(t, ctx, ".file-preview"); n != 1 {
		t.Errorf("%d previews open", n)
	}
	fsEval(t, ctx, fmt.Sprintf(`document.querySelector('%s img.preview-img').src`, fsItem(pngID)), &imgURL)
	fsClick(t, ctx, fsItem(pngID)+" .preview-download")
	if got := fsDownloaded(t, downloads, "chest x-ray.png", len(pngBytes), 20*time.Second); !bytes.Equal(got, pngBytes) {
		t.Error("downloaded image differs from the uploaded one")
	}

	// Hiding the preview revokes its object URL.
	fsClick(t, ctx, fsItem(pngID)+" .file-preview-toggle")
	var fetched string
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`fetch(%q).then(() => 'readable', () => 'revoked')`, imgURL), &fetched, awaitPromise)); err != nil {
		t.Fatal(err)
	}
	if fetched != "revoked" {
		t.Errorf("object URL after the preview closed: %s", fetched)
	}

	// Attach the PDF to the asthma entry; the list and the entry show it.
	fsClick(t, ctx, fsItem(pdfID)+" .file-attach")
	fsRun(t, ctx, "attach panel", chromedp.WaitVisible(fsItem(pdfID)+" .attach-q", chromedp.ByQuery))
	fsSet(t, ctx, fsItem(pdfID)+" .attach-q", "asth")
	fsWait(t, ctx, "asthma offered", fmt.Sprintf(`document.querySelector('%s .attach-item[data-entry=%q] .attach-do')`, fsItem(pdfID), asthma), 5*time.Second)
	fsClick(t, ctx, fmt.Sprintf(`%s .attach-item[data-entry=%q] .attach-do`, fsItem(pdfID), asthma))
	fsWait(t, ctx, "attached", fmt.Sprintf(`[...document.querySelectorAll('%s .file-entries a')].some(a => a.getAttribute('href') === '/entry/%s')`, fsItem(pdfID), asthma), 10*time.Second)
	fsWaitText(t, ctx, fsItem(pdfID)+" .file-entries", "Attached to:", "Asthma")
	fsShots(t, ctx, "files-attach")
	fsNav(t, ctx, "/entry/"+asthma)
	fsWaitText(t, ctx, "main", "Asthma", "lab report.pdf")
	fsNav(t, ctx, "/files")

	// A file dropped on the page (any type: no preview, still downloadable).
	fsRun(t, ctx, "drop", chromedp.Evaluate(`(() => { const dt = new DataTransfer();
		dt.items.add(new File(['Discharge: rest, fluids.\n'], 'discharge.txt', {type: 'text/plain'}));
		const z = document.querySelector('.files-page');
		z.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
		z.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})); })()`, nil))
	fsWait(t, ctx, "dropped file listed", `document.querySelectorAll('.file-item').length === 3`, 15*time.Second)
	txtID := fsFileID(t, ctx, "discharge.txt")
	fsWaitText(t, ctx, fsItem(txtID), "Text", "25 B")
	if fsCount(t, ctx, fsItem(txtID)+" .file-preview-toggle") != 0 {
		t.Error("a text file offers a preview")
	}
	fsClick(t, ctx, fsItem(txtID)+" .file-download")
	if got := fsDownloaded(t, downloads, "discharge.txt", 25, 10*time.Second); string(got) != "Discharge: rest, fluids.\n" {
		t.Errorf("dropped file downloaded as %q", got)
	}

	// Delete: a confirm step; cancel keeps the file, confirm removes it and
	// detaches it from its entry.
	fsClick(t, ctx, fsItem(pdfID)+" .file-delete")
	fsWaitText(t, ctx, fsItem(pdfID)+" .confirm", "Delete “lab report.pdf” for good?", "removed from the entry it is attached to")
	fsShots(t, ctx, "files-delete")
	fsClick(t, ctx, fsItem(pdfID)+" .file-delete-no")
	fsClick(t, ctx, fsItem(pdfID)+" .file-delete")
	fsClick(t, ctx, fsItem(pdfID)+" .file-delete-yes")
	fsWait(t, ctx, "pdf deleted", `document.querySelectorAll('.file-item').length === 2`, 10*time.Second)
	fsWaitText(t, ctx, "main", "File deleted.")
	fsNav(t, ctx, "/entry/"+asthma)
	fsWaitText(t, ctx, "main", "Asthma")
	if strings.Contains(fsText(t, ctx, "main"), "lab report.pdf") {
		t.Error("the deleted file is still attached to its entry")
	}
	fsNav(t, ctx, "/files")
	for _, id := range []string{pngID, txtID} {
		fsClick(t, ctx, fsItem(id)+" .file-delete")
		fsClick(t, ctx, fsItem(id)+" .file-delete-yes")
		fsWait(t, ctx, "deleted", fmt.Sprintf(`!document.querySelector('%s')`, fsItem(id)), 10*time.Second)
	}
	fsRun(t, ctx, "empty again", chromedp.WaitVisible(`#files-empty`, chromedp.ByQuery))
}

// A 100 MB file goes in and out without a whole copy in Go memory: the
// wasm memory grows by much less than the file.
func TestFilesLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB upload")
	}
	s := startSite(t, "files-large")
	ctx, cancel := browser(t)
	defer cancel()
	fsUnlocked(t, ctx, s)
	downloads := fsDownloads(t, ctx)
	fsNav(t, ctx, "/files")
	fsRun(t, ctx, "files page", chromedp.WaitVisible(`#file-input`, chromedp.ByQuery))

	const size = 100 << 20
	path := filepath.Join(t.TempDir(), "ct-scan.dcm")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 1<<20)
	for i := 0; i < size>>20; i++ {
		for j := range block {
			block[j] = byte(i*7 + j*13)
		}
		f.Write(block)
	}
	f.Close()
	want, _ := os.ReadFile(path)
	wantSum := sha256.Sum256(want)
	want = nil

	before := wasmMemory(t, ctx)
	start := time.Now()
	fsRun(t, ctx, "pick", chromedp.SetUploadFiles(`#file-input`, []string{path}, chromedp.ByQuery))
	// Progress shows while it runs.
	fsWait(t, ctx, "progress", `document.querySelector('#uploads progress') || document.querySelector('#uploads .upload-done')`, 30*time.Second)
	fsWait(t, ctx, "saved", `document.querySelector('#uploads .upload-done')`, 3*time.Minute)
	up := time.Since(start)
	mid := wasmMemory(t, ctx)
	id := fsFileID(t, ctx, "ct-scan.dcm")
	fsContains(t, ctx, fsItem(id), "DICOM", "105 MB")
	start = time.Now()
	fsClick(t, ctx, fsItem(id)+" .file-download")
	got := fsDownloaded(t, downloads, "ct-scan.dcm", size, 3*time.Minute)
	down := time.Since(start)
	if sha256.Sum256(got) != wantSum {
		t.Error("the 100 MB file came back different")
	}
	after := wasmMemory(t, ctx)
	t.Logf("100 MB: upload %v, download %v; wasm memory %d MB → %d after upload → %d after download",
		up.Round(time.Millisecond), down.Round(time.Millisecond), before>>20, mid>>20, after>>20)
	if after-before > 60<<20 {
		t.Errorf("wasm memory grew by %d MB for a 100 MB file: not streamed", (after-before)>>20)
	}
}
