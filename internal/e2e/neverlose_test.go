//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// dialogs answers the page's JavaScript dialogs (the browser's "Leave
// site?" of beforeunload) with the answer set, and counts them by type.
type dialogs struct {
	mu     sync.Mutex
	accept bool
	seen   map[page.DialogType]int
}

func answerDialogs(ctx context.Context, accept bool) *dialogs {
	d := &dialogs{accept: accept, seen: map[page.DialogType]int{}}
	chromedp.ListenTarget(ctx, func(ev any) {
		e, ok := ev.(*page.EventJavascriptDialogOpening)
		if !ok {
			return
		}
		d.mu.Lock()
		d.seen[e.Type]++
		accept := d.accept
		d.mu.Unlock()
		go chromedp.Run(ctx, page.HandleJavaScriptDialog(accept))
	})
	return d
}

func (d *dialogs) set(accept bool) {
	d.mu.Lock()
	d.accept = accept
	d.mu.Unlock()
}

func (d *dialogs) count(typ page.DialogType) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen[typ]
}

// TestLeaveFormByHistory: the browser's back button on a form with changes
// asks first, as a link does (the address stays the form's while asking,
// and "Keep editing" keeps every word); leaving keeps the draft and lands
// where the button was going. Reloading or closing the tab makes the
// browser ask; saying no keeps the page, unlocked, with what was typed.
func TestLeaveFormByHistory(t *testing.T) {
	s := startSite(t, "leavehist")
	ctx, cancel := browser(t)
	defer cancel()
	dl := answerDialogs(ctx, false)
	importVaultWithProfile(t, ctx, s)
	const title = "Knee check-up"

	xpNav(t, ctx, "/timeline")
	xpNav(t, ctx, "/add/visit")
	xpClick(t, ctx, "#f-title") // a real click: the page now has a user gesture, as a person's would
	xpSetInput(t, ctx, "#f-title", title, "input")
	wantTitle := `document.querySelector("#f-title") && document.querySelector("#f-title").value === ` + xpQuote(title)

	// Back: asked first, still on the form.
	xpRun(t, ctx, chromedp.Evaluate(`history.back()`, nil))
	xpRun(t, ctx, chromedp.WaitVisible("#leave-ask", chromedp.ByID))
	xpPoll(t, ctx, "the form's address while asking", `location.pathname === "/add/visit" && `+wantTitle)
	screenshot(t, ctx, "leave-back-phone")
	xpClick(t, ctx, "#leave-stay")
	xpPoll(t, ctx, "still on the form", `!document.querySelector("#leave-ask") && location.pathname === "/add/visit" && `+wantTitle)

	// Back again, and leave: the timeline, and the draft kept.
	xpRun(t, ctx, chromedp.Evaluate(`history.back()`, nil))
	xpRun(t, ctx, chromedp.WaitVisible("#leave-ask", chromedp.ByID))
	xpClick(t, ctx, "#leave-keep")
	xpPoll(t, ctx, "on the timeline", `location.pathname === "/timeline" && !document.querySelector("#leave-ask")`)
	// Forward comes back to the form, which offers the draft.
	xpRun(t, ctx, chromedp.Evaluate(`history.forward()`, nil))
	xpPoll(t, ctx, "back on the form", `location.pathname === "/add/visit"`)
	xpRun(t, ctx, chromedp.WaitVisible("#draft-offer", chromedp.ByID))
	xpClick(t, ctx, "#draft-restore")
	xpPoll(t, ctx, "draft restored", wantTitle)

	// A reload with changes: the browser asks; "stay" keeps everything.
	time.Sleep(2500 * time.Millisecond) // even with the draft in the vault, the browser asks
	xpRun(t, ctx, chromedp.Evaluate(`setTimeout(() => location.reload(), 0)`, nil))
	deadline := time.Now().Add(10 * time.Second)
	for dl.count(page.DialogTypeBeforeunload) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if dl.count(page.DialogTypeBeforeunload) == 0 {
		t.Fatal("reloading a form with changes did not ask")
	}
	time.Sleep(300 * time.Millisecond)
	xpPoll(t, ctx, "still on the form, unlocked", `location.pathname === "/add/visit" && !!document.querySelector("#lock") && `+wantTitle)

	// Leaving a form with nothing changed does not ask.
	xpClick(t, ctx, "#f-title")
	xpNav(t, ctx, "/timeline")
	before := dl.count(page.DialogTypeBeforeunload)
	xpRun(t, ctx, chromedp.Evaluate(`history.back()`, nil))
	xpPoll(t, ctx, "back on the form, not asked", `location.pathname === "/add/visit" && !document.querySelector("#leave-ask")`)
	xpRun(t, ctx, chromedp.WaitVisible("#draft-offer", chromedp.ByID))
	xpRun(t, ctx, chromedp.Evaluate(`history.back()`, nil))
	xpPoll(t, ctx, "timeline, not asked", `location.pathname === "/timeline" && !document.querySelector("#leave-ask")`)
	dl.set(true)
	xpRun(t, ctx, chromedp.Reload())
	xpPoll(t, ctx, "unlock page", `location.pathname === "/unlock"`)
	if n := dl.count(page.DialogTypeBeforeunload); n != before {
		t.Errorf("a page without changes asked %d times on reload", n-before)
	}
}

// pdfViewerExtension is the origin of Chromium's PDF viewer.
const pdfViewerExtension = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"

// pdfFrame reports how the preview frame sel holds its PDF: "opaque"
// when the frame shows a data: URL (an opaque origin, so nothing in it can
// act as the app), the app cannot reach into it, and Chromium's PDF viewer
// is loaded; otherwise what it found.
func pdfFrame(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	var src string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && src == "" {
		xpRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const f = document.querySelector(%s); return f ? f.src : "" })()`, xpQuote(sel)), &src))
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.HasPrefix(src, "data:application/pdf;") {
		return fmt.Sprintf("frame at %.60s", src)
	}
	var frame *target.Info
	viewer := false
	for time.Now().Before(deadline) && (frame == nil || !viewer) {
		var infos []*target.Info
		xpRun(t, ctx, chromedp.ActionFunc(func(c context.Context) (err error) {
			infos, err = target.GetTargets().Do(c)
			return err
		}))
		frame, viewer = nil, false
		for _, i := range infos {
			if i.Type == "iframe" && i.URL == src {
				frame = i
			}
			if strings.HasPrefix(i.URL, pdfViewerExtension) {
				viewer = true
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if frame == nil {
		return "no frame target"
	}
	if !viewer {
		return "no PDF viewer"
	}
	var outside string
	xpRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const f = document.querySelector(%s);
		try { const d = f.contentDocument; return d ? "reachable: " + f.contentWindow.origin + " " + d.contentType : "" } catch (e) { return "" } })()`, xpQuote(sel)), &outside))
	if outside != "" {
		return "the app reaches into the frame: " + outside
	}
	// (Seen from inside, by DevTools: self.origin is "null", and the
	// viewer's embed is there. Attaching to the frame here stalls the
	// browser's other commands, so the test looks from outside only: a
	// frame the app cannot reach into holds a document of another origin.)
	return "opaque"
}

// hostilePDF is a PDF whose opening action runs JavaScript (shows an alert
// and asks to open an address) and which carries an HTML page with a
// script after its header, for a viewer that would sniff it as HTML.
func hostilePDF() []byte {
	pdf := testPDF()
	js := `app.alert("pdf script ran"); app.launchURL("/pwned-launch", true);`
	pdf = bytes.Replace(pdf, []byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte(`<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (`+js+`) >> >>`), 1)
	html := "%<html><body><script>fetch('/pwned-html?' + origin); localStorage.setItem('pwned', '1'); parent.postMessage('pwned', '*')</script></body></html>\n"
	return append(append(pdf[:9:9], html...), pdf[9:]...)
}

// TestPDFPreviewSandboxed: a PDF preview is shown in a frame of an opaque
// origin (a data: URL) and still in Chromium's PDF viewer — which refuses
// to show inside any sandboxed iframe, and ignores a CSP sandbox on a PDF
// response (the frame then stays in the app's origin): both were tried
// here first. A PDF with embedded JavaScript and an HTML payload never
// acts in the app's origin: no request it asks for, no storage it
// touches, no message; and the PDF is never opened in a tab of the app's
// origin.
func TestPDFPreviewSandboxed(t *testing.T) {
	s := startSite(t, "pdfsandbox")
	ctx, cancel := browser(t)
	defer cancel()
	dl := answerDialogs(ctx, true)
	var mu sync.Mutex
	var pwned []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && strings.Contains(e.Request.URL, "/pwned") {
			mu.Lock()
			pwned = append(pwned, e.Request.URL)
			mu.Unlock()
		}
	})
	fsUnlocked(t, ctx, s)
	downloads := fsDownloads(t, ctx)
	xpRun(t, ctx, chromedp.Evaluate(`window.addEventListener("message", e => { if (e.data === "pwned") document.body.dataset.pwned = "1" })`, nil))
	fsNav(t, ctx, "/files")
	path := writeTemp(t, t.TempDir(), "hostile.pdf", hostilePDF())
	fsRun(t, ctx, "pick the PDF", chromedp.SetUploadFiles(`#file-input`, []string{path}, chromedp.ByQuery))
	fsWait(t, ctx, "saved", `document.querySelectorAll('.file-item').length === 1`, 30*time.Second)
	id := fsFileID(t, ctx, "hostile.pdf")
	fsClick(t, ctx, fsItem(id)+" .file-preview-toggle")
	if got := pdfFrame(t, ctx, fsItem(id)+" iframe.preview-frame"); got != "opaque" {
		t.Errorf("PDF preview: %s", got)
	}
	time.Sleep(2 * time.Second) // what the PDF's script would do, it would have done
	fsShots(t, ctx, "pdf-opaque")
	var marks string
	xpRun(t, ctx, chromedp.Evaluate(`(localStorage.getItem("pwned") || "") + (document.body.dataset.pwned || "")`, &marks))
	mu.Lock()
	reqs := append([]string(nil), pwned...)
	mu.Unlock()
	if marks != "" || len(reqs) > 0 {
		t.Errorf("the PDF acted in the app: storage/message %q, requests %q", marks, reqs)
	}
	if n := dl.count(page.DialogTypeAlert); n > 0 {
		t.Logf("the PDF's own script showed %d alert(s), inside the PDF viewer", n)
	}

	// No "Open" in a tab of the app's origin; Download is the file, byte
	// for byte.
	if xpExists(t, ctx, fsItem(id)+" .preview-open") {
		t.Error("a PDF is offered to open in a tab of the app's origin")
	}
	fsClick(t, ctx, fsItem(id)+" .preview-download")
	if got := fsDownloaded(t, downloads, "hostile.pdf", len(hostilePDF()), 20*time.Second); !bytes.Equal(got, hostilePDF()) {
		t.Error("the downloaded PDF differs")
	}
}

// TestTabWaitsForOtherTab: while another tab holds the vault's write lock
// (a long import or restore there), a change here says that it waits for
// the other tab, then is saved once the lock is free — nothing lost, and
// nothing taken from under the other tab's write.
func TestTabWaitsForOtherTab(t *testing.T) {
	s := startSite(t, "tabwait")
	a, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, a, s)
	b, cancelB := chromedp.NewContext(a)
	defer cancelB()
	if err := chromedp.Run(b, phone()); err != nil {
		t.Fatal(err)
	}
	tabsFront(t, b)
	xpGo(t, b, s.URL("/unlock"))
	xpSetInput(t, b, "#unlock-pass", importTestPass, "input")
	xpClick(t, b, "#unlock")
	xpPoll(t, b, "unlocked", `location.pathname !== "/unlock" && !!document.querySelector("#lock")`)
	xpNav(t, b, "/questions")
	xpSetInput(t, b, "#q-text", "Is the new dose safe with my inhaler?", "input")

	// Tab A writes for 6 s (held as its long import would).
	xpRun(t, a, chromedp.Evaluate(`navigator.locks.request("backpack-vault-write", () => new Promise(r => setTimeout(r, 6000))), true`, nil))
	start := time.Now()
	xpClick(t, b, "#q-add")
	xpPoll(t, b, "the wait said", `!!document.querySelector("#tabs-busy")`)
	if time.Since(start) > 5*time.Second {
		t.Errorf("the wait was said after %v", time.Since(start))
	}
	screenshot(t, b, "tabs-busy-phone")
	xpWaitText(t, b, "#questions", "Is the new dose safe with my inhaler?")
	xpPoll(t, b, "the notice gone", `!document.querySelector("#tabs-busy")`)
	if time.Since(start) < 5*time.Second {
		t.Errorf("saved after %v, while the other tab held the lock", time.Since(start))
	}
}
